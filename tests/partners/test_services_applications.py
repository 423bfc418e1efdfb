"""The Application state machine, through its services: every legal and illegal transition."""

import logging
import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.db import IntegrityError, connection, connections, transaction
from django.utils import timezone, translation

import portal.notify
from partners.errors import TransitionNotAllowed
from partners.models import (
    Application,
    ApplicationStatus,
    DisplacementStatus,
    RejectionReason,
)
from partners.services import applications as application_services
from partners.services.applications import (
    Decision,
    application_decide,
    application_expire,
    application_resubmit,
    application_submit,
    application_withdraw,
    case_number_hash,
    case_number_reveal,
    learner_is_verified,
)
from portal.models import AuditEvent
from tests.portal.factories import LearnerFactory, PartnerStaffFactory
from tests.services import require_postgres

from .conftest import pdf_upload
from .factories import ApplicationFactory, PartnerFactory
from .hostile_documents import jobs_after_commit

CASE_NUMBER = "UNHCR-445-Q7731"


def submit(learner, partner, **kwargs):
    arguments = {
        "learner": learner,
        "partner": partner,
        "displacement_status": DisplacementStatus.REFUGEE,
        "country_of_residence": "JO",
        "case_number": CASE_NUMBER,
        "note": "I live in Zarqa.",
        "acting_user": learner,
        **kwargs,
    }
    return application_submit(**arguments)


def actions_for(application) -> list[str]:
    return list(
        AuditEvent.objects.filter(object_type="partners.application", object_id=str(application.pk))
        .order_by("created_at", "id")
        .values_list("action", flat=True)
    )


def at_status(partner, status, **kwargs) -> Application:
    extra = {}
    if status == ApplicationStatus.APPROVED:
        extra["verified_until"] = timezone.localdate() + timedelta(days=100)
    if status == ApplicationStatus.EXPIRED:
        extra["verified_until"] = timezone.localdate() - timedelta(days=1)
    return ApplicationFactory(partner=partner, status=status, **extra, **kwargs)


# --- submit -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_submit_creates_a_submitted_application_with_encrypted_case_number(applicant, partner):
    application = submit(applicant, partner, documents=[pdf_upload()])
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED
    assert application.partner == partner
    assert application.country_of_residence.code == "JO"
    assert (
        application.case_number_encrypted and CASE_NUMBER not in application.case_number_encrypted
    )
    assert case_number_reveal(application) == CASE_NUMBER
    assert application.case_number_hash == case_number_hash(CASE_NUMBER)
    assert application.documents.count() == 1
    assert actions_for(application) == ["application.submitted"]


@pytest.mark.django_db
def test_submit_without_case_number_stores_nothing(applicant, partner):
    application = submit(applicant, partner, case_number="")
    assert application.case_number_encrypted == ""
    assert application.case_number_hash == ""
    assert case_number_reveal(application) == ""


@pytest.mark.django_db
@pytest.mark.parametrize(
    "typed", ["unhcr 445 q7731", "UNHCR445Q7731", " Unhcr\u2013445\u2013q7731 ", "unhcr_445-Q7731"]
)
def test_case_number_hash_ignores_spaces_dashes_and_letter_case(typed):
    assert case_number_hash(typed) == case_number_hash(CASE_NUMBER)


@pytest.mark.django_db
def test_staff_member_cannot_submit_an_application(partner):
    staff = PartnerStaffFactory()
    with pytest.raises(TransitionNotAllowed):
        submit(staff, partner)
    assert not Application.objects.exists()


