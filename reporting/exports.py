"""The CSV files of exports and scheduled reports.

Aggregate files (programme or one partner) are read from the roll-ups (SummaryCount), never from
the live tables, and only their protected counts (`published`, from suppression.py, the same
numbers the dashboards show): multiples of 5, "<5" for a rounded 0, every table adding up to the
same totals. A row is listed when one of its protected counts is above 0.

There is no row-level export: a list of learners, even a k-anonymous one, would print exact
class sizes that undo the rounding (docs/decisions/0012, 0014).

Every cell goes through `csv_cell` (portal.csv_upload), since partner, provider and country
names reach spreadsheets that would run a cell starting with "=", "+", "-" or "@" as a formula.
"""

import csv
import io
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django_countries import countries

from credentials.models import Provider
from partners.models import Partner
from portal.csv_upload import csv_cell

from .models import (
    ALL_METRICS,
    COURSE_METRICS,
    PEOPLE_METRICS,
    Dimension,
    ExportKind,
    Metric,
    RefreshState,
    SummaryCount,
)
from .suppression import shown

Progress = Callable[[int, int], None]  # (processed, total)


def csv_writer(out: io.TextIOBase):
    return csv.writer(out, lineterminator="\r\n")


# --- aggregates ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class TableSpec:
    dimension: str
    metrics: tuple[str, ...]


PROGRAMME_TABLES = (
    TableSpec(Dimension.MONTH, ALL_METRICS),
    TableSpec(Dimension.RESIDENCE, PEOPLE_METRICS),
    TableSpec(Dimension.ORIGIN, PEOPLE_METRICS),
    TableSpec(Dimension.PROVIDER, COURSE_METRICS),
    TableSpec(Dimension.PARTNER, ALL_METRICS),
)
# Partner scope: the roll-ups have no partner breakdown inside one partner.
PARTNER_TABLES = PROGRAMME_TABLES[:-1]


@dataclass
class Table:
    title: str
    header: list[str]
    rows: list[list[str]]  # printable: label, then the shown values; the last row is the total

    def value(self, label: str, column: int) -> str:
        """The shown value in the row with this label (a protected 0 when there is no such
        row)."""
        for row in self.rows:
            if row[0] == label:
                return row[column + 1]
        return shown(0)

    @property
    def total_row(self) -> list[str]:
        return self.rows[-1]


def figures_as_of() -> datetime | None:
    return RefreshState.objects.filter(pk=1).values_list("refreshed_at", flat=True).first()


def _country_label(code: str) -> str:
    if not code:
        return _("Not given")
    return f"{countries.name(code) or code} ({code})"


def _labels(dimension: str, keys: Iterable[str]) -> dict[str, str]:
    """Printable labels for the keys of one dimension, in the active language (one query at
    most)."""
    keys = list(keys)
    if dimension == Dimension.MONTH:
        return {key: key for key in keys}
    if dimension in (Dimension.RESIDENCE, Dimension.ORIGIN):
        return {key: _country_label(key) for key in keys}
    ids = [int(key) for key in keys if key.isdigit()]
    if dimension == Dimension.PROVIDER:
        names = dict(Provider.objects.filter(pk__in=ids).values_list("pk", "name"))
    else:
        names = dict(Partner.objects.filter(pk__in=ids).values_list("pk", "name"))
    missing = _("No partner yet") if dimension == Dimension.PARTNER else _("Unknown")
    return {key: names.get(int(key), missing) if key.isdigit() else missing for key in keys}


def _title(dimension: str) -> str:
    return {
        Dimension.MONTH: _("By month"),
        Dimension.RESIDENCE: _("By country of residence"),
        Dimension.ORIGIN: _("By country of origin"),
        Dimension.PROVIDER: _("By course provider"),
        Dimension.PARTNER: _("By partner"),
    }[dimension]


def _sort_key(dimension: str, label: str, key: str):
    if dimension == Dimension.MONTH:
        return (0, key)
    # Rows without a partner / country at the end; the rest alphabetically.
    return (1 if not key else 0, label.casefold(), key)


