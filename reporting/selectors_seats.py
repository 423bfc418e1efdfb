"""The seat pages' figures: a partner's seats (/staff/<slug>/seats/) and the programme's table of
allocations (/staff/programme/seats/). Seats allocated are the partner's own numbers (no people):
exact. Seats used and places on the waiting list count people: they come from the roll-ups and
the suppression engine (suppression.py), never as exact counts. The seats themselves (allocations,
enrolments, who may see them) are credentials'; this module only reads them.
"""

from dataclasses import dataclass, field

from django.core.paginator import Page, Paginator
from django.db.models import Count, OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce

from credentials.models import EnrolmentStatus, Provider, SeatAllocation
from credentials.selectors import enrolments_in_reach, providers_with_seats
from partners.models import Partner
from portal.models import User

from .models import SeatUsage as RolledUpSeats
from .suppression import round_family, round_total, shown

ALLOCATION_PARTNERS_PAGE_SIZE = 50


@dataclass(frozen=True)
class SeatUsage:
    """One provider's seats of a partner. The seats allocated are the partner's own numbers (no
    people): exact. Seats used and places on the waiting list count people: protected
    (reporting/suppression.py), so the number shown is never the exact count; whether
    the seats are all used is shown instead of how many are left."""

    provider_id: int
    provider_name: str
    total: int
    used: int  # protected: SeatUsage.used_published of the roll-ups
    waitlisted: int  # protected: rounded by the engine, over learners in reach only
    full: bool

    @property
    def used_shown(self) -> str:
        return shown(self.used)

    @property
    def waitlisted_shown(self) -> str:
        return shown(self.waitlisted)

    @property
    def percent(self) -> int:
        return min(100, round(self.used * 100 / self.total)) if self.total else 0


def _used_published() -> Subquery:
    """The protected seats used of the allocation (the roll-ups' SeatUsage), 0 until a refresh
    has counted it."""
    return Coalesce(
        Subquery(
            RolledUpSeats.objects.filter(
                partner_id=OuterRef("partner_id"), provider_id=OuterRef("provider_id")
            ).values("used_published")[:1]
        ),
        0,
    )


def seat_usage_for_partner(partner: Partner) -> list[SeatUsage]:
    """Seats per provider, and how many of the partner's learners (those still with it) wait
    for one, in protected counts: two queries. The caller has authorised the partner
    (credentials.selectors.partner_get_for_coordinator_or_404)."""
    allocations = {
        a.provider_id: a
        for a in SeatAllocation.objects.filter(partner=partner)
        .select_related("provider")
        .annotate(used_published=_used_published())
    }
    waiting = {
        row["course__provider_id"]: row
        for row in enrolments_in_reach(partner)
        .filter(status=EnrolmentStatus.WAITLISTED)
        .values("course__provider_id", "course__provider__name")
        .annotate(n=Count("id"))
        .order_by()
    }
    # The waiting list is rounded like every count of the engine: per partner, each
    # provider's places add up to the partner's rounded total (as SeatUsage.used_published).
    parts = {str(k): row["n"] for k, row in waiting.items()}
    cell = (partner.pk, "waiting-list")
    waits_published = round_family(
        parts, total=round_total(sum(parts.values()), cell=cell), cell=cell
    )
    rows = []
    for provider_id in allocations.keys() | waiting.keys():
        allocation = allocations.get(provider_id)
        waits = waiting.get(provider_id)
        rows.append(
            SeatUsage(
                provider_id=provider_id,
                provider_name=(
                    allocation.provider.name if allocation else waits["course__provider__name"]
                ),
                total=allocation.total if allocation else 0,
                used=allocation.used_published if allocation else 0,
                waitlisted=waits_published.get(str(provider_id), 0),
                full=allocation.used >= allocation.total if allocation else True,
            )
        )
    return sorted(rows, key=lambda row: (row.provider_name.casefold(), row.provider_id))


@dataclass(frozen=True)
class AllocationCell:
    provider: Provider
    allocation: SeatAllocation | None


@dataclass
class AllocationRow:
    partner: Partner
    cells: list[AllocationCell] = field(default_factory=list)


@dataclass(frozen=True)
class AllocationTable:
    providers: list[Provider]
    page: Page
    rows: list[AllocationRow]
    totals: list[dict]


def allocation_table(user: User, *, page_number) -> AllocationTable:
    """Partners (a page of them) by providers, with seats used / total: five queries. Seats
    allocated are exact (no people); seats used are the engine's protected figures
    (SeatUsage.used_published), each allocation says whether it is full, and the totals add up
    the protected figures. Programme admins only (everyone else: 404, by providers_with_seats)."""
    providers = list(providers_with_seats(user))
    page = Paginator(
        Partner.objects.order_by("name", "pk"), ALLOCATION_PARTNERS_PAGE_SIZE
    ).get_page(page_number)
    partners = list(page.object_list)
    allocations = {
        (a.partner_id, a.provider_id): a
        for a in SeatAllocation.objects.filter(partner__in=partners).annotate(
            used_published=_used_published()
        )
    }
    for allocation in allocations.values():
        allocation.used_shown = shown(allocation.used_published)
        allocation.is_full = allocation.used >= allocation.total
    rows = [
        AllocationRow(
            partner=partner,
            cells=[
                AllocationCell(provider, allocations.get((partner.pk, provider.pk)))
                for provider in providers
            ],
        )
        for partner in partners
    ]
    sums = {
        row["provider_id"]: row
        for row in SeatAllocation.objects.values("provider_id")
        .annotate(
            total=Sum("total"),
            used=Sum(
                RolledUpSeats.objects.filter(
                    partner_id=OuterRef("partner_id"), provider_id=OuterRef("provider_id")
                )
                .values("used_published")
                .order_by()[:1]
            ),
        )
        .order_by()
    }
    totals = [
        {
            "provider": provider,
            "total": (sums.get(provider.pk) or {}).get("total") or 0,
            "used": shown((sums.get(provider.pk) or {}).get("used") or 0),
        }
        for provider in providers
    ]
    return AllocationTable(providers=providers, page=page, rows=rows, totals=totals)
