"""The outbox (portal/outbox.py, docs/decisions/0021-outbox.md): a message is a row written in
the caller's transaction, sent once after commit, retried with backoff, failed with a reason
staff can read, purged on schedule, and nobody reads its content in the admin."""

import smtplib
import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.core.mail import EmailMessage
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone

from portal.crypto import decrypt_text, encrypt_text
from portal.data_rights import account_erase, messages_export
from portal.emails import email_send
from portal.models import OutboxMessage
from portal.outbox import (
    _classify,
    email_mask,
    outbox_content,
    outbox_due_ids,
    outbox_purge,
    outbox_relay,
    outbox_sweep,
    retry_delay,
)
from portal.sms import SMSGatewayUnavailable, SMSRejected, sms_send
from tests.services import require_postgres

from .conftest import give_totp
from .factories import LearnerFactory, ProgrammeAdminFactory
from .fake_sms_gateway import FakeSMSGateway

PHONE = "+962791234567"
Status = OutboxMessage.Status


@pytest.fixture
def postgres():
    require_postgres()


@pytest.fixture
def gateway(settings):
    server = FakeSMSGateway().start()
    settings.SMS_BACKEND = "portal.sms.HttpGatewayBackend"
    settings.SMS_GATEWAY_URL = server.url
    settings.SMS_GATEWAY_TOKEN = "t"
    yield server
    server.stop()


def _email(subject="Hello", to="amal@example.org") -> EmailMessage:
    return EmailMessage(subject, "body text", to=[to])


def _make_due(message: OutboxMessage) -> None:
    OutboxMessage.objects.filter(pk=message.pk).update(
        next_attempt_at=timezone.now() - timedelta(seconds=1)
    )


# --- written with the event -----------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_transaction_leaves_no_row_and_sends_nothing(gateway):
    with pytest.raises(RuntimeError), transaction.atomic():
        email_send(_email())
        sms_send(to=PHONE, message="Your code: 111111.")
        assert OutboxMessage.objects.count() == 2  # written in the caller's transaction
        raise RuntimeError
    assert OutboxMessage.objects.count() == 0
    assert mail.outbox == [] and gateway.received == []


@pytest.mark.django_db(transaction=True)
def test_a_committed_message_is_sent_once_right_after_commit_with_a_stable_message_id():
    learner = LearnerFactory()
    with transaction.atomic():
        email_send(_email(), key="welcome-1", user=learner, kind="account.welcome")
        assert mail.outbox == []
    (sent,) = mail.outbox
    row = OutboxMessage.objects.get()
    assert (row.status, row.attempts, row.kind, row.user_id) == (
        Status.SENT,
        1,
        "account.welcome",
        learner.pk,
    )
    assert row.sent_at is not None and row.locked_until is None
    assert sent.extra_headers["Message-ID"] == f"<{row.delivery_id}@localhost>"
    # Encrypted at rest: neither the address nor the text is in the row as written.
    assert "amal@example.org" not in row.recipient_encrypted + row.content_encrypted
    assert "body text" not in row.content_encrypted
    assert decrypt_text(row.recipient_encrypted) == "amal@example.org"
    assert outbox_content(row)["body"] == "body text"


@pytest.mark.django_db(transaction=True)
def test_the_same_key_twice_is_one_row_and_one_send(gateway):
    for _attempt in range(2):
        with transaction.atomic():
            sms_send(to=PHONE, message="Approved.", key="application-7-approved")
            sms_send(to=PHONE, message="Approved.", key="application-7-approved")
    assert OutboxMessage.objects.count() == 1
    assert len(gateway.received) == 1
    # The same key on another channel is another message (an e-mail and an SMS for one event).
    with transaction.atomic():
        email_send(_email(), key="application-7-approved")
    assert OutboxMessage.objects.count() == 2
    assert len(mail.outbox) == 1


@pytest.mark.django_db(transaction=True)
def test_without_a_key_every_message_is_its_own(gateway):
    sms_send(to=PHONE, message="Your code: 1.")
    sms_send(to=PHONE, message="Your code: 1.")
    keys = set(OutboxMessage.objects.values_list("key", flat=True))
    assert len(keys) == 2 and len(gateway.received) == 2


@pytest.mark.django_db(transaction=True)
def test_the_sms_gateway_gets_the_idempotency_key_in_a_header_and_the_body(gateway):
    sms_send(to=PHONE, message="Hi", key="k-1")
    (received,) = gateway.received
    row = OutboxMessage.objects.get()
    assert received.headers["idempotency-key"] == row.delivery_id == received.json["id"]
    assert "k-1" not in row.delivery_id  # a digest: the caller's key names records


