"""How each kind of provider gives access. A provider receives only the learner's name, e-mail
and the course — never refugee status, partner or nationality."""

import json
import urllib.error
import urllib.request
from dataclasses import dataclass

from portal.crypto import decrypt_text

from .errors import ProviderRejected, ProviderUnavailable
from .models import Course, Provider

PROVIDER_TIMEOUT_SECONDS = 10
# Exactly these fields leave the portal for a provider; tests check the payload against it.
PROVIDER_PAYLOAD_FIELDS = ("name", "email", "course_id", "reference")


@dataclass(frozen=True)
class Granted:
    access_link: str = ""
    provider_reference: str = ""


def provider_payload(*, name: str, email: str, course: Course, reference: str) -> dict:
    return {"name": name, "email": email, "course_id": course.external_id, "reference": reference}


def api_enrol(*, provider: Provider, payload: dict) -> Granted:
    """POST the enrolment to the provider's endpoint. `reference` doubles as an idempotency key,
    so a provider that sees the same enrolment twice can answer without enrolling twice."""
    token = decrypt_text(provider.api_token_encrypted) if provider.api_token_encrypted else ""
    request = urllib.request.Request(  # noqa: S310 — the URL is an admin-configured https endpoint
        provider.api_enrolment_url,
        data=json.dumps(payload).encode(),
        method="POST",
        headers={
            "Content-Type": "application/json",
            "Accept": "application/json",
            "Authorization": f"Bearer {token}",
            "Idempotency-Key": payload["reference"],
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=PROVIDER_TIMEOUT_SECONDS) as response:  # noqa: S310
            body = json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        if 400 <= error.code < 500 and error.code not in (408, 409, 429):
            raise ProviderRejected(f"provider answered {error.code}") from error
        raise ProviderUnavailable(f"provider answered {error.code}") from error
    except (urllib.error.URLError, TimeoutError, ConnectionError, json.JSONDecodeError) as error:
        raise ProviderUnavailable(f"provider unreachable: {type(error).__name__}") from error
    return Granted(
        access_link=str(body.get("access_url") or ""),
        provider_reference=str(body.get("enrolment_id") or "")[:200],
    )
