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

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Q, Sum, Value
from django.utils import numberformat
from django.utils.formats import date_format, get_format
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django_countries import countries

from credentials.models import Provider
from partners.models import Partner

from .models import DecisionTime, Dimension, Metric, RefreshState, SeatUsage, Stage, SummaryCount
from .suppression import MAX_ERROR, SMALL_SHOWN

# Long tables: the biggest rows, then one "Other" row for the rest.
TOP_ROWS = 25
TREND_MONTHS = 12
# A partner's median decision time is shown only over at least this many decisions.
MIN_DECISIONS = 5
NOT_APPLICABLE = "—"

# The columns of the partner and provider tables, in order (to find the rows they will list).
PARTNER_COLUMNS = (
    Metric.LEARNERS,
    Metric.APPLICATIONS,
    Metric.VERIFIED,
    Metric.ENROLMENTS,
    Metric.COMPLETIONS,
    Metric.CREDENTIALS,
)
PROVIDER_COLUMNS = (Metric.ENROLMENTS, Metric.COMPLETIONS, Metric.CREDENTIALS)

FUNNEL_STAGES = [
    Stage.SIGNED_UP,
    Stage.APPLIED,
    Stage.VERIFIED,
    Stage.ENROLLED,
    Stage.COMPLETED,
    Stage.CREDENTIALED,
]


# --- what the templates get ----------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    """A protected number as the dashboard shows it: `value` is the protected count (a multiple
    of 5), `text` its formatted form ("<5" for 0). The true count never reaches the template."""

    value: int
    text: str


@dataclass(frozen=True)
class Headline:
    key: str
    label: str
    figure: Figure
    note: str = ""


@dataclass(frozen=True)
class FunnelStep:
    stage: int
    label: str
    figure: Figure
    from_previous: str  # "80.0%"; "" on the first step; a dash when the previous count is 0
    from_start: str


@dataclass(frozen=True)
class Column:
    key: str
    label: str


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    cells: tuple[Figure, ...]
    is_other: bool = False


@dataclass(frozen=True)
class Breakdown:
    """A table: one row per partner / country / provider / month, one column per metric, and a
    totals row. Rows past the first TOP_ROWS are added up in one "Other" row (`folded` of them)."""

    key: str
    title: str
    row_heading: str
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]
    totals: tuple[Figure, ...]
    folded: int = 0

    @property
    def is_empty(self) -> bool:
        return not self.rows

    @property
    def chart_rows(self) -> tuple[Row, ...]:
        return tuple(row for row in self.rows if not row.is_other)


@dataclass(frozen=True)
class DecisionRow:
    partner_id: int
    name: str
    decisions: Figure
    median_hours: float | None  # None when too few decisions to show it
    median_text: str


@dataclass(frozen=True)
class SeatRow:
    key: str
    name: str
    total: Figure
    used: Figure
    percent: int | None  # None when no seat is allocated
    is_other: bool = False


@dataclass(frozen=True)
class SeatTable:
    rows: tuple[SeatRow, ...]
    total: Figure
    used: Figure
    percent: int | None
    folded: int = 0


@dataclass(frozen=True)
class DashboardData:
    is_partner: bool  # True: a partner's dashboard (its coordinators)
    has_figures: bool  # False until the roll-ups have been built once
    refreshed_at: datetime | None
    requested_at: datetime | None
    headlines: tuple[Headline, ...] = ()
    funnel: tuple[FunnelStep, ...] = ()
    trends: Breakdown | None = None
    by_partner: Breakdown | None = None
    by_residence: Breakdown | None = None
    by_origin: Breakdown | None = None
    by_provider: Breakdown | None = None
    decision_times: tuple[DecisionRow, ...] = ()
    decision_times_folded: int = 0  # faster partners left out of the list
    seats_by_partner: SeatTable | None = None
    seats_by_provider: SeatTable | None = None
    breakdowns: tuple[Breakdown, ...] = ()


# --- reading the summaries -----------------------------------------------------------------------


METRICS = tuple(Metric.values)


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


class _Counts:
    """One scope's summary counts: get(metric, dimension)[key] = value."""

    def __init__(self, rows: Iterable[tuple]):
        # dimension -> key -> [value or None, for each of METRICS]
        self.data: dict[str, dict[str, list]] = defaultdict(dict)
        index = {metric: i for i, metric in enumerate(METRICS)}
        empty = [None] * len(METRICS)
        for _scope, metric, dimension, key, value in rows:
            by_key = self.data[dimension]
            values = by_key.get(key)
            if values is None:
                values = by_key[key] = empty.copy()
            values[index[metric]] = value

    def get(self, metric: str, dimension: str) -> dict[str, int]:
        index = METRICS.index(metric)
        return {
            key: values[index]
            for key, values in self.data.get(dimension, {}).items()
            if values[index] is not None
        }

    def total(self, metric: str) -> int:
        return self.get(metric, Dimension.TOTAL).get("", 0)

    def matrix(self, dimension: str, metrics: Sequence[str]) -> dict[str, list[int]]:
        """key -> [value of each metric] for every key with a protected count above 0 (which rows
        are listed is then told by the protected counts too, never by the true ones)."""
        indexes = [METRICS.index(metric) for metric in metrics]
        matrix = {}
        for key, values in self.data.get(dimension, {}).items():
            row = [values[i] or 0 for i in indexes]
            if any(row):
                matrix[key] = row
        return matrix


