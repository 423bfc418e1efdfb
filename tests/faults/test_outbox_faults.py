"""The outbox under faults (docs/decisions/0021-outbox.md), with real Redis, a real worker, a
real SMS gateway and a real SMTP server on 127.0.0.1:

- Redis down for the whole event: every message is written, none is lost; once Redis is back
  the sweep delivers each exactly once.
- The worker SIGKILLed while the gateway holds its answer: sent again with the same
  idempotency key after the lease, delivered once, the row ends sent.
- SMTP answering 451 then 250 (retried, then sent), 550 (failed at once), the SMS gateway
  answering 503 for ever (retried with backoff, then failed): staff read the reason in the admin.

Each test prints a FIGURES line (messages, deliveries, retries, seconds) for the closing note.
"""

import email
import itertools
import time
from collections import Counter
from pathlib import Path

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse

from partners.models import StaffRole
from partners.services.staff import staff_invitation_create
from portal.models import OutboxMessage
from portal.notify import ACCOUNT_NOTICE_REGISTERED, account_notice_queue
from portal.sms import sms_send
from portal.tasks import outbox_sweep_task
from tests.credentials.conftest import staff_of
from tests.partners.factories import PartnerFactory
from tests.portal.conftest import give_totp
from tests.portal.factories import LearnerFactory, ProgrammeAdminFactory

from .messaging import DedupingSMSGateway, ScriptedSMTPServer
from .processes import wait_until

pytestmark = pytest.mark.worker

Status = OutboxMessage.Status
PASSWORD = "river-lantern-orchard-7"
SEPARATOR = "-" * 79


@pytest.fixture
def gateway(settings):
    server = DedupingSMSGateway().start()
    settings.SMS_BACKEND = "portal.sms.HttpGatewayBackend"
    settings.SMS_GATEWAY_URL = server.url
    settings.SMS_GATEWAY_TOKEN = "t"
    yield server
    server.stop()


def _gateway_env(gateway) -> dict:
    return {
        "SMS_BACKEND": "portal.sms.HttpGatewayBackend",
        "SMS_GATEWAY_URL": gateway.url,
        "SMS_GATEWAY_TOKEN": "t",
    }


def _file_emails(folder: Path) -> list[email.message.Message]:
    """The e-mails the worker's file backend wrote (one file per connection, messages ended by
    a line of 79 dashes)."""
    found = []
    for path in sorted(folder.iterdir()):
        for chunk in path.read_text().split(SEPARATOR):
            if chunk.strip():
                found.append(email.message_from_string(chunk.strip()))
    return found


def _sweep_until(condition, *, seconds: float, message: str, every: float = 1.0) -> int:
    """Do what celery beat does every minute, faster: send the sweep job to the worker until
    `condition` holds. Returns how many sweeps were sent."""
    sweeps = 0
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {seconds} s waiting for {message}")
        outbox_sweep_task.delay()
        sweeps += 1
        time.sleep(every)
    return sweeps


def _statuses() -> Counter:
    return Counter(OutboxMessage.objects.values_list("status", flat=True))


# --- (a) Redis down for the whole event -----------------------------------------------------------

SIGN_UPS = 25
INVITATIONS = 25
NOTICES = 25
KEYED_SMS = 25


