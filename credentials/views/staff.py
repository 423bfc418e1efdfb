"""Enrolment pages for a partner's coordinators (/staff/<slug>/...) and voucher codes for programme
admins (/staff/programme/...). The seat pages, whose figures are the reporting engine's
protected counts, are reporting's (reporting/views/seats.py).

Thin: authorise through a selector (404 for anyone else: reviewers, other partners' staff,
learners; admins on partner pages, partner staff on programme pages), call a service, render.
Programme admins see aggregate seat numbers only, never individual learners.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from portal.csv_upload import csv_upload_view

from ..forms.staff import AccessCodeImportForm, EnrolmentFilterForm, RevokeForm
from ..models import EnrolmentStatus
from ..permissions import can_manage_seats
from ..selectors import (
    enrolment_get_for_coordinator_or_404,
    enrolments_for_coordinator,
    partner_get_for_coordinator_or_404,
    voucher_providers_with_stock,
)
from ..services.codes import access_codes_import
from ..services.enrolments import enrolment_revoke

REVOCABLE = {
    EnrolmentStatus.REQUESTED,
    EnrolmentStatus.PROVISIONING,
    EnrolmentStatus.ACTIVE,
    EnrolmentStatus.WAITLISTED,
}


# --- coordinators of a partner ------------------------------------------------------------------


@require_http_methods(["GET"])
def enrolments(request: HttpRequest, slug: str) -> HttpResponse:
    partner = partner_get_for_coordinator_or_404(request.user, slug)
    form = EnrolmentFilterForm(request.GET or None)
    status = form.cleaned_data.get("status", "") if form.is_valid() else ""
    listing = enrolments_for_coordinator(
        partner, status=status, page_number=request.GET.get("page")
    )
    return render(
        request,
        "credentials/staff/enrolments.html",
        {
            "partner": partner,
            "form": form,
            "status": status,
            "listing": listing,
            "tabs": [
                {"value": value, "label": label, "count": listing.counts[value]}
                for value, label in EnrolmentStatus.choices
            ],
            "page": listing.page,
            "revocable": {s.value for s in REVOCABLE},
            "section": "enrolments",
        },
    )


@require_http_methods(["GET", "POST"])
def enrolment_revoke_view(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    partner = partner_get_for_coordinator_or_404(request.user, slug)
    enrolment = enrolment_get_for_coordinator_or_404(request.user, partner, pk)
    form = RevokeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            enrolment_revoke(
                enrolment=enrolment, reason=form.cleaned_data["reason"], acting_user=request.user
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("Access to %(course)s was withdrawn from %(email)s.")
                % {
                    "course": enrolment.course.title,
                    # Never an internal placeholder (it would hold a login code).
                    "email": enrolment.learner.email_shown or _("this learner"),
                },
            )
            return redirect("seats:enrolments", slug=partner.slug)
    return render(
        request,
        "credentials/staff/revoke.html",
        {
            "partner": partner,
            "enrolment": enrolment,
            "form": form,
            "can_revoke": enrolment.status in REVOCABLE,
            "section": "enrolments",
        },
    )


# --- programme admins ---------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def codes(request: HttpRequest) -> HttpResponse:
    if not can_manage_seats(request.user):
        raise Http404

    def imported(data: dict) -> dict:
        added, skipped = access_codes_import(
            provider=data["provider"], csv_file=data["csv_file"], acting_user=request.user
        )
        return {"provider": data["provider"].name, "added": added, "skipped": skipped}

    return csv_upload_view(
        request,
        form=AccessCodeImportForm(request.POST or None, request.FILES or None),
        create=imported,
        done=lambda counts: (
            _("%(provider)s: %(added)d added, %(skipped)d skipped (already there or repeated).")
            % counts,
            reverse("programme:codes"),
        ),
        template="credentials/staff/codes.html",
        context=lambda: {"providers": voucher_providers_with_stock(request.user)},
    )