@pytest.mark.django_db
def test_submit_to_an_inactive_partner_is_refused(applicant):
    closed = PartnerFactory(is_active=False)
    with pytest.raises(TransitionNotAllowed):
        submit(applicant, closed)
    assert not Application.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "status",
    [ApplicationStatus.SUBMITTED, ApplicationStatus.INFO_REQUESTED, ApplicationStatus.APPROVED],
)
def test_second_submission_while_one_is_live_is_refused(applicant, partner, other_partner, status):
    at_status(partner, status, learner=applicant)
    with pytest.raises(TransitionNotAllowed) as error:
        submit(applicant, other_partner)
    assert error.value.code == "already_live"
    assert Application.objects.filter(learner=applicant).count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    "status",
    [ApplicationStatus.REJECTED, ApplicationStatus.WITHDRAWN, ApplicationStatus.EXPIRED],
)
def test_learner_may_apply_again_after_a_closed_application(applicant, partner, status):
    at_status(partner, status, learner=applicant)
    assert submit(applicant, partner).status == ApplicationStatus.SUBMITTED


@pytest.mark.django_db
@pytest.mark.parametrize(
    "status",
    [ApplicationStatus.SUBMITTED, ApplicationStatus.INFO_REQUESTED, ApplicationStatus.APPROVED],
)
def test_database_refuses_a_second_live_application_for_a_learner(
    applicant, partner, other_partner, status
):
    at_status(partner, status, learner=applicant)
    with pytest.raises(IntegrityError), transaction.atomic():
        Application.objects.create(
            learner=applicant,
            partner=other_partner,
            displacement_status=DisplacementStatus.REFUGEE,
            country_of_residence="JO",
        )
    assert Application.objects.filter(learner=applicant).count() == 1


@pytest.mark.django_db
def test_database_refuses_an_approved_application_without_expiry(applicant, partner):
    with pytest.raises(IntegrityError), transaction.atomic():
        Application.objects.create(
            learner=applicant,
            partner=partner,
            status=ApplicationStatus.APPROVED,
            displacement_status=DisplacementStatus.REFUGEE,
            country_of_residence="JO",
        )


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_submissions_for_one_learner_leave_exactly_one(monkeypatch):
    require_postgres()
    partner = PartnerFactory()
    learner = LearnerFactory()
    threads_count = 2
    barrier = threading.Barrier(threads_count, timeout=10)
    real_prepare = application_services._prepare_documents

    def prepare_together(*args, **kwargs):
        # Both requests reach the "already live?" check at the same moment, so only the
        # database's partial unique index can stop the second one.
        barrier.wait()
        return real_prepare(*args, **kwargs)

    monkeypatch.setattr(application_services, "_prepare_documents", prepare_together)
    outcomes: list[str] = []
    lock = threading.Lock()

    def attempt():
        try:
            submit(learner, partner)
            result = "ok"
        except TransitionNotAllowed as error:
            result = error.code
        except Exception as error:  # reported by the assertion below
            result = repr(error)
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=attempt) for _ in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["already_live", "ok"]
    assert Application.objects.filter(learner=learner).count() == 1


@pytest.mark.django_db
def test_case_number_column_holds_neither_the_plaintext_nor_any_part_of_it(applicant, partner):
    application = submit(applicant, partner)
    with connection.cursor() as cursor:
        cursor.execute(
            "select case_number_encrypted, case_number_hash from partners_application"
            " where id = %s",
            [application.pk],
        )
        encrypted, hashed = cursor.fetchone()
    assert encrypted and hashed
    for stored in (encrypted, hashed):
        assert stored != CASE_NUMBER
        assert CASE_NUMBER.upper() not in stored.upper()
        assert "UNHCR445Q7731" not in stored.upper()
    assert "Q7731" not in encrypted.upper()


# --- decide -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_approve_sets_verified_until_from_the_partners_validity(applicant, reviewer, partner):
    partner.verification_validity_days = 200
    partner.save()
    application = submit(applicant, partner)
    application_decide(
        application=application, decision=Decision.APPROVE, acting_user=reviewer, note="Seen ID"
    )
    application.refresh_from_db()
    assert application.status == ApplicationStatus.APPROVED
    assert application.verified_until == timezone.localdate() + timedelta(days=200)
    assert application.decided_by == reviewer
    assert application.decided_at is not None
    assert application.decision_note == "Seen ID"
    assert learner_is_verified(applicant)
    assert actions_for(application) == ["application.submitted", "application.approve"]


