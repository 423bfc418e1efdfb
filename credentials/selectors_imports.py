"""Reads for the import pages: a programme admin's completion uploads (each admin sees only the
files they uploaded) and a partner's bulk enrolment uploads (its coordinators), with their lines;
and the provider API keys that completion reports come with."""

from django.core.paginator import Page, Paginator
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from partners.models import Partner
from partners.permissions import can_coordinate, is_programme_admin
from portal.csv_upload import ResultRow
from portal.models import User

from .import_results import RESULTS, SUCCESSES, reason_text
from .models import AccessMethod, Course, ImportJob, ProviderApiKey

ROWS_PAGE_SIZE = 100
RECENT_JOBS = 20
# The columns that tell a person which line a result is about, by kind of import.
ROW_CELLS = {
    ImportJob.Kind.COMPLETIONS: ("email", "course_id"),
    ImportJob.Kind.BULK_ENROLMENT: ("email", "course"),
}


def completion_jobs_for_admin(user: User) -> list[ImportJob]:
    """The admin's own recent completion uploads (each admin sees the rows they uploaded)."""
    if not is_programme_admin(user):
        raise Http404
    return list(
        ImportJob.objects.filter(kind=ImportJob.Kind.COMPLETIONS, created_by=user)
        .select_related("provider")
        .order_by("-created_at", "-pk")[:RECENT_JOBS]
    )


def completion_job_get_for_admin_or_404(user: User, pk: int) -> ImportJob:
    """Only the admin who uploaded the file sees its rows; 404 for anyone else."""
    if not is_programme_admin(user):
        raise Http404
    return get_object_or_404(
        ImportJob.objects.select_related("provider"),
        pk=pk,
        kind=ImportJob.Kind.COMPLETIONS,
        created_by=user,
    )


def bulk_jobs_of_partner(partner: Partner) -> list[ImportJob]:
    return list(
        ImportJob.objects.filter(kind=ImportJob.Kind.BULK_ENROLMENT, partner=partner)
        .select_related("created_by")
        .order_by("-created_at", "-pk")[:RECENT_JOBS]
    )


def bulk_job_get_for_coordinator_or_404(user: User, partner: Partner, pk: int) -> ImportJob:
    if not can_coordinate(user, partner):
        raise Http404
    return get_object_or_404(
        ImportJob.objects.select_related("created_by"),
        pk=pk,
        kind=ImportJob.Kind.BULK_ENROLMENT,
        partner=partner,
    )


def bulk_enrolment_courses(partner: Partner, limit: int = 500) -> QuerySet[Course]:
    """The courses a coordinator may want to enrol learners in, with their numbers: those of
    providers where the partner has seats, and open ones (one query)."""
    return (
        Course.objects.filter(is_active=True, provider__is_active=True)
        .filter(
            Q(provider__allocations__partner=partner, provider__allocations__total__gt=0)
            | Q(provider__access_method=AccessMethod.OPEN)
        )
        .select_related("provider")
        .distinct()
        .order_by("provider__name", "title", "pk")[:limit]
    )


def import_result_counts(job: ImportJob) -> list[tuple[str, str, int]]:
    """(result, label, count) for every possible result of the job's kind (one query)."""
    choices = RESULTS[job.kind]
    found = job.rows.aggregate(
        **{value: Count("pk", filter=Q(result=value)) for value in choices.values}
    )
    return [(value, label, found[value]) for value, label in choices.choices]


def import_rows_page(job: ImportJob, page_number: str | int | None) -> Page:
    """One page of the job's lines in file order, as ResultRows. The job already knows how many
    lines it has: no COUNT query."""
    paginator = Paginator(job.rows.order_by("line", "pk"), ROWS_PAGE_SIZE)
    paginator.count = job.total
    page = paginator.get_page(page_number)
    labels = dict(RESULTS[job.kind].choices)
    successes = SUCCESSES[job.kind]
    cells = ROW_CELLS[job.kind]
    page.object_list = [
        ResultRow(
            line=row.line,
            result_label=str(labels.get(row.result, "")) if row.processed_at else _("Waiting"),
            badge=(
                "light"
                if not row.processed_at
                else "success"
                if row.result in successes
                else "warning"
            ),
            cells=tuple(row.values.get(column, "") for column in cells),
            reason=reason_text(row.message) if row.message else "",
        )
        for row in page.object_list
    ]
    return page


def import_problem_rows(job: ImportJob):
    """The job's handled rows that are not a success, in file order, streamed in chunks."""
    return (
        job.rows.filter(processed_at__isnull=False)
        .exclude(result__in=SUCCESSES[job.kind])
        .order_by("line", "pk")
        .iterator(chunk_size=2000)
    )


# --- provider API keys, for the programme admins' page ---------------------------------------


def provider_api_keys_for_admin(user: User) -> QuerySet[ProviderApiKey]:
    """Every provider key with its provider (one query), for programme admins; 404 otherwise."""
    if not is_programme_admin(user):
        raise Http404
    return ProviderApiKey.objects.select_related("provider").order_by(
        "provider__name", "-created_at", "-pk"
    )


def provider_api_key_get_for_admin_or_404(user: User, pk: int) -> ProviderApiKey:
    if not is_programme_admin(user):
        raise Http404
    return get_object_or_404(ProviderApiKey.objects.select_related("provider"), pk=pk)
