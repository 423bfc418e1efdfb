"""Read queries for the partner management pages (partners, staff, API keys, bulk invitations).

Every function here costs a fixed number of queries whatever the number of rows; the *_or_404
helpers answer 404 both for "missing" and "not yours".
"""

from django.core.paginator import Page, Paginator
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.csv_upload import ResultRow
from portal.models import User

from .invitation_reasons import invitation_row_reason
from .models import (
    InvitationBatch,
    InvitationRow,
    Membership,
    Partner,
    PartnerApiKey,
    StaffInvitation,
    StaffRole,
)
from .permissions import can_coordinate, is_programme_admin
from .selectors import partner_get_for_staff_or_404

PARTNERS_PAGE_SIZE = 50
ROWS_PAGE_SIZE = 100
RECENT_BATCHES = 20
# How each result of an invitation line looks on the results page.
_RESULT_BADGES = {InvitationRow.Result.SENT: "success", InvitationRow.Result.PENDING: "info"}


# --- programme admins ---------------------------------------------------------------------------


def partners_for_admin(user: User) -> QuerySet[Partner]:
    """Every partner with its number of staff, for programme admins only (404 for anyone else)."""
    if not is_programme_admin(user):
        raise Http404
    return Partner.objects.annotate(
        staff_count=Count("memberships", distinct=True),
    ).order_by("name", "pk")


def partner_get_for_admin_or_404(user: User, slug: str) -> Partner:
    if not is_programme_admin(user):
        raise Http404
    return get_object_or_404(Partner, slug=slug)


# --- coordinators -------------------------------------------------------------------------------


def partner_get_for_coordinator_or_404(user: User, slug: str) -> Partner:
    """The partner, if the user coordinates it. Reviewers and strangers get 404."""
    partner = partner_get_for_staff_or_404(user, slug)
    if not can_coordinate(user, partner):
        raise Http404
    return partner


def staff_invitations_pending(partner: Partner) -> QuerySet[StaffInvitation]:
    return (
        StaffInvitation.objects.filter(
            partner=partner,
            accepted_at__isnull=True,
            revoked_at__isnull=True,
            expires_at__gt=timezone.now(),
        )
        .select_related("invited_by")
        .order_by("-created_at", "-pk")
    )


def staff_invitation_get_for_manager_or_404(
    user: User, partner: Partner, pk: int
) -> StaffInvitation:
    if not (can_coordinate(user, partner) or is_programme_admin(user)):
        raise Http404
    return get_object_or_404(
        StaffInvitation.objects.select_related("partner"), pk=pk, partner=partner
    )


def membership_get_for_coordinator_or_404(user: User, partner: Partner, pk: int) -> Membership:
    if not can_coordinate(user, partner):
        raise Http404
    return get_object_or_404(Membership.objects.select_related("user"), pk=pk, partner=partner)


def coordinators_of_partner(partner: Partner) -> QuerySet[Membership]:
    return (
        partner.memberships.filter(role=StaffRole.COORDINATOR)
        .select_related("user")
        .order_by("user__email")
    )


def api_keys_of_partner(partner: Partner) -> QuerySet[PartnerApiKey]:
    return partner.api_keys.select_related("created_by").order_by("-created_at", "-pk")


def api_key_get_for_coordinator_or_404(user: User, partner: Partner, pk: int) -> PartnerApiKey:
    if not can_coordinate(user, partner):
        raise Http404
    return get_object_or_404(PartnerApiKey, pk=pk, partner=partner)


# --- bulk invitations ---------------------------------------------------------------------------


def _with_counts(batches: QuerySet[InvitationBatch]) -> QuerySet[InvitationBatch]:
    Result = InvitationRow.Result
    return batches.annotate(
        **{
            f"{result}_count": Count("rows", filter=Q(rows__result=result))
            for result in Result.values
        }
    )


def invitation_batches_of_partner(partner: Partner) -> list[InvitationBatch]:
    """The most recent uploads, each with its counts by result (one query)."""
    return list(
        _with_counts(partner.batches.select_related("created_by")).order_by("-created_at", "-pk")[
            :RECENT_BATCHES
        ]
    )


def invitation_batch_get_for_coordinator_or_404(
    user: User, partner: Partner, pk: int
) -> InvitationBatch:
    if not can_coordinate(user, partner):
        raise Http404
    return get_object_or_404(
        _with_counts(InvitationBatch.objects.select_related("created_by")), pk=pk, partner=partner
    )


def invitation_rows_page(batch: InvitationBatch, page_number: str | int | None) -> Page:
    """One page of a batch's lines in file order, as ResultRows; the row count comes from the
    batch's total (no COUNT query)."""
    paginator = Paginator(batch.rows.order_by("line", "pk"), ROWS_PAGE_SIZE)
    paginator.count = batch.total
    page = paginator.get_page(page_number)
    page.object_list = [
        ResultRow(
            line=row.line,
            result_label=row.get_result_display(),
            badge=_RESULT_BADGES.get(row.result, "warning"),
            cells=(row.email,),
            reason=invitation_row_reason(row),
        )
        for row in page.object_list
    ]
    return page


def invitation_batch_counts(batch: InvitationBatch) -> list[tuple[str, str, int]]:
    """(result, label, count) of a batch fetched with its counts (no query)."""
    return [
        ("sent", _("Sent"), batch.sent_count),
        ("pending", _("Waiting"), batch.pending_count),
        ("duplicate", _("Duplicates (not sent)"), batch.duplicate_count),
        ("invalid", _("Invalid (not sent)"), batch.invalid_count),
    ]
