from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PartnersConfig(AppConfig):
    """Partner organisations, staff, learner applications and verification decisions, seats."""

    name = "partners"
    verbose_name = _("Partners")

    def ready(self) -> None:
        from . import receivers  # noqa: F401 — connects the signal receivers
