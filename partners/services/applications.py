"""Applications: submit, answer a request for information, withdraw, decide, expire."""

from datetime import timedelta

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.crypto import encrypt_text
from portal.models import User
from portal.services import audit_record

# Re-exported: the views and the tests know them as services' (partners/case_numbers.py holds them).
from ..case_numbers import case_number_hash
from ..case_numbers import case_number_normalise as case_number_normalise
from ..case_numbers import case_number_reveal as case_number_reveal
from ..documents import MAX_DOCUMENTS, MAX_UPLOADS, validate_evidence
from ..errors import TransitionNotAllowed
from ..models import (
    LIVE_STATUSES,
    OPEN_STATUSES,
    Application,
    ApplicationStatus,
    DocumentState,
    Partner,
    RejectionReason,
)
from ..permissions import can_review_application, is_own_application
from .documents import document_quarantine
from .notifications import application_learner_notify


class Decision:
    APPROVE = "approve"
    REQUEST_INFO = "request_info"
    REJECT = "reject"
    ALL = (APPROVE, REQUEST_INFO, REJECT)


def _set_case_number(application: Application, value: str) -> None:
    value = (value or "").strip()
    application.case_number_encrypted = encrypt_text(value) if value else ""
    application.case_number_hash = case_number_hash(value)


# --- documents ----------------------------------------------------------------------------------


def documents_counted(application: Application) -> int:
    """Documents that count toward the limit: kept or being checked (not purged, not failed)."""
    return (
        application.documents.filter(purged_at__isnull=True)
        .exclude(state=DocumentState.FAILED)
        .count()
    )


def documents_uploaded(application: Application) -> int:
    """Every document ever sent for the application, failed and purged ones included: what
    MAX_UPLOADS limits (each one costs a rebuild, up to a minute of rendering)."""
    return application.documents.count()


def _prepare_documents(application: Application | None, uploads: list[UploadedFile]):
    """Check every file's size and type before anything is written; returns (kind, bytes) pairs.
    What the file contains is not judged here: it is rebuilt from its pixels after commit.
    Callers hold the application's row lock, so two uploads at once cannot pass the limits."""
    existing = documents_counted(application) if application is not None else 0
    uploaded = documents_uploaded(application) if application is not None else 0
    if uploads and uploaded + len(uploads) > MAX_UPLOADS:
        room = max(MAX_UPLOADS - uploaded, 0)
        if room:
            message = _(
                "One application can receive at most %(max)d files in all, counting those "
                "that could not be read. Please choose at most %(room)d more."
            ) % {"max": MAX_UPLOADS, "room": room}
        else:
            message = _(
                "This application has received the most files it can take (%(max)d, counting "
                "those that could not be read). Your application and its documents stay as "
                "they are."
            ) % {"max": MAX_UPLOADS}
        raise TransitionNotAllowed(message, code="too_many_uploads")
    if existing + len(uploads) > MAX_DOCUMENTS:
        raise TransitionNotAllowed(
            _("You can add at most %(max)d documents.") % {"max": MAX_DOCUMENTS}, code="too_many"
        )
    prepared = []
    for upload in uploads:
        kind = validate_evidence(upload)
        upload.seek(0)
        prepared.append((kind, upload.read()))
    return prepared


def _store_documents(application: Application, prepared) -> None:
    # The originals wait encrypted in the database; only their rebuilt copies reach the store.
    for kind, data in prepared:
        document_quarantine(application=application, kind=kind, data=data)


# --- learner actions ----------------------------------------------------------------------------


@transaction.atomic
def application_submit(
    *,
    learner: User,
    partner: Partner,
    displacement_status: str,
    country_of_residence: str,
    case_number: str = "",
    note: str = "",
    documents: list[UploadedFile] | None = None,
    acting_user: User,
    assisted: bool = False,
) -> Application:
    if not learner.is_learner:
        raise TransitionNotAllowed(_("Only learners can apply."), code="not_learner")
    if not partner.is_active:
        raise TransitionNotAllowed(_("This organisation is not taking applications."))
    prepared = _prepare_documents(None, documents or [])
    if Application.objects.filter(learner=learner, status__in=LIVE_STATUSES).exists():
        raise TransitionNotAllowed(
            _("You already have an application in progress or a current verification."),
            code="already_live",
        )
    application = Application(
        learner=learner,
        partner=partner,
        displacement_status=displacement_status,
        country_of_residence=country_of_residence,
        note=note,
        assisted=assisted,
    )
    _set_case_number(application, case_number)
    try:
        with transaction.atomic():
            application.save()
    except IntegrityError as error:
        # Two submissions at the same moment: the database's partial unique index decides.
        raise TransitionNotAllowed(
            _("You already have an application in progress or a current verification."),
            code="already_live",
        ) from error
    _store_documents(application, prepared)
    audit_record(
        actor=acting_user,
        action="application.submitted",
        target=application,
        partner_id=partner.pk,
        data={"assisted": assisted, "documents": len(documents or [])},
    )
    application_learner_notify(application=application, event="received")
    return application


def _lock(application: Application) -> Application:
    return Application.objects.select_for_update().get(pk=application.pk)


@transaction.atomic
def application_resubmit(
    *,
    application: Application,
    acting_user: User,
    displacement_status: str,
    case_number: str | None,
    note: str,
    documents: list[UploadedFile] | None = None,
) -> Application:
    """The learner answers a request for more information."""
    application = _lock(application)
    if not is_own_application(acting_user, application):
        raise TransitionNotAllowed(_("This is not your application."))
    if application.status != ApplicationStatus.INFO_REQUESTED:
        raise TransitionNotAllowed(
            _("This application is not waiting for more information."), code="illegal"
        )
    prepared = _prepare_documents(application, documents or [])
    application.displacement_status = displacement_status
    application.note = note
    if case_number is not None:
        _set_case_number(application, case_number)
    application.status = ApplicationStatus.SUBMITTED
    application.submitted_at = timezone.now()
    application.save(
        update_fields=[
            "displacement_status",
            "note",
            "case_number_encrypted",
            "case_number_hash",
            "status",
            "submitted_at",
        ]
    )
    _store_documents(application, prepared)
    audit_record(
        actor=acting_user,
        action="application.resubmitted",
        target=application,
        partner_id=application.partner_id,
        data={"documents": len(documents or [])},
    )
    application_learner_notify(application=application, event="received")
    return application