# --- the claim ------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_senders_never_claim_the_same_row(postgres, settings):
    """On PostgreSQL, two threads with their own connections race for the same rows: each row
    is claimed by exactly one of them."""
    from portal import outbox

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with transaction.atomic():
        # Written without their jobs running: the rows wait, as after a lost job.
        rows = [
            OutboxMessage.objects.create(
                channel="email",
                key=f"race-{n}",
                recipient_encrypted="x",
                content_encrypted="x",
            )
            for n in range(40)
        ]
    claims: dict[str, list[int]] = {"a": [], "b": []}
    barrier = threading.Barrier(2)

    def race(name: str) -> None:
        try:
            for row in rows:
                barrier.wait(timeout=10)
                if outbox._claim(row.pk) is not None:
                    claims[name].append(row.pk)
        finally:
            connection.close()

    threads = [threading.Thread(target=race, args=(name,)) for name in claims]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not set(claims["a"]) & set(claims["b"])
    assert sorted(claims["a"] + claims["b"]) == sorted(row.pk for row in rows)
    assert set(OutboxMessage.objects.values_list("status", "attempts")) == {(Status.SENDING, 1)}


@pytest.mark.django_db(transaction=True)
def test_a_row_being_sent_is_not_sent_again_until_its_lease_expires(gateway):
    row = OutboxMessage.objects.create(
        channel="sms",
        key="held",
        recipient_encrypted="x",
        content_encrypted="x",
        status=Status.SENDING,
        attempts=1,
        locked_until=timezone.now() + timedelta(minutes=5),
    )
    assert outbox_relay(message_id=row.pk) is None
    assert row.pk not in outbox_due_ids()
    OutboxMessage.objects.filter(pk=row.pk).update(locked_until=timezone.now())
    assert row.pk in outbox_due_ids()


# --- retries and failures -------------------------------------------------------------------------


def test_the_backoff_doubles_from_one_minute_up_to_the_cap(settings):
    settings.OUTBOX_RETRY_BASE_SECONDS = 60
    settings.OUTBOX_RETRY_MAX_SECONDS = 3600
    minutes = [retry_delay(n).total_seconds() / 60 for n in range(1, 9)]
    assert minutes == [1, 2, 4, 8, 16, 32, 60, 60]


@pytest.mark.django_db(transaction=True)
def test_a_gateway_that_keeps_failing_is_retried_with_backoff_then_failed_with_a_reason(
    gateway, settings
):
    settings.OUTBOX_MAX_ATTEMPTS = 3
    gateway.status = 503
    start = timezone.now()
    sms_send(to=PHONE, message="Approved.", kind="application.approved")
    row = OutboxMessage.objects.get()
    assert (row.status, row.attempts, row.last_error) == (
        Status.PENDING,
        1,
        "SMS gateway answered 503",
    )
    assert row.next_attempt_at >= start + timedelta(seconds=60)
    # Not due yet: the sweep leaves it.
    assert outbox_relay(message_id=row.pk) is None
    _make_due(row)
    assert outbox_relay(message_id=row.pk) == Status.PENDING
    row.refresh_from_db()
    assert row.next_attempt_at >= timezone.now() + timedelta(seconds=110)  # 2 minutes
    _make_due(row)
    assert outbox_relay(message_id=row.pk) == Status.FAILED
    row.refresh_from_db()
    assert row.status == Status.FAILED and row.attempts == 3
    assert row.last_error == "SMS gateway answered 503; gave up after 3 attempts"
    assert len(gateway.received) == 3
    assert len({m.headers["idempotency-key"] for m in gateway.received}) == 1
    _make_due(row)
    assert outbox_relay(message_id=row.pk) is None  # failed is final
    assert PHONE not in row.last_error


@pytest.mark.django_db(transaction=True)
def test_a_refused_message_fails_at_once(gateway):
    gateway.status = 400
    sms_send(to=PHONE, message="x")
    row = OutboxMessage.objects.get()
    assert (row.status, row.attempts) == (Status.FAILED, 1)
    assert row.last_error == "SMS gateway refused the message (400)"
    assert "sent" not in outbox_sweep()
    assert len(gateway.received) == 1


