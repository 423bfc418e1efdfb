from django.apps import AppConfig


class CommandOverridesConfig(AppConfig):
    name = "portal.command_overrides"
    label = "portal_command_overrides"
    verbose_name = "Portal command overrides"
