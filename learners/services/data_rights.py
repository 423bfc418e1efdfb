"""A learner's data rights: a copy of everything the portal holds about them ("download my
data"), and deleting their account (erasure).

Export: a JSON file built in the background (`learner_data_export_build`), kept in private
storage, downloadable by the learner alone for EXPORT_TTL, every request and download audited.
It holds what is about the learner and nothing about anyone else: staff who acted on their
application appear as "partner staff", never by name or e-mail.

Erasure keeps the rows the statistics count (the account, profile, applications, enrolments,
credentials) but empties every personal field in them, so the roll-ups still count the learner,
anonymously; it deletes what only identifies them (e-mail addresses, sessions, authenticators,
evidence documents and their files, data exports). See docs/data-inventory.md.
"""

import json
import logging
import secrets
from datetime import timedelta
from importlib import import_module

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.usersessions.models import UserSession
from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import models, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from credentials.adapters import api_unenrol
from credentials.errors import ProviderUnavailable
from credentials.models import (
    AccessCode,
    AccessMethod,
    Credential,
    CredentialStatus,
    Enrolment,
    EnrolmentStatus,
    ImportRow,
)
from credentials.services.enrolments import enrolment_cancel_for_erasure
from credentials.services.issuance import credential_revoke, verification_url
from partners.models import (
    OPEN_STATUSES,
    Application,
    EvidenceDocument,
    InvitationRow,
)
from partners.services.applications import application_withdraw, case_number_reveal
from portal.crypto import decrypt_text
from portal.models import AuditEvent, Role, User
from portal.services import audit_record
from portal.storage import private_storage

from ..models import DataExport, LearnerProfile, PendingRegistration

logger = logging.getLogger(__name__)

EXPORT_TTL = timedelta(hours=24)
EXPORT_FOLDER = "learner-exports"
# A pending export not picked up after this long lost its enqueue: the page sends it again.
EXPORT_PENDING_GRACE = timedelta(minutes=10)
ERASED_EMAIL_DOMAIN = "erased.invalid"
# An erased learner's API-provider enrolment owes the provider a notice (its audit action). When
# its job was lost (Redis down) or has not got an answer yet, the reconciler sends it again,
# hourly, for a week; the DELETE is idempotent, so an overlap with the job's own retries is safe.
NOTICE_DUE = "enrolment.provider_notice_due"
NOTICE_RESEND_AFTER = timedelta(minutes=30)
NOTICE_GIVE_UP = timedelta(days=7)
# What the learner types to confirm (in their language: see ErasureForm).
CREDENTIALS_KEEP = "keep"
CREDENTIALS_REVOKE = "revoke"
# Live enrolments an erasure ends (completed ones stay completed: they are counted).
CANCELLABLE_ENROLMENT_STATUSES = (
    EnrolmentStatus.REQUESTED,
    EnrolmentStatus.PROVISIONING,
    EnrolmentStatus.ACTIVE,
    EnrolmentStatus.WAITLISTED,
)


# --- export: reads -------------------------------------------------------------------------------


def data_export_latest(user: User) -> DataExport | None:
    """The learner's most recent export (only their own)."""
    if not user.is_authenticated:
        return None
    return DataExport.objects.filter(learner=user).first()


def data_export_is_downloadable(export: DataExport | None, *, now=None) -> bool:
    now = now or timezone.now()
    return bool(
        export is not None
        and export.status == DataExport.Status.READY
        and export.file_name
        and export.expires_at
        and export.expires_at > now
    )


def data_export_in_progress(export: DataExport | None) -> bool:
    return export is not None and export.status in (
        DataExport.Status.PENDING,
        DataExport.Status.RUNNING,
    )


def _when(value) -> str | None:
    return value.isoformat() if value else None


def _code(value) -> str:
    return getattr(value, "code", value) or ""


def _someone(actor_id: int | None, user: User, roles: dict[int, str]) -> str:
    """Who did something, without naming anyone but the learner."""
    if actor_id is None:
        return "portal"
    if actor_id == user.pk:
        return "you"
    role = roles.get(actor_id)
    if role == Role.PARTNER_STAFF:
        return "partner staff"
    if role == Role.PROGRAMME_ADMIN:
        return "programme staff"
    return "someone else"


