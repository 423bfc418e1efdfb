"""Periodic work: expiring verifications, reminding before expiry, purging evidence documents."""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from portal.services import audit_record

from ..models import Application, ApplicationStatus, DocumentQuarantine, EvidenceDocument
from .applications import application_expire
from .notifications import verification_reminder_send

REMINDER_DAYS_BEFORE = 30


def verifications_to_expire() -> list[int]:
    return list(
        Application.objects.filter(
            status=ApplicationStatus.APPROVED, verified_until__lt=timezone.localdate()
        ).values_list("pk", flat=True)
    )


def verifications_expire() -> int:
    return sum(
        application_expire(application=Application(pk=pk)) for pk in verifications_to_expire()
    )


def verification_reminders_send() -> int:
    return sum(
        verification_reminder_send(application_id=pk) for pk in verifications_due_for_reminder()
    )


def verifications_due_for_reminder() -> list[int]:
    today = timezone.localdate()
    return list(
        Application.objects.filter(
            status=ApplicationStatus.APPROVED,
            expiry_reminder_sent_at__isnull=True,
            verified_until__gte=today,
            verified_until__lte=today + timedelta(days=REMINDER_DAYS_BEFORE),
        ).values_list("pk", flat=True)
    )


def documents_due_for_purge():
    cutoff = timezone.now() - timedelta(days=settings.EVIDENCE_RETENTION_DAYS)
    # Neither part is ordered (the default ordering is cleared): SQLite, the default database,
    # allows no ORDER BY in a part of a UNION.
    return (
        EvidenceDocument.objects.filter(
            purged_at__isnull=True,
            application__decided_at__lt=cutoff,
            application__status__in=[
                ApplicationStatus.APPROVED,
                ApplicationStatus.REJECTED,
                ApplicationStatus.EXPIRED,
            ],
        )
        .order_by()
        .union(
            # Withdrawn applications have no decision date: count from the submission.
            EvidenceDocument.objects.filter(
                purged_at__isnull=True,
                application__status=ApplicationStatus.WITHDRAWN,
                application__submitted_at__lt=cutoff,
            ).order_by()
        )
    )


def document_purge(*, document_id: int) -> bool:
    """Delete the file, keep the row (kind, dates) as the record of what was seen. Idempotent."""
    with transaction.atomic():
        document = (
            EvidenceDocument.objects.select_for_update()
            .select_related("application")
            .filter(pk=document_id, purged_at__isnull=True)
            .first()
        )
        if document is None:
            return False
        name = document.file.name
        document.file = ""
        document.purged_at = timezone.now()
        document.save(update_fields=["file", "purged_at"])
        # An original still waiting for its rebuild goes too: nothing of it outlives the purge.
        DocumentQuarantine.objects.filter(document_id=document.pk).delete()
        audit_record(
            actor=None,
            action="document.purged",
            target=document,
            partner_id=document.application.partner_id,
            data={"kind": document.kind},
        )
        if name:
            transaction.on_commit(lambda: EvidenceDocument.file.field.storage.delete(name))
    return True


def documents_purge() -> int:
    return sum(document_purge(document_id=d.pk) for d in documents_due_for_purge())


__all__ = [
    "REMINDER_DAYS_BEFORE",
    "document_purge",
    "documents_due_for_purge",
    "documents_purge",
    "verification_reminder_send",
    "verification_reminders_send",
    "verifications_due_for_reminder",
    "verifications_expire",
]
