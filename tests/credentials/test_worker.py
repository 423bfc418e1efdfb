"""Course access end to end: a real Celery worker process, Redis, PostgreSQL and the fake
provider's HTTP server — nothing of the portal's own is faked."""

import time

import pytest

from credentials.models import Enrolment, EnrolmentStatus, SeatAllocation
from credentials.services.enrolments import enrolment_request
from tests.celery_worker import worker_outbox_messages
from tests.partners.factories import PartnerFactory

from .conftest import PROVIDER_TOKEN, api_course, verified_learner

WAIT_SECONDS = 60


def wait_for_status(enrolment: Enrolment, statuses, seconds: float = WAIT_SECONDS) -> Enrolment:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        enrolment.refresh_from_db()
        if enrolment.status in statuses:
            break
        time.sleep(0.2)
    return enrolment


@pytest.mark.worker
def test_api_enrolment_is_provisioned_end_to_end_by_the_worker(celery_worker, fake_provider):
    partner = PartnerFactory(name="Amal Learning Network")
    course = api_course(partner, fake_provider, title="Python for Everyone")
    learner = verified_learner(partner, email="farah@example.org", name="Farah Nasser")

    enrolment = enrolment_request(learner=learner, course=course, acting_user=learner)

    enrolment = wait_for_status(enrolment, {EnrolmentStatus.ACTIVE, EnrolmentStatus.FAILED})
    assert enrolment.status == EnrolmentStatus.ACTIVE, enrolment.failure_reason
    assert enrolment.holds_seat is True
    assert SeatAllocation.objects.get(partner=partner, provider=course.provider).used == 1
    (received,) = fake_provider.enrolment_requests
    assert fake_provider.enrolment_count == 1
    assert received.headers["authorization"] == f"Bearer {PROVIDER_TOKEN}"
    assert "email" not in received.json  # not required by the provider, not shared
    assert len(received.json["learner_reference"]) == 12
    assert received.json["name"] == "Farah Nasser"
    assert enrolment.access_link == "https://provider.example/go/00001"

    messages = worker_outbox_messages(celery_worker)
    assert len(messages) == 1, "the worker sent no e-mail within 60 s"
    message = messages[0]
    assert "To: farah@example.org" in message
    assert "Python for Everyone" in message
    assert "https://provider.example/go/00001" in message