def _targets(user: User) -> Q:
    """Audit events whose object is one of the learner's records."""
    ids = {
        "portal.user": [user.pk],
        "learners.learnerprofile": list(
            LearnerProfile.objects.filter(user=user).values_list("pk", flat=True)
        ),
        "partners.application": list(
            Application.objects.filter(learner=user).values_list("pk", flat=True)
        ),
        "partners.evidencedocument": list(
            EvidenceDocument.objects.filter(application__learner=user).values_list("pk", flat=True)
        ),
        "credentials.enrolment": list(
            Enrolment.objects.filter(learner=user).values_list("pk", flat=True)
        ),
        "credentials.credential": list(
            Credential.objects.filter(learner=user).values_list("pk", flat=True)
        ),
        "learners.dataexport": list(
            DataExport.objects.filter(learner=user).values_list("pk", flat=True)
        ),
    }
    condition = Q(pk__in=[])
    for object_type, pks in ids.items():
        if pks:
            condition |= Q(object_type=object_type, object_id__in=[str(pk) for pk in pks])
    return condition


def learner_audit_events(user: User):
    """Events where the learner is the actor or one of their records is the object."""
    return AuditEvent.objects.filter(Q(actor=user) | _targets(user)).order_by("created_at", "id")


def learner_data_collect(user: User) -> dict:
    """Everything the portal holds about this learner, as JSON-ready data."""
    profile = LearnerProfile.objects.filter(user=user).first()
    applications = (
        Application.objects.filter(learner=user)
        .select_related("partner")
        .prefetch_related("documents")
        .order_by("created_at", "id")
    )
    enrolments = (
        Enrolment.objects.filter(learner=user)
        .select_related("course__provider", "partner")
        .order_by("requested_at", "id")
    )
    codes = dict(
        AccessCode.objects.filter(enrolment__learner=user).values_list("enrolment_id", "code")
    )
    credentials = Credential.objects.filter(learner=user).select_related("course__provider")
    events = list(learner_audit_events(user))
    actor_ids = {event.actor_id for event in events if event.actor_id}
    actor_ids |= {a.decided_by_id for a in applications if a.decided_by_id}
    roles = dict(User.objects.filter(pk__in=actor_ids).values_list("pk", "role"))

    phone = getattr(user, "phone", "") or ""
    data = {
        "format": "refugee-learner-portal/learner-data/1",
        "created_at": timezone.now().isoformat(),
        "account": {
            "email": user.email if user.has_real_email else None,
            "phone": str(phone) or None,
            "login_code": user.login_code,
            "language": user.language,
            "joined_at": _when(user.date_joined),
            "last_login_at": _when(user.last_login),
            "email_addresses": [
                {"email": e.email, "verified": e.verified, "primary": e.primary}
                for e in EmailAddress.objects.filter(user=user).order_by("pk")
            ],
            "sign_in_methods": sorted(
                set(Authenticator.objects.filter(user=user).values_list("type", flat=True))
            ),
            "sessions": [
                {
                    "started_at": _when(s.created_at),
                    "last_seen_at": _when(s.last_seen_at),
                    "ip": s.ip,
                    "browser": s.user_agent,
                }
                for s in UserSession.objects.filter(user=user).order_by("created_at")
            ],
        },
        "profile": None,
        "applications": [],
        "enrolments": [],
        "credentials": [],
        "audit_events": [],
    }
    if profile is not None:
        data["profile"] = {
            "display_name": profile.display_name,
            "country_of_residence": _code(profile.country_of_residence),
            "country_of_origin": _code(profile.country_of_origin),
            "phone": decrypt_text(profile.phone_encrypted) if profile.phone_encrypted else None,
            "consent_version": profile.consent_version,
            "consent_at": _when(profile.consent_at),
            "created_at": _when(profile.created_at),
            "updated_at": _when(profile.updated_at),
        }
    for application in applications:
        data["applications"].append(
            {
                "id": application.pk,
                "partner": application.partner.name,
                "status": application.status,
                "displacement_status": application.displacement_status,
                "case_number": case_number_reveal(application) or None,
                "country_of_residence": _code(application.country_of_residence),
                "note": application.note,
                "information_requested": application.info_request_message,
                "rejection_reason": application.rejection_reason,
                "decision_note": application.decision_note,
                "decided_by": (
                    _someone(application.decided_by_id, user, roles)
                    if application.decided_by_id
                    else None
                ),
                "created_at": _when(application.created_at),
                "submitted_at": _when(application.submitted_at),
                "decided_at": _when(application.decided_at),
                "verified_until": _when(application.verified_until),
                "registered_in_person": application.assisted,
                # Listed, not embedded: the learner downloads each from their own page.
                "documents": [
                    {
                        "id": d.pk,
                        "kind": d.kind,
                        "size": d.size,
                        "state": d.state,
                        "uploaded_at": _when(d.uploaded_at),
                        "deleted_at": _when(d.purged_at),
                    }
                    for d in application.documents.all()
                ],
            }
        )
    for enrolment in enrolments:
        data["enrolments"].append(
            {
                "id": enrolment.pk,
                "course": enrolment.course.title,
                "provider": enrolment.course.provider.name,
                "partner": enrolment.partner.name,
                "status": enrolment.status,
                "access_link": enrolment.access_link or None,
                "access_code": codes.get(enrolment.pk),
                "provider_reference": enrolment.provider_reference or None,
                "requested_at": _when(enrolment.requested_at),
                "waitlisted_at": _when(enrolment.waitlisted_at),
                "activated_at": _when(enrolment.activated_at),
                "completed_at": _when(enrolment.completed_at),
                "grade": enrolment.grade or None,
                "failure_reason": enrolment.failure_reason or None,
                "revoke_reason": enrolment.revoke_reason or None,
            }
        )
    for credential in credentials:
        try:
            document = json.loads(credential.document)
        except ValueError:
            document = None
        data["credentials"].append(
            {
                "code": credential.code,
                "verification_url": verification_url(credential.code),
                "course": credential.course.title,
                "provider": credential.course.provider.name,
                "name_on_credential": credential.subject_name,
                "status": credential.status,
                "issued_at": _when(credential.issued_at),
                "shown_on_public_page": credential.is_public,
                "revoked_at": _when(credential.revoked_at),
                "revocation_reason": credential.revocation_reason or None,
                "signed_credential": document,
            }
        )
    for event in events:
        data["audit_events"].append(
            {
                "at": _when(event.created_at),
                "action": event.action,
                "by": _someone(event.actor_id, user, roles),
                "object_type": event.object_type,
                "object_id": event.object_id,
                "details": event.data,
            }
        )
    return data


