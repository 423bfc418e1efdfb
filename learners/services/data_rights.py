"""A learner's data rights: a copy of everything the portal holds about them ("download my
data"), and deleting their account (erasure).

Export: a JSON file built in the background (`learner_data_export_build`), kept in private
storage, downloadable by the learner alone for EXPORT_TTL, every request and download audited.
It holds what is about the learner and nothing about anyone else: staff who acted on their
application appear as "partner staff", never by name or e-mail.

Erasure keeps the rows the statistics count (the account, profile, applications, enrolments,
credentials) but empties every personal field in them, so the roll-ups still count the learner,
anonymously; it deletes what only identifies them (e-mail addresses, sessions, authenticators,
evidence documents and their files, data exports, the messages sent to them). See
docs/data-inventory.md.

Each app gives its own part (docs/decisions/0017-layout.md): portal/data_rights.py (the account,
the audit log), partners/services/data_rights.py (applications, documents),
credentials/services/data_rights.py (enrolments, codes, credentials, provider notices). This
module orchestrates them, in one transaction for an erasure, and writes only learners' tables.
"""

import json
import logging
import secrets
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from credentials.errors import ProviderUnavailable
from credentials.services import data_rights as credentials_part
from credentials.services.data_rights import (
    NOTICE_DUE,
    NOTICE_GIVE_UP,
    NOTICE_RESEND_AFTER,
    enrolment_provider_notice,
)
from partners.services import data_rights as partners_part
from portal import data_rights as account_part
from portal.crypto import decrypt_text
from portal.data_rights import admin_log_clear, country_code, files_delete_after_commit, when
from portal.models import User
from portal.services import audit_record
from portal.storage import private_storage

from ..models import DataExport, LearnerProfile, PendingRegistration
from ..selectors import data_export_in_progress

logger = logging.getLogger(__name__)

EXPORT_TTL = timedelta(hours=24)
EXPORT_FOLDER = "learner-exports"
# A pending export not picked up after this long lost its enqueue: the page sends it again.
EXPORT_PENDING_GRACE = timedelta(minutes=10)
# What the learner types to confirm (in their language: see ErasureForm).
CREDENTIALS_KEEP = "keep"
CREDENTIALS_REVOKE = "revoke"


# --- export: what the portal holds ---------------------------------------------------------------


def learner_audit_events(user: User):
    """Events where the learner is the actor or one of their records (of any app) is the
    object."""
    targets = {
        "portal.user": [user.pk],
        "learners.learnerprofile": list(
            LearnerProfile.objects.filter(user=user).values_list("pk", flat=True)
        ),
        **partners_part.learner_audit_targets(user),
        **credentials_part.learner_audit_targets(user),
        "learners.dataexport": list(
            DataExport.objects.filter(learner=user).values_list("pk", flat=True)
        ),
    }
    return account_part.audit_events_about(user, targets)


def _profile_export(user: User) -> dict | None:
    profile = LearnerProfile.objects.filter(user=user).first()
    if profile is None:
        return None
    return {
        "display_name": profile.display_name,
        "country_of_residence": country_code(profile.country_of_residence),
        "country_of_origin": country_code(profile.country_of_origin),
        "phone": decrypt_text(profile.phone_encrypted) if profile.phone_encrypted else None,
        "consent_version": profile.consent_version,
        "consent_at": when(profile.consent_at),
        "created_at": when(profile.created_at),
        "updated_at": when(profile.updated_at),
    }


def learner_data_collect(user: User) -> dict:
    """Everything the portal holds about this learner, as JSON-ready data: each app writes its
    own section."""
    events = list(learner_audit_events(user))
    actor_ids = {event.actor_id for event in events if event.actor_id}
    someone = account_part.someone_for(user, actor_ids | partners_part.learner_deciders(user))
    return {
        "format": "refugee-learner-portal/learner-data/1",
        "created_at": timezone.now().isoformat(),
        "account": account_part.account_export(user),
        "profile": _profile_export(user),
        "applications": partners_part.learner_applications_export(user, someone=someone),
        "enrolments": credentials_part.learner_enrolments_export(user),
        "credentials": credentials_part.learner_credentials_export(user),
        "messages": account_part.messages_export(user),
        "audit_events": account_part.audit_events_export(events, someone),
    }


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
    names = list(exports.values_list("file_name", flat=True))
    exports.delete()
    files_delete_after_commit(names)


# --- erasure ------------------------------------------------------------------------------------


@transaction.atomic
def learner_account_erase(*, user: User, credentials: str, acting_user: User) -> dict:
    """Delete a learner's account, keeping only anonymous counts. `credentials` is "keep" (they
    stay verifiable under the learner's display name, no longer linked to the account) or
    "revoke". Returns what was done (counts only), also written to the audit log. Each app
    erases its own part, in this one transaction."""
    if acting_user.pk != user.pk or not user.is_learner:
        raise ValidationError(_("You can only delete your own account."), code="not_yours")
    if credentials not in (CREDENTIALS_KEEP, CREDENTIALS_REVOKE):
        raise ValidationError(_("Please choose what happens to your certificates."))
    user = User.objects.select_for_update().get(pk=user.pk)
    email = user.email
    # Audit events about the learner, found before the links are cut.
    about = list(learner_audit_events(user).values_list("pk", flat=True))

    withdrawn = partners_part.learner_applications_withdraw(user=user)
    cancelled, notify = credentials_part.learner_enrolments_cancel(user=user)
    credentials_affected = credentials_part.learner_credentials_release(
        user=user, revoke=credentials == CREDENTIALS_REVOKE
    )
    documents_deleted = partners_part.learner_applications_erase(user=user, email=email)
    credentials_part.learner_enrolments_erase(user=user, email=email)

    _exports_delete(DataExport.objects.filter(learner=user))
    profile_ids = list(LearnerProfile.objects.filter(user=user).values_list("pk", flat=True))
    LearnerProfile.objects.filter(pk__in=profile_ids).update(display_name="", phone_encrypted="")
    PendingRegistration.objects.filter(email__iexact=email).delete()  # an unused in-person link
    admin_log_clear({LearnerProfile: profile_ids})

    account_part.account_erase(user=user)
    account_part.audit_details_clear(about)
    summary = {
        "credentials": credentials,
        "applications_withdrawn": withdrawn,
        "enrolments_cancelled": cancelled,
        "credentials_affected": credentials_affected,
        "documents_deleted": documents_deleted,
        "providers_notified": len(notify),
    }
    audit_record(actor=user, action="learner.account_erased", target=user, data=summary)

    from ..tasks import enrolment_provider_notice_task

    credentials_part.enrolment_provider_notices_due(enrolment_ids=notify)
    for enrolment_id in notify:
        enrolment_provider_notice_task.delay_on_commit(enrolment_id)
    return summary


def enrolment_provider_notices_reconcile(*, now=None) -> int:
    """Periodic: send again the provider notices owed for erased learners' enrolments and not
    yet answered (credentials knows which). Returns how many were sent."""
    from ..tasks import enrolment_provider_notice_task

    owed = credentials_part.enrolment_provider_notices_owed(now=now)
    for enrolment_id in owed:
        enrolment_provider_notice_task.delay(enrolment_id)
    return len(owed)


__all__ = [
    "EXPORT_FOLDER",
    "NOTICE_DUE",
    "NOTICE_GIVE_UP",
    "NOTICE_RESEND_AFTER",
    "ProviderUnavailable",
    "enrolment_provider_notice",
    "enrolment_provider_notices_reconcile",
    "learner_account_erase",
    "learner_data_collect",
    "learner_data_export_build",
    "learner_data_export_request",
    "private_storage",
]
