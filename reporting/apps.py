from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportingConfig(AppConfig):
    """Roll-up tables, dashboards, exports and scheduled reports (reads every app; none read it)."""

    name = "reporting"
    label = "reporting"
    verbose_name = _("Reporting")

    def ready(self) -> None:
        from . import receivers  # noqa: F401 — connects the signal receivers