@pytest.mark.django_db
def test_coordinator_may_decide_too(applicant, coordinator, partner):
    application = submit(applicant, partner)
    application_decide(application=application, decision=Decision.APPROVE, acting_user=coordinator)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.APPROVED


@pytest.mark.django_db
def test_approving_twice_is_refused_and_changes_nothing(applicant, reviewer, partner):
    application = submit(applicant, partner)
    application_decide(application=application, decision=Decision.APPROVE, acting_user=reviewer)
    application.refresh_from_db()
    first = (application.decided_at, application.verified_until)
    with pytest.raises(TransitionNotAllowed) as error:
        application_decide(application=application, decision=Decision.APPROVE, acting_user=reviewer)
    assert error.value.code == "illegal"
    application.refresh_from_db()
    assert (application.decided_at, application.verified_until) == first
    assert actions_for(application).count("application.approve") == 1


@pytest.mark.django_db
@pytest.mark.parametrize("decision", Decision.ALL)
@pytest.mark.parametrize(
    "status",
    [
        ApplicationStatus.INFO_REQUESTED,
        ApplicationStatus.APPROVED,
        ApplicationStatus.REJECTED,
        ApplicationStatus.WITHDRAWN,
        ApplicationStatus.EXPIRED,
    ],
)
def test_only_a_submitted_application_can_be_decided(reviewer, partner, status, decision):
    application = at_status(partner, status)
    with pytest.raises(TransitionNotAllowed):
        application_decide(
            application=application,
            decision=decision,
            acting_user=reviewer,
            reason=RejectionReason.OTHER,
            message="Please send a clearer photo.",
        )
    application.refresh_from_db()
    assert application.status == status
    assert actions_for(application) == []


@pytest.mark.django_db
def test_learner_cannot_decide_on_their_own_application(applicant, partner):
    application = submit(applicant, partner)
    with pytest.raises(TransitionNotAllowed):
        application_decide(
            application=application, decision=Decision.APPROVE, acting_user=applicant
        )
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED


@pytest.mark.django_db
def test_reviewer_of_another_partner_cannot_decide(applicant, partner, other_reviewer):
    application = submit(applicant, partner)
    for decision in Decision.ALL:
        with pytest.raises(TransitionNotAllowed):
            application_decide(
                application=application,
                decision=decision,
                acting_user=other_reviewer,
                reason=RejectionReason.OTHER,
                message="?",
            )
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED


@pytest.mark.django_db
def test_programme_admin_cannot_decide(applicant, partner, programme_admin):
    application = submit(applicant, partner)
    with pytest.raises(TransitionNotAllowed):
        application_decide(
            application=application, decision=Decision.APPROVE, acting_user=programme_admin
        )


@pytest.mark.django_db
def test_unknown_decision_is_refused(applicant, reviewer, partner):
    application = submit(applicant, partner)
    with pytest.raises(TransitionNotAllowed):
        application_decide(application=application, decision="maybe", acting_user=reviewer)


@pytest.mark.django_db
@pytest.mark.parametrize("message", ["", "   \n "])
def test_request_for_information_needs_a_message(applicant, reviewer, partner, message):
    application = submit(applicant, partner)
    with pytest.raises(TransitionNotAllowed):
        application_decide(
            application=application,
            decision=Decision.REQUEST_INFO,
            acting_user=reviewer,
            message=message,
        )
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED
    assert application.decided_at is None


@pytest.mark.django_db
@pytest.mark.parametrize("reason", ["", "because", "approved"])
def test_rejection_needs_a_valid_reason(applicant, reviewer, partner, reason):
    application = submit(applicant, partner)
    with pytest.raises(TransitionNotAllowed):
        application_decide(
            application=application, decision=Decision.REJECT, acting_user=reviewer, reason=reason
        )
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED


@pytest.mark.django_db
def test_reject_records_reason_note_and_who(applicant, reviewer, partner):
    application = submit(applicant, partner)
    application_decide(
        application=application,
        decision=Decision.REJECT,
        acting_user=reviewer,
        reason=RejectionReason.OUTSIDE_AREA,
        note="Lives in Egypt.",
    )
    application.refresh_from_db()
    assert application.status == ApplicationStatus.REJECTED
    assert application.rejection_reason == RejectionReason.OUTSIDE_AREA
    assert application.decision_note == "Lives in Egypt."
    assert application.decided_by == reviewer
    assert application.verified_until is None
    assert not learner_is_verified(applicant)
    event = AuditEvent.objects.get(action="application.reject", object_id=str(application.pk))
    assert event.actor == reviewer
    assert event.partner_id == partner.pk
    assert event.data == {"reason": RejectionReason.OUTSIDE_AREA}


# --- request information → resubmit → decide ---------------------------------------------------


@pytest.mark.django_db
def test_request_info_then_resubmit_then_approve(applicant, reviewer, partner):
    application = submit(applicant, partner)
    application_decide(
        application=application,
        decision=Decision.REQUEST_INFO,
        acting_user=reviewer,
        message="  Please add your card.  ",
    )
    application.refresh_from_db()
    assert application.status == ApplicationStatus.INFO_REQUESTED
    assert application.info_request_message == "Please add your card."
    first_submitted_at = application.submitted_at

    with jobs_after_commit():  # the card is rebuilt before anyone can decide on it
        application_resubmit(
            application=application,
            acting_user=applicant,
            displacement_status=DisplacementStatus.ASYLUM_SEEKER,
            case_number="NEW-123",
            note="Card attached.",
            documents=[pdf_upload()],
        )
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED
    assert application.submitted_at > first_submitted_at
    assert application.displacement_status == DisplacementStatus.ASYLUM_SEEKER
    assert case_number_reveal(application) == "NEW-123"
    assert application.case_number_hash == case_number_hash("new 123")
    assert application.documents.count() == 1

    application_decide(application=application, decision=Decision.APPROVE, acting_user=reviewer)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.APPROVED
    assert actions_for(application) == [
        "application.submitted",
        "application.request_info",
        "application.resubmitted",
        "application.approve",
    ]


@pytest.mark.django_db
def test_resubmit_without_new_case_number_keeps_the_old_one(applicant, reviewer, partner):
    application = submit(applicant, partner)
    application_decide(
        application=application, decision=Decision.REQUEST_INFO, acting_user=reviewer, message="?"
    )
    application_resubmit(
        application=application,
        acting_user=applicant,
        displacement_status=DisplacementStatus.REFUGEE,
        case_number=None,
        note="",
    )
    application.refresh_from_db()
    assert case_number_reveal(application) == CASE_NUMBER


@pytest.mark.django_db
@pytest.mark.parametrize(
    "status",
    [
        ApplicationStatus.SUBMITTED,
        ApplicationStatus.APPROVED,
        ApplicationStatus.REJECTED,
        ApplicationStatus.WITHDRAWN,
        ApplicationStatus.EXPIRED,
    ],
)
def test_resubmit_is_only_for_an_information_request(partner, status):
    application = at_status(partner, status)
    with pytest.raises(TransitionNotAllowed):
        application_resubmit(
            application=application,
            acting_user=application.learner,
            displacement_status=DisplacementStatus.REFUGEE,
            case_number=None,
            note="",
        )
    application.refresh_from_db()
    assert application.status == status


@pytest.mark.django_db
def test_nobody_but_the_learner_can_resubmit(partner, reviewer, learner):
    application = at_status(partner, ApplicationStatus.INFO_REQUESTED)
    for someone in (learner, reviewer):
        with pytest.raises(TransitionNotAllowed):
            application_resubmit(
                application=application,
                acting_user=someone,
                displacement_status=DisplacementStatus.REFUGEE,
                case_number=None,
                note="",
            )
    application.refresh_from_db()
    assert application.status == ApplicationStatus.INFO_REQUESTED


