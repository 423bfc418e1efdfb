"""The one API-key mechanism (portal/api_keys/, decision 0018), for both kinds of owner: a
partner's keys (its case-management system) and a provider's keys (its completions feed)."""

import hashlib
import json
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from credentials.api import CompletionsView
from credentials.models import ProviderApiKey
from credentials.services.provider_keys import provider_api_key_create
from partners.api.views import ApplicationListView
from partners.models import PartnerApiKey, StaffRole
from partners.services.api_keys import api_key_create
from portal.api_keys import services as keys
from portal.api_keys.drf import ApiKeyAuthentication, ApiKeyRateThrottle, HasApiKey
from portal.models import AuditEvent
from tests.credentials.factories import ProviderFactory
from tests.partners.factories import MembershipFactory, PartnerFactory
from tests.portal.factories import ProgrammeAdminFactory

pytestmark = pytest.mark.django_db

KINDS = ["partner", "provider"]
MODELS = {"partner": PartnerApiKey, "provider": ProviderApiKey}
# One request each API answers 200 with a valid key and nothing else.
REQUESTS = {
    "partner": lambda client, headers: client.get("/api/v1/applications/", headers=headers),
    "provider": lambda client, headers: client.post(
        "/api/v1/completions/",
        json.dumps({"email": "nobody@example.org", "course_id": "none"}),
        content_type="application/json",
        headers=headers,
    ),
}


def issue(kind: str, **fields):
    """A new key of a new owner of this kind, through the owner's app's own service."""
    if kind == "partner":
        partner = PartnerFactory()
        coordinator = MembershipFactory(partner=partner, role=StaffRole.COORDINATOR).user
        key, text = api_key_create(partner=partner, name="System", acting_user=coordinator)
        return key, text, partner
    provider = ProviderFactory()
    key, text = provider_api_key_create(
        provider=provider, name="System", acting_user=ProgrammeAdminFactory()
    )
    return key, text, provider


def header(text: str) -> dict:
    return {"Authorization": f"Api-Key {text}"}


@pytest.mark.parametrize("kind", KINDS)
def test_a_key_is_prefix_dot_secret_and_only_the_prefix_and_the_secrets_hash_are_stored(kind):
    key, text, owner = issue(kind)
    prefix, secret = text.split(".")
    assert len(prefix) == 8 and int(prefix, 16) >= 0
    assert len(secret) >= 43  # 256 random bits, URL-safe
    stored = MODELS[kind].objects.get(pk=key.pk)
    assert stored.prefix == prefix
    assert stored.key_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in str(MODELS[kind].objects.filter(pk=key.pk).values().get())
    assert stored.owner == owner


@pytest.mark.parametrize("kind", KINDS)
def test_a_key_stored_before_the_merge_still_authenticates(kind):
    """Keys issued before the two mechanisms were merged hold the same stored format, so every
    key in use keeps working without a migration."""
    _key, _text, owner = issue(kind)
    secret = "s3cret-made-by-the-old-code-with-token-urlsafe-32"
    old = MODELS[kind].objects.create(
        **{kind: owner},
        name="Old",
        prefix="0a1b2c3d",
        key_hash=hashlib.sha256(secret.encode()).hexdigest(),
    )
    assert keys.api_key_authenticate(MODELS[kind], f"0a1b2c3d.{secret}") == old
    assert REQUESTS[kind](Client(), header(f"0a1b2c3d.{secret}")).status_code == 200


@pytest.mark.parametrize("kind", KINDS)
def test_a_key_of_one_owner_kind_is_never_a_key_of_the_other(kind):
    _key, text, _owner = issue(kind)
    other = "provider" if kind == "partner" else "partner"
    assert keys.api_key_authenticate(MODELS[other], text) is None
    assert REQUESTS[other](Client(), header(text)).status_code == 401
    assert REQUESTS[kind](Client(), header(text)).status_code == 200


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    "text",
    ["", "nodot", ".secret", "prefix.", "0a1b2c3d.wrong-secret"],
)
def test_text_that_is_not_a_live_key_authenticates_nothing(kind, text):
    issue(kind)
    assert keys.api_key_authenticate(MODELS[kind], text) is None


