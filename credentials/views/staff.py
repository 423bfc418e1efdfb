"""Seat and enrolment pages for a partner's coordinators (/staff/<slug>/...) and for programme
admins (/staff/programme/...).

Thin: authorise through a selector (404 for anyone else: reviewers, other partners' staff,
learners; admins on partner pages, partner staff on programme pages), call a service, render.
Programme admins see aggregate seat numbers only, never individual learners.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from ..forms.staff import AccessCodeImportForm, EnrolmentFilterForm, RevokeForm, SeatAllocationForm
from ..models import EnrolmentStatus
from ..permissions import can_manage_seats
from ..selectors import (
    allocation_table,
    enrolment_get_for_coordinator_or_404,
    enrolments_for_coordinator,
    partner_get_for_coordinator_or_404,
    seat_usage_for_partner,
    voucher_providers_with_stock,
)
from ..services.codes import access_codes_import
from ..services.enrolments import enrolment_revoke
from ..services.seats import seat_allocation_set

REVOCABLE = {
    EnrolmentStatus.REQUESTED,
    EnrolmentStatus.PROVISIONING,
    EnrolmentStatus.ACTIVE,
    EnrolmentStatus.WAITLISTED,
}


# --- coordinators of a partner ------------------------------------------------------------------


@require_http_methods(["GET"])
def seat_usage(request: HttpRequest, slug: str) -> HttpResponse:
    partner = partner_get_for_coordinator_or_404(request.user, slug)
    return render(
        request,
        "credentials/staff/seat_usage.html",
        {"partner": partner, "rows": seat_usage_for_partner(partner), "section": "seats"},
    )


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
                % {"course": enrolment.course.title, "email": enrolment.learner.email},
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
def allocations(request: HttpRequest) -> HttpResponse:
    if not can_manage_seats(request.user):
        raise Http404
    if request.method == "POST":
        form = SeatAllocationForm(request.POST)
    else:
        # "Change" links in the table fill in the partner and provider (no JavaScript needed).
        form = SeatAllocationForm(
            initial={
                "partner": request.GET.get("partner", ""),
                "provider": request.GET.get("provider", ""),
                "total": request.GET.get("total", ""),
            }
        )
    if request.method == "POST" and form.is_valid():
        try:
            allocation = seat_allocation_set(
                partner=form.cleaned_data["partner"],
                provider=form.cleaned_data["provider"],
                total=form.cleaned_data["total"],
                acting_user=request.user,
            )
        except ValidationError as error:
            form.add_error("total", error)
        else:
            messages.success(
                request,
                _("%(partner)s now has %(total)d seats at %(provider)s (%(used)d in use).")
                % {
                    "partner": form.cleaned_data["partner"].name,
                    "provider": form.cleaned_data["provider"].name,
                    "total": allocation.total,
                    "used": allocation.used,
                },
            )
            return redirect("programme:allocations")
    table = allocation_table(request.user, page_number=request.GET.get("page"))
    return render(
        request,
        "credentials/staff/allocations.html",
        {"form": form, "table": table, "page": table.page},
    )


@require_http_methods(["GET", "POST"])
def codes(request: HttpRequest) -> HttpResponse:
    if not can_manage_seats(request.user):
        raise Http404
    form = AccessCodeImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            added, skipped = access_codes_import(
                provider=form.cleaned_data["provider"],
                csv_file=form.cleaned_data["csv_file"],
                acting_user=request.user,
            )
        except ValidationError as error:
            form.add_error("csv_file", error)
        else:
            messages.success(
                request,
                _("%(provider)s: %(added)d added, %(skipped)d skipped (already there or repeated).")
                % {
                    "provider": form.cleaned_data["provider"].name,
                    "added": added,
                    "skipped": skipped,
                },
            )
            return redirect("programme:codes")
    return render(
        request,
        "credentials/staff/codes.html",
        {"form": form, "providers": voucher_providers_with_stock(request.user)},
    )