# --- export: writes ------------------------------------------------------------------------------


@transaction.atomic
def learner_data_export_request(*, acting_user: User) -> DataExport:
    """Record the request; the file is built in the background once the transaction commits.
    A request while one is still being built returns that one."""
    if not acting_user.is_authenticated or not acting_user.is_learner:
        raise ValidationError(_("Only learners can download their data."), code="not_learner")
    User.objects.select_for_update().filter(pk=acting_user.pk).first()
    latest = DataExport.objects.filter(learner=acting_user).first()
    if data_export_in_progress(latest):
        return latest
    _exports_delete(DataExport.objects.filter(learner=acting_user))
    export = DataExport.objects.create(learner=acting_user)
    audit_record(actor=acting_user, action="learner.data_export_requested", target=export)
    from ..tasks import learner_data_export_build_task

    learner_data_export_build_task.delay_on_commit(export.pk)
    return export


def learner_data_export_build(*, export_id: int) -> DataExport | None:
    """Build the JSON file of a pending export. Idempotent: only a pending export is built."""
    claimed = DataExport.objects.filter(pk=export_id, status=DataExport.Status.PENDING).update(
        status=DataExport.Status.RUNNING, error=""
    )
    if not claimed:
        return DataExport.objects.filter(pk=export_id).first()
    export = DataExport.objects.select_related("learner").get(pk=export_id)
    storage = private_storage()
    try:
        content = json.dumps(
            learner_data_collect(export.learner), ensure_ascii=False, indent=2, default=str
        ).encode("utf-8")
        stored = storage.save(f"{EXPORT_FOLDER}/{secrets.token_hex(16)}.json", ContentFile(content))
    except Exception as error:
        logger.exception("learner data export %s failed", export_id)
        DataExport.objects.filter(pk=export_id).update(
            status=DataExport.Status.FAILED,
            error=type(error).__name__[:300],
            finished_at=timezone.now(),
        )
        return DataExport.objects.get(pk=export_id)
    now = timezone.now()
    updated = DataExport.objects.filter(pk=export_id, status=DataExport.Status.RUNNING).update(
        status=DataExport.Status.READY,
        file_name=stored,
        size=len(content),
        finished_at=now,
        expires_at=now + EXPORT_TTL,
    )
    if not updated:  # erased meanwhile
        storage.delete(stored)
    return DataExport.objects.filter(pk=export_id).first()


