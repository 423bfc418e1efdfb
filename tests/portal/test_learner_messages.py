"""Every learner event reaches the learner on the channel they chose, in their language, once.

E-mails are read from mail.outbox, text messages from a recording SMS backend (the gateway is
outside the portal: tests/sms_recording.py); both leave after commit, as in production.
"""

from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.db.models import F
from django.utils import timezone

from credentials.models import Credential, Enrolment, EnrolmentStatus, SeatAllocation
from credentials.services.completions import completion_record
from credentials.services.enrolments import (
    enrolment_provision,
    enrolment_request,
    enrolment_revoke,
    waitlist_promote,
)
from credentials.services.issuance import credential_issue
from credentials.services.waitlist import waitlist_moved_worth_telling
from partners.models import ApplicationStatus, DisplacementStatus, RejectionReason, StaffRole
from partners.services.applications import (
    Decision,
    application_decide,
    application_resubmit,
    application_submit,
)
from partners.services.notifications import verification_reminder_send
from portal.models import MessageChannel
from portal.notify import learner_notify
from tests.credentials.conftest import staff_of, verified_learner, voucher_course
from tests.credentials.factories import AccessCodeFactory, EnrolmentFactory
from tests.partners.factories import ApplicationFactory, PartnerFactory
from tests.portal.factories import LearnerFactory

PHONE = "+962791234567"


@pytest.fixture
def partner(db):
    return PartnerFactory(name="Hope Amman Refugee Services", slug="hope-amman", countries=["JO"])


@pytest.fixture
def reviewer(partner):
    return staff_of(partner, StaffRole.REVIEWER, email="reviewer@hope.example")


@pytest.fixture
def coordinator(partner):
    return staff_of(partner, StaffRole.COORDINATOR, email="coordinator@hope.example")


def phone_only(**kwargs):
    """A learner who signed up with a phone number: a placeholder address, a verified phone."""
    return LearnerFactory(
        email=f"p{PHONE[1:]}@{settings.NO_EMAIL_DOMAIN}",
        phone=PHONE,
        phone_verified=True,
        verified=False,
        **kwargs,
    )


def both_channels(**kwargs):
    return LearnerFactory(phone="+962790000001", phone_verified=True, **kwargs)


def submit(learner, partner):
    return application_submit(
        learner=learner,
        partner=partner,
        displacement_status=DisplacementStatus.REFUGEE,
        country_of_residence="JO",
        acting_user=learner,
    )


# --- the channel -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("has_email", "has_phone", "verified_phone", "chosen", "expected"),
    [
        (True, False, False, "", ("email",)),
        (False, True, True, "", ("sms",)),
        (False, True, False, "", ()),  # an unverified number is never written to
        (True, True, True, "", ("sms", "email")),  # not chosen: every channel they can receive
        (True, True, True, MessageChannel.SMS, ("sms",)),
        (True, True, True, MessageChannel.EMAIL, ("email",)),
        (True, True, True, MessageChannel.BOTH, ("sms", "email")),
        (True, False, False, MessageChannel.SMS, ("email",)),  # a choice they cannot receive
        (False, True, True, MessageChannel.EMAIL, ("sms",)),
        (False, False, False, "", ()),
    ],
)
def test_message_channels_follow_choice_and_what_the_learner_can_receive(
    db, has_email, has_phone, verified_phone, chosen, expected
):
    learner = LearnerFactory(
        email="a@example.org" if has_email else f"x@{settings.NO_EMAIL_DOMAIN}",
        phone=PHONE if has_phone else None,
        phone_verified=verified_phone,
        message_channel=chosen,
    )
    assert learner.message_channels == expected


def test_learner_notify_sends_nothing_to_an_inactive_account(
    db, sms_outbox, django_capture_on_commit_callbacks
):
    learner = both_channels(is_active=False)
    with django_capture_on_commit_callbacks(execute=True):
        sent = learner_notify(
            user=learner,
            kind="test",
            key="test:1",
            email_template="partners/email/application_received",
            sms_template="partners/sms/application_received.txt",
            context={"partner": PartnerFactory()},
        )
    assert sent == ()
    assert mail.outbox == []
    assert sms_outbox == []


