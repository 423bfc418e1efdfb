from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LearnersConfig(AppConfig):
    """Learner profile and consent, onboarding, dashboard, data export and erasure."""

    name = "learners"
    verbose_name = _("Learners")