@transaction.atomic
def learner_data_export_downloaded(*, export: DataExport, acting_user: User) -> None:
    audit_record(actor=acting_user, action="learner.data_export_downloaded", target=export)


def learner_data_exports_expire(*, now=None) -> int:
    """Delete the files of exports past their 24 hours (periodic), and send again the exports
    whose enqueue was lost."""
    from ..tasks import learner_data_export_build_task

    now = now or timezone.now()
    storage = private_storage()
    expired = 0
    for export in DataExport.objects.filter(status=DataExport.Status.READY, expires_at__lte=now):
        if export.file_name:
            storage.delete(export.file_name)
        expired += DataExport.objects.filter(pk=export.pk, status=DataExport.Status.READY).update(
            status=DataExport.Status.EXPIRED, file_name=""
        )
    for export_id in DataExport.objects.filter(
        status=DataExport.Status.PENDING, created_at__lt=now - EXPORT_PENDING_GRACE
    ).values_list("pk", flat=True):
        learner_data_export_build_task.delay(export_id)
    return expired


def _exports_delete(exports) -> None:
    """Delete export rows now and their files once the transaction commits."""
    names = [name for name in exports.values_list("file_name", flat=True) if name]
    exports.delete()
    if names:
        transaction.on_commit(lambda: _files_delete(names))


def _files_delete(names: list[str]) -> None:
    storage = private_storage()
    for name in names:
        try:
            storage.delete(name)
        except OSError:
            logger.exception("could not delete %s", name)


# --- erasure ------------------------------------------------------------------------------------


def erased_email() -> str:
    return f"erased-{secrets.token_hex(12)}@{ERASED_EMAIL_DOMAIN}"


def _audit_data_clear(queryset) -> None:
    # The audit log is append-only for the portal's code; erasure is the one exception, and it
    # empties only the details (reasons typed by people), never the event itself.
    models.QuerySet.update(queryset, data={})


def _admin_log_clear(objects: dict[type, list[int]]) -> None:
    """The Django admin's history names objects by their __str__ (an e-mail, a display name)."""
    for model, pks in objects.items():
        if not pks:
            continue
        LogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(model),
            object_id__in=[str(pk) for pk in pks],
        ).update(object_repr="", change_message="")


def _sessions_end(user: User) -> None:
    store = import_module(settings.SESSION_ENGINE).SessionStore
    for session in UserSession.objects.filter(user=user):
        store().delete(session.session_key)
    UserSession.objects.filter(user=user).delete()


