"""What the programme and partner dashboards show, read from the summary tables only.

A dashboard costs the same handful of queries whatever the number of learners, partners or
countries: the refresh state, the scope's SummaryCount rows, the decision times, the seat usage
(per partner and per provider), and one query for the names of the partners and providers on the
page. Country names come from django-countries, in the reader's language. Long lists (partners,
countries) show their biggest TOP_ROWS rows and add up the rest in one "Other" row, so the page
also stays the same size; the CSV export of the figures has every row.

Both dashboards show only the protected counts (`SummaryCount.published`, computed at each
refresh by suppression.py, the one engine behind every dashboard, export and report): multiples
of 5, "<5" for a rounded 0. Every number on a page is a sum of those (a table's total, an "Other"
row, a funnel step), so no combination of the numbers says more than the rounding lets through.
Rates and orderings are computed from the protected counts too, never from the true ones.
"""

from collections.abc import Iterable

from django.db.models import Q, Sum, Value
from django.utils.translation import gettext as _

from credentials.models import Provider
from partners.models import Partner

from ..models import DecisionTime, Dimension, Metric, RefreshState, SeatUsage, SummaryCount
from .figures import (
    FUNNEL_STAGES,
    PARTNER_COLUMNS,
    PROVIDER_COLUMNS,
    DashboardData,
    Headline,
)
from .tables import Builder, Counts, decisions_shown, seats_shown

# --- reading the summaries -----------------------------------------------------------------------


def _summary_rows(scope: Q) -> list[tuple]:
    """The scope's protected counts: (scope, metric, dimension, key, published), in one
    query."""
    return list(
        SummaryCount.objects.filter(scope)
        .exclude(dimension=Dimension.COURSE)
        .values_list("scope_partner_id", "metric", "dimension", "key", "published")
    )


def _has_figures(rows: list[tuple]) -> bool:
    """A refresh always writes the programme's totals (zeros included): without them, the
    roll-ups have never been built."""
    return any(row[0] is None and row[2] == Dimension.TOTAL for row in rows)


def _names(partner_ids: set[int], provider_ids: set[int]) -> tuple[dict[int, str], dict[int, str]]:
    """Partner and provider names, in one query (a UNION). Neither part is ordered (the models'
    default ordering is cleared): SQLite allows no ORDER BY in a part of a compound statement."""
    names: dict[str, dict[int, str]] = {"partner": {}, "provider": {}}
    if partner_ids or provider_ids:
        partners = (
            Partner.objects.filter(pk__in=partner_ids).order_by().annotate(kind=Value("partner"))
        )
        providers = (
            Provider.objects.filter(pk__in=provider_ids).order_by().annotate(kind=Value("provider"))
        )
        query = partners.values_list("pk", "name", "kind").union(
            providers.values_list("pk", "name", "kind"), all=True
        )
        for pk, name, kind in query:
            names[kind][pk] = name
    return names["partner"], names["provider"]


def _int_keys(keys: Iterable[str]) -> set[int]:
    return {int(key) for key in keys if key.isdigit()}


def _state() -> RefreshState | None:
    return RefreshState.objects.filter(pk=1).first()


def _seat_sums(queryset, field: str) -> list[tuple[int, int, int]]:
    """(partner or provider, seats allocated, seats used as protected)."""
    return list(
        queryset.values(field)
        .annotate(total=Sum("total"), used=Sum("used_published"))
        .order_by()
        .values_list(field, "total", "used")
    )


# --- the two dashboards --------------------------------------------------------------------------


