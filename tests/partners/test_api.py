"""The partner API (/api/v1/): API-key authentication, a partner's open applications, decisions,
and the OpenAPI schema."""

import json
from datetime import timedelta

import pytest
import yaml
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.validation import validate_schema

from partners.models import ApplicationStatus, EvidenceDocument, Membership, StaffRole
from partners.services.api_keys import api_key_create, api_key_revoke
from partners.services.applications import case_number_hash, learner_is_verified
from portal.crypto import encrypt_text
from portal.models import AuditEvent

from .factories import ApplicationFactory, MembershipFactory, PartnerFactory

ALLOWED_FIELDS = {
    "id",
    "status",
    "submitted_at",
    "displacement_status",
    "country_of_residence",
    "document_count",
    "has_case_number",
}
CASE_NUMBER = "UNHCR-945-77712"


@pytest.fixture
def partner(db):
    return PartnerFactory()


@pytest.fixture
def other_partner(db):
    return PartnerFactory()


@pytest.fixture
def coordinator(partner):
    return MembershipFactory(partner=partner, role=StaffRole.COORDINATOR).user


@pytest.fixture
def api_key(partner, coordinator):
    key, plaintext = api_key_create(partner=partner, name="Case system", acting_user=coordinator)
    return key, plaintext


@pytest.fixture
def key_text(api_key):
    return api_key[1]


@pytest.fixture
def other_key_text(other_partner):
    boss = MembershipFactory(partner=other_partner, role=StaffRole.COORDINATOR).user
    return api_key_create(partner=other_partner, name="Other system", acting_user=boss)[1]


def auth(key_text: str) -> dict:
    return {"Authorization": f"Api-Key {key_text}"}


def get(client, url, key_text=None, **params):
    return client.get(url, params, headers=auth(key_text) if key_text else {})


def post_json(client, url, body, key_text=None):
    return client.post(
        url,
        json.dumps(body) if not isinstance(body, str) else body,
        content_type="application/json",
        headers=auth(key_text) if key_text else {},
    )


def with_case_number(application, number=CASE_NUMBER):
    application.case_number_encrypted = encrypt_text(number)
    application.case_number_hash = case_number_hash(number)
    application.save(update_fields=["case_number_encrypted", "case_number_hash"])
    return application


LIST_URL = "/api/v1/applications/"


def detail_url(pk):
    return reverse("api:application_detail", args=[pk])


def decision_url(pk):
    return reverse("api:application_decision", args=[pk])


# --- authentication -----------------------------------------------------------------------------


def test_url_names_resolve_to_the_documented_paths():
    assert reverse("api:applications") == LIST_URL
    assert reverse("api:application_decision", args=[7]) == "/api/v1/applications/7/decision/"
    assert reverse("api:schema") == "/api/schema/"


@pytest.mark.django_db
def test_request_without_a_key_is_401_with_an_api_key_challenge(client):
    response = get(client, LIST_URL)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Api-Key"
    assert response["Content-Type"] == "application/json"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "header",
    [
        "Api-Key nonsense",
        "Api-Key deadbeef.not-the-secret",
        "Api-Key",
        "Api-Key a b",
        "Bearer something",
    ],
)
def test_unknown_or_malformed_key_is_401(client, api_key, header):
    response = client.get(LIST_URL, headers={"Authorization": header})
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Api-Key"


@pytest.mark.django_db
def test_right_prefix_with_wrong_secret_is_401(client, api_key):
    key, _plaintext = api_key
    response = get(client, LIST_URL, f"{key.prefix}.wrong-secret")
    assert response.status_code == 401


@pytest.mark.django_db
def test_revoked_key_is_401(client, api_key, coordinator):
    key, plaintext = api_key
    api_key_revoke(key=key, acting_user=coordinator)
    assert get(client, LIST_URL, plaintext).status_code == 401


@pytest.mark.django_db
def test_key_of_a_deactivated_partner_is_401(client, partner, key_text):
    partner.is_active = False
    partner.save(update_fields=["is_active"])
    assert get(client, LIST_URL, key_text).status_code == 401


@pytest.mark.django_db
def test_a_signed_in_session_is_not_an_api_credential(client, coordinator):
    from tests.portal.conftest import give_totp

    give_totp(coordinator)
    client.force_login(coordinator)
    assert get(client, LIST_URL).status_code == 401


@pytest.mark.django_db
def test_requests_are_rate_limited_per_key(client, settings, key_text, other_key_text):
    settings.REST_FRAMEWORK = {"DEFAULT_THROTTLE_RATES": {"partner_api": "3/min"}}
    for _i in range(3):
        assert get(client, LIST_URL, key_text).status_code == 200
    limited = get(client, LIST_URL, key_text)
    assert limited.status_code == 429
    assert "Retry-After" in limited
    # Another partner's key counts on its own.
    assert get(client, LIST_URL, other_key_text).status_code == 200