@transaction.atomic
def learner_account_erase(*, user: User, credentials: str, acting_user: User) -> dict:
    """Delete a learner's account, keeping only anonymous counts. `credentials` is "keep" (they
    stay verifiable under the learner's display name, no longer linked to the account) or
    "revoke". Returns what was done (counts only), also written to the audit log."""
    if acting_user.pk != user.pk or not user.is_learner:
        raise ValidationError(_("You can only delete your own account."), code="not_yours")
    if credentials not in (CREDENTIALS_KEEP, CREDENTIALS_REVOKE):
        raise ValidationError(_("Please choose what happens to your certificates."))
    user = User.objects.select_for_update().get(pk=user.pk)
    email = user.email
    application_ids = list(Application.objects.filter(learner=user).values_list("pk", flat=True))
    enrolment_ids = list(Enrolment.objects.filter(learner=user).values_list("pk", flat=True))
    profile_ids = list(LearnerProfile.objects.filter(user=user).values_list("pk", flat=True))
    # Audit events about the learner, found before the links are cut.
    about = list(learner_audit_events(user).values_list("pk", flat=True))

    withdrawn = 0
    for application in Application.objects.filter(learner=user, status__in=OPEN_STATUSES):
        application_withdraw(application=application, acting_user=user)
        withdrawn += 1

    notify: list[int] = []
    cancelled = 0
    for enrolment in (
        Enrolment.objects.filter(learner=user, status__in=CANCELLABLE_ENROLMENT_STATUSES)
        .select_related("course__provider")
        .order_by("pk")
    ):
        had_provider_enrolment = enrolment.course.provider.access_method == AccessMethod.API and (
            enrolment.status in (EnrolmentStatus.ACTIVE, EnrolmentStatus.PROVISIONING)
        )
        if enrolment_cancel_for_erasure(enrolment_id=enrolment.pk, acting_user=user):
            cancelled += 1
            if had_provider_enrolment:
                notify.append(enrolment.pk)

    credential_ids = list(Credential.objects.filter(learner=user).values_list("pk", flat=True))
    if credentials == CREDENTIALS_REVOKE:
        for credential in Credential.objects.filter(pk__in=credential_ids):
            if credential.status != CredentialStatus.REVOKED:
                credential_revoke(
                    credential=credential,
                    reason="The learner deleted their account.",
                    acting_user=user,
                )
        # Revoked and gone from the public page; the status list still says "revoked" to
        # anyone holding a copy. The name goes with the signed document that carried it.
        Credential.objects.filter(pk__in=credential_ids).update(
            learner=None, subject_name="", document="", is_public=False
        )
    else:
        # Kept as issued: the signed document and the display name in it stay verifiable.
        Credential.objects.filter(pk__in=credential_ids).update(learner=None)

    documents = EvidenceDocument.objects.filter(application__learner=user)
    file_names = [name for name in documents.values_list("file", flat=True) if name]
    document_count = documents.count()
    documents.delete()
    if file_names:
        transaction.on_commit(lambda: _files_delete(file_names))
    _exports_delete(DataExport.objects.filter(learner=user))

    Application.objects.filter(pk__in=application_ids).update(
        case_number_encrypted="",
        case_number_hash="",
        note="",
        info_request_message="",
        decision_note="",
    )
    Enrolment.objects.filter(pk__in=enrolment_ids).update(
        access_link="", provider_reference="", grade="", failure_reason="", revoke_reason=""
    )
    # A voucher handed to the learner is spent: it stays taken (never given out again) but no
    # longer carries the code the provider knows the learner by.
    for code in AccessCode.objects.filter(enrolment_id__in=enrolment_ids).only("pk"):
        AccessCode.objects.filter(pk=code.pk).update(code=f"erased-{secrets.token_hex(10)}")
    LearnerProfile.objects.filter(pk__in=profile_ids).update(display_name="", phone_encrypted="")
    # Lines of uploaded CSVs that named the learner (completions, bulk enrolment, invitations).
    ImportRow.objects.filter(values__email__iexact=email).update(values={}, message="")
    InvitationRow.objects.filter(email__iexact=email).update(email="", name="", error="")
    PendingRegistration.objects.filter(email__iexact=email).delete()  # an unused in-person link

    EmailAddress.objects.filter(user=user).delete()
    Authenticator.objects.filter(user=user).delete()
    _sessions_end(user)
    _admin_log_clear({User: [user.pk], LearnerProfile: profile_ids, Application: application_ids})

    user.email = erased_email()
    user.set_unusable_password()
    user.is_active = False
    user.login_code = None
    user.password_is_temporary = False
    user.last_login = None
    fields = ["email", "password", "is_active", "login_code", "password_is_temporary", "last_login"]
    for name in ("phone", "first_name", "last_name"):
        field = _field(User, name)
        if field is not None:
            setattr(user, name, None if field.null else "")
            fields.append(name)
    if _field(User, "phone_verified") is not None:
        user.phone_verified = False
        fields.append("phone_verified")
    user.save(update_fields=fields)

    _audit_data_clear(AuditEvent.objects.filter(pk__in=about))
    summary = {
        "credentials": credentials,
        "applications_withdrawn": withdrawn,
        "enrolments_cancelled": cancelled,
        "credentials_affected": len(credential_ids),
        "documents_deleted": document_count,
        "providers_notified": len(notify),
    }
    audit_record(actor=user, action="learner.account_erased", target=user, data=summary)

    from ..tasks import enrolment_provider_notice_task

    for enrolment in Enrolment.objects.filter(pk__in=notify).only("pk", "partner_id"):
        # Written in the same transaction as the erasure: if the job is lost (Redis down), the
        # reconciler finds the notice still owed and sends it again.
        audit_record(
            actor=None,
            action=NOTICE_DUE,
            target=enrolment,
            partner_id=enrolment.partner_id,
            data={},
        )
        enrolment_provider_notice_task.delay_on_commit(enrolment.pk)
    return summary