def _biggest_first(values: dict[str, list[int]]) -> list[str]:
    """Keys by their values, biggest first (the first column, then the next...), then by key."""
    return sorted(values, key=lambda k: ([-v for v in values[k]], len(k), k))


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


# --- formatting ----------------------------------------------------------------------------------


def month_label(key: str) -> str:
    """ "2026-03" -> "March 2026", in the reader's language."""
    year, month = (int(part) for part in key.split("-"))
    return date_format(date(year, month, 1), "YEAR_MONTH_FORMAT")


def _country_name(code: str) -> str:
    if not code:
        return pgettext("country", "Not given")
    return countries.name(code) or code


class _Builder:
    """Turns one scope's protected counts into dashboard pieces. Numbers are formatted for the
    reader's language (the format is looked up once: a dashboard formats hundreds of numbers)."""

    def __init__(self, counts: _Counts):
        self.counts = counts
        self._decimal = get_format("DECIMAL_SEPARATOR")
        self._thousands = get_format("THOUSAND_SEPARATOR")
        self._grouping = get_format("NUMBER_GROUPING")
        self._ordered: dict[tuple, tuple[dict[str, list[int]], list[str]]] = {}

    # numbers

    def number(self, value: float, decimals: int | None = None) -> str:
        return numberformat.format(
            value,
            self._decimal,
            decimal_pos=decimals,
            grouping=self._grouping,
            thousand_sep=self._thousands,
            force_grouping=True,
        )

    def exact(self, value: int) -> Figure:
        """A number that counts no people (partners, countries), as it is."""
        return Figure(value, self.number(value))

    def figure(self, value: int) -> Figure:
        """A protected count (or a sum of them): "<5" for 0, otherwise the number."""
        return Figure(value, SMALL_SHOWN if value == 0 else self.number(value))

    def percent(self, part: int, whole: int) -> str:
        if not whole:
            return NOT_APPLICABLE
        return _("%(percent)s%%") % {"percent": self.number(round(part * 100 / whole, 1), 1)}

    def duration(self, hours: float) -> str:
        if hours < 48:
            return _("%(hours)s hours") % {"hours": self.number(round(hours, 1), 1)}
        return _("%(days)s days") % {"days": self.number(round(hours / 24, 1), 1)}

    # tables

    def figures(self, matrix: list[list[int]]) -> tuple[list[list[Figure]], list[Figure]]:
        """The cells and column totals of a table of protected counts. A column's total is the
        sum of its cells, which is also the metric's protected total (the engine rounds every
        breakdown so that it adds up to it): the headline and every table agree."""
        width = len(matrix[0]) if matrix else 0
        cells = [[self.figure(v) for v in row] for row in matrix]
        return cells, [self.figure(sum(row[i] for row in matrix)) for i in range(width)]

    def table(
        self,
        *,
        key: str,
        title: str,
        row_heading: str,
        columns: Sequence[tuple[str, str]],
        dimension: str,
        label: Callable[[str], str],
        other_label: str,
    ) -> Breakdown:
        """Metric columns x the keys of `dimension`, biggest first; the rows past TOP_ROWS are
        added up in one `other_label` row. Only the rows shown get a label."""
        metrics = [metric for metric, _label in columns]
        values, ordered = self._biggest_first(dimension, metrics)
        shown, rest = ordered[:TOP_ROWS], ordered[TOP_ROWS:]
        matrix = [values[k] for k in shown]
        if rest:
            matrix.append([sum(column) for column in zip(*(values[k] for k in rest), strict=True)])
        cells, totals = self.figures(matrix)
        rows = [Row(k, label(k), tuple(cells[i])) for i, k in enumerate(shown)]
        if rest:
            rows.append(Row("", other_label, tuple(cells[-1]), is_other=True))
        return Breakdown(
            key=key,
            title=title,
            row_heading=row_heading,
            columns=tuple(Column(m, lbl) for m, lbl in columns),
            rows=tuple(rows),
            totals=tuple(totals),
            folded=len(rest),
        )

    def shown_keys(self, dimension: str, metrics: Sequence[str]) -> list[str]:
        """The keys `table` will list for these columns (to look up only their names)."""
        return self._biggest_first(dimension, metrics)[1][:TOP_ROWS]

    def _biggest_first(self, dimension: str, metrics: Sequence[str]):
        """The table's values by key, and its keys biggest first (computed once)."""
        cache_key = (dimension, tuple(metrics))
        if cache_key not in self._ordered:
            values = self.counts.matrix(dimension, metrics)
            self._ordered[cache_key] = (values, _biggest_first(values))
        return self._ordered[cache_key]

    # the pieces of a dashboard

    def funnel(self, stages: Sequence[Stage]) -> tuple[FunnelStep, ...]:
        """Learners who reached each stage: the stage rows are "furthest stage reached", so the
        count for stage k is the sum of the protected stages from k on."""
        by_stage = self.counts.get(Metric.LEARNERS, Dimension.STAGE)
        reached = [
            sum(v for k, v in by_stage.items() if k.isdigit() and int(k) >= stage)
            for stage in stages
        ]
        figures = [self.figure(count) for count in reached]
        steps = []
        for index, stage in enumerate(stages):
            if index == 0:
                from_previous = from_start = ""
            else:
                # Rates between protected counts: they say nothing the counts do not.
                from_previous = self.percent(reached[index], reached[index - 1])
                from_start = self.percent(reached[index], reached[0])
            steps.append(
                FunnelStep(int(stage), str(stage.label), figures[index], from_previous, from_start)
            )
        return tuple(steps)

    def trends(self) -> Breakdown:
        """The last TREND_MONTHS months (consecutive, up to the latest month with any count),
        and one row that adds up everything earlier."""
        columns = [
            (Metric.LEARNERS, _("New learners")),
            (Metric.APPLICATIONS, _("Applications")),
            (Metric.ENROLMENTS, _("Enrolments")),
            (Metric.COMPLETIONS, _("Completions")),
            (Metric.CREDENTIALS, _("Credentials")),
        ]
        values = self.counts.matrix(Dimension.MONTH, [m for m, _label in columns])
        present = sorted(values)
        window: list[str] = []
        if present:
            year, month = (int(p) for p in present[-1].split("-"))
            while len(window) < TREND_MONTHS and f"{year:04d}-{month:02d}" >= present[0]:
                window.append(f"{year:04d}-{month:02d}")
                year, month = (year, month - 1) if month > 1 else (year - 1, 12)
            window.reverse()
        earlier = [k for k in present if k < window[0]] if window else []
        matrix = [values.get(k, [0] * len(columns)) for k in window]
        if earlier:
            matrix.append(
                [sum(column) for column in zip(*(values[k] for k in earlier), strict=True)]
            )
        cells, totals = self.figures(matrix)
        rows = [Row(k, month_label(k), tuple(cells[i])) for i, k in enumerate(window)]
        if earlier:
            rows.append(Row("", _("Earlier"), tuple(cells[-1]), is_other=True))
        return Breakdown(
            key="trends",
            title=_("By month"),
            row_heading=_("Month"),
            columns=tuple(Column(m, lbl) for m, lbl in columns),
            rows=tuple(rows),
            totals=tuple(totals),
            folded=len(earlier),
        )

    def country_tables(self) -> tuple[Breakdown, Breakdown]:
        columns = [
            (Metric.LEARNERS, _("Learners")),
            (Metric.VERIFIED, _("Verified learners")),
            (Metric.APPLICATIONS, _("Applications")),
        ]
        residence = self.table(
            key="residence",
            title=_("By country of residence"),
            row_heading=_("Country of residence"),
            columns=columns,
            dimension=Dimension.RESIDENCE,
            label=_country_name,
            other_label=_("Other countries"),
        )
        origin = self.table(
            key="origin",
            title=_("By country of origin"),
            row_heading=_("Country of origin"),
            columns=columns,
            dimension=Dimension.ORIGIN,
            label=_country_name,
            other_label=_("Other countries"),
        )
        return residence, origin

    def provider_table(self, provider_names: dict[int, str]) -> Breakdown:
        unknown = _("Unknown provider")
        return self.table(
            key="provider",
            title=_("By course provider"),
            row_heading=_("Provider"),
            columns=[
                (Metric.ENROLMENTS, _("Enrolments")),
                (Metric.COMPLETIONS, _("Completions")),
                (Metric.CREDENTIALS, _("Credentials")),
            ],
            dimension=Dimension.PROVIDER,
            label=lambda k: provider_names.get(int(k), unknown) if k.isdigit() else unknown,
            other_label=_("Other providers"),
        )

    def countries_reached(self) -> int:
        return sum(1 for v in self.counts.get(Metric.LEARNERS, Dimension.RESIDENCE).values() if v)

    def seats(
        self, usage: list[tuple[int, int, int]], names: dict[int, str], *, unknown: str, other: str
    ) -> SeatTable:
        """usage: (partner or provider id, total, used). The fullest first (they may need more
        seats); past TOP_ROWS, one row adds up the rest."""
        usage = sorted(usage, key=lambda u: (-(u[2] / u[1] if u[1] else 0), -u[1], u[0]))
        shown, rest = usage[:TOP_ROWS], usage[TOP_ROWS:]
        matrix = [[total, used] for _key, total, used in shown]
        if rest:
            matrix.append([sum(u[1] for u in rest), sum(u[2] for u in rest)])
        # Seats allocated are the partner's own numbers (no people): as they are. Seats used are
        # people: protected (SeatUsage.used_published).
        cells = [[self.exact(t), self.figure(u)] for t, u in matrix]
        total = self.exact(sum(row[0] for row in matrix))
        used = self.figure(sum(row[1] for row in matrix))
        rows = [
            SeatRow(str(key), names.get(key, unknown), f[0], f[1], _seat_percent(f[0], f[1]))
            for (key, _t, _u), f in zip(shown, cells, strict=False)
        ]
        if rest:
            f = cells[-1]
            rows.append(SeatRow("", other, f[0], f[1], _seat_percent(f[0], f[1]), is_other=True))
        return SeatTable(tuple(rows), total, used, _seat_percent(total, used), folded=len(rest))

    def decision_times(
        self, times: list[tuple[int, int, float]], names: dict[int, str]
    ) -> tuple[tuple[DecisionRow, ...], int]:
        """The slowest partners first (they may need help); those with too few decisions for a
        median last (told from the protected number of decisions). Past TOP_ROWS, only how
        many more there are."""
        ordered = sorted(times, key=lambda t: (not _enough_decisions(t[1]), -t[2], t[0]))
        rows = []
        for partner_id, decisions, median in ordered[:TOP_ROWS]:
            enough = _enough_decisions(decisions)
            rows.append(
                DecisionRow(
                    partner_id=partner_id,
                    name=names.get(partner_id, _("Unknown partner")),
                    decisions=self.figure(decisions),
                    median_hours=median if enough else None,
                    median_text=self.duration(median) if enough else _("Too few decisions to show"),
                )
            )
        return tuple(rows), max(len(ordered) - TOP_ROWS, 0)


