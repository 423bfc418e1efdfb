from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CredentialsConfig(AppConfig):
    """Course providers and catalogue, enrolments, completions and verifiable credentials."""

    name = "credentials"
    verbose_name = _("Courses and credentials")

    def ready(self) -> None:
        from . import checks, receivers  # noqa: F401 — registers checks and signal receivers
