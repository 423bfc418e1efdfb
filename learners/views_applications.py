"""Learner pages: applying to a partner, and the learner's own application (answering a request
for information, adding documents, withdrawing).

Thin: who may come in, a selector or a service, a template. Learners only; anyone else gets 404.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from partners.errors import TransitionNotAllowed
from partners.models import OPEN_STATUSES, ApplicationStatus
from partners.selectors import application_get_for_learner_or_404, partner_get_active_or_404
from partners.services.applications import (
    application_documents_add,
    application_resubmit,
    application_submit,
    application_withdraw,
    case_number_reveal,
    documents_counted,
)

from .forms import ApplicationForm, DocumentsForm
from .selectors import learner_live_application, partner_serves
from .views import JOIN_SESSION_KEY, learner_only, profile_required

# Errors from the document checks belong next to the file field rather than above the form.
DOCUMENT_ERROR_CODES = {
    "too_many",
    "too_many_uploads",
    "too_large",
    "empty",
    "wrong_type",
}


def _add_service_error(form, error: ValidationError) -> None:
    field = "documents" if getattr(error, "code", None) in DOCUMENT_ERROR_CODES else None
    form.add_error(field, error)


# --- applying ------------------------------------------------------------------------------------


@learner_only
@require_http_methods(["GET", "POST"])
def apply(request: HttpRequest, slug: str) -> HttpResponse:
    partner = partner_get_active_or_404(slug)
    user = request.user
    learner_profile = profile_required(request)
    if learner_profile is None:
        return redirect("learners:profile")
    if learner_live_application(user) is not None:
        messages.info(request, _("You already have an application. Here is where it stands."))
        return redirect("learners:dashboard")
    country = learner_profile.country_of_residence.code
    joined = request.session.get(JOIN_SESSION_KEY) == partner.slug
    if not joined and not partner_serves(partner, country):
        messages.warning(
            request,
            _(
                "%(partner)s does not work in the country where you live. Please choose another "
                "organisation."
            )
            % {"partner": partner.name},
        )
        return redirect("learners:choose_partner")

    form = ApplicationForm(request.POST or None, request.FILES or None, partner=partner)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            application_submit(
                learner=user,
                partner=partner,
                displacement_status=data["displacement_status"],
                country_of_residence=country,
                case_number=data["case_number"],
                note=data["note"],
                documents=data["documents"],
                acting_user=user,
            )
        except ValidationError as error:
            _add_service_error(form, error)
        else:
            request.session.pop(JOIN_SESSION_KEY, None)
            messages.success(
                request,
                _("Your application was sent to %(partner)s.") % {"partner": partner.name},
            )
            return redirect("learners:dashboard")
    return render(
        request,
        "learners/apply.html",
        {"form": form, "partner": partner, "files_were_chosen": bool(request.FILES)},
    )


# --- the learner's own application --------------------------------------------------------------


@learner_only
@require_http_methods(["GET", "POST"])
def application_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Answer a partner's request for more information."""
    application = application_get_for_learner_or_404(request.user, pk)
    if application.status != ApplicationStatus.INFO_REQUESTED:
        messages.info(request, _("This application is not waiting for more information."))
        return redirect("learners:dashboard")
    documents = list(application.documents.all())
    form = ApplicationForm(
        request.POST or None,
        request.FILES or None,
        partner=application.partner,
        existing_documents=documents_counted(application),
        initial={
            "displacement_status": application.displacement_status,
            "case_number": case_number_reveal(application),
            "note": application.note,
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            application_resubmit(
                application=application,
                acting_user=request.user,
                displacement_status=data["displacement_status"],
                case_number=data["case_number"],
                note=data["note"],
                documents=data["documents"],
            )
        except ValidationError as error:
            _add_service_error(form, error)
        else:
            messages.success(
                request,
                _("Your answer was sent to %(partner)s.") % {"partner": application.partner.name},
            )
            return redirect("learners:dashboard")
    return render(
        request,
        "learners/application_edit.html",
        {
            "form": form,
            "application": application,
            "partner": application.partner,
            "documents": documents,
            "files_were_chosen": bool(request.FILES),
        },
    )


@learner_only
@require_http_methods(["GET", "POST"])
def application_documents_add_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Add documents to an application waiting for the partner — for example in place of one
    that could not be read. The application and its answers stay as they are."""
    application = application_get_for_learner_or_404(request.user, pk)
    if application.status == ApplicationStatus.INFO_REQUESTED:
        return redirect("learners:application_edit", pk=application.pk)
    if application.status not in OPEN_STATUSES:
        messages.info(request, _("Documents can only be added to an application in progress."))
        return redirect("learners:dashboard")
    documents = list(application.documents.all())
    form = DocumentsForm(
        request.POST or None,
        request.FILES or None,
        partner=application.partner,
        existing_documents=documents_counted(application),
    )
    if request.method == "POST" and form.is_valid():
        try:
            application_documents_add(
                application=application,
                acting_user=request.user,
                documents=form.cleaned_data["documents"],
            )
        except ValidationError as error:
            _add_service_error(form, error)
        else:
            messages.success(
                request,
                _("Your documents were added. We are checking them now."),
            )
            return redirect("learners:dashboard")
    return render(
        request,
        "learners/documents_add.html",
        {
            "form": form,
            "application": application,
            "partner": application.partner,
            "documents": documents,
            "files_were_chosen": bool(request.FILES),
        },
    )


@learner_only
@require_http_methods(["GET", "POST"])
def application_withdraw_view(request: HttpRequest, pk: int) -> HttpResponse:
    """GET asks to confirm; POST withdraws."""
    application = application_get_for_learner_or_404(request.user, pk)
    if application.status not in OPEN_STATUSES:
        messages.info(request, _("Only an application in progress can be withdrawn."))
        return redirect("learners:dashboard")
    if request.method == "POST":
        try:
            application_withdraw(application=application, acting_user=request.user)
        except TransitionNotAllowed as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(
                request,
                _("Your application was withdrawn. You may apply again whenever you wish."),
            )
        return redirect("learners:dashboard")
    return render(request, "learners/application_withdraw.html", {"application": application})
