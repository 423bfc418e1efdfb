"""Charts drawn on the server as inline SVG: no chart JavaScript, nothing for the CSP to block.

Each function returns markup that is safe to put in a template: every label goes through
format_html/escape. The charts scale to their container (a viewBox, width 100%), carry role="img"
and a <title> (aria-labelledby), and draw nothing for a suppressed value (its label says "<5"), so
a hidden count never shows through a bar's length. The page puts a table with the same numbers
after each chart, for screen readers and for anyone who wants the exact figures.

Right to left: the x axis is mirrored (bars grow from the right, months run from right to left),
and the <svg> carries direction="rtl" so that text-anchor="start" anchors each label by its right
edge. Geometry is computed for left to right, then `_x()` mirrors it.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.formats import number_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

WIDTH = 360  # viewBox units; the chart is scaled to its container (about 336 px on a phone)
PAD = 4
FONT = 14  # label size in viewBox units: about 13 px on a 360 px phone
SMALL = 12
VALUE_SPACE = 96  # room after the longest bar for its value ("12,345 · 83.3%")
LABEL_CHARS = 44  # longer labels are shortened in the chart (the table has them in full)
MONTH_LABEL_SPACE = 46  # room for one month's label under the axis ("Nov 2026")
LINE_AXIS_WIDTH = 50  # the y axis values of a line chart
LINE_END_SPACE = 14  # after the last point: half of its label

# Okabe-Ito colours (told apart with colour-blindness), and a dash pattern per line as well.
COLOURS = ("#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9")
DASHES = ("", "6 3", "2 3", "8 3 2 3", "4 2", "1 2")
BAR_COLOUR = COLOURS[0]


@dataclass(frozen=True)
class Bar:
    """One bar: its label, its value (None: suppressed, not drawn) and the value as shown."""

    label: str
    value: int | None
    text: str


@dataclass(frozen=True)
class Series:
    """One line of a line chart: a name, a value per label (None: not drawn), the values as
    shown."""

    name: str
    values: Sequence[int | None]
    texts: Sequence[str]


def _num(value: float) -> str:
    """A coordinate: short, and never in the locale's number format."""
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _x(x: float, rtl: bool) -> float:
    return WIDTH - x if rtl else x


def _short(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1].rstrip() + "…"


def _open(chart_id: str, title: str, height: float, rtl: bool, css_class: str) -> SafeString:
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" class="chart {}" viewBox="0 0 {} {}" '
        'width="100%" role="img" aria-labelledby="{}-title" direction="{}" '
        'font-size="{}" font-family="system-ui, sans-serif" fill="currentColor">'
        '<title id="{}-title">{}</title>',
        css_class,
        WIDTH,
        _num(height),
        chart_id,
        "rtl" if rtl else "ltr",
        FONT,
        chart_id,
        title,
    )


def bar_chart(
    bars: Sequence[Bar],
    *,
    title: str,
    chart_id: str,
    rtl: bool = False,
    max_value: int | None = None,
) -> SafeString:
    """Horizontal bars, one per row: the label on a line of its own above the bar (long names
    fit on a phone), the value after the bar's end. Bar lengths are proportional to the values,
    against `max_value` (default: the largest value drawn)."""
    row_height = FONT + 22
    height = max(len(bars), 1) * row_height + PAD
    largest = max_value or max((b.value for b in bars if b.value), default=0)
    span = WIDTH - 2 * PAD - VALUE_SPACE
    parts = [_open(chart_id, title, height, rtl, "chart-bars")]
    for index, bar in enumerate(bars):
        top = PAD + index * row_height
        width = span * bar.value / largest if bar.value and largest else 0
        # Label above the bar, from the start edge (the left in LTR, the right in RTL).
        label = format_html(
            '<text x="{}" y="{}" text-anchor="start">{}</text>',
            _num(_x(PAD, rtl)),
            _num(top + FONT),
            _short(bar.label),
        )
        bar_top = top + FONT + 4
        rect = ""
        if width:
            left = PAD if not rtl else WIDTH - PAD - width
            rect = format_html(
                '<rect class="chart-bar" x="{}" y="{}" width="{}" height="{}" fill="{}"/>',
                _num(left),
                _num(bar_top),
                _num(width),
                FONT + 1,
                BAR_COLOUR,
            )
        value = format_html(
            '<text class="chart-value" x="{}" y="{}" text-anchor="start" font-size="{}">{}</text>',
            _num(_x(PAD + width + 4, rtl)),
            _num(bar_top + FONT - 2),
            SMALL + 1,
            bar.text,
        )
        parts.append(
            format_html(
                "<g><title>{}: {}</title>{}{}{}</g>", bar.label, bar.text, label, rect, value
            )
        )
    parts.append(mark_safe("</svg>"))
    return mark_safe("".join(parts))  # noqa: S308 — every part is escaped above


def axis_label_indexes(count: int) -> list[int]:
    """Which of `count` points of a line chart get a label under the axis: the last one, and
    every n-th before it, so that the labels never overlap."""
    plot_width = WIDTH - 2 * PAD - LINE_AXIS_WIDTH - LINE_END_SPACE
    every = max(1, math.ceil(count * MONTH_LABEL_SPACE / plot_width))
    return sorted(range(count - 1, -1, -every))