# --- the list -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_list_shows_only_this_partners_open_applications(client, partner, other_partner, key_text):
    submitted = ApplicationFactory(partner=partner)
    info = ApplicationFactory(partner=partner, status=ApplicationStatus.INFO_REQUESTED)
    ApplicationFactory(
        partner=partner,
        status=ApplicationStatus.APPROVED,
        verified_until=timezone.localdate() + timedelta(days=30),
    )
    ApplicationFactory(partner=partner, status=ApplicationStatus.REJECTED)
    ApplicationFactory(partner=partner, status=ApplicationStatus.WITHDRAWN)
    ApplicationFactory(partner=other_partner)

    response = get(client, LIST_URL, key_text)

    assert response.status_code == 200
    ids = [row["id"] for row in response.json()["results"]]
    assert sorted(ids) == sorted([submitted.pk, info.pk])


@pytest.mark.django_db
def test_list_items_hold_exactly_the_minimal_fields_and_never_the_case_number_or_email(
    client, partner, key_text
):
    application = with_case_number(ApplicationFactory(partner=partner, country_of_residence="LB"))
    EvidenceDocument.objects.create(application=application, kind="pdf", size=10, state="ready")
    EvidenceDocument.objects.create(
        application=application, kind="pdf", size=10, purged_at=timezone.now()
    )
    ApplicationFactory(partner=partner)

    response = get(client, LIST_URL, key_text)

    body = response.content.decode()
    rows = response.json()["results"]
    assert all(set(row) == ALLOWED_FIELDS for row in rows)
    row = next(r for r in rows if r["id"] == application.pk)
    assert row["has_case_number"] is True
    assert row["document_count"] == 1
    assert row["country_of_residence"] == "LB"
    assert row["status"] == "submitted"
    assert row["displacement_status"] == "refugee"
    other = next(r for r in rows if r["id"] != application.pk)
    assert other["has_case_number"] is False
    assert CASE_NUMBER not in body
    assert "945" not in body
    assert application.learner.email not in body
    assert "@" not in body


@pytest.mark.django_db
def test_list_filters_by_status(client, partner, key_text):
    ApplicationFactory(partner=partner)
    info = ApplicationFactory(partner=partner, status=ApplicationStatus.INFO_REQUESTED)
    response = get(client, LIST_URL, key_text, status="info_requested")
    assert [row["id"] for row in response.json()["results"]] == [info.pk]


@pytest.mark.django_db
@pytest.mark.parametrize("status", ["approved", "rejected", "nonsense"])
def test_list_refuses_a_status_that_is_not_open(client, key_text, status):
    response = get(client, LIST_URL, key_text, status=status)
    assert response.status_code == 400
    assert "status" in response.json()


@pytest.mark.django_db
def test_list_pages_with_a_cursor_oldest_first(client, partner, key_text):
    start = timezone.now() - timedelta(days=10)
    applications = [
        ApplicationFactory(partner=partner, submitted_at=start + timedelta(hours=i))
        for i in range(5)
    ]
    # Two at the very same moment: the cursor still neither skips nor repeats them.
    twin = ApplicationFactory(partner=partner, submitted_at=applications[2].submitted_at)
    expected = [a.pk for a in applications[:3]] + [twin.pk] + [a.pk for a in applications[3:]]

    seen, url, pages = [], LIST_URL + "?page_size=2", 0
    while url:
        response = client.get(url, headers=auth(key_text))
        assert response.status_code == 200
        data = response.json()
        assert set(data) == {"next", "previous", "results"}
        assert len(data["results"]) <= 2
        seen += [row["id"] for row in data["results"]]
        url = data["next"]
        pages += 1
    assert pages == 3
    assert sorted(seen) == sorted(expected)
    assert seen[:2] == expected[:2]
    assert seen[-2:] == expected[-2:]


@pytest.mark.django_db
@pytest.mark.parametrize("size", [10, 200])
def test_list_costs_a_constant_number_of_queries(
    client, partner, key_text, size, django_assert_num_queries
):
    for application in ApplicationFactory.create_batch(size, partner=partner):
        EvidenceDocument.objects.create(application=application, kind="pdf", size=1, state="ready")
    get(client, LIST_URL, key_text)  # first use records last_used_at
    # The key (with its partner), then one page of applications with their document counts.
    with django_assert_num_queries(2):
        response = get(client, LIST_URL, key_text, page_size=200)
    assert len(response.json()["results"]) == size