def enrolment_provider_notices_reconcile(*, now=None) -> int:
    """Periodic: send again the provider notices owed for erased learners' enrolments and not
    yet answered, once their job has had time to finish or exhaust its retries; given up after
    NOTICE_GIVE_UP (the failure stays in the log). Returns how many were sent."""
    from ..tasks import enrolment_provider_notice_task

    now = now or timezone.now()
    answered = AuditEvent.objects.filter(
        action="enrolment.provider_notified",
        object_type="credentials.enrolment",
        object_id=OuterRef("object_id"),
    )
    owed = list(
        AuditEvent.objects.filter(
            action=NOTICE_DUE,
            object_type="credentials.enrolment",
            created_at__lt=now - NOTICE_RESEND_AFTER,
            created_at__gte=now - NOTICE_GIVE_UP,
        )
        .exclude(Exists(answered))
        .values_list("object_id", flat=True)
    )
    for object_id in owed:
        enrolment_provider_notice_task.delay(int(object_id))
    return len(owed)


def _field(model, name: str):
    try:
        field = model._meta.get_field(name)
    except Exception:
        return None
    return field if getattr(field, "concrete", False) else None


def enrolment_provider_notice(*, enrolment_id: int) -> int | None:
    """Tell an API provider that an erased learner's enrolment is cancelled: DELETE on the
    enrolment's resource under the provider's endpoint, named by the reference the portal sent
    when enrolling ("enrolment-<id>"), so nothing about the learner is needed any more. The
    answer is recorded in the audit log. Idempotent: a notice already answered is not sent
    again. Raises ProviderUnavailable for the task to retry."""
    enrolment = Enrolment.objects.select_related("course__provider").filter(pk=enrolment_id).first()
    if enrolment is None or enrolment.course.provider.access_method != AccessMethod.API:
        return None
    done = AuditEvent.objects.filter(
        action="enrolment.provider_notified",
        object_type="credentials.enrolment",
        object_id=str(enrolment.pk),
    ).exists()
    if done:
        return None
    status = api_unenrol(provider=enrolment.course.provider, reference=f"enrolment-{enrolment.pk}")
    with transaction.atomic():
        audit_record(
            actor=None,
            action="enrolment.provider_notified",
            target=enrolment,
            partner_id=enrolment.partner_id,
            data={"answer": status},
        )
    return status


__all__ = [
    "ProviderUnavailable",
    "enrolment_provider_notices_reconcile",
    "learner_account_erase",
    "learner_data_collect",
    "learner_data_export_build",
    "learner_data_export_request",
]
