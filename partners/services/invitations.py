"""Bulk learner invitations: a coordinator uploads a CSV, the portal e-mails each person a link
to join through the partner, in the background, once per person."""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models.functions import Lower
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from portal.csv_upload import CsvRow, csv_rows, email_problem
from portal.emails import email_send
from portal.models import User
from portal.notify import ACCOUNT_NOTICE_INVITED, account_id_for_email, account_notice_send
from portal.origin import site_url
from portal.services import audit_record

from ..models import InvitationBatch, InvitationRow, Partner
from ..permissions import can_coordinate

COLUMNS = ("email", "name", "language")
REQUIRED_COLUMNS = ("email",)
INVITATION_TEMPLATE = "partners/email/learner_invitation"
# A batch still waiting or sending after this long lost its job (e.g. Redis was down): re-enqueue.
STUCK_AFTER = timedelta(minutes=15)

Result = InvitationRow.Result


def join_url(partner: Partner) -> str:
    return site_url(f"/join/{partner.slug}/")


def _language_codes() -> dict[str, str]:
    return {code.lower(): code for code, _name in settings.LANGUAGES}


def _check_row(row: CsvRow, languages: dict[str, str]) -> tuple[str, str, str, str]:
    """(email, name, language, reason code if invalid)."""
    email = row.values.get("email", "")
    name = row.values.get("name", "")
    language = row.values.get("language", "").lower()
    if row.extra:
        return email, name, language, "extra_values"
    if problem := email_problem(email):
        return email, name, language, problem
    if email.lower().endswith("@" + settings.NO_EMAIL_DOMAIN):
        return email, name, language, "invalid_email"
    if len(name) > 200:
        return email, name[:200], language, "name_too_long"
    if not language:
        language = settings.LANGUAGE_CODE
    elif language in languages:
        language = languages[language]
    else:
        return email, name, language[:10], "unknown_language"
    return email, name, language, ""


@transaction.atomic
def invitation_batch_create(
    *, partner: Partner, csv_file: UploadedFile, acting_user: User
) -> InvitationBatch:
    """Check the file and every line, store the results, and send the invitations after commit.

    A line is invalid (bad e-mail address, unknown language) or a duplicate (the address is
    earlier in the file, or was invited by this partner before); only the rest are sent.
    Whether an address has an account is not checked here and never shown: the line is "sent"
    either way (docs/decisions/0015), and the sending job decides what the person receives.
    """
    if not can_coordinate(acting_user, partner):
        raise ValidationError(_("Only a coordinator can invite learners."), code="forbidden")
    if not partner.is_active:
        raise ValidationError(
            _("This organisation is not active on the portal, so it cannot invite learners."),
            code="inactive",
        )
    lines = csv_rows(
        csv_file,
        columns=COLUMNS,
        required=REQUIRED_COLUMNS,
        no_rows_message=_("The file has a header line but nobody to invite."),
    )
    languages = _language_codes()

    checked = [(line.line, *_check_row(line, languages)) for line in lines]
    addresses = {email.lower() for _line, email, _n, _l, reason in checked if not reason}
    invited_before = set(
        InvitationRow.objects.annotate(address=Lower("email"))
        .filter(
            batch__partner=partner,
            address__in=addresses,
            result__in=[Result.PENDING, Result.SENT],
        )
        .values_list("address", flat=True)
    )

    batch = InvitationBatch.objects.create(
        partner=partner, created_by=acting_user, total=len(checked)
    )
    seen: set[str] = set()
    rows = []
    for line, email, name, language, reason in checked:
        result = Result.INVALID if reason else Result.PENDING
        address = email.lower()
        if not reason:
            if address in seen:
                result, reason = Result.DUPLICATE, "repeated_in_file"
            elif address in invited_before:
                result, reason = Result.DUPLICATE, "invited_before"
            seen.add(address)
        rows.append(
            InvitationRow(
                batch=batch,
                line=line,
                email=email[:254],
                name=name[:200],
                language=language[:10],
                result=result,
                error=reason[:200],
            )
        )
    InvitationRow.objects.bulk_create(rows, batch_size=1000)
    counts = {result: sum(1 for row in rows if row.result == result) for result in Result.values}
    audit_record(
        actor=acting_user,
        action="invitation_batch.created",
        target=batch,
        partner_id=partner.pk,
        data={"rows": len(rows), **counts},
    )
    _enqueue(batch.pk)
    return batch


