"""Evidence documents: quarantine at upload, rebuild from pixels in a job, reconcile stuck ones.

The learner's original file never reaches the file store. At upload it is encrypted into a
DocumentQuarantine row (same transaction as the application); after commit a job renders it to
pixels in a limited child process and stores only the rebuilt copy, then deletes the quarantine
row whatever the outcome. See docs/decisions/0016-evidence-documents-rebuilt.md.
"""

from datetime import timedelta

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from portal.crypto import decrypt_bytes, encrypt_bytes
from portal.services import audit_record

from ..documents import DocumentRefused, Rebuilt, rebuild_document
from ..models import (
    DocumentFailure,
    DocumentKind,
    DocumentQuarantine,
    DocumentState,
    EvidenceDocument,
    evidence_upload_to,
)

# A document still "being checked" this long after its job was last sent lost that job (broker
# down, worker killed): the reconciler sends it again, and records when. Longer than a rebuild
# can take (REBUILD_TIMEOUT_SECONDS) plus a queue's usual wait, so a job still waiting or running
# is not sent twice, and a document that keeps losing its job costs one rebuild per lease.
REBUILD_LEASE = timedelta(minutes=10)


def _storage():
    return EvidenceDocument.file.field.storage


def document_download_record(*, document: EvidenceDocument, partner_id: int, acting_user) -> None:
    """A member of the partner's staff downloads an applicant's document: who, which, when, in
    the audit log (every view of an applicant record is audited)."""
    audit_record(
        actor=acting_user,
        action="document.downloaded",
        target=document,
        partner_id=partner_id,
        data={"application": document.application_id, "kind": document.kind},
    )


def document_quarantine(*, application, kind: DocumentKind, data: bytes) -> EvidenceDocument:
    """Record an uploaded document as `checking`, its bytes encrypted in the database, and send
    the rebuild job after commit. Call inside the caller's transaction."""
    document = EvidenceDocument.objects.create(
        application=application,
        kind=kind,
        size=len(data),
        state=DocumentState.CHECKING,
        rebuild_queued_at=timezone.now(),
    )
    DocumentQuarantine.objects.create(document=document, payload=encrypt_bytes(data))
    _enqueue_rebuild(document.pk)
    return document


def _enqueue_rebuild(document_id: int) -> None:
    from ..tasks import document_rebuild_task

    document_rebuild_task.delay_on_commit(document_id)


def _original_of(document: EvidenceDocument) -> bytes | None:
    quarantined = DocumentQuarantine.objects.filter(document=document).first()
    if quarantined is not None:
        return decrypt_bytes(quarantined.payload)
    # Stored before documents were rebuilt (see `documents_rebuild_legacy`): the file on disk
    # is the learner's original, never served while the document is `checking`.
    if document.file.name:
        try:
            with _storage().open(document.file.name, "rb") as handle:
                return handle.read()
        except FileNotFoundError:
            return None
    return None


def document_rebuild(*, document_id: int) -> bool:
    """Rebuild one `checking` document; returns whether this call settled it. Idempotent: a
    document already ready, failed, purged or deleted is left alone.

    No transaction is held while the child renders (seconds); the result is written under a row
    lock, and only if the document is still `checking` then.
    """
    document = (
        EvidenceDocument.objects.filter(
            pk=document_id, state=DocumentState.CHECKING, purged_at__isnull=True
        )
        .only("pk", "kind", "file", "state")
        .first()
    )
    if document is None:
        return False
    original = _original_of(document)
    if original is None:
        return _settle(document_id, rebuilt=None, reason=DocumentFailure.UNREADABLE)
    try:
        rebuilt = rebuild_document(original, document.kind)
    except DocumentRefused as refused:
        return _settle(document_id, rebuilt=None, reason=refused.reason)
    finally:
        del original
    return _settle(document_id, rebuilt=rebuilt, reason="")


