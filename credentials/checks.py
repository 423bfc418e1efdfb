"""Deployment checks for credential signing, shown by `manage.py check --deploy`."""

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

from .vc.keys import KeyFormatError, private_key_from_text


@register(Tags.security, deploy=True)
def credential_key_check(app_configs, **kwargs):
    if not settings.CREDENTIAL_SIGNING_KEY:
        return [
            Warning(
                "CREDENTIAL_SIGNING_KEY is not set: credentials are signed with a key generated "
                "and kept in the database.",
                hint="Run `manage.py credential_key_generate` and set CREDENTIAL_SIGNING_KEY.",
                id="credentials.W001",
            )
        ]
    try:
        private_key_from_text(settings.CREDENTIAL_SIGNING_KEY)
    except KeyFormatError:
        return [
            Error(
                "CREDENTIAL_SIGNING_KEY is not an Ed25519 private key.",
                hint="Run `manage.py credential_key_generate` for a valid one.",
                id="credentials.E001",
            )
        ]
    return []