def test_messages_written_while_redis_is_down_are_each_delivered_once_when_it_is_back(
    redis_server, workers, gateway, settings, tmp_path, caplog
):
    # Sign-up codes need the rate-limit cache: here only the broker is down (a deployment with
    # the cache elsewhere); the other events need no cache at all.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    partner = PartnerFactory()
    coordinator = staff_of(partner, StaffRole.COORDINATOR)
    phone_owners = [
        LearnerFactory(phone=f"+9627912351{n:02d}", phone_verified=True) for n in range(NOTICES)
    ]
    keyed = [LearnerFactory(phone=f"+9627912352{n:02d}") for n in range(KEYED_SMS)]
    redis_server.stop()
    started = time.monotonic()

    with caplog.at_level("WARNING", logger="config.celery"):
        # 1. Phone sign-ups: the verification code by SMS (allauth's flow, real requests).
        # Each from its own address: at most 3 codes a minute leave for one IP address.
        for n in range(SIGN_UPS):
            response = Client(REMOTE_ADDR=f"198.51.100.{n + 1}").post(
                reverse("account_signup"),
                {
                    "phone": f"+9627912350{n:02d}",
                    "email": "",
                    "password1": PASSWORD,
                    "password2": PASSWORD,
                },
            )
            assert response.status_code == 302, response.content[:300]
        # 2. Staff invitations by e-mail (a coordinator's page; the service it calls).
        for n in range(INVITATIONS):
            staff_invitation_create(
                partner=partner,
                email=f"new-colleague-{n}@example.org",
                role=StaffRole.REVIEWER,
                acting_user=coordinator,
            )
        # 3. "You already have an account" notices by SMS (an in-person registration of a
        # number that has an account), in the staff request's transaction.
        for owner in phone_owners:
            with transaction.atomic():
                account_notice_queue(
                    user_id=owner.pk,
                    channel="sms",
                    reason=ACCOUNT_NOTICE_REGISTERED,
                    partner_name=partner.name,
                    partner_id=partner.pk,
                    actor_id=coordinator.pk,
                )
        # 4. Messages with the sender's own key, each queued twice (a retried request).
        for learner in keyed:
            for _again in range(2):
                with transaction.atomic():
                    sms_send(
                        to=learner.phone,
                        message="Your application was approved.",
                        key=f"application-{learner.pk}-approved",
                        user=learner,
                        kind="application.approved",
                    )
    written_in = time.monotonic() - started

    sms_expected = SIGN_UPS + NOTICES + KEYED_SMS
    expected = sms_expected + INVITATIONS
    assert OutboxMessage.objects.count() == expected
    assert _statuses() == {Status.PENDING: expected}
    assert gateway.requests_copy() == []
    dropped = [r for r in caplog.records if "outbox_relay_task" in r.getMessage()]
    assert len(dropped) == expected  # each job was logged and dropped, the row stayed
    assert all("@" not in r.getMessage() and "+962" not in r.getMessage() for r in caplog.records)

    # Redis is back; a worker; the sweep (every minute in production) finds every row.
    redis_server.start()
    outbox = tmp_path / "mail"
    outbox.mkdir()
    back = time.monotonic()
    workers(
        EMAIL_URL=f"filemail:///{outbox}", OUTBOX_SWEEP_AFTER_SECONDS=0, **_gateway_env(gateway)
    ).start()
    sweeps = _sweep_until(
        lambda: _statuses() == {Status.SENT: expected},
        seconds=180,
        message=f"all {expected} messages to be sent",
    )
    delivered_in = time.monotonic() - back
    # More sweeps find nothing to send again.
    for _extra in range(2):
        outbox_sweep_task.delay()
    time.sleep(3)

    requests = gateway.requests_copy()
    assert gateway.deliveries == sms_expected
    assert len(requests) == sms_expected  # not one SMS sent twice
    per_number = Counter(r.to for r in requests)
    assert set(per_number.values()) == {1}
    assert {r.key for r in requests} == {
        m.delivery_id for m in OutboxMessage.objects.filter(channel="sms")
    }
    emails = _file_emails(outbox)
    assert len(emails) == INVITATIONS
    assert len({m["Message-ID"] for m in emails}) == INVITATIONS
    assert sorted(m["To"] for m in emails) == sorted(
        f"new-colleague-{n}@example.org" for n in range(INVITATIONS)
    )
    assert set(OutboxMessage.objects.values_list("attempts", flat=True)) == {1}
    print(
        f"\nFIGURES redis-down: messages={expected} (sms={sms_expected}, email={INVITATIONS}; "
        f"{KEYED_SMS} queued twice by key), jobs dropped={len(dropped)}, "
        f"gateway requests={len(requests)}, sms deliveries={gateway.deliveries}, "
        f"e-mails written={len(emails)}, attempts per message=1, sweeps sent={sweeps}, "
        f"written in {written_in:.1f} s with Redis down, all delivered {delivered_in:.1f} s "
        "after Redis came back (worker start included)"
    )


# --- (b) the worker killed mid-send ---------------------------------------------------------------


