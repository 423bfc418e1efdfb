"""What the programme and partner dashboards show, read from the summary tables only:
dashboards.py reads them, tables.py builds the pieces, figures.py holds what templates get."""

from .dashboards import partner_dashboard_data, programme_dashboard_data
from .figures import (
    FUNNEL_STAGES,
    NOT_APPLICABLE,
    TOP_ROWS,
    Breakdown,
    DashboardData,
    Figure,
)
from .tables import month_label

__all__ = [
    "FUNNEL_STAGES",
    "NOT_APPLICABLE",
    "TOP_ROWS",
    "Breakdown",
    "DashboardData",
    "Figure",
    "month_label",
    "partner_dashboard_data",
    "programme_dashboard_data",
]
