"""Provisioning through each kind of provider, against a fake provider on 127.0.0.1: what it
receives, failures and retries, idempotency, and the reconciler."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.db.models import F
from django.utils import timezone

from credentials.adapters import PROVIDER_PAYLOAD_FIELDS
from credentials.models import (
    AccessCode,
    Enrolment,
    EnrolmentFailureCause,
    EnrolmentStatus,
    LearnerReference,
    SeatAllocation,
)
from credentials.services.enrolments import (
    RETRY_MAX_WAIT,
    STUCK_AFTER,
    enrolment_provision,
    enrolment_request,
)
from credentials.services.reconcile import enrolments_reconcile
from credentials.tasks import enrolment_provision_task
from partners.models import DisplacementStatus
from tests.services import require_postgres

from .conftest import (
    CASE_NUMBER,
    PARTNER_NAME,
    PROVIDER_TOKEN,
    api_course,
    run_in_threads,
    verified_learner,
    voucher_course,
)
from .factories import EnrolmentFactory
from .fake_provider import SLOW, UNAVAILABLE

pytestmark = pytest.mark.usefixtures("quick_provider_settings")


def request_and_run_jobs(capture, learner, course) -> Enrolment:
    """Ask for the course and run the jobs that go out on commit (Celery runs eagerly here)."""
    with capture(execute=True):
        enrolment = enrolment_request(learner=learner, course=course, acting_user=learner)
    enrolment.refresh_from_db()
    return enrolment


def used_seats(enrolment) -> int:
    return SeatAllocation.objects.get(
        partner=enrolment.partner, provider=enrolment.course.provider
    ).used


def mails_to(user) -> list:
    return [m for m in mail.outbox if m.to == [user.email]]


# --- voucher codes ------------------------------------------------------------------------------


def test_voucher_enrolment_gets_a_code_and_the_learner_is_emailed_it(
    partner, django_capture_on_commit_callbacks
):
    course = voucher_course(partner, codes=3, link="https://vouchers.example/course/7")
    learner = verified_learner(partner)

    enrolment = request_and_run_jobs(django_capture_on_commit_callbacks, learner, course)

    assert enrolment.status == EnrolmentStatus.ACTIVE
    assert enrolment.activated_at is not None
    assert enrolment.access_link == "https://vouchers.example/course/7"
    code = AccessCode.objects.get(enrolment=enrolment)
    assert code.assigned_at is not None
    assert AccessCode.objects.filter(enrolment__isnull=False).count() == 1
    (message,) = mails_to(learner)
    assert code.code in message.body
    assert "https://vouchers.example/course/7" in message.body


def test_voucher_enrolment_without_codes_left_fails_after_retries_and_gives_the_seat_back(
    partner, django_capture_on_commit_callbacks, settings
):
    course = voucher_course(partner, codes=0)

    enrolment = request_and_run_jobs(
        django_capture_on_commit_callbacks, verified_learner(partner), course
    )

    assert enrolment.status == EnrolmentStatus.FAILED
    assert "access codes" in enrolment.failure_reason
    assert enrolment.failure_cause == EnrolmentFailureCause.NO_ACCESS_CODES
    assert enrolment.attempts == settings.PROVIDER_MAX_RETRIES + 1
    assert enrolment.holds_seat is False
    assert used_seats(enrolment) == 0


# --- provider API: what leaves the portal ---------------------------------------------------------


def test_api_provider_receives_only_name_course_and_references(
    partner, fake_provider, django_capture_on_commit_callbacks
):
    course = api_course(partner, fake_provider, external_id="CS-101-x")
    learner = verified_learner(partner, email="amal.haddad@example.org", name="Amal Haddad")

    enrolment = request_and_run_jobs(django_capture_on_commit_callbacks, learner, course)

    (received,) = fake_provider.enrolment_requests
    # No e-mail at all: the provider does not require one and the learner did not share theirs.
    assert set(received.json) == {"name", "course_id", "reference", "learner_reference"}
    assert set(received.json) <= set(PROVIDER_PAYLOAD_FIELDS)
    reference = LearnerReference.objects.get(learner=learner, provider=course.provider)
    assert received.json == {
        "name": "Amal Haddad",
        "course_id": "CS-101-x",
        "reference": f"enrolment-{enrolment.pk}",
        "learner_reference": reference.reference,
    }
    assert "amal.haddad" not in received.body.decode()
    # Nothing that says who vouched for the learner, or why: field by field, and the whole body.
    never_sent = [
        DisplacementStatus.REFUGEE.value,
        str(DisplacementStatus.REFUGEE.label),
        "asylum",
        "displaced",
        PARTNER_NAME,
        partner.slug,
        "Jordan",
        "Syria",
        CASE_NUMBER,
        re.sub(r"\W", "", CASE_NUMBER),
        "945-00271836",
    ]
    for field, value in received.json.items():
        assert field in PROVIDER_PAYLOAD_FIELDS
        for secret in never_sent:
            assert secret.lower() not in str(value).lower(), (field, secret)
        # Country codes (residence JO, origin SY) as words of their own.
        assert not {"jo", "sy"} & set(re.split(r"[\W_]+", str(value).lower())), field
    raw = received.body.decode().lower()
    for secret in never_sent:
        assert secret.lower() not in raw
    assert received.method == "POST"
    assert received.headers["content-type"] == "application/json"


def test_api_provider_gets_the_decrypted_token_and_an_idempotency_key(
    partner, fake_provider, django_capture_on_commit_callbacks
):
    course = api_course(partner, fake_provider)
    assert PROVIDER_TOKEN not in course.provider.api_token_encrypted  # encrypted at rest

    enrolment = request_and_run_jobs(
        django_capture_on_commit_callbacks, verified_learner(partner), course
    )

    (received,) = fake_provider.enrolment_requests
    assert received.headers["authorization"] == f"Bearer {PROVIDER_TOKEN}"
    assert received.headers["idempotency-key"] == f"enrolment-{enrolment.pk}"


def test_api_enrolment_becomes_active_with_the_providers_link_and_the_learner_is_emailed(
    partner, fake_provider, django_capture_on_commit_callbacks
):
    course = api_course(partner, fake_provider)
    learner = verified_learner(partner)

    enrolment = request_and_run_jobs(django_capture_on_commit_callbacks, learner, course)

    assert enrolment.status == EnrolmentStatus.ACTIVE
    assert enrolment.access_link == "https://provider.example/go/00001"
    assert enrolment.provider_reference == "fp-00001"
    assert enrolment.attempts == 1
    assert used_seats(enrolment) == 1
    (message,) = mails_to(learner)
    assert "https://provider.example/go/00001" in message.body


# --- provider API: failures ---------------------------------------------------------------------


@pytest.mark.parametrize("status", [500, 503])
def test_provider_errors_are_retried_then_the_enrolment_fails_and_the_seat_comes_back(
    partner, fake_provider, django_capture_on_commit_callbacks, settings, status
):
    fake_provider.fail(status)
    course = api_course(partner, fake_provider, seats=1)
    learner = verified_learner(partner)

    enrolment = request_and_run_jobs(django_capture_on_commit_callbacks, learner, course)

    tries = settings.PROVIDER_MAX_RETRIES + 1
    assert len(fake_provider.enrolment_requests) == tries
    assert {r.headers["idempotency-key"] for r in fake_provider.enrolment_requests} == {
        f"enrolment-{enrolment.pk}"
    }
    assert enrolment.status == EnrolmentStatus.FAILED
    assert enrolment.failure_reason == f"provider answered {status}"  # shown to staff
    assert enrolment.failure_cause == EnrolmentFailureCause.PROVIDER_UNAVAILABLE
    assert enrolment.attempts == tries
    assert enrolment.holds_seat is False
    assert used_seats(enrolment) == 0
    assert fake_provider.enrolment_count == 0
    (message,) = mails_to(learner)
    assert course.title in message.subject


def test_provider_that_recovers_while_retrying_activates_the_enrolment(
    partner, fake_provider, django_capture_on_commit_callbacks
):
    fake_provider.plan(UNAVAILABLE, UNAVAILABLE)
    course = api_course(partner, fake_provider)

    enrolment = request_and_run_jobs(
        django_capture_on_commit_callbacks, verified_learner(partner), course
    )

    assert enrolment.status == EnrolmentStatus.ACTIVE
    assert enrolment.attempts == 3
    assert len(fake_provider.enrolment_requests) == 3
    assert fake_provider.enrolment_count == 1


def test_provider_rejection_fails_the_enrolment_at_once_without_retries(
    partner, fake_provider, django_capture_on_commit_callbacks
):
    fake_provider.reject()
    course = api_course(partner, fake_provider, seats=1)
    learner = verified_learner(partner)

    enrolment = request_and_run_jobs(django_capture_on_commit_callbacks, learner, course)

    assert len(fake_provider.enrolment_requests) == 1
    assert enrolment.status == EnrolmentStatus.FAILED
    assert enrolment.failure_reason == "provider answered 400"
    assert enrolment.failure_cause == EnrolmentFailureCause.PROVIDER_REFUSED
    assert enrolment.holds_seat is False
    assert used_seats(enrolment) == 0
    assert len(mails_to(learner)) == 1


def test_slow_answer_is_retried_with_the_same_key_and_enrols_only_once(
    partner, fake_provider, django_capture_on_commit_callbacks
):
    fake_provider.slow_seconds = 3  # the client waits 0.5 s
    fake_provider.plan(SLOW)
    course = api_course(partner, fake_provider)

    enrolment = request_and_run_jobs(
        django_capture_on_commit_callbacks, verified_learner(partner), course
    )

    assert enrolment.status == EnrolmentStatus.ACTIVE
    assert enrolment.attempts == 2
    first, second = fake_provider.enrolment_requests
    assert first.headers["idempotency-key"] == second.headers["idempotency-key"]
    assert fake_provider.enrolment_count == 1
    assert enrolment.provider_reference == "fp-00001"


def test_provider_that_never_answers_in_time_fails_the_enrolment(
    partner, fake_provider, django_capture_on_commit_callbacks, settings
):
    fake_provider.be_slow(3)
    course = api_course(partner, fake_provider)

    enrolment = request_and_run_jobs(
        django_capture_on_commit_callbacks, verified_learner(partner), course
    )

    assert enrolment.status == EnrolmentStatus.FAILED
    assert enrolment.failure_reason == "provider did not answer in time"
    assert len(fake_provider.enrolment_requests) == settings.PROVIDER_MAX_RETRIES + 1
    assert used_seats(enrolment) == 0


def test_unreachable_provider_is_retried_then_fails(
    partner, fake_provider, django_capture_on_commit_callbacks
):
    course = api_course(partner, fake_provider)
    fake_provider.stop()  # nothing listens on that port any more

    enrolment = request_and_run_jobs(
        django_capture_on_commit_callbacks, verified_learner(partner), course
    )

    assert enrolment.status == EnrolmentStatus.FAILED
    assert enrolment.failure_reason.startswith("provider unreachable")
    assert enrolment.failure_cause == EnrolmentFailureCause.PROVIDER_UNAVAILABLE


# --- idempotency --------------------------------------------------------------------------------


def test_running_the_api_provisioning_job_again_makes_no_second_provider_call(
    partner, fake_provider, django_capture_on_commit_callbacks
):
    course = api_course(partner, fake_provider)
    enrolment = request_and_run_jobs(
        django_capture_on_commit_callbacks, verified_learner(partner), course
    )

    with django_capture_on_commit_callbacks(execute=True):
        enrolment_provision_task.delay(enrolment.pk)
        enrolment_provision_task.delay(enrolment.pk)

    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.ACTIVE
    assert enrolment.attempts == 1
    assert len(fake_provider.enrolment_requests) == 1
    assert used_seats(enrolment) == 1
    assert len(mails_to(enrolment.learner)) == 1


def test_running_the_voucher_provisioning_job_again_hands_out_no_second_code(
    partner, django_capture_on_commit_callbacks
):
    course = voucher_course(partner, codes=5)
    enrolment = request_and_run_jobs(
        django_capture_on_commit_callbacks, verified_learner(partner), course
    )
    code = enrolment.access_code.code

    with django_capture_on_commit_callbacks(execute=True):
        enrolment_provision_task.delay(enrolment.pk)

    enrolment.refresh_from_db()
    assert enrolment.access_code.code == code
    assert AccessCode.objects.filter(enrolment__isnull=False).count() == 1
    assert used_seats(enrolment) == 1


def _requested_enrolment(partner, course) -> Enrolment:
    """A requested enrolment holding its seat, whose job has not run yet."""
    SeatAllocation.objects.filter(partner=partner, provider=course.provider).update(
        used=F("used") + 1
    )
    return EnrolmentFactory(
        learner=verified_learner(partner),
        course=course,
        partner=partner,
        status=EnrolmentStatus.REQUESTED,
        holds_seat=True,
    )


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_api_provisioning_jobs_make_one_provider_call(partner, fake_provider):
    require_postgres()
    fake_provider.delay_seconds = 0.3  # the first job is still talking when the second starts
    course = api_course(partner, fake_provider)
    enrolment = _requested_enrolment(partner, course)

    results = run_in_threads(2, lambda i: enrolment_provision_task.delay(enrolment.pk))

    assert not [r for r in results if isinstance(r, BaseException)]
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.ACTIVE
    assert enrolment.attempts == 1
    assert len(fake_provider.enrolment_requests) == 1
    assert used_seats(enrolment) == 1
    assert len(mails_to(enrolment.learner)) == 1


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_voucher_provisioning_jobs_hand_out_one_code(partner):
    require_postgres()
    course = voucher_course(partner, codes=5)
    enrolment = _requested_enrolment(partner, course)

    results = run_in_threads(2, lambda i: enrolment_provision(enrolment_id=enrolment.pk))

    assert not [r for r in results if isinstance(r, BaseException)]
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.ACTIVE
    assert AccessCode.objects.filter(enrolment__isnull=False).count() == 1
    assert used_seats(enrolment) == 1


# --- the reconciler -----------------------------------------------------------------------------


def _age(enrolment: Enrolment, by: timedelta) -> None:
    Enrolment.objects.filter(pk=enrolment.pk).update(updated_at=timezone.now() - by)


def test_reconciler_resends_stuck_enrolments_and_they_become_active(
    partner, fake_provider, django_capture_on_commit_callbacks
):
    course = api_course(partner, fake_provider)
    stuck_requested = _requested_enrolment(partner, course)
    stuck_provisioning = _requested_enrolment(partner, course)
    Enrolment.objects.filter(pk=stuck_provisioning.pk).update(status=EnrolmentStatus.PROVISIONING)
    recent = _requested_enrolment(partner, course)  # its job may well be in the queue
    _age(stuck_requested, STUCK_AFTER + timedelta(minutes=1))
    _age(stuck_provisioning, STUCK_AFTER + timedelta(minutes=1))
    _age(recent, STUCK_AFTER - timedelta(minutes=2))

    with django_capture_on_commit_callbacks(execute=True):
        sent = enrolments_reconcile()

    assert sent == 2
    stuck_requested.refresh_from_db()
    stuck_provisioning.refresh_from_db()
    recent.refresh_from_db()
    assert stuck_requested.status == EnrolmentStatus.ACTIVE
    assert stuck_provisioning.status == EnrolmentStatus.ACTIVE
    assert recent.status == EnrolmentStatus.REQUESTED
    assert fake_provider.enrolment_count == 2


def test_reconciler_leaves_alone_an_enrolment_whose_retry_is_still_on_its_way(
    partner, fake_provider, django_capture_on_commit_callbacks
):
    course = api_course(partner, fake_provider)
    waiting_for_retry = _requested_enrolment(partner, course)
    lost_retry = _requested_enrolment(partner, course)
    Enrolment.objects.filter(pk__in=[waiting_for_retry.pk, lost_retry.pk]).update(
        status=EnrolmentStatus.PROVISIONING, attempts=3
    )
    _age(waiting_for_retry, STUCK_AFTER + timedelta(minutes=30))
    _age(lost_retry, STUCK_AFTER + RETRY_MAX_WAIT + timedelta(minutes=1))

    with django_capture_on_commit_callbacks(execute=True):
        sent = enrolments_reconcile()

    assert sent == 1
    assert Enrolment.objects.get(pk=waiting_for_retry.pk).status == EnrolmentStatus.PROVISIONING
    assert Enrolment.objects.get(pk=lost_retry.pk).status == EnrolmentStatus.ACTIVE


def test_reconciler_does_not_resend_the_same_job_on_its_next_run(partner, monkeypatch):
    course = voucher_course(partner)
    stuck = _requested_enrolment(partner, course)
    _age(stuck, STUCK_AFTER + timedelta(minutes=1))
    # No worker is running: the job waits in the queue.
    queued = []
    monkeypatch.setattr(enrolment_provision_task, "delay", queued.append)

    assert enrolments_reconcile() == 1
    assert enrolments_reconcile() == 0
    assert queued == [stuck.pk]


def test_reconciler_serves_a_waiting_list_whose_promotion_job_was_lost(
    partner, programme_admin, django_capture_on_commit_callbacks
):
    course = voucher_course(partner, seats=0)
    learner = verified_learner(partner)
    waiting = enrolment_request(learner=learner, course=course, acting_user=learner)
    # Seats added, but the promotion job was lost with the queue (no on-commit callbacks run).
    SeatAllocation.objects.filter(partner=partner, provider=course.provider).update(total=1)

    with django_capture_on_commit_callbacks(execute=True):
        sent = enrolments_reconcile()

    assert sent == 1
    waiting.refresh_from_db()
    assert waiting.status == EnrolmentStatus.ACTIVE
    assert waiting.holds_seat is True
