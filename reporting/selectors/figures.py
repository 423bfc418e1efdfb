"""What the dashboards' templates get: protected figures, tables and rows, frozen dataclasses,
and the constants that say how big a table may grow (reporting/selectors/dashboards.py)."""

from dataclasses import dataclass
from datetime import datetime

from ..models import ALL_METRICS, COURSE_METRICS, Stage

# Long tables: the biggest rows, then one "Other" row for the rest.
TOP_ROWS = 25
TREND_MONTHS = 12
# A partner's median decision time is shown only over at least this many decisions.
MIN_DECISIONS = 5
NOT_APPLICABLE = "—"

# The columns of the partner and provider tables, in order (to find the rows they will list).
PARTNER_COLUMNS = ALL_METRICS
PROVIDER_COLUMNS = COURSE_METRICS

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
