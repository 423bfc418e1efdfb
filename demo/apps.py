from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """`seed_demo`, `demo_totp` and the bulk seeding behind `make bench` (no models)."""

    name = "demo"
    verbose_name = _("Demo data")
