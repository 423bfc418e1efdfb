"""Redis down: sign-in rate limits and API throttles are counted there, so they must not fall
open (a clear 503 instead); pages that need no Redis keep working."""

import json

import pytest
from django.contrib.auth.signals import user_login_failed
from django.test import Client
from django.urls import reverse

from credentials.services.provider_keys import provider_api_key_create
from partners.models import StaffRole
from partners.services.api_keys import api_key_create
from tests.credentials.conftest import staff_of, verified_learner
from tests.credentials.factories import ProviderFactory
from tests.partners.factories import ApplicationFactory, MembershipFactory, PartnerFactory
from tests.portal.factories import LearnerFactory, ProgrammeAdminFactory

PASSWORD = "a-long-enough-password-1"


@pytest.fixture
def password_checks():
    """How many sign-ins were checked against a password and failed."""
    failures: list[dict] = []

    def receiver(sender, credentials, **kwargs):
        failures.append(credentials)

    user_login_failed.connect(receiver)
    yield failures
    user_login_failed.disconnect(receiver)


def _bad_login(client: Client, email: str, **headers):
    return client.post(
        reverse("account_login"), {"login": email, "password": "not-the-password"}, headers=headers
    )


def test_with_redis_up_failed_sign_ins_are_limited(redis_server, password_checks):
    """The baseline the next test compares with: the limit is counted in Redis."""
    learner = LearnerFactory(password=PASSWORD)
    client = Client()
    responses = [_bad_login(client, learner.email) for _ in range(6)]
    assert "Too many failed login attempts" in responses[-1].content.decode()
    assert len(password_checks) == 5


def test_with_redis_down_sign_in_answers_503_and_checks_no_password(redis_server, password_checks):
    learner = LearnerFactory(password=PASSWORD)
    client = Client(raise_request_exception=False)
    redis_server.stop()

    responses = [_bad_login(client, learner.email) for _ in range(6)]

    # Not one password was tried: without its counter, sign-in is closed, not unlimited.
    assert password_checks == []
    for response in responses:
        assert response.status_code == 503
        assert response["Retry-After"] == "120"
        assert response["Cache-Control"] == "no-store"
        page = response.content.decode()
        assert "The portal is briefly unavailable" in page
        assert "Traceback" not in page and "redis" not in page.lower()
        assert learner.email not in page
    # The right password is refused the same way (and not checked either).
    good = client.post(reverse("account_login"), {"login": learner.email, "password": PASSWORD})
    assert good.status_code == 503
    assert "_auth_user_id" not in client.session


def test_the_503_page_is_in_the_visitors_language_and_direction(redis_server):
    learner = LearnerFactory(password=PASSWORD)
    client = Client(raise_request_exception=False)
    redis_server.stop()

    response = _bad_login(client, learner.email, accept_language="ar")

    assert response.status_code == 503
    page = response.content.decode()
    assert '<html lang="ar" dir="rtl">' in page
    assert "bootstrap.rtl.min" in page


def test_with_redis_down_the_apis_answer_503_in_json(redis_server):
    partner = PartnerFactory()
    coordinator = MembershipFactory(partner=partner, role=StaffRole.COORDINATOR).user
    partner_key = api_key_create(partner=partner, name="Case system", acting_user=coordinator)[1]
    admin = ProgrammeAdminFactory()
    provider_key = provider_api_key_create(
        provider=ProviderFactory(), name="Feed", acting_user=admin
    )[1]
    client = Client(raise_request_exception=False)
    redis_server.stop()

    listing = client.get(
        "/api/v1/applications/", headers={"Authorization": f"Api-Key {partner_key}"}
    )
    report = client.post(
        "/api/v1/completions/",
        json.dumps({"enrolment_reference": "x"}),
        content_type="application/json",
        headers={"Authorization": f"Api-Key {provider_key}"},
    )

    for response in (listing, report):
        assert response.status_code == 503
        assert response["Content-Type"] == "application/json"
        assert response["Retry-After"] == "120"
        assert set(response.json()) == {"detail"}


def test_pages_that_need_no_redis_keep_working_without_it(redis_server):
    partner = PartnerFactory()
    learner = verified_learner(partner)
    reviewer = staff_of(partner, StaffRole.REVIEWER)
    ApplicationFactory.create_batch(3, partner=partner)
    learner_client, reviewer_client, anonymous = Client(), Client(), Client()
    learner_client.force_login(learner)
    reviewer_client.force_login(reviewer)
    redis_server.stop()

    assert learner_client.get(reverse("learners:dashboard")).status_code == 200
    assert learner_client.get(reverse("courses:catalogue")).status_code == 200
    assert anonymous.get(reverse("courses:catalogue")).status_code == 200
    queue = reverse("partners:queue", kwargs={"slug": partner.slug})
    assert reviewer_client.get(queue).status_code == 200