@transaction.atomic
def application_withdraw(*, application: Application, acting_user: User) -> Application:
    application = _lock(application)
    if not is_own_application(acting_user, application):
        raise TransitionNotAllowed(_("This is not your application."))
    if application.status not in OPEN_STATUSES:
        raise TransitionNotAllowed(_("Only an application in progress can be withdrawn."))
    application.status = ApplicationStatus.WITHDRAWN
    application.save(update_fields=["status"])
    audit_record(
        actor=acting_user,
        action="application.withdrawn",
        target=application,
        partner_id=application.partner_id,
    )
    return application


@transaction.atomic
def application_documents_add(
    *, application: Application, acting_user: User, documents: list[UploadedFile]
) -> Application:
    """The learner adds documents to an application still in progress (for example in place of
    one that could not be read). The application and its answers are unchanged."""
    application = _lock(application)
    if not is_own_application(acting_user, application):
        raise TransitionNotAllowed(_("This is not your application."))
    if application.status not in OPEN_STATUSES:
        raise TransitionNotAllowed(
            _("Documents can only be added to an application in progress."), code="illegal"
        )
    prepared = _prepare_documents(application, documents)
    _store_documents(application, prepared)
    audit_record(
        actor=acting_user,
        action="application.documents_added",
        target=application,
        partner_id=application.partner_id,
        data={"documents": len(documents)},
    )
    return application


# --- partner decisions --------------------------------------------------------------------------


@transaction.atomic
def application_decide(
    *,
    application: Application,
    decision: str,
    acting_user: User,
    reason: str = "",
    note: str = "",
    message: str = "",
) -> Application:
    """approve | request_info | reject, by a staff member of the application's partner."""
    application = (
        Application.objects.select_for_update().select_related("partner").get(pk=application.pk)
    )
    if not can_review_application(acting_user, application):
        raise TransitionNotAllowed(_("You cannot decide on this application."))
    if decision not in Decision.ALL:
        raise TransitionNotAllowed(_("Unknown decision."))
    if application.status != ApplicationStatus.SUBMITTED:
        raise TransitionNotAllowed(
            _("This application is “%(status)s”; only a submitted application can be decided.")
            % {"status": application.get_status_display()},
            code="illegal",
        )
    # A learner is verified only on evidence the reviewer can see: never while a document is
    # still being checked (its rebuilt copy does not exist yet). Asking for more information and
    # not verifying need no document, so an upload cannot hold them off. A failed document does
    # not block: it was never evidence, and the learner was told to upload another.
    if (
        decision == Decision.APPROVE
        and application.documents.filter(
            state=DocumentState.CHECKING, purged_at__isnull=True
        ).exists()
    ):
        raise TransitionNotAllowed(
            _(
                "A document of this application is still being checked. You can verify this "
                "learner when it can be opened (usually within a minute)."
            ),
            code="documents_checking",
        )
    now = timezone.now()
    fields = ["status", "decided_at", "decided_by"]
    if decision == Decision.APPROVE:
        application.status = ApplicationStatus.APPROVED
        application.verified_until = (
            now + timedelta(days=application.partner.verification_validity_days)
        ).date()
        application.decision_note = note
        fields += ["verified_until", "decision_note"]
    elif decision == Decision.REQUEST_INFO:
        if not message.strip():
            raise TransitionNotAllowed(_("Please write what information you need."))
        application.status = ApplicationStatus.INFO_REQUESTED
        application.info_request_message = message.strip()
        fields += ["info_request_message"]
    else:
        if reason not in RejectionReason.values:
            raise TransitionNotAllowed(_("Please choose a reason."))
        application.status = ApplicationStatus.REJECTED
        application.rejection_reason = reason
        application.decision_note = note
        fields += ["rejection_reason", "decision_note"]
    application.decided_at = now
    application.decided_by = acting_user
    application.save(update_fields=fields)
    audit_record(
        actor=acting_user,
        action=f"application.{decision}",
        target=application,
        partner_id=application.partner_id,
        data={"reason": reason} if reason else {},
    )
    application_learner_notify(application=application, event=decision)
    return application


@transaction.atomic
def application_expire(*, application: Application) -> bool:
    """Approved past its date → expired. Returns whether it changed (idempotent)."""
    application = _lock(application)
    if application.status != ApplicationStatus.APPROVED:
        return False
    if application.verified_until >= timezone.localdate():
        return False
    application.status = ApplicationStatus.EXPIRED
    application.save(update_fields=["status"])
    audit_record(
        actor=None,
        action="application.expired",
        target=application,
        partner_id=application.partner_id,
    )
    application_learner_notify(application=application, event="expired")
    return True


def application_viewed(*, application: Application, acting_user: User) -> None:
    """Every time staff open an applicant's record, the audit log says who and when."""
    audit_record(
        actor=acting_user,
        action="application.viewed",
        target=application,
        partner_id=application.partner_id,
    )


def learner_is_verified(learner: User) -> bool:
    """Whether the learner holds a current verification (used by course access)."""
    return Application.objects.filter(
        learner=learner,
        status=ApplicationStatus.APPROVED,
        verified_until__gte=timezone.localdate(),
    ).exists()
