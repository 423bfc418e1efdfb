from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PartnersConfig(AppConfig):
    """Partner organisations, staff, learner applications and verification decisions, seats."""

    name = "partners"
    verbose_name = _("Partners")
