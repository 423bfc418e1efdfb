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
                hint="Run `manage.py credential_key_generate` and set CREDENTIAL_SIGNING_KEY "
                "(the first key); later keys come from `manage.py rotate_signing_key`.",
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


@register(Tags.security)
def credential_issuer_did_check(app_configs, **kwargs):
    """CREDENTIAL_ISSUER_DID is empty, "did:key" or a did:web (docs/decisions/0025)."""
    from django.core.exceptions import ImproperlyConfigured

    from .services.signing_keys import issuer_did_web

    try:
        issuer_did_web()
    except ImproperlyConfigured as error:
        return [Error(str(error), id="credentials.E002")]
    return []


@register(Tags.security, deploy=True)
def provider_email_domain_check(app_configs, **kwargs):
    """A provider that requires an e-mail address needs PROVIDER_EMAIL_DOMAIN for the
    pseudonymous addresses (docs/decisions/0022-learner-references.md); without it, enrolments at
    that provider are retried and then fail with that reason."""
    if (getattr(settings, "PROVIDER_EMAIL_DOMAIN", "") or "").strip():
        return []
    from django.db import DatabaseError

    from .models import Provider

    try:
        names = list(
            Provider.objects.filter(requires_email=True, is_active=True).values_list(
                "slug", flat=True
            )[:5]
        )
    except DatabaseError:  # no database yet (a fresh deployment before `migrate`)
        return []
    if not names:
        return []
    return [
        Warning(
            "PROVIDER_EMAIL_DOMAIN is not set, but these providers require an e-mail address: "
            f"{', '.join(names)}. Their enrolments will fail for learners who do not share "
            "their own address.",
            hint="Set PROVIDER_EMAIL_DOMAIN to a domain the programme controls, e.g. "
            "learners.example.org.",
            id="credentials.W002",
        )
    ]
