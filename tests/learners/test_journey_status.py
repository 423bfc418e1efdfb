"""The learner's page says what is true at every step of the journey: applied, more information
asked, approved, access being set up, enrolled, waitlisted (with their number on the list),
completed, certificate issued, expired, withdrawn."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from credentials.models import EnrolmentStatus
from credentials.services.issuance import credential_issue
from credentials.waitlist import enrolments_of_learner_with_places
from partners.models import ApplicationStatus
from tests.credentials.factories import CourseFactory, EnrolmentFactory, ProviderFactory
from tests.partners.factories import ApplicationFactory, PartnerFactory
from tests.portal.factories import LearnerFactory

from .factories import LearnerProfileFactory

pytestmark = pytest.mark.django_db

DASHBOARD_URL = reverse("learners:dashboard")
NEXT_COMES = "Next comes free access to courses"


@pytest.fixture
def learner():
    return LearnerProfileFactory(display_name="Amina Yusuf").user


@pytest.fixture
def partner():
    return PartnerFactory(name="Amman Study Aid")


def approve(learner, partner):
    return ApplicationFactory(
        learner=learner,
        partner=partner,
        status=ApplicationStatus.APPROVED,
        verified_until=timezone.localdate() + timedelta(days=300),
    )


def page(client, learner) -> str:
    client.force_login(learner)
    response = client.get(DASHBOARD_URL)
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (ApplicationStatus.SUBMITTED, "Amman Study Aid is reviewing your application."),
        (ApplicationStatus.INFO_REQUESTED, "Amman Study Aid needs more information from you"),
        (ApplicationStatus.WITHDRAWN, "You withdrew this application."),
        (ApplicationStatus.EXPIRED, "Your verification has expired."),
    ],
)
def test_before_and_after_verification_the_page_promises_no_course_access(
    client, learner, partner, status, expected
):
    ApplicationFactory(
        learner=learner, partner=partner, status=status, verified_until=date(2020, 1, 1)
    )
    html = page(client, learner)
    assert expected in html
    assert NEXT_COMES not in html
    assert "Browse the free courses" not in html


def test_approved_without_a_course_says_free_access_comes_next(client, learner, partner):
    approve(learner, partner)
    html = page(client, learner)
    assert NEXT_COMES in html
    assert "You can now choose courses to take for free." in html
    assert "Browse the free courses" in html


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (EnrolmentStatus.REQUESTED, "Your access to a course is being set up"),
        (EnrolmentStatus.PROVISIONING, "Your access to a course is being set up"),
        (EnrolmentStatus.ACTIVE, "You have free access to a course: how to start is below."),
        (EnrolmentStatus.WAITLISTED, "You are on the waiting list for a course"),
        (EnrolmentStatus.FAILED, "You can now choose courses to take for free."),
    ],
)
def test_approved_with_a_course_says_where_the_course_stands(
    client, learner, partner, status, expected
):
    approve(learner, partner)
    EnrolmentFactory(learner=learner, partner=partner, status=status, waitlisted_at=timezone.now())
    html = page(client, learner)
    assert expected in html
    assert NEXT_COMES not in html


def test_completed_course_awaiting_its_certificate_says_so(client, learner, partner):
    approve(learner, partner)
    EnrolmentFactory(
        learner=learner,
        partner=partner,
        status=EnrolmentStatus.COMPLETED,
        completed_at=timezone.now(),
    )
    html = page(client, learner)
    assert "You completed a course. Your certificate is being prepared" in html
    assert NEXT_COMES not in html


def test_completed_course_with_its_certificate_offers_another_course(client, learner, partner):
    approve(learner, partner)
    enrolment = EnrolmentFactory(
        learner=learner,
        partner=partner,
        status=EnrolmentStatus.COMPLETED,
        completed_at=timezone.now(),
    )
    assert credential_issue(enrolment_id=enrolment.pk) is not None
    html = page(client, learner)
    assert "You completed a course and received your certificate." in html
    assert "Your credentials" in html
    assert NEXT_COMES not in html
    assert "Browse the free courses" in html


def wait(partner, provider, learner=None, *, minutes_ago: int):
    return EnrolmentFactory(
        learner=learner or LearnerFactory(),
        partner=partner,
        course=CourseFactory(provider=provider),
        status=EnrolmentStatus.WAITLISTED,
        waitlisted_at=timezone.now() - timedelta(minutes=minutes_ago),
    )


def test_waitlisted_learner_sees_their_number_on_the_list(client, learner, partner):
    approve(learner, partner)
    provider = ProviderFactory()
    wait(partner, provider, minutes_ago=30)
    wait(partner, provider, minutes_ago=20)
    mine = wait(partner, provider, learner, minutes_ago=10)
    wait(partner, provider, minutes_ago=5)  # came later: not ahead
    wait(PartnerFactory(), provider, minutes_ago=40)  # another partner's seats
    wait(partner, ProviderFactory(), minutes_ago=40)  # another provider's seats
    EnrolmentFactory(partner=partner, course=CourseFactory(provider=provider))  # has a seat
    html = page(client, learner)
    assert f"You are number 3 on the waiting list for {mine.course.title}." in html


def test_waiting_places_follow_the_order_seats_are_given_out(learner, partner):
    provider = ProviderFactory()
    same_time = timezone.now() - timedelta(minutes=10)
    first = wait(partner, provider, minutes_ago=10)
    first.waitlisted_at = same_time
    first.save(update_fields=["waitlisted_at"])
    mine = wait(partner, provider, learner, minutes_ago=10)
    mine.waitlisted_at = same_time  # same moment: the lower id goes first, as in promotion
    mine.save(update_fields=["waitlisted_at"])
    active = EnrolmentFactory(learner=learner, partner=partner, status=EnrolmentStatus.ACTIVE)
    places = {e.pk: e.waiting_place for e in enrolments_of_learner_with_places(learner)}
    assert places == {mine.pk: 2, active.pk: None}


@pytest.mark.parametrize("waiting", [1, 12])
def test_waiting_places_cost_one_query_whatever_the_length_of_the_list(
    django_assert_num_queries, learner, partner, waiting
):
    provider = ProviderFactory()
    for n in range(waiting):
        wait(partner, provider, minutes_ago=100 + n)
    for n in range(3):
        wait(partner, provider, learner, minutes_ago=50 - n)
    with django_assert_num_queries(1):
        places = [e.waiting_place for e in enrolments_of_learner_with_places(learner)]
    assert places == [waiting + 3, waiting + 2, waiting + 1]
