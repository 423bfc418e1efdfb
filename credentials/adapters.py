"""How each kind of provider gives access. A provider receives only the learner's name, their
learner reference at this provider, an e-mail address only when there is one to give
(services/references.provider_email_for) and the course — never refugee status, partner or
nationality."""

import http.client
import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

from django.conf import settings

from portal.crypto import decrypt_text

from .errors import ProviderRejected, ProviderUnavailable
from .models import Course, Provider

# Default; settings.PROVIDER_TIMEOUT_SECONDS overrides it. The provisioning job holds the
# enrolment's row lock during the call, so this bounds how long that lock is held.
PROVIDER_TIMEOUT_SECONDS = 10
# Exactly these fields leave the portal for a provider; tests check the payload against it.
# `email` only when there is one (docs/decisions/0022-learner-references.md); `reference` names
# the enrolment (an idempotency key), `learner_reference` the learner, at this provider only.
PROVIDER_PAYLOAD_FIELDS = ("name", "email", "course_id", "reference", "learner_reference")
# 4xx answers worth retrying: timeouts, conflicts, rate limits — and 401/403, which mean our
# token is wrong or expired (an admin can fix that), not that this learner cannot be enrolled.
RETRYABLE_4XX = frozenset({401, 403, 408, 409, 425, 429})


@dataclass(frozen=True)
class Granted:
    access_link: str = ""
    provider_reference: str = ""


def provider_payload(
    *, name: str, email: str, course: Course, reference: str, learner_reference: str
) -> dict:
    payload = {
        "name": name,
        "course_id": course.external_id,
        "reference": reference,
        "learner_reference": learner_reference,
    }
    if email:
        payload["email"] = email
    return payload


def _safe_link(value: object) -> str:
    """The provider's access link, if it is one we can show the learner (an http(s) URL that
    fits the field); otherwise "" and the learner gets the course's own link."""
    link = str(value or "").strip()
    if len(link) > 200 or urllib.parse.urlsplit(link).scheme not in ("https", "http"):
        return ""
    return link


def provider_timeout() -> float:
    return float(getattr(settings, "PROVIDER_TIMEOUT_SECONDS", PROVIDER_TIMEOUT_SECONDS))


def api_enrol(*, provider: Provider, payload: dict) -> Granted:
    """POST the enrolment to the provider's endpoint. `reference` doubles as an idempotency key,
    so a provider that sees the same enrolment twice can answer without enrolling twice."""
    # urllib also opens file:// and ftp:// URLs; only ever talk HTTP(S) to a provider.
    if urllib.parse.urlsplit(provider.api_enrolment_url).scheme not in ("https", "http"):
        raise ProviderUnavailable("the provider's enrolment endpoint is not an http(s) URL")
    token = decrypt_text(provider.api_token_encrypted) if provider.api_token_encrypted else ""
    request = urllib.request.Request(  # noqa: S310 — scheme checked above
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
        with urllib.request.urlopen(request, timeout=provider_timeout()) as response:  # noqa: S310
            body = json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        error.close()
        if 400 <= error.code < 500 and error.code not in RETRYABLE_4XX:
            raise ProviderRejected(f"provider answered {error.code}") from error
        raise ProviderUnavailable(f"provider answered {error.code}") from error
    # OSError covers URLError, timeouts, refused/reset connections and TLS errors; HTTPException
    # a malformed or cut-off answer; ValueError an answer that is not JSON.
    except (OSError, http.client.HTTPException, ValueError) as error:
        if isinstance(error, TimeoutError) or isinstance(
            getattr(error, "reason", None), TimeoutError
        ):
            raise ProviderUnavailable("provider did not answer in time") from error
        raise ProviderUnavailable(f"provider unreachable: {type(error).__name__}") from error
    if not isinstance(body, dict):
        raise ProviderUnavailable("provider answered with unexpected JSON")
    return Granted(
        access_link=_safe_link(body.get("access_url")),
        provider_reference=str(body.get("enrolment_id") or "")[:200],
    )


def api_unenrol(*, provider: Provider, reference: str) -> int:
    """Tell the provider that an enrolment ended because the learner deleted their account:
    DELETE <enrolment endpoint>/<reference>, the reference we sent when enrolling. Returns the
    provider's status; 404/410 (nothing to delete, or no such endpoint) are final answers too.
    Raises ProviderUnavailable for answers worth retrying. Nothing but the reference is sent."""
    base = provider.api_enrolment_url.rstrip("/")
    if urllib.parse.urlsplit(base).scheme not in ("https", "http"):
        raise ProviderUnavailable("the provider's enrolment endpoint is not an http(s) URL")
    token = decrypt_text(provider.api_token_encrypted) if provider.api_token_encrypted else ""
    request = urllib.request.Request(  # noqa: S310 — scheme checked above
        f"{base}/{urllib.parse.quote(reference, safe='')}",
        method="DELETE",
        headers={"Accept": "application/json", "Authorization": f"Bearer {token}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=provider_timeout()) as response:  # noqa: S310
            response.read()
            return response.status
    except urllib.error.HTTPError as error:
        error.close()
        if 400 <= error.code < 500 and error.code not in RETRYABLE_4XX:
            return error.code
        raise ProviderUnavailable(f"provider answered {error.code}") from error
    except (OSError, http.client.HTTPException) as error:
        raise ProviderUnavailable(f"provider unreachable: {type(error).__name__}") from error
