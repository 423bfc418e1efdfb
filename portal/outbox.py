"""The notifications outbox: every e-mail and SMS is a row, written in the transaction of the
event that causes it, and sent once by the relay (docs/decisions/0021-outbox.md).

- `outbox_message_add` writes the row (recipient and content encrypted) in the caller's
  transaction; the same (channel, key) twice is one row. After commit, a job relays it.
- `outbox_relay` sends one row: it claims it with a conditional UPDATE (due and not held by
  another sender → "sending", a lease, one more attempt), sends it through the configured
  e-mail or SMS backend with the message's delivery id (the SMS gateway's `Idempotency-Key`, the
  e-mail's `Message-ID`), and records the outcome: sent; pending again with a backoff after a
  temporary error; failed (with a short reason, never an address) after a permanent one or too
  many attempts.
- `outbox_sweep` (every minute) relays what no job did: rows whose job was lost with Redis,
  whose sender died (lease expired), whose retry is due. `outbox_purge` (daily) deletes old rows.
"""

import json
import logging
import secrets
import smtplib
import time
import zlib
from datetime import timedelta
from email.utils import parseaddr

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from .crypto import decrypt_bytes, decrypt_text, encrypt_bytes, encrypt_text
from .emails import email_from_payload
from .models import OutboxMessage
from .sms import SMSGatewayUnavailable, SMSRejected, phone_mask, sms_backend

logger = logging.getLogger(__name__)

Status = OutboxMessage.Status
Channel = OutboxMessage.Channel

# --- writing -------------------------------------------------------------------------------------


def _content_seal(content: dict) -> str:
    # Compressed before encryption: e-mail bodies shrink to a third, and this table is large.
    raw = zlib.compress(json.dumps(content, ensure_ascii=False).encode("utf-8"))
    return encrypt_bytes(raw).decode("ascii")


def outbox_content(message: OutboxMessage) -> dict:
    return json.loads(zlib.decompress(decrypt_bytes(message.content_encrypted.encode("ascii"))))


def outbox_recipient(message: OutboxMessage) -> str:
    return decrypt_text(message.recipient_encrypted)


def outbox_message_add(
    *,
    channel: str,
    recipient: str,
    content: dict,
    key: str | None = None,
    user=None,
    kind: str = "",
) -> OutboxMessage:
    """Write one message in the current transaction and relay it after commit. With a `key`
    already used on this channel, nothing new is written (nor sent): the first row is returned.
    """
    from .tasks import outbox_relay_task

    fields = {
        "user_id": getattr(user, "pk", user),
        "kind": (kind or "")[:64],
        "recipient_encrypted": encrypt_text(recipient),
        "content_encrypted": _content_seal(content),
    }
    if key is None:
        message = OutboxMessage.objects.create(
            channel=channel, key=f"random-{secrets.token_hex(16)}", **fields
        )
        created = True
    else:
        message, created = OutboxMessage.objects.get_or_create(
            channel=channel, key=key[:128], defaults=fields
        )
    if created:
        outbox_relay_task.delay_on_commit(message.pk)
    return message


# --- sending -------------------------------------------------------------------------------------


class TemporaryError(Exception):
    """Worth trying again later."""


class PermanentError(Exception):
    """Trying again will not help."""


def _smtp_code_reason(code: int | str, what: str) -> str:
    return f"SMTP {code}: {what}"


def _classify(error: Exception) -> tuple[bool, str]:
    """(temporary?, a short reason). Never the server's words, which may quote the address."""
    if isinstance(error, SMSRejected):
        code = getattr(error.__cause__, "code", None)
        return False, f"SMS gateway refused the message ({code})" if code else "SMS refused"
    if isinstance(error, SMSGatewayUnavailable):
        code = getattr(error.__cause__, "code", None)
        if code:
            return True, f"SMS gateway answered {code}"
        cause = type(error.__cause__).__name__ if error.__cause__ else "no answer"
        return True, f"SMS gateway unreachable ({cause})"
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = sorted({code for code, _text in error.recipients.values()})
        permanent = bool(codes) and all(500 <= code < 600 for code in codes)
        shown = "/".join(str(code) for code in codes) or "?"
        return (not permanent), _smtp_code_reason(shown, "recipient refused")
    if isinstance(error, smtplib.SMTPAuthenticationError):
        # The portal's own credentials: an operator fixes them, the message can wait.
        return True, _smtp_code_reason(error.smtp_code, "authentication failed")
    if isinstance(error, smtplib.SMTPResponseException):
        code = error.smtp_code
        what = {
            smtplib.SMTPSenderRefused: "sender refused",
            smtplib.SMTPDataError: "message refused",
            smtplib.SMTPConnectError: "connection refused",
            smtplib.SMTPHeloError: "greeting refused",
        }.get(type(error), "refused")
        return not (500 <= code < 600), _smtp_code_reason(code, what)
    if isinstance(error, smtplib.SMTPServerDisconnected):
        return True, "mail server closed the connection"
    if isinstance(error, smtplib.SMTPException):
        return True, f"mail error ({type(error).__name__})"
    if isinstance(error, OSError):  # refused, reset, timed out, name not resolved
        return True, f"mail server unreachable ({type(error).__name__})"
    return True, f"unexpected error ({type(error).__name__})"


