"""Asking for a course: who may, seats taken exactly once, the waiting list, revocation, notices."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from credentials.errors import EnrolmentNotAllowed
from credentials.models import (
    AccessMethod,
    Enrolment,
    EnrolmentFailureCause,
    EnrolmentRevokeCause,
    EnrolmentStatus,
    SeatAllocation,
)
from credentials.services.enrolments import enrolment_fail, enrolment_request, enrolment_revoke
from credentials.services.seats import seat_allocation_set
from partners.models import ApplicationStatus, StaffRole
from tests.partners.factories import ApplicationFactory, PartnerFactory
from tests.portal.factories import LearnerFactory

from .conftest import staff_of, verified_learner, voucher_course
from .factories import CourseFactory, ProviderFactory, SeatAllocationFactory


def request(learner, course):
    return enrolment_request(learner=learner, course=course, acting_user=learner)


def allocation_of(partner, course) -> SeatAllocation:
    return SeatAllocation.objects.get(partner=partner, provider=course.provider)


def waitlist(partner, course, count: int) -> list[Enrolment]:
    """`count` learners on the waiting list, in the order they asked."""
    enrolments = []
    for _ in range(count):
        enrolments.append(request(verified_learner(partner), course))
    assert [e.status for e in enrolments] == [EnrolmentStatus.WAITLISTED] * count
    return enrolments


def statuses(enrolments) -> list[str]:
    return [Enrolment.objects.get(pk=e.pk).status for e in enrolments]


# --- who may ask ----------------------------------------------------------------------------------


def test_verified_learner_gets_a_requested_enrolment_holding_one_seat(partner):
    course = voucher_course(partner, seats=3)
    learner = verified_learner(partner)

    enrolment = request(learner, course)

    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.REQUESTED
    assert enrolment.partner == partner
    assert enrolment.holds_seat is True
    assert allocation_of(partner, course).used == 1


def test_learner_without_any_verification_cannot_enrol(partner):
    course = voucher_course(partner)

    with pytest.raises(EnrolmentNotAllowed) as error:
        request(LearnerFactory(), course)

    assert error.value.code == "not_verified"
    assert not Enrolment.objects.exists()
    assert allocation_of(partner, course).used == 0


@pytest.mark.parametrize("status", [ApplicationStatus.SUBMITTED, ApplicationStatus.INFO_REQUESTED])
def test_learner_whose_application_is_still_open_cannot_enrol(partner, status):
    course = voucher_course(partner)
    learner = LearnerFactory()
    ApplicationFactory(learner=learner, partner=partner, status=status)

    with pytest.raises(EnrolmentNotAllowed):
        request(learner, course)

    assert not Enrolment.objects.exists()


def test_learner_whose_verification_ran_out_cannot_enrol(partner):
    course = voucher_course(partner)
    learner = verified_learner(partner, valid_days=-1)

    with pytest.raises(EnrolmentNotAllowed) as error:
        request(learner, course)

    assert error.value.code == "not_verified"
    assert allocation_of(partner, course).used == 0


def test_learner_whose_verification_was_marked_expired_cannot_enrol(partner):
    course = voucher_course(partner)
    learner = verified_learner(partner, status=ApplicationStatus.EXPIRED)

    with pytest.raises(EnrolmentNotAllowed):
        request(learner, course)


def test_inactive_course_cannot_be_requested(partner):
    course = voucher_course(partner, is_active=False)

    with pytest.raises(EnrolmentNotAllowed) as error:
        request(verified_learner(partner), course)

    assert error.value.code == "inactive"
    assert allocation_of(partner, course).used == 0


def test_course_of_an_inactive_provider_cannot_be_requested(partner):
    course = voucher_course(partner)
    course.provider.is_active = False
    course.provider.save()

    with pytest.raises(EnrolmentNotAllowed):
        request(verified_learner(partner), course)


def test_second_request_for_the_same_course_is_refused_and_takes_no_second_seat(partner):
    course = voucher_course(partner, seats=5)
    learner = verified_learner(partner)
    request(learner, course)

    with pytest.raises(EnrolmentNotAllowed) as error:
        request(learner, course)

    assert error.value.code == "duplicate"
    assert Enrolment.objects.filter(learner=learner).count() == 1
    assert allocation_of(partner, course).used == 1


def test_waiting_learner_cannot_join_the_waiting_list_twice(partner):
    course = voucher_course(partner, seats=0)
    learner = verified_learner(partner)
    request(learner, course)

    with pytest.raises(EnrolmentNotAllowed):
        request(learner, course)

    assert Enrolment.objects.filter(learner=learner).count() == 1


def test_learner_may_ask_again_after_access_was_withdrawn(partner, coordinator):
    course = voucher_course(partner, seats=5)
    learner = verified_learner(partner)
    first = request(learner, course)
    enrolment_revoke(enrolment=first, reason="Asked by mistake", acting_user=coordinator)

    second = request(learner, course)

    assert second.pk != first.pk
    assert second.status == EnrolmentStatus.REQUESTED


# --- seats ----------------------------------------------------------------------------------------


def test_seat_is_taken_once_and_kept_through_provisioning(
    partner, django_capture_on_commit_callbacks
):
    course = voucher_course(partner, seats=3)

    with django_capture_on_commit_callbacks(execute=True):
        enrolment = request(verified_learner(partner), course)

    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.ACTIVE
    assert enrolment.holds_seat is True
    assert allocation_of(partner, course).used == 1


def test_learner_is_waitlisted_when_the_partner_has_no_seats_left(partner):
    course = voucher_course(partner, seats=1)
    request(verified_learner(partner), course)

    enrolment = request(verified_learner(partner), course)

    assert enrolment.status == EnrolmentStatus.WAITLISTED
    assert enrolment.waitlisted_at is not None
    assert enrolment.holds_seat is False
    assert allocation_of(partner, course).used == 1


def test_learner_is_waitlisted_when_the_partner_has_no_allocation_at_the_provider(partner):
    course = CourseFactory(provider=ProviderFactory(access_method=AccessMethod.VOUCHER))

    enrolment = request(verified_learner(partner), course)

    assert enrolment.status == EnrolmentStatus.WAITLISTED


def test_seats_of_another_partner_are_not_used(partner):
    course = voucher_course(PartnerFactory(), seats=5)
    SeatAllocationFactory(partner=partner, provider=course.provider, total=0)

    enrolment = request(verified_learner(partner), course)

    assert enrolment.status == EnrolmentStatus.WAITLISTED
    assert SeatAllocation.objects.get(provider=course.provider, total=5).used == 0


def test_open_link_course_needs_no_seat(partner, django_capture_on_commit_callbacks):
    provider = ProviderFactory(access_method=AccessMethod.OPEN)
    course = CourseFactory(provider=provider, link="https://open.example/course/42")

    with django_capture_on_commit_callbacks(execute=True):
        enrolment = request(verified_learner(partner), course)

    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.ACTIVE
    assert enrolment.holds_seat is False
    assert enrolment.access_link == "https://open.example/course/42"
    assert not SeatAllocation.objects.exists()


# --- the waiting list -----------------------------------------------------------------------------


def test_added_seats_go_to_waiting_learners_in_the_order_they_asked(
    partner, programme_admin, django_capture_on_commit_callbacks
):
    course = voucher_course(partner, seats=0)
    first, second, third = waitlist(partner, course, 3)
    # Make the order unmistakable, whatever the clock's resolution.
    now = timezone.now()
    for minutes, enrolment in ((30, first), (20, second), (10, third)):
        Enrolment.objects.filter(pk=enrolment.pk).update(
            waitlisted_at=now - timedelta(minutes=minutes)
        )

    with django_capture_on_commit_callbacks(execute=True):
        seat_allocation_set(
            partner=partner, provider=course.provider, total=2, acting_user=programme_admin
        )

    assert statuses([first, second, third]) == [
        EnrolmentStatus.ACTIVE,
        EnrolmentStatus.ACTIVE,
        EnrolmentStatus.WAITLISTED,
    ]
    assert allocation_of(partner, course).used == 2
    assert Enrolment.objects.filter(holds_seat=True).count() == 2


def test_seat_given_back_by_a_revocation_goes_to_the_first_waiting_learner(
    partner, coordinator, django_capture_on_commit_callbacks
):
    course = voucher_course(partner, seats=1)
    holder = request(verified_learner(partner), course)  # requested, no code handed out yet
    first, second = waitlist(partner, course, 2)

    with django_capture_on_commit_callbacks(execute=True):
        enrolment_revoke(enrolment=holder, reason="Left the programme", acting_user=coordinator)

    assert statuses([holder, first, second]) == [
        EnrolmentStatus.REVOKED,
        EnrolmentStatus.ACTIVE,
        EnrolmentStatus.WAITLISTED,
    ]
    assert allocation_of(partner, course).used == 1


def test_seat_given_back_by_a_failure_goes_to_the_first_waiting_learner(
    partner, django_capture_on_commit_callbacks
):
    course = voucher_course(partner, seats=1)
    holder = request(verified_learner(partner), course)
    (first,) = waitlist(partner, course, 1)

    with django_capture_on_commit_callbacks(execute=True):
        enrolment_fail(
            enrolment_id=holder.pk,
            reason="provider answered 500",
            cause=EnrolmentFailureCause.PROVIDER_UNAVAILABLE,
        )

    holder.refresh_from_db()
    assert holder.status == EnrolmentStatus.FAILED
    assert holder.failure_reason == "provider answered 500"
    assert holder.holds_seat is False
    assert statuses([first]) == [EnrolmentStatus.ACTIVE]
    assert allocation_of(partner, course).used == 1


def test_newcomer_joins_the_queue_while_others_already_wait(
    partner, programme_admin, django_capture_on_commit_callbacks
):
    course = voucher_course(partner, seats=0)
    (waiting,) = waitlist(partner, course, 1)
    # Seats appear, but their promotion job has not run yet (its on-commit callback is dropped).
    seat_allocation_set(
        partner=partner, provider=course.provider, total=1, acting_user=programme_admin
    )

    with django_capture_on_commit_callbacks(execute=True):
        newcomer = request(verified_learner(partner), course)

    # The newcomer queues up, and their request sends the promotion job for the one who waited.
    assert statuses([waiting, newcomer]) == [EnrolmentStatus.ACTIVE, EnrolmentStatus.WAITLISTED]
    assert allocation_of(partner, course).used == 1


def test_waiting_learner_who_is_no_longer_verified_is_passed_over(
    partner, programme_admin, django_capture_on_commit_callbacks
):
    course = voucher_course(partner, seats=0)
    lapsed, next_in_line = waitlist(partner, course, 2)
    lapsed.learner.applications.update(verified_until=timezone.localdate() - timedelta(days=1))

    with django_capture_on_commit_callbacks(execute=True):
        seat_allocation_set(
            partner=partner, provider=course.provider, total=1, acting_user=programme_admin
        )

    assert statuses([lapsed, next_in_line]) == [EnrolmentStatus.REVOKED, EnrolmentStatus.ACTIVE]
    lapsed.refresh_from_db()
    assert lapsed.revoke_cause == EnrolmentRevokeCause.VERIFICATION_EXPIRED
    assert allocation_of(partner, course).used == 1


# --- setting seats ------------------------------------------------------------------------------


def test_only_programme_admins_set_seats(partner, coordinator):
    provider = ProviderFactory()

    with pytest.raises(EnrolmentNotAllowed):
        seat_allocation_set(partner=partner, provider=provider, total=10, acting_user=coordinator)

    assert not SeatAllocation.objects.exists()


def test_allocation_cannot_shrink_below_the_seats_in_use(partner, programme_admin):
    course = voucher_course(partner, seats=2)
    request(verified_learner(partner), course)
    request(verified_learner(partner), course)

    with pytest.raises(EnrolmentNotAllowed):
        seat_allocation_set(
            partner=partner, provider=course.provider, total=1, acting_user=programme_admin
        )
    with pytest.raises(EnrolmentNotAllowed):
        seat_allocation_set(
            partner=partner, provider=course.provider, total=-1, acting_user=programme_admin
        )

    assert allocation_of(partner, course).total == 2


# --- revocation ---------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["reviewer", "other_coordinator", "learner", "programme_admin"])
def test_only_a_coordinator_of_the_partner_can_withdraw_access(
    partner, reviewer, programme_admin, who
):
    course = voucher_course(partner)
    enrolment = request(verified_learner(partner), course)
    acting_user = {
        "reviewer": reviewer,
        "other_coordinator": staff_of(PartnerFactory(), StaffRole.COORDINATOR),
        "learner": enrolment.learner,
        "programme_admin": programme_admin,
    }[who]

    with pytest.raises(EnrolmentNotAllowed):
        enrolment_revoke(enrolment=enrolment, reason="Not allowed", acting_user=acting_user)

    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.REQUESTED
    assert allocation_of(partner, course).used == 1


def test_withdrawing_access_needs_a_reason(partner, coordinator):
    enrolment = request(verified_learner(partner), voucher_course(partner))

    with pytest.raises(EnrolmentNotAllowed):
        enrolment_revoke(enrolment=enrolment, reason="   ", acting_user=coordinator)


def test_revoking_an_enrolment_before_its_code_is_handed_out_gives_the_seat_back(
    partner, coordinator, django_capture_on_commit_callbacks
):
    course = voucher_course(partner, seats=2)
    enrolment = request(verified_learner(partner), course)

    with django_capture_on_commit_callbacks(execute=True):
        revoked = enrolment_revoke(enrolment=enrolment, reason="Duplicate", acting_user=coordinator)

    assert revoked.status == EnrolmentStatus.REVOKED
    assert revoked.revoke_reason == "Duplicate"
    assert revoked.revoke_cause == EnrolmentRevokeCause.PARTNER
    assert revoked.holds_seat is False
    assert allocation_of(partner, course).used == 0
    assert [m.to for m in mail.outbox] == [[enrolment.learner.email]]


def test_revoking_after_the_voucher_code_was_handed_out_keeps_the_seat_spent(
    partner, coordinator, django_capture_on_commit_callbacks
):
    course = voucher_course(partner, seats=1)
    with django_capture_on_commit_callbacks(execute=True):
        enrolment = request(verified_learner(partner), course)
    (waiting,) = waitlist(partner, course, 1)
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.ACTIVE
    assert enrolment.access_code.code

    with django_capture_on_commit_callbacks(execute=True):
        enrolment_revoke(enrolment=enrolment, reason="Misuse", acting_user=coordinator)

    assert allocation_of(partner, course).used == 1  # the provider has consumed the code
    assert statuses([enrolment, waiting]) == [EnrolmentStatus.REVOKED, EnrolmentStatus.WAITLISTED]


def test_revoking_an_active_api_enrolment_gives_the_seat_back(partner, coordinator):
    provider = ProviderFactory(access_method=AccessMethod.API)
    SeatAllocationFactory(partner=partner, provider=provider, total=1)
    course = CourseFactory(provider=provider)
    enrolment = request(verified_learner(partner), course)
    Enrolment.objects.filter(pk=enrolment.pk).update(status=EnrolmentStatus.ACTIVE)

    enrolment_revoke(enrolment=enrolment, reason="Left", acting_user=coordinator)

    assert allocation_of(partner, course).used == 0


def test_waiting_learner_can_be_taken_off_the_list_without_touching_seats(partner, coordinator):
    course = voucher_course(partner, seats=1)
    request(verified_learner(partner), course)
    (waiting,) = waitlist(partner, course, 1)

    enrolment_revoke(enrolment=waiting, reason="Moved away", acting_user=coordinator)

    assert statuses([waiting]) == [EnrolmentStatus.REVOKED]
    assert allocation_of(partner, course).used == 1


@pytest.mark.parametrize("status", [EnrolmentStatus.FAILED, EnrolmentStatus.REVOKED])
def test_finished_enrolment_cannot_be_withdrawn(partner, coordinator, status):
    course = voucher_course(partner)
    enrolment = request(verified_learner(partner), course)
    Enrolment.objects.filter(pk=enrolment.pk).update(status=status)

    with pytest.raises(EnrolmentNotAllowed):
        enrolment_revoke(enrolment=enrolment, reason="Again", acting_user=coordinator)


# --- seat notices -------------------------------------------------------------------------------


def test_coordinators_are_told_once_at_75_and_once_at_100_percent_of_their_seats(
    partner, coordinator, reviewer, django_capture_on_commit_callbacks
):
    second_coordinator = staff_of(partner, StaffRole.COORDINATOR, email="second@hope.example")
    course = voucher_course(partner, seats=4, codes=10)
    coordinators = sorted([coordinator.email, second_coordinator.email])

    def notices() -> list[list[str]]:
        return sorted(m.to for m in mail.outbox if m.to[0] in [*coordinators, reviewer.email])

    def ask():
        with django_capture_on_commit_callbacks(execute=True):
            return request(verified_learner(partner), course)

    ask()
    ask()
    assert notices() == []  # 50 %

    ask()  # 75 %
    assert notices() == [[email] for email in coordinators]

    fourth = ask()  # 100 %
    assert notices() == sorted([[email] for email in coordinators] * 2)

    # A seat given back and taken again: no third notice.
    with django_capture_on_commit_callbacks(execute=True):
        enrolment_fail(
            enrolment_id=fourth.pk,
            reason="provider answered 500",
            cause=EnrolmentFailureCause.PROVIDER_UNAVAILABLE,
        )
    ask()
    assert allocation_of(partner, course).used == 4
    assert len(notices()) == 4
    allocation = allocation_of(partner, course)
    assert allocation.notified_75_at is not None
    assert allocation.notified_100_at is not None


def test_single_notice_when_one_request_takes_the_partner_straight_to_100_percent(
    partner, coordinator, django_capture_on_commit_callbacks
):
    course = voucher_course(partner, seats=1)

    with django_capture_on_commit_callbacks(execute=True):
        request(verified_learner(partner), course)

    assert [m.to for m in mail.outbox if m.to == [coordinator.email]] == [[coordinator.email]]


def test_new_seats_make_the_notices_due_again(
    partner, coordinator, programme_admin, django_capture_on_commit_callbacks
):
    course = voucher_course(partner, seats=1, codes=10)
    with django_capture_on_commit_callbacks(execute=True):
        request(verified_learner(partner), course)  # 1/1: notice
    with django_capture_on_commit_callbacks(execute=True):
        seat_allocation_set(
            partner=partner, provider=course.provider, total=2, acting_user=programme_admin
        )

    with django_capture_on_commit_callbacks(execute=True):
        request(verified_learner(partner), course)  # 2/2: notice again

    assert len([m for m in mail.outbox if m.to == [coordinator.email]]) == 2