# --- application events --------------------------------------------------------------------------


def test_application_received_by_email_only_for_an_email_learner(
    partner, sms_outbox, django_capture_on_commit_callbacks
):
    learner = LearnerFactory(email="amal@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        submit(learner, partner)
    assert [m.to for m in mail.outbox] == [["amal@example.org"]]
    assert "Hope Amman Refugee Services has received your application" in mail.outbox[0].subject
    assert sms_outbox == []


def test_phone_only_learner_gets_every_application_event_by_sms_only(
    partner, reviewer, sms_outbox, django_capture_on_commit_callbacks
):
    learner = phone_only()
    with django_capture_on_commit_callbacks(execute=True):
        application = submit(learner, partner)
    with django_capture_on_commit_callbacks(execute=True):
        application_decide(
            application=application,
            decision=Decision.REQUEST_INFO,
            message="Please add your card.",
            acting_user=reviewer,
        )
    with django_capture_on_commit_callbacks(execute=True):
        application_resubmit(
            application=application,
            acting_user=learner,
            displacement_status=DisplacementStatus.REFUGEE,
            case_number=None,
            note="Here it is.",
        )
    with django_capture_on_commit_callbacks(execute=True):
        application_decide(application=application, decision=Decision.APPROVE, acting_user=reviewer)
    assert mail.outbox == []
    assert [to for to, _text in sms_outbox] == [PHONE] * 4
    texts = [text for _to, text in sms_outbox]
    assert texts[0].startswith("Hope Amman Refugee Services has received your application")
    assert "needs more information" in texts[1]
    assert "Please add your card." not in texts[1]  # the question itself stays on the page
    assert "has received your application" in texts[2]
    assert texts[3].startswith("Good news: Hope Amman Refugee Services approved")
    assert texts[3].endswith(settings.SITE_URL)


def test_rejection_reaches_both_channels_of_a_learner_with_both(
    partner, reviewer, sms_outbox, django_capture_on_commit_callbacks
):
    learner = both_channels()
    application = submit(learner, partner)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        application_decide(
            application=application,
            decision=Decision.REJECT,
            reason=RejectionReason.values[0],
            acting_user=reviewer,
        )
    assert len(mail.outbox) == 1
    assert len(sms_outbox) == 1
    assert "could not approve your application" in sms_outbox[0][1]


def test_learner_who_chose_sms_gets_no_email(
    partner, reviewer, sms_outbox, django_capture_on_commit_callbacks
):
    learner = both_channels(message_channel=MessageChannel.SMS)
    with django_capture_on_commit_callbacks(execute=True):
        application = submit(learner, partner)
        application_decide(application=application, decision=Decision.APPROVE, acting_user=reviewer)
    assert mail.outbox == []
    assert len(sms_outbox) == 2


def test_messages_are_in_the_learners_language(
    partner, reviewer, sms_outbox, django_capture_on_commit_callbacks
):
    learner = LearnerFactory(email="fr@example.org", language="fr")
    application = submit(learner, partner)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        application_decide(application=application, decision=Decision.APPROVE, acting_user=reviewer)
    # An existing, compiled translation ("… has approved your application").
    assert "a accepté votre demande" in mail.outbox[0].subject


def test_erased_or_inactive_learner_gets_nothing(
    partner, sms_outbox, django_capture_on_commit_callbacks
):
    learner = both_channels()
    application = ApplicationFactory(
        learner=learner,
        partner=partner,
        status=ApplicationStatus.APPROVED,
        decided_at=timezone.now(),
        verified_until=timezone.localdate() + timedelta(days=10),
    )
    type(learner).objects.filter(pk=learner.pk).update(is_active=False)
    with django_capture_on_commit_callbacks(execute=True):
        verification_reminder_send(application_id=application.pk)
    assert mail.outbox == []
    assert sms_outbox == []


def test_verification_reminder_by_sms_and_sent_once(
    partner, sms_outbox, django_capture_on_commit_callbacks
):
    learner = phone_only()
    application = ApplicationFactory(
        learner=learner,
        partner=partner,
        status=ApplicationStatus.APPROVED,
        decided_at=timezone.now(),
        verified_until=timezone.localdate() + timedelta(days=10),
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert verification_reminder_send(application_id=application.pk)
    with django_capture_on_commit_callbacks(execute=True):
        assert not verification_reminder_send(application_id=application.pk)  # run again
    assert len(sms_outbox) == 1
    assert "Your approval from Hope Amman Refugee Services ends on" in sms_outbox[0][1]


def test_a_decision_retried_sends_one_message(
    partner, reviewer, sms_outbox, django_capture_on_commit_callbacks
):
    from partners.errors import TransitionNotAllowed

    learner = phone_only()
    application = submit(learner, partner)
    sms_outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        application_decide(application=application, decision=Decision.APPROVE, acting_user=reviewer)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(TransitionNotAllowed):
        application_decide(application=application, decision=Decision.APPROVE, acting_user=reviewer)
    assert len(sms_outbox) == 1


def test_a_message_rolls_back_with_its_event(
    partner, reviewer, sms_outbox, django_capture_on_commit_callbacks
):
    """Written in the service's transaction: if the event does not commit, nothing leaves."""
    from django.db import transaction

    learner = phone_only()
    application = submit(learner, partner)
    sms_outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                application_decide(
                    application=application, decision=Decision.APPROVE, acting_user=reviewer
                )
                raise RuntimeError("the caller fails after the decision")
        except RuntimeError:
            pass
    assert sms_outbox == []


# --- access, waiting list, completion, credential -----------------------------------------------


def test_access_ready_by_sms_carries_the_code(
    partner, sms_outbox, django_capture_on_commit_callbacks
):
    learner = verified_learner(partner, email=f"v1@{settings.NO_EMAIL_DOMAIN}")
    type(learner).objects.filter(pk=learner.pk).update(phone=PHONE, phone_verified=True)
    learner.refresh_from_db()
    course = voucher_course(partner, codes=0, title="Data Analysis for Beginners")
    AccessCodeFactory(provider=course.provider, code="K7QM3XW9P")
    with django_capture_on_commit_callbacks(execute=True):
        enrolment = enrolment_request(learner=learner, course=course, acting_user=learner)
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.ACTIVE
    assert mail.outbox == []
    assert len(sms_outbox) == 1
    to, text = sms_outbox[0]
    assert to == PHONE
    assert "Data Analysis for Beginners" in text
    assert "Code: K7QM3XW9P" in text
    # Provisioned again (a retried job): the enrolment is active already, nothing more is sent.
    with django_capture_on_commit_callbacks(execute=True):
        enrolment_provision(enrolment_id=enrolment.pk)
    assert len(sms_outbox) == 1


def test_access_ready_by_email_for_an_email_learner(
    partner, sms_outbox, django_capture_on_commit_callbacks
):
    learner = verified_learner(partner, email="e@example.org")
    course = voucher_course(partner, codes=0)
    AccessCodeFactory(provider=course.provider, code="ABCD12345")
    with django_capture_on_commit_callbacks(execute=True):
        enrolment_request(learner=learner, course=course, acting_user=learner)
    assert len(mail.outbox) == 1
    assert "ABCD12345" in mail.outbox[0].body
    assert sms_outbox == []


def test_waiting_learners_told_their_new_place_once_a_day(
    partner, coordinator, sms_outbox, django_capture_on_commit_callbacks
):
    course = voucher_course(partner, seats=1, codes=5, title="Intro to Python")
    first = verified_learner(partner, email="first@example.org")
    # Holds the one seat, not yet provisioned (its job has not run): withdrawn, the seat returns.
    holder = enrolment_request(learner=first, course=course, acting_user=first)
    waiting = []
    for number in range(3):
        learner = phone_only() if number == 0 else verified_learner(partner)
        if number == 0:
            ApplicationFactory(
                learner=learner,
                partner=partner,
                status=ApplicationStatus.APPROVED,
                decided_at=timezone.now(),
                verified_until=timezone.localdate() + timedelta(days=365),
            )
        waiting.append(enrolment_request(learner=learner, course=course, acting_user=learner))
    assert all(e.status == EnrolmentStatus.WAITLISTED for e in waiting)
    mail.outbox.clear()
    sms_outbox.clear()
    # The seat comes back: the first in line gets it, the others move up one place.
    with django_capture_on_commit_callbacks(execute=True):
        enrolment_revoke(enrolment=holder, reason="Left the programme", acting_user=coordinator)
    waiting[0].refresh_from_db()
    assert waiting[0].status == EnrolmentStatus.ACTIVE
    assert len(sms_outbox) == 1 and "Code:" in sms_outbox[0][1]  # access ready, by SMS
    moved = [m for m in mail.outbox if "waiting list" in m.subject]
    assert sorted(m.subject for m in moved) == [
        "You are now number 1 on the waiting list",
        "You are now number 2 on the waiting list",
    ]
    # One more seat the same day: the next learner gets it, the last one moves up to 1 but
    # was already told today.
    mail.outbox.clear()
    SeatAllocation.objects.filter(partner=partner).update(total=F("total") + 1)
    with django_capture_on_commit_callbacks(execute=True):
        assert waitlist_promote(partner_id=partner.pk, provider_id=course.provider_id) == 1
    assert [m.subject for m in mail.outbox if "waiting list" in m.subject] == []
    assert len(mail.outbox) == 1  # access ready, for the learner promoted


@pytest.mark.parametrize(
    ("old", "new", "told"),
    [(2, 1, True), (11, 10, True), (12, 11, False), (51, 50, True), (60, 52, False), (3, 3, False)],
)
def test_waiting_list_moves_worth_a_message(old, new, told):
    assert waitlist_moved_worth_telling(old=old, new=new) is told


def test_completion_and_credential_by_sms_with_the_verify_link(
    partner, sms_outbox, django_capture_on_commit_callbacks
):
    learner = phone_only(language="en")
    enrolment = EnrolmentFactory(learner=learner, partner=partner, status=EnrolmentStatus.ACTIVE)
    with django_capture_on_commit_callbacks(execute=True):
        completion_record(enrolment=enrolment, source="api")
    credential = Credential.objects.get(enrolment=enrolment)  # issued after the completion
    assert mail.outbox == []
    texts = [text for _to, text in sms_outbox]
    assert len(texts) == 2
    assert texts[0].startswith("Well done! You completed")
    assert f"{settings.SITE_URL}/verify/{credential.code}/" in texts[1]
    # Reported again, issued again: the same credential, no new message.
    with django_capture_on_commit_callbacks(execute=True):
        completion_record(enrolment=Enrolment.objects.get(pk=enrolment.pk), source="api")
        credential_issue(enrolment_id=enrolment.pk)
    assert len(sms_outbox) == 2


def test_credential_email_has_the_verify_link(
    partner, sms_outbox, django_capture_on_commit_callbacks
):
    learner = LearnerFactory(email="cred@example.org")
    enrolment = EnrolmentFactory(learner=learner, partner=partner, status=EnrolmentStatus.ACTIVE)
    with django_capture_on_commit_callbacks(execute=True):
        completion_record(enrolment=enrolment, source="csv")
    credential = Credential.objects.get(enrolment=enrolment)
    subjects = [m.subject for m in mail.outbox]
    assert len(subjects) == 2
    assert subjects[0].startswith("You completed")
    assert subjects[1].startswith("Your certificate for")
    assert f"/verify/{credential.code}/" in mail.outbox[1].body
    assert sms_outbox == []


def test_access_ready_sms_carries_the_learners_reference_when_there_is_one(
    partner, sms_outbox, monkeypatch, django_capture_on_commit_callbacks
):
    from credentials.services import notifications

    monkeypatch.setattr(notifications, "_learner_reference", lambda enrolment: "K7QM-3XW9-PA2D")
    learner = phone_only()
    enrolment = EnrolmentFactory(learner=learner, partner=partner, status=EnrolmentStatus.ACTIVE)
    with django_capture_on_commit_callbacks(execute=True):
        notifications.enrolment_learner_notify(enrolment=enrolment, event="active")
    assert len(sms_outbox) == 1
    assert "Your reference: K7QM-3XW9-PA2D" in sms_outbox[0][1]
    assert "Code:" not in sms_outbox[0][1]  # no voucher code for this provider