def _message_id(payload: dict, delivery_id: str) -> str:
    address = parseaddr(payload.get("from_email") or settings.DEFAULT_FROM_EMAIL)[1]
    domain = address.rpartition("@")[2] or "localhost"
    return f"<{delivery_id}@{domain}>"


def _deliver(message: OutboxMessage) -> None:
    content = outbox_content(message)
    if message.channel == Channel.SMS:
        sms_backend().send(to=content["to"], message=content["message"], key=message.delivery_id)
        return
    headers = dict(content.get("headers") or {})
    # The same message-id for every attempt: a resend after a crash is recognisable as the
    # same message (mail servers and clients de-duplicate by it).
    headers["Message-ID"] = _message_id(content, message.delivery_id)
    email_from_payload({**content, "headers": headers}).send()


def retry_delay(attempts: int) -> timedelta:
    """After the n-th attempt failed: 1, 2, 4, ... times the base, at most the cap."""
    seconds = settings.OUTBOX_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=min(seconds, settings.OUTBOX_RETRY_MAX_SECONDS))


def _claim(message_id: int) -> OutboxMessage | None:
    """Take the row for this sender, or None when it is not due, sent, failed or held by another
    sender. One conditional UPDATE: of two senders, one wins."""
    now = timezone.now()
    # A first attempt is its own job's to make at once; afterwards the row waits for its time.
    due = (Q(status=Status.PENDING) & (Q(next_attempt_at__lte=now) | Q(attempts=0))) | Q(
        status=Status.SENDING, locked_until__lte=now
    )
    claimed = OutboxMessage.objects.filter(
        due, pk=message_id, attempts__lt=settings.OUTBOX_MAX_ATTEMPTS
    ).update(
        status=Status.SENDING,
        locked_until=now + timedelta(seconds=settings.OUTBOX_LEASE_SECONDS),
        attempts=F("attempts") + 1,
    )
    if not claimed:
        return None
    return OutboxMessage.objects.filter(pk=message_id).first()


def _record(message: OutboxMessage, **fields) -> bool:
    """Record the outcome of this sender's attempt, unless another sender took the row since."""
    return bool(
        OutboxMessage.objects.filter(
            pk=message.pk, status=Status.SENDING, attempts=message.attempts
        ).update(locked_until=None, **fields)
    )


def outbox_relay(*, message_id: int) -> str | None:
    """Send one message if it is due and nobody else is sending it. Returns the new status, or
    None when there was nothing to do."""
    message = _claim(message_id)
    if message is None:
        return None
    try:
        _deliver(message)
    except Exception as error:  # every error is recorded on the row
        temporary, reason = _classify(error)
        if not temporary:
            status, fields = Status.FAILED, {}
        elif message.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
            status, fields = Status.FAILED, {}
            reason = f"{reason}; gave up after {message.attempts} attempts"
        else:
            status = Status.PENDING
            fields = {"next_attempt_at": timezone.now() + retry_delay(message.attempts)}
        _record(message, status=status, last_error=reason[:200], **fields)
        log = logger.warning if status == Status.FAILED else logger.info
        log(
            "outbox message %s (%s %s) attempt %s: %s → %s",
            message.pk,
            message.channel,
            message.kind or "-",
            message.attempts,
            reason,
            status,
        )
        return status
    # Sent is the truth whoever else holds the row now: it is never sent again.
    OutboxMessage.objects.filter(pk=message.pk).exclude(status=Status.SENT).update(
        status=Status.SENT, sent_at=timezone.now(), locked_until=None
    )
    logger.info(
        "outbox message %s (%s %s) sent, attempt %s",
        message.pk,
        message.channel,
        message.kind or "-",
        message.attempts,
    )
    return Status.SENT