def aggregate_tables(*, partner: Partner | None) -> list[Table]:
    """Every table of an aggregate export, protected and printable, for a partner's scope or the
    whole programme (partner=None). Two queries plus one per named dimension."""
    specs = PARTNER_TABLES if partner is not None else PROGRAMME_TABLES
    scope = {"scope_partner_id": partner.pk} if partner else {"scope_partner_id__isnull": True}
    values: dict[str, dict[str, dict[str, int]]] = defaultdict(lambda: defaultdict(dict))
    for dimension, key, metric, value in SummaryCount.objects.filter(
        dimension__in=[spec.dimension for spec in specs], **scope
    ).values_list("dimension", "key", "metric", "published"):
        values[dimension][key][metric] = value
    tables = []
    for spec in specs:
        by_key = {
            key: counts
            for key, counts in values.get(spec.dimension, {}).items()
            if any(counts.get(m, 0) for m in spec.metrics)
        }
        labels = _labels(spec.dimension, by_key)
        keys = sorted(by_key, key=lambda k, d=spec.dimension: _sort_key(d, labels[k], k))
        header = [_label_header(spec.dimension)] + [str(Metric(m).label) for m in spec.metrics]
        rows = [
            [labels[key], *(shown(by_key[key].get(m, 0)) for m in spec.metrics)] for key in keys
        ]
        # Each column adds up to the metric's protected total (the engine rounds it so). No total
        # column: it would add up different measures (learners + credentials...).
        total = [sum(by_key[key].get(m, 0) for key in keys) for m in spec.metrics]
        rows.append([_("Total"), *(shown(n) for n in total)])
        tables.append(Table(title=_title(spec.dimension), header=header, rows=rows))
    return tables


def _label_header(dimension: str) -> str:
    return {
        Dimension.MONTH: _("Month"),
        Dimension.RESIDENCE: _("Country of residence"),
        Dimension.ORIGIN: _("Country of origin"),
        Dimension.PROVIDER: _("Course provider"),
        Dimension.PARTNER: _("Partner"),
    }[dimension]


def aggregates_scope_line(*, partner: Partner | None, as_of: datetime | None) -> str:
    scope = (
        _("Partner figures: %(partner)s") % {"partner": partner.name}
        if partner is not None
        else _("Programme figures: all partners")
    )
    when = (
        formats.date_format(timezone.localtime(as_of), "Y-m-d H:i T")
        if as_of
        else _("not yet computed")
    )
    return "# " + _(
        "%(scope)s · figures as of %(when)s · to protect the people counted, every count is "
        'rounded to a multiple of 5 ("<5": rounded to 0) and may differ from the true count by '
        "up to 4 for each partner and group of learners it adds up"
    ) % {"scope": scope, "when": when}


def write_aggregates(
    out: io.TextIOBase, *, partner: Partner | None, progress: Progress | None = None
) -> int:
    """Write an aggregate export (all its tables, one after the other) to `out`; returns the
    number of data rows written."""
    tables = aggregate_tables(partner=partner)
    writer = csv_writer(out)
    writer.writerow([csv_cell(aggregates_scope_line(partner=partner, as_of=figures_as_of()))])
    rows = 0
    if progress:
        progress(0, len(tables))
    for done, table in enumerate(tables, start=1):
        writer.writerow([])
        writer.writerow([csv_cell(f"# {table.title}")])
        writer.writerow([csv_cell(cell) for cell in table.header])
        writer.writerows([csv_cell(cell) for cell in row] for row in table.rows)
        rows += len(table.rows)
        if progress:
            progress(done, len(tables))
    return rows


def aggregates_csv(*, partner: Partner | None) -> str:
    out = io.StringIO()
    write_aggregates(out, partner=partner)
    return out.getvalue()


def write_export(
    out: io.TextIOBase, *, kind: str, partner: Partner | None, progress: Progress | None = None
) -> int:
    if kind == ExportKind.PARTNER_AGGREGATES:
        if partner is None:
            raise ValueError("a partner export needs a partner")
        return write_aggregates(out, partner=partner, progress=progress)
    if kind == ExportKind.PROGRAMME_AGGREGATES:
        return write_aggregates(out, partner=None, progress=progress)
    raise ValueError(f"unknown export kind {kind!r}")
