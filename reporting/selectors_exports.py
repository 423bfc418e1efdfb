"""Reads for exports and the monthly reports: who may export what, a person's own exports (an
export is only ever seen by the person who asked for it), and the numbers of a report's e-mail.
"""

from dataclasses import dataclass

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from partners.models import Partner, StaffRole
from partners.permissions import can_coordinate, is_programme_admin
from portal.models import User

from . import exports
from .models import Dimension, ExportJob, ExportKind, Metric, SummaryCount

EXPORT_LIST_SIZE = 50


# --- who may export what -------------------------------------------------------------------------


def coordinated_partners(user: User) -> QuerySet[Partner]:
    if not user.is_authenticated or not user.is_partner_staff:
        return Partner.objects.none()
    return Partner.objects.filter(
        memberships__user=user, memberships__role=StaffRole.COORDINATOR
    ).order_by("name")


def export_partner_choices(user: User) -> QuerySet[Partner]:
    """The partners whose figures the user may export: any for an admin, their own for a
    coordinator."""
    if is_programme_admin(user):
        return Partner.objects.order_by("name")
    return coordinated_partners(user)


def export_kinds_for(user: User) -> list[str]:
    if is_programme_admin(user):
        return [ExportKind.PROGRAMME_AGGREGATES, ExportKind.PARTNER_AGGREGATES]
    if coordinated_partners(user).exists():
        return [ExportKind.PARTNER_AGGREGATES]
    return []


def can_request_exports(user: User) -> bool:
    """Programme admins and coordinators; reviewers and learners do not see exports at all."""
    return is_programme_admin(user) or coordinated_partners(user).exists()


def can_export(user: User, *, kind: str, partner: Partner | None) -> bool:
    if kind == ExportKind.PARTNER_AGGREGATES:
        return partner is not None and (
            is_programme_admin(user) or can_coordinate(user, partner.pk)
        )
    if kind == ExportKind.PROGRAMME_AGGREGATES:
        return partner is None and is_programme_admin(user)
    # Any other kind (the withdrawn list of learners, a crafted value): nobody.
    return False


# --- reads ---------------------------------------------------------------------------------------


def exports_of_user(user: User) -> list[ExportJob]:
    """The user's own exports, newest first."""
    return list(
        ExportJob.objects.filter(requested_by=user).select_related("partner")[:EXPORT_LIST_SIZE]
    )


def export_get_for_requester_or_404(user: User, pk: int) -> ExportJob:
    """The export, if this user asked for it and may still see its kind of figures. Anybody
    else — another admin too — gets 404."""
    if not user.is_authenticated:
        raise Http404
    job = ExportJob.objects.select_related("partner").filter(pk=pk, requested_by=user).first()
    if job is None or not can_export(user, kind=job.kind, partner=job.partner):
        raise Http404
    return job


def export_is_downloadable(job: ExportJob, *, now=None) -> bool:
    now = now or timezone.now()
    return job.status == ExportJob.Status.READY and bool(job.expires_at and job.expires_at > now)


def export_percent(job: ExportJob) -> int:
    """How far the build got (a job that has not counted its work yet is at 0, not 100)."""
    if job.status in (ExportJob.Status.PENDING, ExportJob.Status.RUNNING) and not job.total:
        return 0
    return job.percent


def export_is_expired(job: ExportJob, *, now=None) -> bool:
    now = now or timezone.now()
    return job.status == ExportJob.Status.EXPIRED or (
        job.status == ExportJob.Status.READY and bool(job.expires_at and job.expires_at <= now)
    )


@dataclass(frozen=True)
class Headline:
    label: str
    total: str  # protected: a multiple of 5, "<5" for 0
    in_month: str  # the report month's new ones, as shown in the CSV's month table


def report_headlines(*, partner: Partner | None, month: str) -> list[Headline]:
    """The numbers of a report's e-mail, taken from the protected month table itself, so that
    the e-mail shows the very numbers of the attached CSV."""
    (by_month,) = [
        table
        for table in exports.aggregate_tables(partner=partner)
        if table.title == exports._title(Dimension.MONTH)
    ]
    headlines = []
    for column, metric in enumerate(exports.ALL_METRICS):
        headlines.append(
            Headline(
                label=str(Metric(metric).label),
                total=by_month.total_row[column + 1],
                in_month=by_month.value(month, column),
            )
        )
    return headlines


def programme_reach() -> dict[str, int]:
    """Counts of organisations and places, not of people (countries where the protected count
    of learners is above 0)."""
    countries = (
        SummaryCount.objects.filter(
            scope_partner_id__isnull=True,
            metric=Metric.LEARNERS,
            dimension=Dimension.RESIDENCE,
            published__gt=0,
        )
        .exclude(key="")
        .count()
    )
    return {"partners": Partner.objects.filter(is_active=True).count(), "countries": countries}