def _seat_percent(total: Figure, used: Figure) -> int | None:
    if not total.value:
        return None
    return min(100, round(used.value * 100 / total.value))


def _enough_decisions(decisions: int) -> bool:
    """Whether the protected number of decisions guarantees MIN_DECISIONS true ones."""
    return decisions - MAX_ERROR >= MIN_DECISIONS


def _decisions_shown(times: list[tuple[int, int, float]]) -> list[int]:
    ordered = sorted(times, key=lambda t: (not _enough_decisions(t[1]), -t[2], t[0]))
    return [t[0] for t in ordered[:TOP_ROWS]]


def _seats_shown(usage: list[tuple[int, int, int]]) -> list[int]:
    ordered = sorted(usage, key=lambda u: (-(u[2] / u[1] if u[1] else 0), -u[1], u[0]))
    return [u[0] for u in ordered[:TOP_ROWS]]


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
    counts = _Counts(rows)
    build = _Builder(counts)
    times = list(
        DecisionTime.objects.values_list("partner_id", "decisions_published", "median_hours")
    )
    seats_per_partner = _seat_sums(SeatUsage.objects.all(), "partner_id")
    seats_per_provider = _seat_sums(SeatUsage.objects.all(), "provider_id")
    # Names of what the page lists, only.
    partner_ids = (
        _int_keys(build.shown_keys(Dimension.PARTNER, PARTNER_COLUMNS))
        | set(_decisions_shown(times))
        | set(_seats_shown(seats_per_partner))
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
    counts = _Counts(row for row in rows if row[0] == partner.pk)
    build = _Builder(counts)
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
