"""Uploading a file: a programme admin's completions, a coordinator's bulk enrolment. The file is
checked as a whole (portal.csv_upload) and stored as an ImportJob with one ImportRow per line;
its job is sent once the upload is committed."""

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from partners.models import Partner
from partners.permissions import can_coordinate, is_programme_admin
from portal.csv_upload import CsvRow, UploadRejected, csv_rows
from portal.models import User
from portal.services import audit_record

from ...models import ImportJob, ImportRow, Provider

# The learner is named by one of learner_reference, code or email (decision 0022): each line
# gives exactly one; the header must have at least one of these columns.
COMPLETION_COLUMNS = ("learner_reference", "code", "email", "course_id", "completed_at", "grade")
COMPLETION_REQUIRED = ("course_id",)
COMPLETION_LEARNER_COLUMNS = ("learner_reference", "code", "email")
BULK_COLUMNS = ("email", "course")
BULK_REQUIRED = ("email", "course")
# "course_id" is accepted as the name of the column holding the portal's course number.
BULK_ALIASES = {"course_id": "course"}
# Stored with a line that has values beyond the header's columns (rows stored before the
# shared reader have it too); the line's result is then "extra_values".
EXTRA = "_extra"


def _stored_values(row: CsvRow) -> dict[str, str]:
    return {**row.values, EXTRA: "1"} if row.extra else row.values


def _job_create(
    *,
    kind: str,
    rows: list[CsvRow],
    acting_user: User,
    partner: Partner | None = None,
    provider: Provider | None = None,
) -> ImportJob:
    job = ImportJob.objects.create(
        kind=kind,
        partner=partner,
        provider=provider,
        created_by=acting_user,
        total=len(rows),
    )
    ImportRow.objects.bulk_create(
        [ImportRow(job=job, line=row.line, values=_stored_values(row)) for row in rows],
        batch_size=1000,
    )
    audit_record(
        actor=acting_user,
        action=f"import.{kind}.created",
        target=job,
        partner_id=partner.pk if partner else None,
        data={"rows": len(rows), "provider": provider.pk if provider else None},
    )
    import_job_enqueue(job.pk)
    return job


def import_job_enqueue(job_id: int) -> None:
    """Send the job to a worker once the transaction commits."""
    from ...tasks import import_job_process_task

    import_job_process_task.delay_on_commit(job_id)


@transaction.atomic
def completion_import_create(
    *, provider: Provider, csv_file: UploadedFile, acting_user: User
) -> ImportJob:
    """A programme admin uploads a provider's completions; they are recorded in the background."""
    if not is_programme_admin(acting_user):
        raise ValidationError(_("Only programme admins can import completions."), code="forbidden")
    rows = csv_rows(csv_file, columns=COMPLETION_COLUMNS, required=COMPLETION_REQUIRED)
    # Every line holds every column of the header: the first says which columns there are.
    if rows and not any(name in rows[0].values for name in COMPLETION_LEARNER_COLUMNS):
        raise UploadRejected(
            _(
                "The first line must have a column naming the learner: learner_reference, "
                "code or email."
            ),
            code="header",
        )
    return _job_create(
        kind=ImportJob.Kind.COMPLETIONS, rows=rows, acting_user=acting_user, provider=provider
    )


@transaction.atomic
def bulk_enrolment_create(
    *, partner: Partner, csv_file: UploadedFile, acting_user: User
) -> ImportJob:
    """A coordinator enrols learners their organisation verified, from a file, in the background."""
    if not can_coordinate(acting_user, partner):
        raise ValidationError(_("Only a coordinator can enrol learners."), code="forbidden")
    if not partner.is_active:
        raise ValidationError(
            _("This organisation is not active on the portal, so it cannot enrol learners."),
            code="inactive",
        )
    rows = csv_rows(csv_file, columns=BULK_COLUMNS, required=BULK_REQUIRED, aliases=BULK_ALIASES)
    return _job_create(
        kind=ImportJob.Kind.BULK_ENROLMENT, rows=rows, acting_user=acting_user, partner=partner
    )
