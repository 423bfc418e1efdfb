"""Dashboards: the programme's (programme admins) and a partner's (its coordinators).

Thin: authorise (404 for everyone else, as the other programme and partner pages do), read the
summaries through the selectors, draw the charts, render. The figures come from the roll-ups, so
the page costs the same few queries at a thousand learners as at a million. No JavaScript: the
refresh button is a form, and the page says to reload.
"""

from datetime import date

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.formats import date_format
from django.utils.translation import get_language_bidi
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from partners.permissions import is_programme_admin
from partners.selectors_manage import partner_get_for_coordinator_or_404

from ..charts import Bar, Series, axis_label_indexes, bar_chart, line_chart
from ..selectors import (
    NOT_APPLICABLE,
    Breakdown,
    DashboardData,
    partner_dashboard_data,
    programme_dashboard_data,
)
from ..services import rollups_refresh_request

CHART_BARS = 15  # bars per breakdown chart; the table under it has more rows, and every column


def _programme_admin_only(request: HttpRequest) -> None:
    if not is_programme_admin(request.user):
        raise Http404


# --- charts --------------------------------------------------------------------------------------


def _month_axis_labels(keys: list[str]) -> list[str]:
    """Short month names ("Mar"), with the year on the first one labelled and on January."""
    first = axis_label_indexes(len(keys))[0] if keys else 0
    labels = []
    for index, key in enumerate(keys):
        year, month = (int(part) for part in key.split("-"))
        with_year = index == first or month == 1
        labels.append(date_format(date(year, month, 1), "M Y" if with_year else "M"))
    return labels


def _breakdown_chart(table: Breakdown, *, rtl: bool) -> str:
    """Bars of the table's first column, biggest rows first."""
    rows = table.chart_rows[:CHART_BARS]
    return bar_chart(
        [Bar(row.label, row.cells[0].value, row.cells[0].text) for row in rows],
        title=_("%(breakdown)s: %(metric)s")
        % {"breakdown": table.title, "metric": table.columns[0].label},
        chart_id=f"chart-{table.key}",
        rtl=rtl,
    )


def _charts(data: DashboardData, *, rtl: bool) -> dict[str, str]:
    if not data.has_figures:
        return {}
    charts = {
        "funnel": bar_chart(
            [
                Bar(
                    step.label,
                    step.figure.value,
                    f"{step.figure.text} · {step.from_previous}"
                    if step.from_previous and step.from_previous != NOT_APPLICABLE
                    else step.figure.text,
                )
                for step in data.funnel
            ],
            title=_("Learners at each step"),
            chart_id="chart-funnel",
            rtl=rtl,
        ),
    }
    trends = data.trends
    months = trends.chart_rows
    if months:
        charts["trends"] = line_chart(
            _month_axis_labels([row.key for row in months]),
            [
                Series(
                    column.label,
                    [row.cells[index].value for row in months],
                    [row.cells[index].text for row in months],
                )
                for index, column in enumerate(trends.columns)
            ],
            title=_("New learners, applications, enrolments, completions and credentials by month"),
            chart_id="chart-trends",
            rtl=rtl,
            long_labels=[row.label for row in months],
        )
    for table in data.breakdowns:
        if table.chart_rows:
            charts[table.key] = _breakdown_chart(table, rtl=rtl)
    return charts


def _page(request: HttpRequest, template: str, data: DashboardData, **context) -> HttpResponse:
    return render(
        request,
        template,
        {"dashboard": data, "charts": _charts(data, rtl=get_language_bidi()), **context},
    )


# --- views ---------------------------------------------------------------------------------------


@require_http_methods(["GET"])
def programme_dashboard(request: HttpRequest) -> HttpResponse:
    _programme_admin_only(request)
    return _page(
        request,
        "reporting/programme_dashboard.html",
        programme_dashboard_data(),
        can_refresh=True,
        section="dashboard",
    )


@require_POST
def rollups_refresh_view(request: HttpRequest) -> HttpResponse:
    _programme_admin_only(request)
    rollups_refresh_request(acting_user=request.user)
    messages.success(request, _("The figures are being recalculated; reload in a minute."))
    return redirect("reporting:programme_dashboard")


@require_http_methods(["GET"])
def partner_dashboard(request: HttpRequest, slug: str) -> HttpResponse:
    partner = partner_get_for_coordinator_or_404(request.user, slug)
    return _page(
        request,
        "reporting/partner_dashboard.html",
        partner_dashboard_data(partner),
        partner=partner,
        can_refresh=False,
        section="dashboard",
    )
