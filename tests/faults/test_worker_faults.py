"""A worker killed in the middle of provisioning, and a provider that never answers: the
enrolment still ends active, exactly once."""

from collections import Counter
from datetime import timedelta

import pytest
from django.utils import timezone

from credentials.models import Enrolment, EnrolmentStatus, SeatAllocation
from credentials.services.enrolments import STUCK_AFTER, enrolment_request
from credentials.services.reconcile import enrolments_reconcile
from portal.models import AuditEvent
from tests.credentials.conftest import api_course, verified_learner
from tests.credentials.fake_provider import FakeProvider
from tests.partners.factories import PartnerFactory

from .processes import wait_until

pytestmark = pytest.mark.worker


def _activations(enrolment: Enrolment) -> int:
    return AuditEvent.objects.filter(
        action="enrolment.active", object_type="credentials.enrolment", object_id=str(enrolment.pk)
    ).count()


def _wait_for_active(enrolment: Enrolment, worker) -> Enrolment:
    def settled() -> bool:
        enrolment.refresh_from_db()
        return enrolment.status in (EnrolmentStatus.ACTIVE, EnrolmentStatus.FAILED)

    wait_until(settled, seconds=120, message=f"the enrolment to settle\n{worker.log_tail()}")
    assert enrolment.status == EnrolmentStatus.ACTIVE, enrolment.failure_reason
    return enrolment


def test_worker_killed_while_the_provider_is_enrolling_completes_the_enrolment_once(
    redis_server, workers, fake_provider
):
    partner = PartnerFactory()
    course = api_course(partner, fake_provider, seats=5)
    learner = verified_learner(partner)
    # The provider enrols the learner at once but holds its answer until the test lets go.
    fake_provider.be_slow(600)
    first = workers(PROVIDER_TIMEOUT_SECONDS=300).start()

    enrolment = enrolment_request(learner=learner, course=course, acting_user=learner)
    wait_until(
        lambda: len(fake_provider.enrolment_requests) == 1,
        message=f"the worker to call the provider\n{first.log_tail()}",
    )
    first.kill()
    fake_provider.succeed()

    # The worker's transaction died with it: the enrolment is as it was before the job began.
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.REQUESTED
    assert enrolment.attempts == 0
    # The reconciler sends the job again; a new worker also gets the unacknowledged one back
    # from Redis (after the short visibility timeout). Both run: one enrolment must result.
    Enrolment.objects.filter(pk=enrolment.pk).update(
        updated_at=timezone.now() - STUCK_AFTER - timedelta(minutes=1)
    )
    assert enrolments_reconcile() == 1
    second = workers(CELERY_BROKER_VISIBILITY_TIMEOUT=2).start()

    enrolment = _wait_for_active(enrolment, second)
    assert enrolment.access_link == "https://provider.example/go/00001"
    assert fake_provider.enrolment_count == 1
    # The provider was asked again with the same idempotency key, and enrolled no one twice.
    keys = Counter(r.headers["idempotency-key"] for r in fake_provider.enrolment_requests)
    assert set(keys) == {f"enrolment-{enrolment.pk}"}
    assert SeatAllocation.objects.get(partner=partner, provider=course.provider).used == 1
    assert _activations(enrolment) == 1
    # Whatever else is still delivered later finds the work done.
    assert enrolments_reconcile() == 0


class HangingProvider(FakeProvider):
    """Accepts the connection and reads the request, then never answers — for the first
    `hang_for` requests; after that it answers like the fake provider."""

    def __init__(self, hang_for: int) -> None:
        super().__init__()
        self.hang_for = hang_for
        self.hung = 0

    def _answer(self, request):
        with self._lock:
            hang = self.hung < self.hang_for
            if hang:
                self.hung += 1
        if hang:
            self._stopping.wait()  # until the test ends: the client must give up by itself
            return 504, {}
        return super()._answer(request)


@pytest.fixture
def hanging_provider():
    server = HangingProvider(hang_for=2).start()
    yield server
    server.stop()


def test_a_provider_that_never_answers_times_out_and_the_job_retries_until_it_does(
    redis_server, workers, hanging_provider
):
    partner = PartnerFactory()
    course = api_course(partner, hanging_provider, seats=5)
    learner = verified_learner(partner)
    # A 1-second bound on each call and 1, 2 seconds between the attempts.
    worker = workers(
        PROVIDER_TIMEOUT_SECONDS=1, PROVIDER_RETRY_BASE_SECONDS=1, PROVIDER_MAX_RETRIES=5
    ).start()

    enrolment = enrolment_request(learner=learner, course=course, acting_user=learner)

    # The provider hangs for ever on the first two calls; only the client's timeout ends them.
    enrolment = _wait_for_active(enrolment, worker)
    assert hanging_provider.hung == 2
    assert enrolment.attempts == 3
    assert len(hanging_provider.enrolment_requests) == 3
    assert hanging_provider.enrolment_count == 1
    assert SeatAllocation.objects.get(partner=partner, provider=course.provider).used == 1
    assert _activations(enrolment) == 1
    log = worker.log_tail(20000)
    assert log.count("Retry in") == 2
    assert "provider did not answer in time" in log
