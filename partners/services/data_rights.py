"""Partners' part of a learner's data rights: their applications, evidence documents and the lines
of invitation files that named them. Called by learners/services/data_rights.py, which
orchestrates the export and the erasure in one transaction (docs/decisions/0017-layout.md);
nothing here writes another app's tables.
"""

from portal.data_rights import (
    Someone,
    admin_log_clear,
    country_code,
    files_delete_after_commit,
    when,
)
from portal.models import User

from ..case_numbers import case_number_reveal
from ..models import OPEN_STATUSES, Application, EvidenceDocument, InvitationRow
from .applications import application_withdraw

# --- export --------------------------------------------------------------------------------------


def learner_audit_targets(user: User) -> dict[str, list[int]]:
    """The learner's records of this app, as audit-log object types and ids."""
    return {
        "partners.application": list(
            Application.objects.filter(learner=user).values_list("pk", flat=True)
        ),
        "partners.evidencedocument": list(
            EvidenceDocument.objects.filter(application__learner=user).values_list("pk", flat=True)
        ),
    }


def learner_deciders(user: User) -> set[int]:
    """Who decided the learner's applications (ids only; the export says only their role)."""
    return set(
        Application.objects.filter(learner=user, decided_by__isnull=False).values_list(
            "decided_by_id", flat=True
        )
    )


def learner_applications_export(user: User, *, someone: Someone) -> list[dict]:
    """The learner's applications, oldest first, with their documents listed (not embedded:
    the learner downloads each from their own page). Two queries."""
    applications = (
        Application.objects.filter(learner=user)
        .select_related("partner")
        .prefetch_related("documents")
        .order_by("created_at", "id")
    )
    return [
        {
            "id": application.pk,
            "partner": application.partner.name,
            "status": application.status,
            "displacement_status": application.displacement_status,
            "case_number": case_number_reveal(application) or None,
            "country_of_residence": country_code(application.country_of_residence),
            "note": application.note,
            "information_requested": application.info_request_message,
            "rejection_reason": application.rejection_reason,
            "decision_note": application.decision_note,
            "decided_by": (
                someone(application.decided_by_id) if application.decided_by_id else None
            ),
            "created_at": when(application.created_at),
            "submitted_at": when(application.submitted_at),
            "decided_at": when(application.decided_at),
            "verified_until": when(application.verified_until),
            "registered_in_person": application.assisted,
            "documents": [
                {
                    "id": d.pk,
                    "kind": d.kind,
                    "size": d.size,
                    "state": d.state,
                    "uploaded_at": when(d.uploaded_at),
                    "deleted_at": when(d.purged_at),
                }
                for d in application.documents.all()
            ],
        }
        for application in applications
    ]


# --- erasure -------------------------------------------------------------------------------------


def learner_applications_withdraw(*, user: User) -> int:
    """First step of an erasure: the learner's applications in progress are withdrawn, as the
    learner would (each audited). Returns how many."""
    withdrawn = 0
    for application in Application.objects.filter(learner=user, status__in=OPEN_STATUSES):
        application_withdraw(application=application, acting_user=user)
        withdrawn += 1
    return withdrawn


def learner_applications_erase(*, user: User, email: str) -> int:
    """Delete the learner's evidence documents (the files once the transaction commits) and
    empty every personal field of their applications, which stay to be counted; the lines of
    invitation files that named them (by `email`, their address before the erasure) are
    emptied too. Inside the erasure's transaction. Returns how many documents were deleted."""
    application_ids = list(Application.objects.filter(learner=user).values_list("pk", flat=True))
    documents = EvidenceDocument.objects.filter(application__learner=user)
    file_names = list(documents.values_list("file", flat=True))
    document_count = documents.count()
    documents.delete()
    files_delete_after_commit(file_names)
    Application.objects.filter(pk__in=application_ids).update(
        case_number_encrypted="",
        case_number_hash="",
        note="",
        info_request_message="",
        decision_note="",
    )
    InvitationRow.objects.filter(email__iexact=email).update(email="", name="", error="")
    admin_log_clear({Application: application_ids})
    return document_count