def programme_dashboard_data() -> DashboardData:
    """The whole programme (programme admins only), in protected counts like every other
    output: an admin can also download every partner's figures, and the programme's are their
    sums."""
    state = _state()
    rows = _summary_rows(Q(scope_partner_id__isnull=True))
    requested_at = state.requested_at if state else None
    if not _has_figures(rows):
        return DashboardData(False, False, None, requested_at)
    counts = Counts(rows)
    build = Builder(counts)
    times = list(
        DecisionTime.objects.values_list("partner_id", "decisions_published", "median_hours")
    )
    seats_per_partner = _seat_sums(SeatUsage.objects.all(), "partner_id")
    seats_per_provider = _seat_sums(SeatUsage.objects.all(), "provider_id")
    # Names of what the page lists, only.
    partner_ids = (
        _int_keys(build.shown_keys(Dimension.PARTNER, PARTNER_COLUMNS))
        | set(decisions_shown(times))
        | set(seats_shown(seats_per_partner))
    )
    provider_ids = _int_keys(build.shown_keys(Dimension.PROVIDER, PROVIDER_COLUMNS)) | {
        u[0] for u in seats_per_provider
    }
    partner_names, provider_names = _names(partner_ids, provider_ids)

    partners_with_learners = sum(
        1 for k, v in counts.get(Metric.LEARNERS, Dimension.PARTNER).items() if k and v
    )
    headlines = (
        Headline("learners", _("Learners"), build.figure(counts.total(Metric.LEARNERS))),
        Headline("verified", _("Verified learners"), build.figure(counts.total(Metric.VERIFIED))),
        Headline(
            "partners",
            _("Partners with learners"),
            build.exact(partners_with_learners),
            _("Partners that learners last applied to"),
        ),
        Headline(
            "countries",
            _("Countries"),
            build.exact(build.countries_reached()),
            _("Countries learners live in"),
        ),
        Headline("enrolments", _("Enrolments"), build.figure(counts.total(Metric.ENROLMENTS))),
        Headline("completions", _("Completions"), build.figure(counts.total(Metric.COMPLETIONS))),
        Headline("credentials", _("Credentials"), build.figure(counts.total(Metric.CREDENTIALS))),
    )
    unknown_partner, no_partner = _("Unknown partner"), _("No partner yet")
    by_partner = build.table(
        key="partner",
        title=_("By partner"),
        row_heading=_("Partner"),
        columns=[
            (Metric.LEARNERS, _("Learners")),
            (Metric.APPLICATIONS, _("Applications")),
            (Metric.VERIFIED, _("Verified learners")),
            (Metric.ENROLMENTS, _("Enrolments")),
            (Metric.COMPLETIONS, _("Completions")),
            (Metric.CREDENTIALS, _("Credentials")),
        ],
        dimension=Dimension.PARTNER,
        # Learners who have not applied yet (and credentials whose enrolment was erased).
        label=lambda k: partner_names.get(int(k), unknown_partner) if k.isdigit() else no_partner,
        other_label=_("Other partners"),
    )
    residence, origin = build.country_tables()
    by_provider = build.provider_table(provider_names)
    decision_times, decisions_folded = build.decision_times(times, partner_names)
    return DashboardData(
        is_partner=False,
        has_figures=True,
        refreshed_at=state.refreshed_at if state else None,
        requested_at=requested_at,
        headlines=headlines,
        funnel=build.funnel(FUNNEL_STAGES),
        trends=build.trends(),
        by_partner=by_partner,
        by_residence=residence,
        by_origin=origin,
        by_provider=by_provider,
        decision_times=decision_times,
        decision_times_folded=decisions_folded,
        seats_by_partner=build.seats(
            seats_per_partner, partner_names, unknown=unknown_partner, other=_("Other partners")
        ),
        seats_by_provider=build.seats(
            seats_per_provider,
            provider_names,
            unknown=_("Unknown provider"),
            other=_("Other providers"),
        ),
        breakdowns=(by_partner, residence, origin, by_provider),
    )


def partner_dashboard_data(partner: Partner) -> DashboardData:
    """One partner's figures, in protected counts. The learners of a partner are those whose
    latest application is to it."""
    state = _state()
    # The partner's rows, and the programme's totals only to tell whether a refresh ever ran.
    rows = _summary_rows(
        Q(scope_partner_id=partner.pk) | Q(scope_partner_id__isnull=True, dimension=Dimension.TOTAL)
    )
    requested_at = state.requested_at if state else None
    if not _has_figures(rows):
        return DashboardData(True, False, None, requested_at)
    counts = Counts(row for row in rows if row[0] == partner.pk)
    build = Builder(counts)
    times = list(
        DecisionTime.objects.filter(partner_id=partner.pk).values_list(
            "partner_id", "decisions_published", "median_hours"
        )
    )
    seats = _seat_sums(SeatUsage.objects.filter(partner_id=partner.pk), "provider_id")
    provider_ids = _int_keys(build.shown_keys(Dimension.PROVIDER, PROVIDER_COLUMNS)) | {
        u[0] for u in seats
    }
    _partner_names, provider_names = _names(set(), provider_ids)
    headlines = (
        Headline("learners", _("Learners"), build.figure(counts.total(Metric.LEARNERS))),
        Headline("verified", _("Verified learners"), build.figure(counts.total(Metric.VERIFIED))),
        Headline(
            "countries",
            _("Countries"),
            build.exact(build.countries_reached()),
            _("Countries your learners live in"),
        ),
        Headline("enrolments", _("Enrolments"), build.figure(counts.total(Metric.ENROLMENTS))),
        Headline("completions", _("Completions"), build.figure(counts.total(Metric.COMPLETIONS))),
        Headline("credentials", _("Credentials"), build.figure(counts.total(Metric.CREDENTIALS))),
    )
    residence, origin = build.country_tables()
    by_provider = build.provider_table(provider_names)
    decision_times, _folded = build.decision_times(times, {partner.pk: partner.name})
    return DashboardData(
        is_partner=True,
        has_figures=True,
        refreshed_at=state.refreshed_at if state else None,
        requested_at=requested_at,
        headlines=headlines,
        # A partner's learners have all applied to it: its funnel starts there.
        funnel=build.funnel(FUNNEL_STAGES[1:]),
        trends=build.trends(),
        by_residence=residence,
        by_origin=origin,
        by_provider=by_provider,
        decision_times=decision_times,
        seats_by_provider=build.seats(
            seats, provider_names, unknown=_("Unknown provider"), other=_("Other providers")
        ),
        breakdowns=(residence, origin, by_provider),
    )