def _enqueue(batch_id: int) -> None:
    from ..tasks import invitation_batch_send_task

    invitation_batch_send_task.delay_on_commit(batch_id)


def _invitation_message(row: InvitationRow, partner: Partner) -> EmailMultiAlternatives:
    context = {
        "name": row.name,
        "partner": partner,
        "join_url": join_url(partner),
        "site_url": site_url(),
    }
    with translation.override(row.language or settings.LANGUAGE_CODE):
        subject = " ".join(render_to_string(f"{INVITATION_TEMPLATE}_subject.txt", context).split())
        body = render_to_string(f"{INVITATION_TEMPLATE}_message.txt", context).strip()
    return EmailMultiAlternatives(subject, body, to=[row.email])


def _invitation_or_notice_send(row: InvitationRow, batch: InvitationBatch) -> None:
    """The invitation, or — for an address that already has an account (a learner of any
    partner, staff, an admin) — a notice to its owner, in their language, at most once a day:
    they already have an account, and how to sign in and apply. The coordinator's page says
    "sent" for both."""
    owner = account_id_for_email(row.email)
    if owner is None:
        email_send(_invitation_message(row, batch.partner))
        return
    account_notice_send(
        user_id=owner,
        channel="email",
        reason=ACCOUNT_NOTICE_INVITED,
        partner_name=batch.partner.name,
        partner_id=batch.partner_id,
        actor_id=batch.created_by_id,
    )


def invitation_batch_send(*, batch_id: int) -> int:
    """Send every waiting line of a batch; returns how many were sent by this run.

    Idempotent: each line is claimed with a conditional UPDATE (pending → sent) in its own
    transaction before its e-mail is queued, so a re-run or a second worker never sends twice.
    """
    batch = InvitationBatch.objects.select_related("partner").filter(pk=batch_id).first()
    if batch is None or batch.status == InvitationBatch.Status.DONE:
        return 0
    InvitationBatch.objects.filter(pk=batch_id, status=InvitationBatch.Status.PENDING).update(
        status=InvitationBatch.Status.RUNNING
    )
    sent = 0
    pending_ids = list(
        batch.rows.filter(result=Result.PENDING).order_by("line").values_list("pk", flat=True)
    )
    for row_id in pending_ids:
        with transaction.atomic():
            claimed = InvitationRow.objects.filter(pk=row_id, result=Result.PENDING).update(
                result=Result.SENT
            )
            if not claimed:
                continue  # another run got there first
            row = InvitationRow.objects.get(pk=row_id)
            # Queued on commit of the claim: no claim, no e-mail.
            _invitation_or_notice_send(row, batch)
        sent += 1
    with transaction.atomic():
        finished = (
            InvitationBatch.objects.filter(pk=batch_id, status=InvitationBatch.Status.RUNNING)
            .exclude(rows__result=Result.PENDING)
            .update(status=InvitationBatch.Status.DONE)
        )
        if finished:
            audit_record(
                actor=None,
                action="invitation_batch.sent",
                target=batch,
                partner_id=batch.partner_id,
                data={"sent_by_this_run": sent},
            )
    return sent


def invitation_batches_stuck() -> list[int]:
    """Batches whose job seems lost (still waiting or sending long after upload)."""
    return list(
        InvitationBatch.objects.filter(
            status__in=[InvitationBatch.Status.PENDING, InvitationBatch.Status.RUNNING],
            created_at__lt=timezone.now() - STUCK_AFTER,
        ).values_list("pk", flat=True)
    )


def invitation_batches_reconcile() -> int:
    """Re-enqueue stuck batches; safe because sending is idempotent."""
    stuck = invitation_batches_stuck()
    for batch_id in stuck:
        _enqueue(batch_id)
    return len(stuck)