@pytest.mark.parametrize("kind", KINDS)
def test_a_header_that_is_not_ascii_is_401(kind):
    _key, text, _owner = issue(kind)
    response = REQUESTS[kind](Client(), header(f"é{text}"))
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Api-Key"


@pytest.mark.parametrize("kind", KINDS)
def test_revoking_stops_the_key_and_is_audited_once_in_the_owners_scope(kind):
    key, text, owner = issue(kind)
    keys.api_key_revoke(key=key, acting_user=None)
    keys.api_key_revoke(key=key, acting_user=None)
    assert key.revoked_at is not None
    assert keys.api_key_authenticate(MODELS[kind], text) is None
    revoked = AuditEvent.objects.filter(action__endswith="api_key.revoked")
    assert revoked.count() == 1
    event = revoked.get()
    assert event.object_id == str(key.pk)
    if kind == "partner":
        assert (event.action, event.partner_id, event.data) == ("api_key.revoked", owner.pk, {})
    else:
        assert (event.action, event.partner_id, event.data) == (
            "provider_api_key.revoked",
            None,
            {"provider": owner.pk},
        )


@pytest.mark.parametrize("kind", KINDS)
def test_a_deactivated_owners_keys_stop_working(kind):
    _key, text, owner = issue(kind)
    type(owner).objects.filter(pk=owner.pk).update(is_active=False)
    assert keys.api_key_authenticate(MODELS[kind], text) is None


@pytest.mark.parametrize("kind", KINDS)
def test_last_use_is_written_at_most_every_five_minutes(kind):
    key, text, _owner = issue(kind)
    model = MODELS[kind]
    keys.api_key_authenticate(model, text)
    first = model.objects.get(pk=key.pk).last_used_at
    assert first is not None
    keys.api_key_authenticate(model, text)
    assert model.objects.get(pk=key.pk).last_used_at == first
    long_ago = timezone.now() - keys.LAST_USED_RESOLUTION - timedelta(seconds=1)
    model.objects.filter(pk=key.pk).update(last_used_at=long_ago)
    keys.api_key_authenticate(model, text)
    assert model.objects.get(pk=key.pk).last_used_at > first


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name", ["", "   "])
def test_a_key_needs_a_name(kind, name):
    owner = PartnerFactory() if kind == "partner" else ProviderFactory()
    with pytest.raises(ValidationError) as error:
        keys.api_key_issue(model=MODELS[kind], owner=owner, name=name, acting_user=None)
    assert error.value.code == "name"
    assert not MODELS[kind].objects.exists()


def test_both_apis_use_the_same_authentication_permission_and_throttle_classes():
    for view_class, model, scope in (
        (ApplicationListView, PartnerApiKey, "partner_api"),
        (CompletionsView, ProviderApiKey, "provider_api"),
    ):
        view = view_class()
        [authentication] = view.get_authenticators()
        assert type(authentication) is ApiKeyAuthentication and authentication.key_model is model
        assert [type(p) for p in view.get_permissions()] == [HasApiKey]
        assert [type(t) for t in view.get_throttles()] == [ApiKeyRateThrottle]
        assert (view.api_key_model, view.throttle_scope) == (model, scope)


def test_throttle_counters_are_per_owner_kind_even_for_keys_with_the_same_id(settings):
    settings.REST_FRAMEWORK = {
        "DEFAULT_THROTTLE_RATES": {"partner_api": "1/min", "provider_api": "1/min"}
    }
    partner_key, partner_text, _partner = issue("partner")
    provider = ProviderFactory()
    twin, twin_text = keys.api_key_issue(
        model=ProviderApiKey, owner=provider, name="Twin", acting_user=None, pk=partner_key.pk
    )
    assert twin.pk == partner_key.pk
    assert REQUESTS["partner"](Client(), header(partner_text)).status_code == 200
    assert REQUESTS["provider"](Client(), header(twin_text)).status_code == 200
    assert REQUESTS["partner"](Client(), header(partner_text)).status_code == 429
    assert REQUESTS["provider"](Client(), header(twin_text)).status_code == 429
