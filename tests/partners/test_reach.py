"""The reach rule (partners/reach.py): a partner's staff reach a learner only while the learner's
current application — their latest, whatever its state — is with that partner, and the account
is active. Tested on the building blocks and on every service that acts on a learner."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from credentials.errors import EnrolmentNotAllowed
from credentials.services.enrolments import enrolment_revoke
from learners.services.assisted import (
    learner_password_resettable,
    learner_register_assisted,
    learner_reset_one_time_password,
)
from partners.errors import TransitionNotAllowed
from partners.models import Application, ApplicationStatus, DisplacementStatus, StaffRole
from partners.permissions import can_review_application
from partners.reach import (
    application_in_reach,
    applications_in_reach,
    learner_in_reach,
    learners_in_reach,
)
from partners.selectors import QueueFilters, application_queue
from partners.services.applications import Decision, application_decide, application_submit
from portal.models import AuditEvent
from tests.credentials.factories import EnrolmentFactory
from tests.portal.factories import LearnerFactory

from .factories import ApplicationFactory, MembershipFactory, PartnerFactory

pytestmark = pytest.mark.django_db

S = ApplicationStatus


@pytest.fixture
def a():
    return PartnerFactory(slug="reach-a")


@pytest.fixture
def b():
    return PartnerFactory(slug="reach-b")


def staff_of(partner, role=StaffRole.REVIEWER):
    return MembershipFactory(partner=partner, role=role).user


def application(learner, partner, status, *, days_ago, **fields):
    when = timezone.now() - timedelta(days=days_ago)
    if status in (S.APPROVED, S.EXPIRED):
        fields.setdefault("verified_until", timezone.localdate() + timedelta(days=30))
    return ApplicationFactory(
        learner=learner,
        partner=partner,
        status=status,
        created_at=when,
        submitted_at=when,
        **fields,
    )


def reach_of(learner, *partners) -> set[str]:
    return {p.slug for p in partners if learner_in_reach(partner=p, learner_id=learner.pk)}


# --- the rule -----------------------------------------------------------------------------------


@pytest.mark.parametrize("status", list(S))
def test_the_current_application_decides_whatever_its_state(a, b, status):
    learner = LearnerFactory()
    application(learner, a, status, days_ago=1)
    assert reach_of(learner, a, b) == {"reach-a"}


@pytest.mark.parametrize("earlier", [S.EXPIRED, S.REJECTED, S.WITHDRAWN])
@pytest.mark.parametrize("later", list(S))
def test_a_later_application_elsewhere_takes_the_learner_out_of_reach(a, b, earlier, later):
    learner = LearnerFactory()
    old = application(learner, a, earlier, days_ago=400, assisted=True)
    new = application(learner, b, later, days_ago=3)
    assert reach_of(learner, a, b) == {"reach-b"}
    assert not application_in_reach(old)
    assert application_in_reach(new)
    assert list(applications_in_reach(a)) == []
    assert list(applications_in_reach(b)) == [new]


def test_a_learner_with_no_application_is_out_of_everyones_reach(a, b):
    learner = LearnerFactory()
    assert reach_of(learner, a, b) == set()


def test_an_erased_or_deactivated_learner_is_out_of_reach(a, b):
    learner = LearnerFactory()
    application(learner, a, S.APPROVED, days_ago=5)
    learner.is_active = False
    learner.save(update_fields=["is_active"])
    assert reach_of(learner, a, b) == set()
    assert not applications_in_reach(a).exists()


def test_coming_back_to_the_first_partner_brings_the_whole_history_back(a, b):
    learner = LearnerFactory()
    first = application(learner, a, S.EXPIRED, days_ago=800)
    application(learner, b, S.EXPIRED, days_ago=400)
    latest = application(learner, a, S.SUBMITTED, days_ago=1)
    assert reach_of(learner, a, b) == {"reach-a"}
    assert set(applications_in_reach(a)) == {first, latest}
    assert not applications_in_reach(b).exists()


def test_applications_made_at_the_same_instant_are_ordered_by_id(a, b):
    learner = LearnerFactory()
    when = timezone.now()
    ApplicationFactory(learner=learner, partner=a, status=S.EXPIRED, created_at=when)
    ApplicationFactory(learner=learner, partner=b, status=S.REJECTED, created_at=when)
    assert reach_of(learner, a, b) == {"reach-b"}


def test_only_learners_are_reached(a):
    staff = staff_of(a)
    assert not learners_in_reach(a).filter(pk=staff.pk).exists()


# --- services that act on a learner -------------------------------------------------------------


def test_a_decision_is_refused_for_a_learner_out_of_reach(a):
    learner = LearnerFactory()
    waiting = application(learner, a, S.SUBMITTED, days_ago=1)
    reviewer = staff_of(a)
    assert can_review_application(reviewer, waiting)
    learner.is_active = False
    learner.save(update_fields=["is_active"])
    assert not can_review_application(reviewer, waiting)
    with pytest.raises(TransitionNotAllowed):
        application_decide(application=waiting, decision=Decision.APPROVE, acting_user=reviewer)
    waiting.refresh_from_db()
    assert waiting.status == S.SUBMITTED


def test_an_enrolment_cannot_be_revoked_once_the_learner_is_with_another_partner(a, b):
    learner = LearnerFactory()
    application(learner, a, S.EXPIRED, days_ago=400)
    enrolment = EnrolmentFactory(learner=learner, partner=a)
    application(learner, b, S.APPROVED, days_ago=2)
    coordinator = staff_of(a, StaffRole.COORDINATOR)
    with pytest.raises(EnrolmentNotAllowed):
        enrolment_revoke(enrolment=enrolment, reason="Moved", acting_user=coordinator)
    enrolment.refresh_from_db()
    assert enrolment.status == "active"


def test_the_queue_counts_drop_at_once_when_a_learner_applies_elsewhere(a, b):
    learner = LearnerFactory()
    application(learner, a, S.EXPIRED, days_ago=400)
    all_statuses = QueueFilters(status="")
    assert application_queue(partner=a, filters=all_statuses).counts[S.EXPIRED] == 1
    application_submit(
        learner=learner,
        partner=b,
        displacement_status=DisplacementStatus.REFUGEE,
        country_of_residence="JO",
        acting_user=learner,
    )
    page = application_queue(partner=a, filters=all_statuses)
    assert page.counts[S.EXPIRED] == 0
    assert page.applications == []


# --- one-time passwords -------------------------------------------------------------------------


def register(partner, reviewer):
    learner, _password = learner_register_assisted(
        partner=partner,
        display_name="Amal",
        language="ar",
        country_of_residence="JO",
        displacement_status="refugee",
        acting_user=reviewer,
    )
    learner.refresh_from_db()
    return learner


def test_a_new_password_for_a_learner_registered_in_person_who_never_signed_in(a):
    reviewer = staff_of(a)
    learner = register(a, reviewer)
    Application.objects.filter(learner=learner).update(status=S.EXPIRED)
    assert learner_password_resettable(learner)
    password = learner_reset_one_time_password(learner=learner, partner=a, acting_user=reviewer)
    learner.refresh_from_db()
    assert learner.check_password(password)
    assert learner.password_is_temporary
    assert AuditEvent.objects.filter(
        action="learner.one_time_password_reset", partner_id=a.pk
    ).exists()


@pytest.mark.parametrize(
    "change",
    ["signed_in", "chose_a_password", "deactivated", "now_with_b", "partner_b_staff"],
)
def test_no_new_password_once_the_learner_is_their_own_or_elsewhere(a, b, change):
    reviewer = staff_of(a)
    learner = register(a, reviewer)
    stranger = staff_of(b)
    if change == "signed_in":
        learner.last_login = timezone.now()
        learner.save(update_fields=["last_login"])
    elif change == "chose_a_password":
        learner.password_is_temporary = False
        learner.save(update_fields=["password_is_temporary"])
    elif change == "deactivated":
        learner.is_active = False
        learner.save(update_fields=["is_active"])
    elif change == "now_with_b":
        # Whatever made it possible, the learner's current application is with B now.
        Application.objects.filter(learner=learner).update(status=S.EXPIRED)
        application(learner, b, S.APPROVED, days_ago=0)
    attempts = [(stranger, b), (stranger, a), (reviewer, b)]
    if change != "partner_b_staff":  # the one unchanged case, where A's staff may
        attempts.append((reviewer, a))
    before = learner.password
    for who, where in attempts:
        with pytest.raises(TransitionNotAllowed):
            learner_reset_one_time_password(learner=learner, partner=where, acting_user=who)
    learner.refresh_from_db()
    assert learner.password == before
    assert not AuditEvent.objects.filter(action="learner.one_time_password_reset").exists()


def test_no_new_password_for_someone_who_signed_up_themselves(a):
    learner = LearnerFactory()
    application(learner, a, S.APPROVED, days_ago=3)
    with pytest.raises(TransitionNotAllowed):
        learner_reset_one_time_password(learner=learner, partner=a, acting_user=staff_of(a))


# --- the same number of queries, whatever the number of learners who moved ----------------------


@pytest.mark.parametrize("size", [4, 60])
def test_queue_and_api_cost_the_same_queries_with_learners_who_moved(
    client, a, b, size, django_assert_num_queries
):
    from partners.services.api_keys import api_key_create
    from tests.portal.conftest import give_totp

    from .test_review import QUEUE_QUERIES, listed_ids, queue_url

    stayed, moved = [], []
    for n in range(size):
        learner = LearnerFactory()
        application(learner, a, S.EXPIRED, days_ago=400 + n)
        if n % 2:
            application(learner, b, S.SUBMITTED, days_ago=n + 1)
            moved.append(learner)
        else:
            application(learner, a, S.SUBMITTED, days_ago=n + 1)
            stayed.append(learner)
    reviewer = staff_of(a, StaffRole.COORDINATOR)
    give_totp(reviewer)
    client.force_login(reviewer)
    client.get(queue_url(a))  # the first request after sign-in also writes the session
    # The "All" tab reads each status's page from the index: one more query than one status.
    with django_assert_num_queries(QUEUE_QUERIES + 1):
        response = client.get(queue_url(a), {"status": "all"})
    shown = set(Application.objects.filter(pk__in=listed_ids(response)).values_list("learner_id"))
    assert shown <= {(learner.pk,) for learner in stayed}
    assert len(listed_ids(response)) == min(len(stayed) * 2, 25)

    _key, text = api_key_create(partner=a, name="case system", acting_user=reviewer)
    headers = {"Authorization": f"Api-Key {text}"}
    machine = Client()  # no session: the key alone
    machine.get("/api/v1/applications/", headers=headers)
    with django_assert_num_queries(2):
        listing = machine.get("/api/v1/applications/", {"page_size": 200}, headers=headers)
    assert len(listing.json()["results"]) == len(stayed)


def test_staff_enrol_a_learner_only_for_the_partner_that_has_them(a, b):
    from credentials.models import Enrolment
    from credentials.services.enrolments import enrolment_request
    from tests.credentials.factories import CourseFactory

    learner = LearnerFactory()
    application(learner, a, S.APPROVED, days_ago=3)
    course = CourseFactory(provider__access_method="open")
    for acting in (staff_of(b, StaffRole.COORDINATOR), staff_of(a, StaffRole.REVIEWER)):
        with pytest.raises(EnrolmentNotAllowed):
            enrolment_request(learner=learner, course=course, acting_user=acting)
    learner.is_active = False
    learner.save(update_fields=["is_active"])
    with pytest.raises(EnrolmentNotAllowed):
        enrolment_request(
            learner=learner, course=course, acting_user=staff_of(a, StaffRole.COORDINATOR)
        )
    assert not Enrolment.objects.exists()
    learner.is_active = True
    learner.save(update_fields=["is_active"])
    coordinator = staff_of(a, StaffRole.COORDINATOR)
    assert enrolment_request(learner=learner, course=course, acting_user=coordinator).partner == a
