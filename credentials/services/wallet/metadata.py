"""The issuer's metadata: Credential Issuer Metadata and OAuth Authorization Server Metadata."""

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from portal.origin import site_url

from ...vc.holder_keys import ALGORITHMS
from ...vc.loader import OB_V3_CONTEXT, VC_V2_CONTEXT
from .common import CONFIGURATION_ID, CREDENTIAL_TYPE, PRE_AUTHORIZED_GRANT, credential_issuer


def _display(make) -> list[dict]:
    entries = []
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            entries.append({**make(), "locale": code})
    return entries


def issuer_metadata() -> dict:
    """Credential Issuer Metadata (OpenID4VCI 1.0 section 12.2), one configuration: the
    Open Badges 3.0 credential as a W3C VC signed with a Data Integrity proof (format ldp_vc,
    Appendix A.1.2)."""
    programme = settings.PROGRAMME_NAME
    return {
        "credential_issuer": credential_issuer(),
        "credential_endpoint": site_url(reverse("wallet:credential")),
        "nonce_endpoint": site_url(reverse("wallet:nonce")),
        "display": _display(lambda: {"name": programme}),
        "credential_configurations_supported": {
            CONFIGURATION_ID: {
                "format": "ldp_vc",
                "scope": "OpenBadgeCredential",
                "cryptographic_binding_methods_supported": ["did:key", "did:jwk"],
                "credential_signing_alg_values_supported": ["eddsa-rdfc-2022"],
                "proof_types_supported": {
                    "jwt": {"proof_signing_alg_values_supported": list(ALGORITHMS)}
                },
                "credential_definition": {
                    "@context": [VC_V2_CONTEXT, OB_V3_CONTEXT],
                    "type": CREDENTIAL_TYPE,
                },
                # Drafts up to 15 read the display here; 1.0 in credential_metadata.
                "display": _display(_credential_display),
                "credential_metadata": {"display": _display(_credential_display)},
            }
        },
    }


def _credential_display() -> dict:
    return {
        "name": _("Course completion credential"),
        "description": _("A course you completed, signed by %(programme)s: anyone can check it.")
        % {"programme": settings.PROGRAMME_NAME},
    }


def authorization_server_metadata() -> dict:
    """OAuth 2.0 Authorization Server Metadata (RFC 8414) for the pre-authorized code flow
    only: wallets need no client registration (anonymous access)."""
    return {
        "issuer": credential_issuer(),
        "token_endpoint": site_url(reverse("wallet:token")),
        "grant_types_supported": [PRE_AUTHORIZED_GRANT],
        "response_types_supported": [],
        "token_endpoint_auth_methods_supported": ["none"],
        "pre-authorized_grant_anonymous_access_supported": True,
    }