# --- withdraw -----------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("status", [ApplicationStatus.SUBMITTED, ApplicationStatus.INFO_REQUESTED])
def test_learner_can_withdraw_an_open_application(partner, status):
    application = at_status(partner, status)
    application_withdraw(application=application, acting_user=application.learner)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.WITHDRAWN
    assert actions_for(application) == ["application.withdrawn"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "status",
    [
        ApplicationStatus.APPROVED,
        ApplicationStatus.REJECTED,
        ApplicationStatus.WITHDRAWN,
        ApplicationStatus.EXPIRED,
    ],
)
def test_a_closed_or_approved_application_cannot_be_withdrawn(partner, status):
    application = at_status(partner, status)
    with pytest.raises(TransitionNotAllowed):
        application_withdraw(application=application, acting_user=application.learner)
    application.refresh_from_db()
    assert application.status == status


@pytest.mark.django_db
def test_nobody_but_the_learner_can_withdraw(partner, reviewer, learner):
    application = at_status(partner, ApplicationStatus.SUBMITTED)
    for someone in (learner, reviewer):
        with pytest.raises(TransitionNotAllowed):
            application_withdraw(application=application, acting_user=someone)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED


# --- expire -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_expire_moves_an_approval_past_its_date_once(partner):
    application = ApplicationFactory(
        partner=partner,
        status=ApplicationStatus.APPROVED,
        verified_until=timezone.localdate() - timedelta(days=1),
    )
    assert application_expire(application=application) is True
    assert application_expire(application=application) is False
    application.refresh_from_db()
    assert application.status == ApplicationStatus.EXPIRED
    assert not learner_is_verified(application.learner)
    assert actions_for(application) == ["application.expired"]


@pytest.mark.django_db
def test_expire_leaves_a_current_approval_alone(partner):
    application = ApplicationFactory(
        partner=partner,
        status=ApplicationStatus.APPROVED,
        verified_until=timezone.localdate(),
    )
    assert application_expire(application=application) is False
    application.refresh_from_db()
    assert application.status == ApplicationStatus.APPROVED
    assert learner_is_verified(application.learner)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "status",
    [
        ApplicationStatus.SUBMITTED,
        ApplicationStatus.INFO_REQUESTED,
        ApplicationStatus.REJECTED,
        ApplicationStatus.WITHDRAWN,
    ],
)
def test_expire_ignores_applications_that_are_not_approved(partner, status):
    application = at_status(partner, status)
    assert application_expire(application=application) is False
    application.refresh_from_db()
    assert application.status == status


# --- notifications ------------------------------------------------------------------------------


@pytest.fixture
def render_languages(monkeypatch):
    """The language active each time an e-mail template is rendered."""
    seen: list[str] = []
    real = portal.notify.render_to_string

    def spy(template, context=None, *args, **kwargs):
        seen.append(translation.get_language())
        return real(template, context, *args, **kwargs)

    monkeypatch.setattr(portal.notify, "render_to_string", spy)
    return seen


DECISIONS = [
    (Decision.APPROVE, {"note": "Secret note: saw card 445"}),
    (Decision.REQUEST_INFO, {"message": "Secret message: send card 445"}),
    (Decision.REJECT, {"reason": RejectionReason.CANNOT_CONFIRM, "note": "Secret note: fake"}),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("decision", "details"), DECISIONS)
def test_each_decision_sends_one_email_after_commit_in_the_learners_language(
    applicant,
    reviewer,
    partner,
    decision,
    details,
    render_languages,
    django_capture_on_commit_callbacks,
):
    applicant.language = "ar"
    applicant.save()
    application = submit(applicant, partner, note="Learner note: Zarqa")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        application_decide(
            application=application, decision=decision, acting_user=reviewer, **details
        )
        assert mail.outbox == []  # nothing leaves before the decision is committed
    # The notice is an outbox row of the decision's transaction: one relay after commit.
    assert len(callbacks) == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [applicant.email]
    assert render_languages and set(render_languages) == {"ar"}
    text = message.subject + message.body
    for secret in (CASE_NUMBER, "445", "Q7731", "Zarqa", "Secret", *details.values()):
        assert secret not in text
    assert "refugee" not in text.lower()
    assert "/learn/" in message.body


