"""One origin: every link the portal hands out is on SITE_URL (portal/origin.py), which `make run`
sets to the address it serves; a deployment without a proper https SITE_URL on one of its hosts
fails `check --deploy` (portal.E001-E003)."""

import json
import re

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from credentials.models import EnrolmentStatus
from credentials.services import issuance
from partners.services.invitations import join_url
from partners.services.notifications import application_notify_learner
from partners.services.staff import invitation_accept_url
from portal.checks import site_url_problems
from tests.credentials.conftest import verified_learner
from tests.credentials.factories import CourseFactory, EnrolmentFactory
from tests.partners.factories import PartnerFactory

from .test_security import PRODUCTION_ENV, run_check_deploy

ORIGIN = "http://127.0.0.1:8101"  # `make run PORT=8101`
URL = re.compile(r"https?://[^\s\"'<>\\]+")


@pytest.fixture
def make_run_origin(settings):
    settings.SITE_URL = ORIGIN
    settings.SITE_URL_IS_SET = True
    return settings


# --- links --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_signed_credential_carries_only_links_on_the_origin(make_run_origin):
    partner = PartnerFactory()
    learner = verified_learner(partner)
    enrolment = EnrolmentFactory(
        learner=learner,
        partner=partner,
        course=CourseFactory(provider__website=""),
        status=EnrolmentStatus.COMPLETED,
        completed_at=timezone.now(),
    )
    credential = issuance.credential_issue(enrolment_id=enrolment.pk)
    document = json.loads(credential.document)

    assert document["id"] == f"{ORIGIN}/verify/{credential.code}/"
    assert document["issuer"]["url"] == f"{ORIGIN}/"
    assert document["credentialStatus"]["statusListCredential"].startswith(f"{ORIGIN}/verify/")
    links = [u for u in URL.findall(credential.document) if "127.0.0.1" in u or "localhost" in u]
    assert links and all(link.startswith(ORIGIN + "/") for link in links)
    assert issuance.verification_url(credential.code) == document["id"]


@pytest.mark.django_db
def test_invitations_join_links_and_e_mails_are_on_the_origin(
    make_run_origin, django_capture_on_commit_callbacks
):
    partner = PartnerFactory(slug="hope")
    assert join_url(partner) == f"{ORIGIN}/join/hope/"
    assert invitation_accept_url("tok") == f"{ORIGIN}/staff/invitations/tok/"
    verified = verified_learner(partner)
    with django_capture_on_commit_callbacks(execute=True):
        assert application_notify_learner(
            application_id=verified.applications.get().pk, event="approve"
        )
    assert f"{ORIGIN}/" in mail.outbox[-1].body
    assert "127.0.0.1:8000" not in mail.outbox[-1].body


@pytest.mark.django_db
def test_the_qr_code_and_share_link_of_a_credential_follow_the_origin(client, make_run_origin):
    partner = PartnerFactory()
    learner = verified_learner(partner)
    enrolment = EnrolmentFactory(
        learner=learner,
        partner=partner,
        status=EnrolmentStatus.COMPLETED,
        completed_at=timezone.now(),
    )
    credential = issuance.credential_issue(enrolment_id=enrolment.pk)
    page = client.get(reverse("verify:credential", args=[credential.code]))
    assert page.status_code == 200
    text = page.content.decode()
    assert f"{ORIGIN}/verify/{credential.code}/" in text
    assert "127.0.0.1:8000" not in text


# --- check --deploy -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("site_url", "allowed_hosts", "error"),
    [
        (None, ["learn.example.org"], "portal.E001"),  # not set: the local default
        ("http://learn.example.org", ["learn.example.org"], "portal.E002"),
        ("https://other.example.org", ["learn.example.org"], "portal.E003"),
        ("https://learn.example.org:8443/", [".example.org"], None),
        ("https://learn.example.org", ["learn.example.org"], None),
    ],
)
def test_a_deployment_needs_an_https_site_url_on_one_of_its_hosts(
    settings, site_url, allowed_hosts, error
):
    settings.DEBUG = False
    settings.ALLOWED_HOSTS = allowed_hosts
    settings.SITE_URL_IS_SET = site_url is not None
    settings.SITE_URL = site_url or django_settings.SITE_URL_DEFAULT
    problems = site_url_problems()
    assert [p.id for p in problems] == ([error] if error else [])
    assert all(p.is_serious() for p in problems)  # errors, not warnings


def test_development_with_debug_on_is_left_alone(settings):
    settings.DEBUG = True
    settings.SITE_URL_IS_SET = False
    assert site_url_problems() == []


def test_check_deploy_fails_without_site_url():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "SITE_URL"}
    result = run_check_deploy(env)
    assert result.returncode != 0
    assert "portal.E001" in result.stderr + result.stdout