def _nice_ceiling(value: int) -> int:
    """The smallest 1, 2 or 5 x 10^n at or above value (at least 1)."""
    if value <= 1:
        return 1
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if value <= step * power:
            return step * power
    return 10 * power  # pragma: no cover — the loop always returns


def line_chart(
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    title: str,
    chart_id: str,
    rtl: bool = False,
    long_labels: Sequence[str] | None = None,
) -> SafeString:
    """Lines over time (one per series, told apart by colour and dash pattern, named in a
    legend), with a dot on each value. A value that is None is not drawn and breaks its line.
    In RTL the first label is at the right."""
    long_labels = long_labels or labels
    legend_columns = 2
    legend_rows = math.ceil(len(series) / legend_columns)
    legend_height = legend_rows * (FONT + 6)
    plot_top = PAD + legend_height + 10
    plot_height = 170
    plot_bottom = plot_top + plot_height
    height = plot_bottom + SMALL + 12 + PAD
    plot_left = PAD + LINE_AXIS_WIDTH
    plot_right = WIDTH - PAD - LINE_END_SPACE
    count = len(labels)
    step = (plot_right - plot_left) / (count - 1) if count > 1 else 0
    largest = _nice_ceiling(max((v for s in series for v in s.values if v), default=0))

    def x_at(index: int) -> float:
        x = plot_left + index * step if count > 1 else (plot_left + plot_right) / 2
        return _x(x, rtl)

    def y_at(value: int) -> float:
        return plot_bottom - plot_height * value / largest

    parts = [_open(chart_id, title, height, rtl, "chart-lines")]
    # Legend: a short line in the series' colour and dashes, then its name.
    for index, line in enumerate(series):
        column, row = index % legend_columns, index // legend_columns
        left = PAD + column * (WIDTH - 2 * PAD) / legend_columns
        y = PAD + row * (FONT + 6) + FONT / 2 + 2
        parts.append(
            format_html(
                '<g class="chart-legend"><line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" '
                'stroke-width="3"{}/><text x="{}" y="{}" text-anchor="start">{}</text></g>',
                _num(_x(left, rtl)),
                _num(y),
                _num(_x(left + 22, rtl)),
                _num(y),
                COLOURS[index % len(COLOURS)],
                _dash(index),
                _num(_x(left + 27, rtl)),
                _num(y + FONT / 2 - 2),
                line.name,
            )
        )
    # Grid lines and y axis values (0, half, top), the axis on the start side.
    for fraction in (0, 0.5, 1):
        value = round(largest * fraction)
        y = y_at(value)
        parts.append(
            format_html(
                '<line class="chart-grid" x1="{}" y1="{}" x2="{}" y2="{}" stroke="#adb5bd" '
                'stroke-width="0.5"/>'
                '<text x="{}" y="{}" text-anchor="end" font-size="{}">{}</text>',
                _num(_x(plot_left, rtl)),
                _num(y),
                _num(_x(plot_right, rtl)),
                _num(y),
                _num(_x(plot_left - 4, rtl)),
                _num(y + SMALL / 2 - 1),
                SMALL,
                number_format(value, force_grouping=True),
            )
        )
    # Labels under the axis: as many as fit, counted back from the last one.
    for index in axis_label_indexes(count):
        parts.append(
            format_html(
                '<text x="{}" y="{}" text-anchor="middle" font-size="{}">{}</text>',
                _num(x_at(index)),
                _num(plot_bottom + SMALL + 6),
                SMALL,
                labels[index],
            )
        )
    # The lines: one path per unbroken run of values, a dot with a tooltip on each value.
    for index, line in enumerate(series):
        colour = COLOURS[index % len(COLOURS)]
        runs: list[list[str]] = [[]]
        dots = []
        for position, (value, text) in enumerate(zip(line.values, line.texts, strict=True)):
            if value is None:
                runs.append([])
                continue
            point = f"{_num(x_at(position))},{_num(y_at(value))}"
            runs[-1].append(point)
            dots.append(
                format_html(
                    '<circle cx="{}" cy="{}" r="2.5" fill="{}"><title>{}, {}: {}</title></circle>',
                    _num(x_at(position)),
                    _num(y_at(value)),
                    colour,
                    line.name,
                    long_labels[position],
                    text,
                )
            )
        paths = format_html_join(
            "",
            '<polyline points="{}" fill="none" stroke="{}" stroke-width="2"{}/>',
            ((" ".join(run), colour, _dash(index)) for run in runs if len(run) > 1),
        )
        parts.append(
            format_html(
                '<g class="chart-series">{}{}</g>',
                paths,
                mark_safe("".join(dots)),  # noqa: S308
            )
        )
    parts.append(mark_safe("</svg>"))
    return mark_safe("".join(parts))  # noqa: S308 — every part is escaped above


def _dash(index: int) -> SafeString:
    dash = DASHES[index % len(DASHES)]
    return format_html(' stroke-dasharray="{}"', dash) if dash else mark_safe("")
