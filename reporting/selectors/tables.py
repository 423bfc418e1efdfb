"""Turning one scope's protected counts into dashboard pieces: tables biggest first with an
"Other" row, the funnel, trends by month, seat usage and decision times, numbers formatted in the
reader's language (reporting/selectors/dashboards.py reads the counts)."""

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from datetime import date

from django.utils import numberformat
from django.utils.formats import date_format, get_format
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django_countries import countries

from ..models import Dimension, Metric, Stage
from ..suppression import MAX_ERROR, SMALL_SHOWN
from .figures import (
    MIN_DECISIONS,
    NOT_APPLICABLE,
    TOP_ROWS,
    TREND_MONTHS,
    Breakdown,
    Column,
    DecisionRow,
    Figure,
    FunnelStep,
    Row,
    SeatRow,
    SeatTable,
)

METRICS = tuple(Metric.values)


class Counts:
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


def biggest_first(values: dict[str, list[int]]) -> list[str]:
    """Keys by their values, biggest first (the first column, then the next...), then by key."""
    return sorted(values, key=lambda k: ([-v for v in values[k]], len(k), k))


# --- formatting ----------------------------------------------------------------------------------


def month_label(key: str) -> str:
    """ "2026-03" -> "March 2026", in the reader's language."""
    year, month = (int(part) for part in key.split("-"))
    return date_format(date(year, month, 1), "YEAR_MONTH_FORMAT")


def country_name(code: str) -> str:
    if not code:
        return pgettext("country", "Not given")
    return countries.name(code) or code


class Builder:
    """Turns one scope's protected counts into dashboard pieces. Numbers are formatted for the
    reader's language (the format is looked up once: a dashboard formats hundreds of numbers)."""

    def __init__(self, counts: Counts):
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
            self._ordered[cache_key] = (values, biggest_first(values))
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
            label=country_name,
            other_label=_("Other countries"),
        )
        origin = self.table(
            key="origin",
            title=_("By country of origin"),
            row_heading=_("Country of origin"),
            columns=columns,
            dimension=Dimension.ORIGIN,
            label=country_name,
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
            SeatRow(str(key), names.get(key, unknown), f[0], f[1], seat_percent(f[0], f[1]))
            for (key, _t, _u), f in zip(shown, cells, strict=False)
        ]
        if rest:
            f = cells[-1]
            rows.append(SeatRow("", other, f[0], f[1], seat_percent(f[0], f[1]), is_other=True))
        return SeatTable(tuple(rows), total, used, seat_percent(total, used), folded=len(rest))

    def decision_times(
        self, times: list[tuple[int, int, float]], names: dict[int, str]
    ) -> tuple[tuple[DecisionRow, ...], int]:
        """The slowest partners first (they may need help); those with too few decisions for a
        median last (told from the protected number of decisions). Past TOP_ROWS, only how
        many more there are."""
        ordered = sorted(times, key=lambda t: (not enough_decisions(t[1]), -t[2], t[0]))
        rows = []
        for partner_id, decisions, median in ordered[:TOP_ROWS]:
            enough = enough_decisions(decisions)
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


def seat_percent(total: Figure, used: Figure) -> int | None:
    if not total.value:
        return None
    return min(100, round(used.value * 100 / total.value))


def enough_decisions(decisions: int) -> bool:
    """Whether the protected number of decisions guarantees MIN_DECISIONS true ones."""
    return decisions - MAX_ERROR >= MIN_DECISIONS


def decisions_shown(times: list[tuple[int, int, float]]) -> list[int]:
    ordered = sorted(times, key=lambda t: (not enough_decisions(t[1]), -t[2], t[0]))
    return [t[0] for t in ordered[:TOP_ROWS]]


def seats_shown(usage: list[tuple[int, int, int]]) -> list[int]:
    ordered = sorted(usage, key=lambda u: (-(u[2] / u[1] if u[1] else 0), -u[1], u[0]))
    return [u[0] for u in ordered[:TOP_ROWS]]