def test_smtp_errors_are_temporary_or_permanent_by_their_code_and_never_quote_the_server():
    refused = smtplib.SMTPRecipientsRefused(
        {"amal@example.org": (550, b"5.1.1 <amal@example.org>: no such user")}
    )
    busy = smtplib.SMTPRecipientsRefused({"amal@example.org": (451, b"try later amal@")})
    cases = {
        refused: (False, "SMTP 550: recipient refused"),
        busy: (True, "SMTP 451: recipient refused"),
        smtplib.SMTPDataError(554, b"spam from amal@example.org"): (
            False,
            "SMTP 554: message refused",
        ),
        smtplib.SMTPDataError(452, b"full"): (True, "SMTP 452: message refused"),
        smtplib.SMTPServerDisconnected("bye"): (True, "mail server closed the connection"),
        ConnectionRefusedError(): (True, "mail server unreachable (ConnectionRefusedError)"),
        TimeoutError(): (True, "mail server unreachable (TimeoutError)"),
        smtplib.SMTPAuthenticationError(535, b"bad"): (True, "SMTP 535: authentication failed"),
    }
    for error, expected in cases.items():
        assert _classify(error) == expected
    try:
        raise SMSRejected("refused") from None
    except SMSRejected as error:
        assert _classify(error) == (False, "SMS refused")
    try:
        raise SMSGatewayUnavailable("x") from ConnectionRefusedError()
    except SMSGatewayUnavailable as error:
        assert _classify(error) == (True, "SMS gateway unreachable (ConnectionRefusedError)")


def test_masks_show_no_more_than_a_letter_and_the_top_level_domain():
    assert email_mask("amina.k@example.org") == "a***@***.org"
    assert email_mask("Amina <amina@mail.example.jo>") == "a***@***.jo"
    assert email_mask("nonsense") == "***"


# --- the sweep and the purge ----------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_sweep_sends_what_lost_its_job_but_leaves_fresh_rows_to_their_own(settings):
    settings.OUTBOX_SWEEP_AFTER_SECONDS = 60
    with transaction.atomic():
        fresh = OutboxMessage.objects.create(
            channel="email", key="fresh", recipient_encrypted="x", content_encrypted="x"
        )
    # The job of this one was lost (Redis down): it was written two minutes ago.
    email_send(_email(subject="Lost job"), key="lost")
    lost = OutboxMessage.objects.get(key="lost")
    mail.outbox.clear()
    OutboxMessage.objects.filter(pk=lost.pk).update(
        status=Status.PENDING,
        attempts=0,
        sent_at=None,
        next_attempt_at=timezone.now() - timedelta(minutes=2),
    )
    assert outbox_due_ids() == [lost.pk]
    assert outbox_sweep() == {"failed_lost": 0, "sent": 1}
    assert [m.subject for m in mail.outbox] == ["Lost job"]
    assert OutboxMessage.objects.get(pk=fresh.pk).status == Status.PENDING


@pytest.mark.django_db(transaction=True)
def test_a_sender_lost_during_the_last_attempt_ends_failed(settings):
    settings.OUTBOX_MAX_ATTEMPTS = 2
    row = OutboxMessage.objects.create(
        channel="sms",
        key="lost-sender",
        recipient_encrypted="x",
        content_encrypted="x",
        status=Status.SENDING,
        attempts=2,
        locked_until=timezone.now() - timedelta(seconds=1),
    )
    outbox_sweep()
    row.refresh_from_db()
    assert row.status == Status.FAILED
    assert "not known to be sent" in row.last_error


@pytest.mark.django_db
def test_the_purge_deletes_old_sent_and_older_failed_rows(settings):
    settings.OUTBOX_KEEP_SENT_DAYS = 30
    settings.OUTBOX_KEEP_FAILED_DAYS = 90
    now = timezone.now()

    def row(key, status, days):
        return OutboxMessage.objects.create(
            channel="email",
            key=key,
            recipient_encrypted="x",
            content_encrypted="x",
            status=status,
            created_at=now - timedelta(days=days),
        )

    kept = [
        row("sent-new", Status.SENT, 29),
        row("failed-60", Status.FAILED, 60),
        row("pending-old", Status.PENDING, 100),
    ]
    row("sent-old", Status.SENT, 31)
    row("failed-old", Status.FAILED, 91)
    assert outbox_purge() == 2
    assert set(OutboxMessage.objects.values_list("pk", flat=True)) == {r.pk for r in kept}
    assert outbox_purge() == 0