def test_a_worker_killed_while_the_gateway_holds_its_answer_delivers_once(
    redis_server, workers, gateway
):
    learner = LearnerFactory(phone="+962791235300")
    gateway.hold()  # the gateway delivers, then keeps its answer
    first = workers(
        OUTBOX_LEASE_SECONDS=3, SMS_GATEWAY_TIMEOUT_SECONDS=300, **_gateway_env(gateway)
    ).start()
    started = time.monotonic()
    with transaction.atomic():
        sms_send(
            to=learner.phone,
            message="Your access code: ABCD-1234",
            key="enrolment-1-active",
            user=learner,
            kind="enrolment.active",
        )
    wait_until(
        lambda: len(gateway.requests_copy()) == 1,
        message=f"the worker to call the gateway\n{first.log_tail()}",
    )
    first.kill()
    gateway.release()
    row = OutboxMessage.objects.get()
    assert (row.status, row.attempts) == (Status.SENDING, 1)  # the sender died holding it

    # A new worker: Redis hands back the unacknowledged job (short visibility timeout), and
    # the sweep finds the row once its lease has expired; whichever comes first sends it.
    second = workers(
        OUTBOX_LEASE_SECONDS=3,
        OUTBOX_SWEEP_AFTER_SECONDS=0,
        CELERY_BROKER_VISIBILITY_TIMEOUT=2,
        **_gateway_env(gateway),
    ).start()

    def sent() -> bool:
        row.refresh_from_db()
        return row.status == Status.SENT

    sweeps = _sweep_until(sent, seconds=90, message=f"the row to be sent\n{second.log_tail()}")
    elapsed = time.monotonic() - started
    time.sleep(3)  # anything else still queued finds it sent
    requests = gateway.requests_copy()
    assert len(requests) == 2
    assert {r.key for r in requests} == {row.delivery_id}  # the same key both times
    assert gateway.deliveries == 1
    row.refresh_from_db()
    assert (row.status, row.attempts) == (Status.SENT, 2)
    print(
        f"\nFIGURES worker-killed: messages=1, gateway requests={len(requests)} (same key), "
        f"distinct deliveries={gateway.deliveries}, attempts={row.attempts}, "
        f"sweeps sent={sweeps}, sent {elapsed:.1f} s after it was queued (lease 3 s)"
    )


# --- (c) SMTP and the gateway failing -------------------------------------------------------------


@pytest.fixture
def smtp_server():
    server = ScriptedSMTPServer().start()
    yield server
    server.stop()


def _fast_retries(**env) -> dict:
    return {
        "OUTBOX_SWEEP_AFTER_SECONDS": 0,
        "OUTBOX_RETRY_BASE_SECONDS": 1,
        "OUTBOX_RETRY_MAX_SECONDS": 4,
        **env,
    }


def _admin_page(row: OutboxMessage) -> str:
    admin = ProgrammeAdminFactory()
    give_totp(admin)
    client = Client()
    client.force_login(admin)
    listing = client.get("/admin/portal/outboxmessage/?status__exact=failed")
    detail = client.get(f"/admin/portal/outboxmessage/{row.pk}/change/")
    assert listing.status_code == detail.status_code == 200
    return listing.content.decode() + detail.content.decode()


def test_smtp_answering_451_is_retried_with_backoff_then_sent(redis_server, workers, smtp_server):
    from django.core.mail import EmailMessage

    from portal.emails import email_send

    smtp_server.rcpt_plan = [451, 451]
    workers(
        **_fast_retries(EMAIL_URL=f"smtp://127.0.0.1:{smtp_server.port}", OUTBOX_MAX_ATTEMPTS=5)
    ).start()
    started = time.monotonic()
    with transaction.atomic():
        email_send(
            EmailMessage("Your report", "Figures attached.", to=["coordinator@hope.example"]),
            key="report-2026-11",
            kind="report.partner",
        )
    row = OutboxMessage.objects.get()

    def settled() -> bool:
        row.refresh_from_db()
        return row.status in (Status.SENT, Status.FAILED)

    sweeps = _sweep_until(settled, seconds=60, message="the e-mail to be sent")
    elapsed = time.monotonic() - started
    assert row.status == Status.SENT
    assert row.attempts == 3
    assert smtp_server.log.rcpt_answers == [451, 451, 250]
    (accepted,) = smtp_server.log.accepted
    assert accepted["Subject"] == "Your report"
    assert accepted["Message-ID"] == f"<{row.delivery_id}@localhost>"
    assert row.last_error == "SMTP 451: recipient refused"  # what delayed it
    print(
        f"\nFIGURES smtp-451: messages=1, SMTP answers={smtp_server.log.rcpt_answers}, "
        f"accepted={len(smtp_server.log.accepted)}, attempts={row.attempts}, sweeps={sweeps}, "
        f"sent after {elapsed:.1f} s (backoff 1 s, 2 s)"
    )


