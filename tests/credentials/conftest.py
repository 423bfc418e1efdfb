"""Fixtures for course access: a fake provider on 127.0.0.1, partners, verified learners."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from credentials.models import AccessMethod
from partners.models import ApplicationStatus, DisplacementStatus, StaffRole
from partners.services.applications import case_number_hash
from portal.crypto import encrypt_text
from tests.learners.factories import LearnerProfileFactory
from tests.partners.factories import ApplicationFactory, MembershipFactory, PartnerFactory
from tests.portal.conftest import give_totp
from tests.portal.factories import LearnerFactory, PartnerStaffFactory, ProgrammeAdminFactory

from .factories import CourseFactory, ProviderFactory, SeatAllocationFactory
from .fake_provider import FakeProvider

PROVIDER_TOKEN = "prov-secret-token-7f3a"
CASE_NUMBER = "UNHCR-945-00271836"
PARTNER_NAME = "Hope Amman Refugee Services"


@pytest.fixture
def fake_provider():
    """A course provider's enrolment API: a real HTTP server on a free port of 127.0.0.1."""
    server = FakeProvider().start()
    yield server
    server.stop()


@pytest.fixture
def quick_provider_settings(settings):
    """Few, immediate retries and a short HTTP timeout, so failure paths run in a second."""
    settings.PROVIDER_MAX_RETRIES = 2
    settings.PROVIDER_RETRY_BASE_SECONDS = 0
    settings.PROVIDER_TIMEOUT_SECONDS = 0.5
    return settings


@pytest.fixture
def partner(db):
    return PartnerFactory(name=PARTNER_NAME, slug="hope-amman", countries=["JO", "SY"])


def staff_of(partner, role: str = StaffRole.COORDINATOR, **kwargs):
    user = PartnerStaffFactory(**kwargs)
    give_totp(user)
    MembershipFactory(user=user, partner=partner, role=role)
    return user


@pytest.fixture
def coordinator(partner):
    return staff_of(partner, StaffRole.COORDINATOR, email="coordinator@hope.example")


@pytest.fixture
def reviewer(partner):
    return staff_of(partner, StaffRole.REVIEWER, email="reviewer@hope.example")


@pytest.fixture
def programme_admin(db):
    user = ProgrammeAdminFactory()
    give_totp(user)
    return user


def verified_learner(
    partner,
    *,
    email: str | None = None,
    name: str = "",
    language: str = "en",
    valid_days: int = 365,
    status: str = ApplicationStatus.APPROVED,
):
    """A learner whose refugee status `partner` confirmed (expired when valid_days < 0), with a
    profile carrying everything a provider must never see: case number, nationality, status."""
    learner = LearnerFactory(**({"email": email} if email else {}), language=language)
    LearnerProfileFactory(
        user=learner,
        display_name=name or f"Learner {learner.pk}",
        country_of_residence="JO",
        country_of_origin="SY",
    )
    ApplicationFactory(
        learner=learner,
        partner=partner,
        status=status,
        displacement_status=DisplacementStatus.REFUGEE,
        country_of_residence="JO",
        case_number_encrypted=encrypt_text(CASE_NUMBER),
        case_number_hash=case_number_hash(CASE_NUMBER),
        decided_at=timezone.now() - timedelta(days=1),
        verified_until=timezone.localdate() + timedelta(days=valid_days),
    )
    return learner


def voucher_course(partner, *, seats: int = 10, codes: int = 10, **course_kwargs):
    """A course at a voucher provider with `codes` unused codes and `seats` seats for partner."""
    from .factories import AccessCodeFactory

    provider = ProviderFactory(access_method=AccessMethod.VOUCHER)
    AccessCodeFactory.create_batch(codes, provider=provider)
    SeatAllocationFactory(partner=partner, provider=provider, total=seats)
    return CourseFactory(provider=provider, **course_kwargs)


def api_course(partner, fake_provider, *, seats: int = 10, **course_kwargs):
    """A course at an API provider whose enrolment endpoint is the fake provider."""
    provider = ProviderFactory(
        access_method=AccessMethod.API,
        api_enrolment_url=fake_provider.url,
        api_token_encrypted=encrypt_text(PROVIDER_TOKEN),
    )
    SeatAllocationFactory(partner=partner, provider=provider, total=seats)
    return CourseFactory(provider=provider, **course_kwargs)


def run_in_threads(count: int, work, *, timeout: float = 60) -> list:
    """Run work(i) in `count` threads that start together; each thread uses a database
    connection of its own and closes it at the end. Returns each result or exception."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def target(i: int) -> None:
        try:
            barrier.wait(timeout=timeout)
            results[i] = work(i)
        except BaseException as error:
            results[i] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=target, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    assert not any(t.is_alive() for t in threads), "a thread did not finish in time"
    return results
