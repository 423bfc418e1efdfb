"""The seat pages: a partner's seats for its coordinators (/staff/<slug>/seats/) and the
programme's seat allocations for programme admins (/staff/programme/seats/). Here, not in
credentials, because the seats used and the waiting lists they show are people, published only
as the suppression engine's protected figures; the seats themselves are credentials' (its
selectors authorise, its service sets an allocation). Mounted in the `seats` URL namespace by
config/urls.py (reporting/urls_seats.py).

Thin: authorise through a selector (404 for anyone else: reviewers, other partners' staff,
learners; admins on partner pages, partner staff on programme pages), call a service, render.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from credentials.forms.staff import SeatAllocationForm
from credentials.permissions import can_manage_seats
from credentials.selectors import partner_get_for_coordinator_or_404
from credentials.services.seats import seat_allocation_set

from ..selectors_seats import allocation_table, seat_usage_for_partner

# --- coordinators of a partner ------------------------------------------------------------------


@require_http_methods(["GET"])
def seat_usage(request: HttpRequest, slug: str) -> HttpResponse:
    partner = partner_get_for_coordinator_or_404(request.user, slug)
    return render(
        request,
        "credentials/staff/seat_usage.html",
        {"partner": partner, "rows": seat_usage_for_partner(partner), "section": "seats"},
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
