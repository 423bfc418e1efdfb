from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("Portal")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from . import checks, middleware, receivers  # noqa: F401 — checks and signal receivers

        post_migrate.connect(_programme_admin_group_sync, dispatch_uid="portal.admin_group")


def _programme_admin_group_sync(sender, **kwargs) -> None:
    """After every `migrate` (and every flush, which tests do), the "Programme admins" group
    holds exactly the permissions listed in portal.admin_access: a change to that list takes
    effect at the next deployment without a new migration."""
    from .admin_access import programme_admin_group_sync

    programme_admin_group_sync()