@pytest.mark.django_db
@pytest.mark.parametrize(("decision", "details"), DECISIONS)
def test_emails_in_english_name_the_partner_and_hide_the_details(
    applicant, reviewer, partner, decision, details, django_capture_on_commit_callbacks
):
    partner.name = "Aid & Hope's Jordan"
    partner.save()
    application = submit(applicant, partner)
    with django_capture_on_commit_callbacks(execute=True):
        application_decide(
            application=application, decision=decision, acting_user=reviewer, **details
        )
    message = mail.outbox[0]
    # Plain text: the name as written, not HTML-escaped.
    assert "Aid & Hope's Jordan" in message.subject
    assert "Aid & Hope's Jordan" in message.body
    assert str(DisplacementStatus.REFUGEE.label) not in message.body


@pytest.mark.django_db
def test_no_email_is_sent_when_a_decision_is_refused(
    applicant, reviewer, partner, django_capture_on_commit_callbacks
):
    application = submit(applicant, partner)
    application_decide(application=application, decision=Decision.APPROVE, acting_user=reviewer)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(TransitionNotAllowed):
        application_decide(application=application, decision=Decision.APPROVE, acting_user=reviewer)
    assert mail.outbox == []


@pytest.mark.django_db
def test_learner_registered_without_email_gets_no_message(
    partner, reviewer, settings, django_capture_on_commit_callbacks
):
    no_email = LearnerFactory(email=f"abc123@{settings.NO_EMAIL_DOMAIN}")
    application = submit(no_email, partner)
    with django_capture_on_commit_callbacks(execute=True):
        application_decide(application=application, decision=Decision.APPROVE, acting_user=reviewer)
    assert mail.outbox == []


# --- nothing personal in the logs ---------------------------------------------------------------


@pytest.mark.django_db
def test_case_number_never_appears_in_logs_or_output(
    client, applicant, reviewer, partner, caplog, capfd, django_capture_on_commit_callbacks
):
    planted = "ZX-PLANTED-90817"
    caplog.set_level(logging.DEBUG)
    for name in ("django", "django.db.backends", "django.request", "celery", "partners", "portal"):
        caplog.set_level(logging.DEBUG, logger=name)
    connection.force_debug_cursor = True  # SQL and its parameters are logged, as with DEBUG
    try:
        with django_capture_on_commit_callbacks(execute=True):
            application = submit(applicant, partner, case_number=planted, note="")
        client.force_login(reviewer)
        queue_url = f"/staff/{partner.slug}/applications/"
        for typed in (planted, planted.lower().replace("-", " ")):
            response = client.post(queue_url, {"q": typed, "status": "all"})
            assert response.status_code == 200
            assert f"/applications/{application.pk}/" in response.content.decode()
        detail = client.get(f"/staff/{partner.slug}/applications/{application.pk}/")
        assert planted in detail.content.decode()  # shown to the reviewer, and only there
        with django_capture_on_commit_callbacks(execute=True):
            decided = client.post(
                f"/staff/{partner.slug}/applications/{application.pk}/decide/",
                {"decision": Decision.APPROVE, "note": ""},
            )
        assert decided.status_code == 302
    finally:
        connection.force_debug_cursor = False
    sql_logged = [r for r in caplog.records if r.name == "django.db.backends"]
    assert sql_logged, "SQL logging was not switched on, so the test proves nothing"
    for record in caplog.records:
        text = (record.getMessage() + str(record.args or "")).lower()
        assert "planted" not in text, f"{record.name}: {text[:300]}"
    captured = capfd.readouterr()
    assert "planted" not in captured.out.lower()
    assert "planted" not in captured.err.lower()
    for message in mail.outbox:
        assert "planted" not in (message.subject + message.body).lower()
    for event in AuditEvent.objects.all():
        assert "planted" not in str(event.data).lower()