# --- detail -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_detail_shows_minimal_fields_and_the_note_and_audits_the_read(
    client, partner, key_text, api_key, coordinator
):
    application = with_case_number(ApplicationFactory(partner=partner, note="Lives in Irbid."))
    response = get(client, detail_url(application.pk), key_text)
    assert response.status_code == 200
    data = response.json()
    assert set(data) == ALLOWED_FIELDS | {"note"}
    assert data["note"] == "Lives in Irbid."
    assert data["has_case_number"] is True
    assert CASE_NUMBER not in response.content.decode()
    event = AuditEvent.objects.get(action="application.viewed", object_id=str(application.pk))
    assert event.partner_id == partner.pk
    assert event.actor == coordinator
    assert event.data == {"via": "api", "api_key": api_key[0].pk}


@pytest.mark.django_db
def test_detail_also_shows_a_decided_application_of_this_partner(client, partner, key_text):
    application = ApplicationFactory(partner=partner, status=ApplicationStatus.REJECTED)
    response = get(client, detail_url(application.pk), key_text)
    assert response.json()["status"] == "rejected"


@pytest.mark.django_db
def test_another_partners_application_is_404_and_not_listed(client, other_partner, key_text):
    theirs = ApplicationFactory(partner=other_partner)
    assert get(client, detail_url(theirs.pk), key_text).status_code == 404
    assert get(client, detail_url(999999), key_text).status_code == 404
    assert get(client, LIST_URL, key_text).json()["results"] == []
    assert not AuditEvent.objects.filter(action="application.viewed").exists()


# --- decisions ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_approving_by_api_verifies_the_learner(client, partner, key_text, api_key, coordinator):
    application = ApplicationFactory(partner=partner)
    response = post_json(client, decision_url(application.pk), {"decision": "approve"}, key_text)
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "approved"
    application.refresh_from_db()
    assert application.status == ApplicationStatus.APPROVED
    assert application.decided_by == coordinator
    assert learner_is_verified(application.learner)
    used = AuditEvent.objects.get(action="api_key.used_for_decision")
    assert used.data == {"api_key": api_key[0].pk, "decision": "approve"}
    assert AuditEvent.objects.filter(
        action="application.approve", object_id=str(application.pk), actor=coordinator
    ).exists()


@pytest.mark.django_db
def test_no_verification_by_api_while_a_document_is_being_checked(client, partner, key_text):
    """409, like any decision at the wrong time: the same call succeeds once it is rebuilt."""
    application = ApplicationFactory(partner=partner)
    document = EvidenceDocument.objects.create(application=application, kind="pdf", size=10)
    assert document.state == "checking"
    response = post_json(client, decision_url(application.pk), {"decision": "approve"}, key_text)
    assert response.status_code == 409, response.content
    listed = get(client, LIST_URL, key_text).json()["results"][0]
    assert listed["document_count"] == 0  # not counted until it can be opened
    EvidenceDocument.objects.filter(pk=document.pk).update(state="ready")
    response = post_json(client, decision_url(application.pk), {"decision": "approve"}, key_text)
    assert response.status_code == 200, response.content


@pytest.mark.django_db
def test_a_document_being_checked_does_not_hold_off_a_rejection_by_api(client, partner, key_text):
    """Only verification waits: an upload cannot stop a partner's system from rejecting."""
    application = ApplicationFactory(partner=partner)
    EvidenceDocument.objects.create(application=application, kind="pdf", size=10)
    body = {"decision": "reject", "reason": "not_eligible"}
    response = post_json(client, decision_url(application.pk), body, key_text)
    assert response.status_code == 200, response.content
    application.refresh_from_db()
    assert application.status == ApplicationStatus.REJECTED


@pytest.mark.django_db
def test_requesting_information_by_api(client, partner, key_text):
    application = ApplicationFactory(partner=partner)
    response = post_json(
        client,
        decision_url(application.pk),
        {"decision": "request_info", "message": "Please send your registration card."},
        key_text,
    )
    assert response.status_code == 200
    application.refresh_from_db()
    assert application.status == ApplicationStatus.INFO_REQUESTED
    assert application.info_request_message == "Please send your registration card."