def test_the_sweep_and_the_purge_are_scheduled(settings):
    schedule = settings.CELERY_BEAT_SCHEDULE
    assert schedule["outbox-sweep"]["task"] == "portal.tasks.outbox_sweep_task"
    assert schedule["outbox-sweep"]["schedule"] == timedelta(minutes=1)
    assert schedule["outbox-purge"]["task"] == "portal.tasks.outbox_purge_task"
    assert schedule["outbox-purge"]["schedule"] == timedelta(days=1)


# --- what staff see, and the learner's rights -----------------------------------------------------


@pytest.mark.django_db
def test_the_admin_shows_failures_with_a_masked_recipient_and_never_the_content():
    learner = LearnerFactory(phone=PHONE)
    text = "Amina Secretname, your code is 424242"
    row = OutboxMessage.objects.create(
        channel="sms",
        key="admin-view",
        kind="account.code",
        user=learner,
        recipient_encrypted=encrypt_text(PHONE),
        content_encrypted="never-read",
        status=Status.FAILED,
        attempts=8,
        last_error="SMS gateway answered 503; gave up after 8 attempts",
    )
    admin = ProgrammeAdminFactory()
    give_totp(admin)
    client = Client()
    client.force_login(admin)
    listing = client.get("/admin/portal/outboxmessage/?status__exact=failed")
    detail = client.get(f"/admin/portal/outboxmessage/{row.pk}/change/")
    for page in (listing, detail):
        assert page.status_code == 200
        body = page.content.decode()
        assert "+962*******67" in body
        assert "SMS gateway answered 503; gave up after 8 attempts" in body
        assert "account.code" in body
        for secret in (PHONE, text, "424242", learner.email):
            assert secret not in body
    # Read-only: nobody adds, changes or deletes a message by hand.
    assert client.get("/admin/portal/outboxmessage/add/").status_code == 403
    assert client.post(f"/admin/portal/outboxmessage/{row.pk}/delete/").status_code == 403


@pytest.mark.django_db(transaction=True)
def test_the_learners_export_lists_their_messages_and_erasure_deletes_them(gateway):
    learner = LearnerFactory(phone=PHONE)
    other = LearnerFactory()
    sms_send(to=PHONE, message="Approved.", user=learner, kind="application.approved")
    email_send(_email(to=other.email), user=other, kind="application.approved")
    (exported,) = messages_export(learner)
    assert exported["kind"] == "application.approved"
    assert (exported["channel"], exported["status"]) == ("sms", "sent")
    assert exported["sent_at"] and set(exported) == {
        "kind",
        "channel",
        "status",
        "created_at",
        "sent_at",
    }
    from learners.services.data_rights import learner_data_collect

    assert learner_data_collect(learner)["messages"] == [exported]
    with transaction.atomic():
        account_erase(user=learner)
    assert not OutboxMessage.objects.filter(user=learner).exists()
    assert OutboxMessage.objects.filter(user=other).count() == 1


@pytest.mark.django_db(transaction=True)
def test_jobs_of_the_version_before_the_outbox_are_written_to_it_once(gateway):
    """email_send_task / sms_send_task jobs still queued at a deployment: the job id is the key,
    so a redelivered job is the same message."""
    from portal.emails import email_to_payload
    from portal.tasks import email_send_task, sms_send_task

    email_send_task.apply(args=[email_to_payload(_email(subject="Old job"))], task_id="job-a")
    email_send_task.apply(args=[email_to_payload(_email(subject="Old job"))], task_id="job-a")
    sms_send_task.apply(args=[PHONE, "Your code: 222222."], task_id="job-b")
    assert [m.subject for m in mail.outbox] == ["Old job"]
    assert gateway.last_code(PHONE) == "222222"
    assert set(OutboxMessage.objects.values_list("key", "status")) == {
        ("job-job-a", Status.SENT),
        ("job-job-b", Status.SENT),
    }


@pytest.mark.django_db(transaction=True)
def test_a_users_notice_is_an_outbox_row_of_its_kind_for_their_account():
    from portal.notify import user_email_send

    learner = LearnerFactory(email="amal@example.org")
    with transaction.atomic():
        assert user_email_send(
            user=learner,
            template="partners/email/application_approved",
            context={"application": None, "partner": None},
        )
        assert mail.outbox == []
    row = OutboxMessage.objects.get()
    assert (row.kind, row.user_id, row.status) == (
        "partners.application_approved",
        learner.pk,
        Status.SENT,
    )
    assert mail.outbox[0].to == ["amal@example.org"]
