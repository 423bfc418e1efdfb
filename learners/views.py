"""Learner pages: profile and consent, choosing a partner, applying, and the dashboard.

Thin: who may come in, a selector or a service, a template. Every page here is for learners
only; anyone else gets 404, as if the page did not exist for them.
"""

from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from partners.errors import TransitionNotAllowed
from partners.models import OPEN_STATUSES, ApplicationStatus, DocumentKind, Partner
from partners.selectors import (
    application_get_for_learner_or_404,
    document_get_for_download_or_404,
    partner_get_active_or_404,
)
from partners.services.applications import (
    application_documents_add,
    application_resubmit,
    application_submit,
    application_withdraw,
    case_number_reveal,
    documents_counted,
)

from .forms import ApplicationForm, DocumentsForm, ProfileForm
from .selectors import (
    learner_dashboard,
    learner_live_application,
    partner_serves,
    partners_for_learner,
    profile_get_for_user,
)
from .services.profiles import PRIVACY_NOTICE_VERSION, learner_profile_save
from .status import learner_courses

# The partner whose join link the visitor followed; its form opens once they have a profile.
JOIN_SESSION_KEY = "learners_join_partner"

# Errors from the document checks belong next to the file field rather than above the form.
DOCUMENT_ERROR_CODES = {
    "too_many",
    "too_many_uploads",
    "too_large",
    "empty",
    "wrong_type",
}

DOWNLOAD_TYPES = {
    DocumentKind.PDF: ("pdf", "application/pdf"),
    DocumentKind.JPEG: ("jpg", "image/jpeg"),
    DocumentKind.PNG: ("png", "image/png"),
}


def learner_only(view):
    """Learner pages do not exist for staff and programme admins: they get 404."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs):
        if not getattr(request.user, "is_learner", False):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapped


def _joined_partner(request: HttpRequest) -> Partner | None:
    slug = request.session.get(JOIN_SESSION_KEY)
    if not slug:
        return None
    return Partner.objects.filter(slug=slug, is_active=True).first()


def _add_service_error(form, error: ValidationError) -> None:
    field = "documents" if getattr(error, "code", None) in DOCUMENT_ERROR_CODES else None
    form.add_error(field, error)


# --- profile and consent ------------------------------------------------------------------------


@learner_only
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    user = request.user
    existing = profile_get_for_user(user)
    if existing is not None:
        language = user.language
    else:
        # A newcomer has already picked a language on the way in (cookie or browser).
        current = translation.get_language() or ""
        language = current if current in dict(settings.LANGUAGES) else user.language
    consent_given = existing is not None and existing.consent_version == PRIVACY_NOTICE_VERSION
    form = ProfileForm(
        request.POST or None,
        instance=existing,
        language=language,
        consent_given=consent_given,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            learner_profile_save(
                user=user,
                display_name=data["display_name"],
                language=data["language"],
                country_of_residence=data["country_of_residence"],
                country_of_origin=data.get("country_of_origin") or "",
                consent=data["consent"],
                acting_user=user,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            # The rest of this visit, and every later one, in the language just chosen.
            translation.activate(data["language"])
            request.LANGUAGE_CODE = data["language"]
            messages.success(request, _("Your profile is saved."))
            response = redirect(_after_profile(request, created=existing is None))
            _set_language_cookie(response, data["language"])
            return response
    return render(
        request,
        "learners/profile.html",
        {"form": form, "is_new": existing is None, "privacy_version": PRIVACY_NOTICE_VERSION},
    )


def _after_profile(request: HttpRequest, *, created: bool) -> str:
    if not created or learner_live_application(request.user) is not None:
        return reverse("learners:dashboard")
    slug = request.session.get(JOIN_SESSION_KEY)
    if slug:
        return reverse("learners:apply", args=[slug])
    return reverse("learners:choose_partner")


def _set_language_cookie(response: HttpResponse, language: str) -> None:
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )


def _profile_required(request: HttpRequest):
    profile_ = profile_get_for_user(request.user)
    if profile_ is None:
        messages.info(request, _("First, please tell us a little about yourself."))
    return profile_


# --- choosing a partner and applying ------------------------------------------------------------


@login_not_required
@require_GET
def join(request: HttpRequest, slug: str) -> HttpResponse:
    """A partner's public link: it remembers the partner through sign-up and onboarding."""
    partner = partner_get_active_or_404(slug)
    user = request.user
    is_learner = getattr(user, "is_learner", False)
    if not user.is_authenticated or is_learner:
        request.session[JOIN_SESSION_KEY] = partner.slug
    apply_url = reverse("learners:apply", args=[partner.slug])
    next_query = urlencode({"next": apply_url})
    return render(
        request,
        "learners/join.html",
        {
            "partner": partner,
            "apply_url": apply_url,
            "signup_url": f"{reverse('account_signup')}?{next_query}",
            "login_url": f"{reverse('account_login')}?{next_query}",
            "is_learner": is_learner,
            "live_application": learner_live_application(user) if is_learner else None,
        },
    )


@learner_only
@require_GET
def choose_partner(request: HttpRequest) -> HttpResponse:
    learner_profile = _profile_required(request)
    if learner_profile is None:
        return redirect("learners:profile")
    if learner_live_application(request.user) is not None:
        messages.info(request, _("You already have an application. Here is where it stands."))
        return redirect("learners:dashboard")
    partners = partners_for_learner(learner_profile)
    joined = _joined_partner(request)
    if joined is not None and any(p.pk == joined.pk for p in partners):
        partners = [p for p in partners if p.pk != joined.pk]
    return render(
        request,
        "learners/choose_partner.html",
        {"profile": learner_profile, "partners": partners, "joined": joined},
    )


@learner_only
@require_http_methods(["GET", "POST"])
def apply(request: HttpRequest, slug: str) -> HttpResponse:
    partner = partner_get_active_or_404(slug)
    user = request.user
    learner_profile = _profile_required(request)
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


# --- dashboard and documents --------------------------------------------------------------------


@learner_only
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    data = learner_dashboard(request.user)
    if data.profile is None:
        messages.info(request, _("Welcome! First, please tell us a little about yourself."))
        return redirect("learners:profile")
    joined = None if data.has_live_application else _joined_partner(request)
    return render(
        request,
        "learners/dashboard.html",
        {
            "profile": data.profile,
            "application": data.current,
            "past_applications": data.past,
            "has_live_application": data.has_live_application,
            "joined": joined,
            "courses": learner_courses(request.user, data.current),
        },
    )


@learner_only
@require_GET
def document_download(request: HttpRequest, pk: int) -> FileResponse:
    document = document_get_for_download_or_404(request.user, pk)
    # This is the learner's own page: only their own documents, never through a staff role.
    if document.application.learner_id != request.user.pk or not document.is_ready:
        raise Http404
    extension, content_type = DOWNLOAD_TYPES[document.kind]
    try:
        handle = document.file.storage.open(document.file.name, "rb")
    except FileNotFoundError as error:
        raise Http404 from error
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=f"document-{document.pk}.{extension}",
        content_type=content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