@pytest.mark.django_db
def test_rejecting_by_api_needs_a_reason(client, partner, key_text):
    application = ApplicationFactory(partner=partner)
    url = decision_url(application.pk)
    missing = post_json(client, url, {"decision": "reject"}, key_text)
    assert missing.status_code == 400
    assert "reason" in missing.json()
    done = post_json(
        client,
        url,
        {"decision": "reject", "reason": "outside_area", "note": "Lives in TR"},
        key_text,
    )
    assert done.status_code == 200
    application.refresh_from_db()
    assert application.status == ApplicationStatus.REJECTED
    assert application.rejection_reason == "outside_area"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [
        {},
        {"decision": "maybe"},
        {"decision": "request_info"},
        {"decision": "request_info", "message": "   "},
        {"decision": "reject", "reason": "because"},
        "not json at all",
    ],
    ids=["empty", "unknown", "no-message", "blank-message", "bad-reason", "not-json"],
)
def test_a_bad_decision_body_is_400_and_changes_nothing(client, partner, key_text, body):
    application = ApplicationFactory(partner=partner)
    response = post_json(client, decision_url(application.pk), body, key_text)
    assert response.status_code == 400
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED


@pytest.mark.django_db
def test_deciding_twice_is_409_with_a_readable_message(client, partner, key_text):
    application = ApplicationFactory(partner=partner)
    url = decision_url(application.pk)
    assert post_json(client, url, {"decision": "approve"}, key_text).status_code == 200
    again = post_json(client, url, {"decision": "reject", "reason": "other"}, key_text)
    assert again.status_code == 409
    assert "only a submitted application can be decided" in again.json()["detail"]
    application.refresh_from_db()
    assert application.status == ApplicationStatus.APPROVED


@pytest.mark.django_db
def test_deciding_while_waiting_for_the_learner_is_409(client, partner, key_text):
    application = ApplicationFactory(partner=partner, status=ApplicationStatus.INFO_REQUESTED)
    response = post_json(client, decision_url(application.pk), {"decision": "approve"}, key_text)
    assert response.status_code == 409
    assert response.json()["detail"]


@pytest.mark.django_db
def test_deciding_on_another_partners_application_is_404(client, other_partner, key_text):
    theirs = ApplicationFactory(partner=other_partner)
    response = post_json(client, decision_url(theirs.pk), {"decision": "approve"}, key_text)
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == ApplicationStatus.SUBMITTED


@pytest.mark.django_db
def test_key_of_a_coordinator_who_left_cannot_decide(client, partner, key_text, coordinator):
    application = ApplicationFactory(partner=partner)
    Membership.objects.filter(user=coordinator, partner=partner).delete()
    response = post_json(client, decision_url(application.pk), {"decision": "approve"}, key_text)
    assert response.status_code == 403
    assert "no longer" in response.json()["detail"]
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED
    # Reading still works: the key belongs to the partner, not to the person.
    assert get(client, LIST_URL, key_text).status_code == 200


@pytest.mark.django_db
def test_key_of_a_deactivated_coordinator_cannot_decide(client, partner, key_text, coordinator):
    application = ApplicationFactory(partner=partner)
    coordinator.is_active = False
    coordinator.save(update_fields=["is_active"])
    response = post_json(client, decision_url(application.pk), {"decision": "approve"}, key_text)
    assert response.status_code == 403


@pytest.mark.django_db
def test_key_authenticated_posts_need_no_csrf_token(partner, key_text):
    client = Client(enforce_csrf_checks=True)
    application = ApplicationFactory(partner=partner)
    response = post_json(client, decision_url(application.pk), {"decision": "approve"}, key_text)
    assert response.status_code == 200


@pytest.mark.django_db
def test_decision_endpoint_only_accepts_post(client, partner, key_text):
    application = ApplicationFactory(partner=partner)
    assert get(client, decision_url(application.pk), key_text).status_code == 405


# --- the schema ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_schema_is_public_valid_openapi_3_json_with_paths_and_the_key_scheme(client):
    response = client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    schema = response.json()
    validate_schema(schema)
    assert schema["openapi"].startswith("3.")
    assert {
        "/api/v1/applications/",
        "/api/v1/applications/{id}/",
        "/api/v1/applications/{id}/decision/",
    } <= set(schema["paths"])
    assert "/api/schema/" not in schema["paths"]
    scheme = schema["components"]["securitySchemes"]["ApiKeyAuth"]
    assert scheme == {**scheme, "type": "apiKey", "in": "header", "name": "Authorization"}
    operation = schema["paths"]["/api/v1/applications/{id}/decision/"]["post"]
    assert operation["security"] == [{"ApiKeyAuth": []}]
    assert {"200", "400", "403", "404", "409"} <= set(operation["responses"])
    item = schema["components"]["schemas"]["Application"]["properties"]
    assert set(item) == ALLOWED_FIELDS


@pytest.mark.django_db
def test_schema_is_served_as_yaml_by_default(client):
    response = client.get("/api/schema/")
    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    assert schema["openapi"].startswith("3.")
    assert "ApiKeyAuth" in schema["components"]["securitySchemes"]