def test_smtp_answering_550_fails_at_once_with_a_reason_staff_can_read(
    redis_server, workers, smtp_server
):
    from django.core.mail import EmailMessage

    from portal.emails import email_send

    smtp_server.rcpt_default = 550
    workers(**_fast_retries(EMAIL_URL=f"smtp://127.0.0.1:{smtp_server.port}")).start()
    with transaction.atomic():
        email_send(
            EmailMessage("Invitation", "Join us.", to=["gone@example.org"]),
            kind="staff.invitation",
        )
    row = OutboxMessage.objects.get()

    def settled() -> bool:
        row.refresh_from_db()
        return row.status in (Status.SENT, Status.FAILED)

    wait_until(settled, seconds=60, message="the e-mail to settle")
    time.sleep(2)
    outbox_sweep_task.delay()
    time.sleep(2)
    row.refresh_from_db()
    assert (row.status, row.attempts) == (Status.FAILED, 1)
    assert row.last_error == "SMTP 550: recipient refused"
    assert smtp_server.log.rcpt_answers == [550]  # never tried again
    assert smtp_server.log.accepted == []
    page = _admin_page(row)
    assert "SMTP 550: recipient refused" in page
    assert "g***@***.org" in page and "gone@example.org" not in page
    assert "Join us." not in page
    print(
        "\nFIGURES smtp-550: messages=1, SMTP answers=[550], attempts=1, status=failed, "
        f"reason={row.last_error!r}"
    )


def test_a_gateway_answering_503_for_ever_is_retried_with_backoff_then_failed(
    redis_server, workers, gateway
):
    gateway.status = 503
    learner = LearnerFactory(phone="+962791235400")
    workers(**_fast_retries(OUTBOX_MAX_ATTEMPTS=4, **_gateway_env(gateway))).start()
    started = time.monotonic()
    with transaction.atomic():
        sms_send(
            to=learner.phone,
            message="Your application was approved.",
            key=f"application-{learner.pk}-approved",
            user=learner,
            kind="application.approved",
        )
    row = OutboxMessage.objects.get()

    def settled() -> bool:
        row.refresh_from_db()
        return row.status in (Status.SENT, Status.FAILED)

    sweeps = _sweep_until(settled, seconds=90, message="the SMS to fail", every=0.5)
    elapsed = time.monotonic() - started
    assert row.status == Status.FAILED and row.attempts == 4
    assert row.last_error == "SMS gateway answered 503; gave up after 4 attempts"
    requests = gateway.requests_copy()
    assert len(requests) == 4 and {r.key for r in requests} == {row.delivery_id}
    gaps = [later.at - earlier.at for earlier, later in itertools.pairwise(requests)]
    # 1, 2, 4 seconds between the attempts (plus up to a sweep's interval each).
    for gap, wait in zip(gaps, (1, 2, 4), strict=True):
        assert wait <= gap < wait + 3, gaps
    assert gateway.deliveries == 0
    page = _admin_page(row)
    assert "SMS gateway answered 503; gave up after 4 attempts" in page
    assert "+962*******00" in page and learner.phone not in page
    assert "application.approved" in page and "Your application was approved." not in page
    print(
        f"\nFIGURES sms-503: messages=1, gateway requests={len(requests)}, "
        f"gaps between attempts={[round(g, 1) for g in gaps]} s, status=failed, "
        f"reason={row.last_error!r}, sweeps={sweeps}, settled after {elapsed:.1f} s"
    )