# --- the sweep and the purge ---------------------------------------------------------------------


def outbox_due_ids(*, now=None, limit: int | None = None) -> list[int]:
    """Rows to send now: pending ones whose time has come (their own job had
    OUTBOX_SWEEP_AFTER_SECONDS to send them), and those whose sender's lease expired."""
    now = now or timezone.now()
    limit = limit or settings.OUTBOX_SWEEP_BATCH
    waited = now - timedelta(seconds=settings.OUTBOX_SWEEP_AFTER_SECONDS)
    pending = OutboxMessage.objects.filter(
        Q(attempts=0, next_attempt_at__lte=waited) | Q(attempts__gt=0, next_attempt_at__lte=now),
        status=Status.PENDING,
    )
    ids = list(pending.order_by("next_attempt_at").values_list("pk", flat=True)[:limit])
    if len(ids) < limit:
        leases = OutboxMessage.objects.filter(status=Status.SENDING, locked_until__lte=now)
        ids += list(
            leases.order_by("locked_until").values_list("pk", flat=True)[: limit - len(ids)]
        )
    return ids


def outbox_give_up_lost() -> int:
    """Rows whose last allowed attempt never reported back (its sender died): failed, so staff
    see them. The message may have left; nothing says it did."""
    return OutboxMessage.objects.filter(
        status=Status.SENDING,
        locked_until__lte=timezone.now(),
        attempts__gte=settings.OUTBOX_MAX_ATTEMPTS,
    ).update(
        status=Status.FAILED,
        locked_until=None,
        last_error="the sender stopped during the last attempt; not known to be sent",
    )


def outbox_sweep() -> dict[str, int]:
    """Periodic (every minute): relay what was left behind, oldest first, in one batch, and stop
    taking new rows after OUTBOX_SWEEP_SECONDS (the next run goes on). Counts by outcome."""
    outcomes = {"failed_lost": outbox_give_up_lost()}
    deadline = time.monotonic() + settings.OUTBOX_SWEEP_SECONDS
    for message_id in outbox_due_ids():
        if time.monotonic() > deadline:
            break
        status = outbox_relay(message_id=message_id)
        key = str(status) if status else "skipped"
        outcomes[key] = outcomes.get(key, 0) + 1
    return outcomes


PURGE_BATCH = 5000


def outbox_purge(*, now=None) -> int:
    """Periodic (daily): delete sent rows older than OUTBOX_KEEP_SENT_DAYS and failed rows
    older than OUTBOX_KEEP_FAILED_DAYS, in batches (short transactions on a large table)."""
    now = now or timezone.now()
    rules = [
        (Status.SENT, now - timedelta(days=settings.OUTBOX_KEEP_SENT_DAYS)),
        (Status.FAILED, now - timedelta(days=settings.OUTBOX_KEEP_FAILED_DAYS)),
    ]
    deleted = 0
    for status, before in rules:
        while True:
            ids = list(
                OutboxMessage.objects.filter(status=status, created_at__lt=before).values_list(
                    "pk", flat=True
                )[:PURGE_BATCH]
            )
            if not ids:
                break
            with transaction.atomic():
                deleted += OutboxMessage.objects.filter(pk__in=ids).delete()[0]
    return deleted


# --- what staff may see --------------------------------------------------------------------------


def email_mask(address: str) -> str:
    """`amina.k@example.org` → `a***@***.org`: tells a failed address's kind apart, no more."""
    _name, address = parseaddr(address)
    local, _at, domain = address.partition("@")
    top = domain.rsplit(".", 1)[-1] if "." in domain else ""
    return f"{local[:1]}***@***.{top}" if top else "***"


def outbox_recipient_masked(message: OutboxMessage) -> str:
    try:
        recipient = outbox_recipient(message)
    except Exception:  # a key that is gone: say so, never fail the page
        return "?"
    if message.channel == Channel.SMS:
        return phone_mask(recipient)
    return ", ".join(email_mask(part) for part in recipient.split(",") if part.strip())
