"""Credentials' part of a learner's data rights: their enrolments, access codes, credentials and
the lines of completion and bulk-enrolment files that named them, and the notice an API provider
is owed when an erased learner's enrolment ends. Called by learners/services/data_rights.py,
which orchestrates the export and the erasure in one transaction (docs/decisions/0017-layout.md);
nothing here writes another app's tables.
"""

import json
import secrets
from datetime import timedelta

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from portal.data_rights import when
from portal.models import AuditEvent, User
from portal.services import audit_record

from ..adapters import api_unenrol
from ..models import (
    AccessCode,
    AccessMethod,
    Credential,
    CredentialStatus,
    Enrolment,
    EnrolmentStatus,
    ImportRow,
    LearnerReference,
)
from ..references import reference_display
from .enrolments import enrolment_cancel_for_erasure
from .issuance import credential_revoke, verification_url
from .references import learner_references_delete

# An erased learner's API-provider enrolment owes the provider a notice (its audit action). When
# its job was lost (Redis down) or has not got an answer yet, the reconciler sends it again,
# hourly, for a week; the DELETE is idempotent, so an overlap with the job's own retries is safe.
NOTICE_DUE = "enrolment.provider_notice_due"
NOTICE_ANSWERED = "enrolment.provider_notified"
NOTICE_RESEND_AFTER = timedelta(minutes=30)
NOTICE_GIVE_UP = timedelta(days=7)
# Live enrolments an erasure ends (completed ones stay completed: they are counted).
CANCELLABLE_ENROLMENT_STATUSES = (
    EnrolmentStatus.REQUESTED,
    EnrolmentStatus.PROVISIONING,
    EnrolmentStatus.ACTIVE,
    EnrolmentStatus.WAITLISTED,
)

# --- export --------------------------------------------------------------------------------------


def learner_audit_targets(user: User) -> dict[str, list[int]]:
    """The learner's records of this app, as audit-log object types and ids."""
    return {
        "credentials.enrolment": list(
            Enrolment.objects.filter(learner=user).values_list("pk", flat=True)
        ),
        "credentials.credential": list(
            Credential.objects.filter(learner=user).values_list("pk", flat=True)
        ),
        "credentials.learnerreference": list(
            LearnerReference.objects.filter(learner=user).values_list("pk", flat=True)
        ),
    }


def learner_enrolments_export(user: User) -> list[dict]:
    """The learner's enrolments, oldest first, with the access code each was given, and the
    learner's reference at its provider (and whether they share their e-mail address with it):
    three queries."""
    codes = dict(
        AccessCode.objects.filter(enrolment__learner=user).values_list("enrolment_id", "code")
    )
    references = {
        provider_id: (reference, share)
        for provider_id, reference, share in LearnerReference.objects.filter(
            learner=user
        ).values_list("provider_id", "reference", "share_email")
    }
    enrolments = (
        Enrolment.objects.filter(learner=user)
        .select_related("course__provider", "partner")
        .order_by("requested_at", "id")
    )
    return [
        {
            "id": enrolment.pk,
            "course": enrolment.course.title,
            "provider": enrolment.course.provider.name,
            "partner": enrolment.partner.name,
            "status": enrolment.status,
            "access_link": enrolment.access_link or None,
            "access_code": codes.get(enrolment.pk),
            "provider_reference": enrolment.provider_reference or None,
            **_reference_export(references.get(enrolment.course.provider_id)),
            "requested_at": when(enrolment.requested_at),
            "waitlisted_at": when(enrolment.waitlisted_at),
            "activated_at": when(enrolment.activated_at),
            "completed_at": when(enrolment.completed_at),
            "grade": enrolment.grade or None,
            "failure_reason": enrolment.failure_reason or None,
            "revoke_reason": enrolment.revoke_reason or None,
        }
        for enrolment in enrolments
    ]


def _reference_export(reference: tuple[str, bool] | None) -> dict:
    if reference is None:
        return {"learner_reference": None, "email_shared_with_provider": False}
    return {
        "learner_reference": reference_display(reference[0]),
        "email_shared_with_provider": reference[1],
    }


def learner_credentials_export(user: User) -> list[dict]:
    """The learner's credentials, each with its signed document: one query."""
    rows = []
    for credential in Credential.objects.filter(learner=user).select_related("course__provider"):
        try:
            document = json.loads(credential.document)
        except ValueError:
            document = None
        rows.append(
            {
                "code": credential.code,
                "verification_url": verification_url(credential.code),
                "course": credential.course.title,
                "provider": credential.course.provider.name,
                "name_on_credential": credential.subject_name,
                "status": credential.status,
                "issued_at": when(credential.issued_at),
                "shown_on_public_page": credential.is_public,
                "revoked_at": when(credential.revoked_at),
                "revocation_reason": credential.revocation_reason or None,
                "signed_credential": document,
            }
        )
    return rows


