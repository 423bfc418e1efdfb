"""The provider API (/api/v1/completions/): provider API keys, completion reports (one or a list),
idempotency, what a provider may learn, the schema, and the provider keys page."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.validation import validate_schema

from credentials.models import EnrolmentStatus, ProviderApiKey
from credentials.services.provider_keys import (
    provider_api_key_authenticate,
    provider_api_key_create,
    provider_api_key_revoke,
)
from credentials.signals import enrolment_completed
from partners.models import StaffRole
from partners.services.api_keys import api_key_create
from portal.models import AuditEvent
from tests.portal.factories import LearnerFactory

from .conftest import staff_of
from .factories import CourseFactory, EnrolmentFactory, ProviderFactory

URL = "/api/v1/completions/"

pytestmark = pytest.mark.django_db


@pytest.fixture
def provider(db):
    return ProviderFactory(name="Open Courses")


@pytest.fixture
def course(provider):
    return CourseFactory(provider=provider, external_id="ML-101")


@pytest.fixture
def key_pair(provider, programme_admin):
    return provider_api_key_create(provider=provider, name="Feed", acting_user=programme_admin)


@pytest.fixture
def key_text(key_pair):
    return key_pair[1]


@pytest.fixture
def enrolment(course, partner):
    learner = LearnerFactory(email="amina@example.org")
    return EnrolmentFactory(
        learner=learner,
        course=course,
        partner=partner,
        status=EnrolmentStatus.ACTIVE,
        activated_at=timezone.now() - timedelta(days=30),
    )


@pytest.fixture
def completions_heard():
    """Every enrolment_completed signal, as the credential issuer would receive it."""
    heard = []

    def receiver(sender, enrolment_id, **kwargs):
        heard.append(enrolment_id)

    enrolment_completed.connect(receiver, weak=False)
    yield heard
    enrolment_completed.disconnect(receiver)


def post(client, body, key_text=None, **headers):
    if key_text:
        headers["Authorization"] = f"Api-Key {key_text}"
    return client.post(
        URL,
        body if isinstance(body, str) else json.dumps(body),
        content_type="application/json",
        headers=headers,
    )


def report(**overrides):
    return {"email": "amina@example.org", "course_id": "ML-101", **overrides}


# --- keys and authentication --------------------------------------------------------------------


def test_url_name_resolves_to_the_documented_path():
    assert reverse("credentials_api:completions") == URL


def test_key_is_shown_once_and_only_its_hash_is_stored(key_pair):
    key, plaintext = key_pair
    prefix, secret = plaintext.split(".", 1)
    assert key.prefix == prefix and len(secret) > 30
    stored = ProviderApiKey.objects.get(pk=key.pk)
    assert secret not in stored.key_hash and len(stored.key_hash) == 64
    assert provider_api_key_authenticate(plaintext) == key
    assert AuditEvent.objects.filter(action="provider_api_key.created").count() == 1


def test_only_programme_admins_create_or_revoke_provider_keys(provider, partner, key_pair):
    coordinator = staff_of(partner, StaffRole.COORDINATOR)
    with pytest.raises(Exception) as error:
        provider_api_key_create(provider=provider, name="x", acting_user=coordinator)
    assert error.value.code == "forbidden"
    with pytest.raises(Exception) as error:
        provider_api_key_revoke(key=key_pair[0], acting_user=LearnerFactory())
    assert error.value.code == "forbidden"
    assert ProviderApiKey.objects.count() == 1


def test_request_without_a_key_is_401_with_an_api_key_challenge(client, enrolment):
    response = post(client, report())
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Api-Key"
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.ACTIVE


@pytest.mark.parametrize(
    "header",
    ["Api-Key nonsense", "Api-Key deadbeef.not-the-secret", "Api-Key", "Api-Key a b", "Bearer x"],
)
def test_unknown_or_malformed_key_is_401(client, key_text, header):
    response = client.post(
        URL,
        json.dumps(report()),
        content_type="application/json",
        headers={"Authorization": header},
    )
    assert response.status_code == 401


def test_right_prefix_with_wrong_secret_is_401(client, key_pair):
    assert post(client, report(), f"{key_pair[0].prefix}.wrong").status_code == 401


def test_revoked_key_is_401(client, key_pair, programme_admin, enrolment):
    key, plaintext = key_pair
    provider_api_key_revoke(key=key, acting_user=programme_admin)
    assert post(client, report(), plaintext).status_code == 401
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.ACTIVE


def test_a_partners_api_key_is_401(client, partner, enrolment):
    coordinator = staff_of(partner, StaffRole.COORDINATOR)
    _key, partner_key = api_key_create(partner=partner, name="Case", acting_user=coordinator)
    assert post(client, report(), partner_key).status_code == 401


def test_key_of_a_deactivated_provider_is_401(client, provider, key_text):
    provider.is_active = False
    provider.save(update_fields=["is_active"])
    assert post(client, report(), key_text).status_code == 401


def test_a_signed_in_session_is_not_an_api_credential(client, programme_admin):
    client.force_login(programme_admin)
    assert post(client, report()).status_code == 401


def test_requests_are_rate_limited_per_key(client, settings, provider, key_text, programme_admin):
    other = provider_api_key_create(provider=provider, name="Other", acting_user=programme_admin)
    settings.REST_FRAMEWORK = {"DEFAULT_THROTTLE_RATES": {"provider_api": "2/min"}}
    for _i in range(2):
        assert post(client, report(), key_text).status_code == 200
    limited = post(client, report(), key_text)
    assert limited.status_code == 429
    assert "Retry-After" in limited
    assert post(client, report(), other[1]).status_code == 200


def test_the_key_records_when_it_was_last_used(client, key_pair, enrolment):
    post(client, report(), key_pair[1])
    key = ProviderApiKey.objects.get(pk=key_pair[0].pk)
    assert key.last_used_at is not None


# --- completions --------------------------------------------------------------------------------


def test_a_completion_marks_the_enrolment_completed_with_its_date_and_grade(
    client, key_text, enrolment, completions_heard, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, report(completed_at="2025-03-31T14:30:00Z", grade="92%"), key_text)
    assert response.status_code == 200
    assert response.json() == {
        "learner_reference": "",
        "code": "",
        "email": "amina@example.org",
        "course_id": "ML-101",
        "result": "completed",
        "changed": True,
        "detail": "The enrolment is now completed.",
    }
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.COMPLETED
    assert enrolment.completed_at == datetime(2025, 3, 31, 14, 30, tzinfo=UTC)
    assert enrolment.grade == "92%"
    assert completions_heard == [enrolment.pk]
    event = AuditEvent.objects.get(action="enrolment.completed")
    assert event.data == {"source": "api"}


def test_the_same_report_twice_changes_nothing_and_fires_the_signal_once(
    client, key_text, enrolment, completions_heard, django_capture_on_commit_callbacks
):
    body = report(completed_at="2025-03-31", grade="A")
    with django_capture_on_commit_callbacks(execute=True):
        first = post(client, body, key_text).json()
    with django_capture_on_commit_callbacks(execute=True):
        second = post(client, report(completed_at="2025-04-02", grade="B"), key_text).json()
    assert first["changed"] is True
    assert second["result"] == "already_completed"
    assert second["changed"] is False
    enrolment.refresh_from_db()
    assert enrolment.completed_at == datetime(2025, 3, 31, tzinfo=UTC)
    assert enrolment.grade == "A"
    assert completions_heard == [enrolment.pk]
    assert AuditEvent.objects.filter(action="enrolment.completed").count() == 1


def test_a_date_alone_and_no_date_are_accepted(client, key_text, course, partner):
    dated = EnrolmentFactory(course=course, partner=partner, learner=LearnerFactory())
    undated = EnrolmentFactory(course=course, partner=partner, learner=LearnerFactory())
    before = timezone.now()
    answers = post(
        client,
        [
            {"email": dated.learner.email, "course_id": "ML-101", "completed_at": "2024-12-01"},
            {"email": undated.learner.email.upper(), "course_id": "ML-101", "completed_at": None},
        ],
        key_text,
    ).json()
    assert [a["result"] for a in answers] == ["completed", "completed"]
    dated.refresh_from_db()
    undated.refresh_from_db()
    assert dated.completed_at == datetime(2024, 12, 1, tzinfo=UTC)
    assert undated.completed_at >= before


def test_an_unknown_pair_is_not_found(client, key_text, enrolment):
    answers = post(
        client,
        [
            report(email="nobody@example.org"),
            report(course_id="NOT-A-COURSE"),
        ],
        key_text,
    ).json()
    assert [a["result"] for a in answers] == ["not_found", "not_found"]
    assert all(a["changed"] is False for a in answers)
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.ACTIVE


def test_another_providers_course_is_not_found_and_untouched(client, key_text, partner):
    other_course = CourseFactory(provider=ProviderFactory(), external_id="ML-101")
    theirs = EnrolmentFactory(
        learner=LearnerFactory(email="amina@example.org"),
        course=other_course,
        partner=partner,
        activated_at=timezone.now(),
    )
    answer = post(client, report(), key_text).json()
    assert answer["result"] == "not_found"
    theirs.refresh_from_db()
    assert theirs.status == EnrolmentStatus.ACTIVE


@pytest.mark.parametrize(
    "status", [EnrolmentStatus.WAITLISTED, EnrolmentStatus.REQUESTED, EnrolmentStatus.FAILED]
)
def test_an_enrolment_the_provider_never_saw_is_not_found(client, key_text, course, status):
    EnrolmentFactory(
        learner=LearnerFactory(email="amina@example.org"), course=course, status=status
    )
    assert post(client, report(), key_text).json()["result"] == "not_found"


def test_a_withdrawn_enrolment_the_provider_had_is_not_active(client, key_text, course):
    revoked = EnrolmentFactory(
        learner=LearnerFactory(email="amina@example.org"),
        course=course,
        status=EnrolmentStatus.REVOKED,
        activated_at=timezone.now() - timedelta(days=3),
    )
    answer = post(client, report(), key_text).json()
    assert answer["result"] == "not_active"
    revoked.refresh_from_db()
    assert revoked.status == EnrolmentStatus.REVOKED


def test_a_list_body_is_answered_item_by_item_in_order(client, key_text, enrolment):
    answers = post(
        client,
        [
            report(),
            report(),
            report(email="someone@example.org"),
            report(email="not-an-email"),
            {"course_id": "ML-101"},
            report(completed_at="yesterday"),
            report(completed_at=(timezone.now() + timedelta(days=3)).isoformat()),
            report(grade="x" * 51),
            report(course_id="ML\u0000101"),
            report(grade={"not": "text"}),
            report(email="amina\u0000@example.org"),
        ],
        key_text,
    )
    assert answers.status_code == 200
    assert [a["result"] for a in answers.json()] == [
        "completed",
        "already_completed",
        "not_found",
        "invalid",
        "invalid",
        "invalid",
        "invalid",
        "invalid",
        "invalid",
        "invalid",
        "invalid",
    ]
    details = [a["detail"] for a in answers.json()]
    assert details[3] == "This is not a valid e-mail address."
    assert details[4] == (
        "Say who completed the course: give their learner reference, their access code or "
        "their e-mail address."
    )
    assert "2025-03-31" in details[5]
    assert details[6] == "The completion date is in the future."


@pytest.mark.parametrize(
    "body",
    [
        "not json",
        '"a string"',
        "42",
        "[]",
        '["a", "b"]',
        json.dumps([report()] * 501),
    ],
)
def test_a_body_of_the_wrong_shape_is_400_and_changes_nothing(client, key_text, enrolment, body):
    response = post(client, body, key_text)
    assert response.status_code == 400
    assert "detail" in response.json()
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.ACTIVE


def test_500_items_are_accepted(client, key_text, enrolment):
    response = post(client, [report()] * 500, key_text)
    assert response.status_code == 200
    assert len(response.json()) == 500


def test_key_authenticated_posts_need_no_csrf_token(key_text, enrolment):
    from django.test import Client

    response = post(Client(enforce_csrf_checks=True), report(), key_text)
    assert response.status_code == 200


def test_only_post_is_allowed(client, key_text):
    response = client.get(URL, headers={"Authorization": f"Api-Key {key_text}"})
    assert response.status_code == 405


# --- the schema ---------------------------------------------------------------------------------


def test_schema_documents_the_completions_endpoint_and_the_provider_key_scheme(client):
    schema = client.get("/api/schema/", {"format": "json"}).json()
    validate_schema(schema)
    operation = schema["paths"]["/api/v1/completions/"]["post"]
    assert operation["security"] == [{"ProviderApiKeyAuth": []}]
    assert set(operation["responses"]) >= {"200", "400", "401", "429"}
    scheme = schema["components"]["securitySchemes"]["ProviderApiKeyAuth"]
    assert scheme["type"] == "apiKey" and scheme["name"] == "Authorization"
    body = schema["components"]["schemas"]["CompletionReportBody"]
    assert len(body["oneOf"]) == 2
    item = schema["components"]["schemas"]["CompletionReport"]
    assert set(item["properties"]) == {
        "learner_reference",
        "code",
        "email",
        "course_id",
        "completed_at",
        "grade",
    }
    # E-mail is optional: nothing is required by the schema (each item is checked as a line).
    assert "required" not in item
    assert "exactly one of" in item["properties"]["learner_reference"]["description"]
    assert "Optional" in item["properties"]["email"]["description"]


# --- the provider keys page (programme admins) --------------------------------------------------


def test_admin_creates_a_key_on_the_page_and_sees_it_once(client, programme_admin, provider):
    client.force_login(programme_admin)
    page = client.get(reverse("programme:provider_keys"))
    assert page.status_code == 200
    response = client.post(
        reverse("programme:provider_key_create"), {"provider": provider.pk, "name": "Feed"}
    )
    assert response.status_code == 200
    plaintext = response.context["plaintext"]
    assert plaintext and plaintext in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    again = client.get(reverse("programme:provider_keys")).content.decode()
    assert plaintext not in again and plaintext.split(".")[0] in again


def test_admin_revokes_a_key_on_the_page(client, programme_admin, key_pair):
    client.force_login(programme_admin)
    key, plaintext = key_pair
    response = client.post(reverse("programme:provider_key_revoke", kwargs={"key_id": key.pk}))
    assert response.status_code == 302
    assert provider_api_key_authenticate(plaintext) is None


def test_a_key_without_a_name_is_refused_with_the_form_kept(client, programme_admin, provider):
    client.force_login(programme_admin)
    response = client.post(reverse("programme:provider_key_create"), {"provider": provider.pk})
    assert response.status_code == 200
    assert response.context["form"].errors["name"]
    assert ProviderApiKey.objects.count() == 0


@pytest.mark.parametrize("who", ["learner", "reviewer", "coordinator"])
def test_provider_key_pages_are_404_for_everyone_but_programme_admins(
    client, request, who, key_pair, provider
):
    user = LearnerFactory() if who == "learner" else request.getfixturevalue(who)
    client.force_login(user)
    assert client.get(reverse("programme:provider_keys")).status_code == 404
    assert (
        client.post(
            reverse("programme:provider_key_create"), {"provider": provider.pk, "name": "x"}
        ).status_code
        == 404
    )
    revoke = reverse("programme:provider_key_revoke", kwargs={"key_id": key_pair[0].pk})
    assert client.post(revoke).status_code == 404
    assert ProviderApiKey.objects.get(pk=key_pair[0].pk).revoked_at is None