def _settle(document_id: int, *, rebuilt: Rebuilt | None, reason: str) -> bool:
    storage = _storage()
    new_name = ""
    if rebuilt is not None:
        new_name = storage.save(evidence_upload_to(None, ""), ContentFile(rebuilt.data))
    try:
        with transaction.atomic():
            document = (
                EvidenceDocument.objects.select_for_update()
                .select_related("application")
                .filter(pk=document_id, state=DocumentState.CHECKING, purged_at__isnull=True)
                .first()
            )
            if document is None:
                # Settled by another run, purged or erased meanwhile: drop what this run made.
                if new_name:
                    transaction.on_commit(lambda: storage.delete(new_name))
                DocumentQuarantine.objects.filter(document_id=document_id).delete()
                return False
            legacy_name = document.file.name
            if rebuilt is not None:
                document.file.name = new_name
                document.kind = rebuilt.kind
                document.size = len(rebuilt.data)
                document.state = DocumentState.READY
            else:
                document.file = ""
                document.state = DocumentState.FAILED
                document.failure = reason
            document.checked_at = timezone.now()
            document.save(update_fields=["file", "kind", "size", "state", "failure", "checked_at"])
            DocumentQuarantine.objects.filter(document_id=document_id).delete()
            audit_record(
                actor=None,
                action="document.rebuilt" if rebuilt is not None else "document.refused",
                target=document,
                partner_id=document.application.partner_id,
                data={"kind": document.kind, **({"reason": reason} if reason else {})},
            )
            if legacy_name and legacy_name != new_name:
                transaction.on_commit(lambda: storage.delete(legacy_name))
    except Exception:
        if new_name:
            storage.delete(new_name)
        raise
    return True


def _lease_expired():
    """Documents still being checked whose job was sent more than REBUILD_LEASE ago (or never
    recorded: stored before the lease existed)."""
    cutoff = timezone.now() - REBUILD_LEASE
    return EvidenceDocument.objects.filter(
        state=DocumentState.CHECKING, purged_at__isnull=True
    ).filter(
        Q(rebuild_queued_at__lt=cutoff) | Q(rebuild_queued_at__isnull=True, uploaded_at__lt=cutoff)
    )


def documents_to_reconcile() -> list[int]:
    return list(_lease_expired().order_by("uploaded_at", "pk").values_list("pk", flat=True))


@transaction.atomic
def documents_rebuild_reconcile() -> int:
    """Periodic: send the rebuild job again for documents whose lease ran out, and start a new
    lease for each. Two reconcilers at once never send the same document twice (row locks,
    skipping those another one holds)."""
    ids = list(
        _lease_expired()
        .select_for_update(skip_locked=True)
        .order_by("uploaded_at", "pk")
        .values_list("pk", flat=True)
    )
    EvidenceDocument.objects.filter(pk__in=ids).update(rebuild_queued_at=timezone.now())
    for document_id in ids:
        _enqueue_rebuild(document_id)
    return len(ids)


def documents_rebuild_pending() -> dict[str, int]:
    """Rebuild, here and now, every document still `checking` — those uploaded before
    documents were rebuilt (the migration marked them so) and any whose job was lost. For the
    `documents_rebuild` command; returns how many became ready and how many failed."""
    ids = list(
        EvidenceDocument.objects.filter(state=DocumentState.CHECKING, purged_at__isnull=True)
        .order_by("uploaded_at", "pk")
        .values_list("pk", flat=True)
    )
    for document_id in ids:
        document_rebuild(document_id=document_id)
    settled = EvidenceDocument.objects.filter(pk__in=ids)
    return {
        "ready": settled.filter(state=DocumentState.READY).count(),
        "failed": settled.filter(state=DocumentState.FAILED).count(),
        "checking": settled.filter(state=DocumentState.CHECKING).count(),
    }


__all__ = [
    "document_quarantine",
    "document_rebuild",
    "documents_rebuild_pending",
    "documents_rebuild_reconcile",
    "documents_to_reconcile",
]