# --- erasure -------------------------------------------------------------------------------------


def learner_enrolments_cancel(*, user: User) -> tuple[int, list[int]]:
    """The learner's live enrolments end (each audited, its seat given back). Returns how many,
    and the ids of those an API provider had enrolled: the provider is owed a notice
    (enrolment_provider_notices_due, once the erasure is recorded)."""
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
    return cancelled, notify


def learner_credentials_release(*, user: User, revoke: bool) -> int:
    """The learner's credentials leave the account. Kept (revoke False): as issued, the signed
    document and the display name in it stay verifiable. Revoked: each is revoked (audited),
    gone from the public page and emptied of the name; the status list still says "revoked" to
    anyone holding a copy. Returns how many credentials there were."""
    credential_ids = list(Credential.objects.filter(learner=user).values_list("pk", flat=True))
    if revoke:
        for credential in Credential.objects.filter(pk__in=credential_ids):
            if credential.status != CredentialStatus.REVOKED:
                credential_revoke(
                    credential=credential,
                    reason="The learner deleted their account.",
                    acting_user=user,
                )
        Credential.objects.filter(pk__in=credential_ids).update(
            learner=None, subject_name="", document="", is_public=False
        )
    else:
        Credential.objects.filter(pk__in=credential_ids).update(learner=None)
    return len(credential_ids)


def learner_enrolments_erase(*, user: User, email: str) -> None:
    """Empty every personal field of the learner's enrolments (they stay to be counted), and the
    lines of uploaded completion and bulk-enrolment files that named them (by `email`, their
    address before the erasure, or by one of their learner references). Their learner
    references are deleted: a provider that reports by one afterwards finds nobody."""
    references = list(
        LearnerReference.objects.filter(learner=user).values_list("reference", flat=True)
    )
    enrolment_ids = list(Enrolment.objects.filter(learner=user).values_list("pk", flat=True))
    Enrolment.objects.filter(pk__in=enrolment_ids).update(
        access_link="", provider_reference="", grade="", failure_reason="", revoke_reason=""
    )
    # A voucher handed to the learner is spent: it stays taken (never given out again) but no
    # longer carries the code the provider knows the learner by.
    for code in AccessCode.objects.filter(enrolment_id__in=enrolment_ids).only("pk"):
        AccessCode.objects.filter(pk=code.pk).update(code=f"erased-{secrets.token_hex(10)}")
    ImportRow.objects.filter(values__email__iexact=email).update(values={}, message="")
    if references:
        # As the portal writes them: canonical, or grouped with dashes (in either case).
        written = {
            form
            for reference in references
            for shown in (reference, reference_display(reference))
            for form in (shown, shown.lower())
        }
        ImportRow.objects.filter(values__learner_reference__in=sorted(written)).update(
            values={}, message=""
        )
    learner_references_delete(learner=user)


def enrolment_provider_notices_due(*, enrolment_ids: list[int]) -> None:
    """Record that the providers of these enrolments are owed a notice. Written in the erasure's
    transaction: if the job is lost (Redis down), the reconciler finds the notice still owed and
    sends it again."""
    for enrolment in Enrolment.objects.filter(pk__in=enrolment_ids).only("pk", "partner_id"):
        audit_record(
            actor=None,
            action=NOTICE_DUE,
            target=enrolment,
            partner_id=enrolment.partner_id,
            data={},
        )


def enrolment_provider_notices_owed(*, now=None) -> list[int]:
    """The enrolments whose notice is owed and not yet answered, once their job has had time to
    finish or exhaust its retries; given up after NOTICE_GIVE_UP (the failure stays in the
    log)."""
    now = now or timezone.now()
    answered = AuditEvent.objects.filter(
        action=NOTICE_ANSWERED,
        object_type="credentials.enrolment",
        object_id=OuterRef("object_id"),
    )
    return [
        int(object_id)
        for object_id in AuditEvent.objects.filter(
            action=NOTICE_DUE,
            object_type="credentials.enrolment",
            created_at__lt=now - NOTICE_RESEND_AFTER,
            created_at__gte=now - NOTICE_GIVE_UP,
        )
        .exclude(Exists(answered))
        .values_list("object_id", flat=True)
    ]


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
        action=NOTICE_ANSWERED,
        object_type="credentials.enrolment",
        object_id=str(enrolment.pk),
    ).exists()
    if done:
        return None
    status = api_unenrol(provider=enrolment.course.provider, reference=f"enrolment-{enrolment.pk}")
    with transaction.atomic():
        audit_record(
            actor=None,
            action=NOTICE_ANSWERED,
            target=enrolment,
            partner_id=enrolment.partner_id,
            data={"answer": status},
        )
    return status
