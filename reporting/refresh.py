"""Rebuild the roll-ups from the live tables (daily level), then the summaries from the daily level.

One transaction, serialised by a lock on the RefreshState row: readers see the old numbers until
the new ones are committed, never a half-built set. Every count is recomputed, so updates and
deletions in the live tables are reflected as surely as inserts. The protected counts that every
output shows (suppression.py) are computed here too, once, beside the true ones.
"""

import statistics
import time
from collections import defaultdict
from datetime import timedelta

from django.db import connection, transaction
from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncDate, TruncMonth
from django.utils import timezone

from credentials.models import Credential, Enrolment, EnrolmentStatus, SeatAllocation
from learners.models import LearnerProfile
from partners.models import Application, ApplicationStatus

from .models import (
    ApplicationDaily,
    CredentialDaily,
    DecisionTime,
    Dimension,
    EnrolmentDaily,
    LearnerDaily,
    Metric,
    RefreshState,
    SeatUsage,
    Stage,
    SummaryCount,
)
from .suppression import BASE, protect_counts, round_family, round_total

VERIFIED_STATUSES = (ApplicationStatus.APPROVED, ApplicationStatus.EXPIRED)
DECISION_WINDOW = timedelta(days=365)
MEDIAN_DECISION_HOURS_SQL = """
    SELECT partner_id, COUNT(*),
           percentile_cont(0.5) WITHIN GROUP
             (ORDER BY EXTRACT(EPOCH FROM (decided_at - submitted_at)) / 3600.0)
      FROM partners_application
     WHERE decided_at IS NOT NULL AND decided_at >= %s
     GROUP BY partner_id
"""


# --- daily level: INSERT ... SELECT ... GROUP BY from the live tables ---------------------------


def _insert_select(model, columns: list[str], queryset) -> None:
    """INSERT INTO <model> (columns) <queryset's SQL>; the queryset selects exactly `columns`,
    in that order (values(*columns[:-1]).annotate(count=...) does)."""
    sql, params = queryset.query.sql_with_params()
    table = connection.ops.quote_name(model._meta.db_table)
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} ({quoted}) {sql}", params)


def _when(condition, stage: Stage) -> When:
    return When(condition, then=Value(int(stage)))


def learner_stages():
    """Each learner profile with its sign-up day, furthest funnel stage and the partner of its
    latest application (null when it has none)."""
    learner = OuterRef("user_id")
    applications = Application.objects.filter(learner=learner)
    enrolled = Enrolment.objects.filter(learner=learner, activated_at__isnull=False)
    return LearnerProfile.objects.annotate(
        day=TruncDate("created_at"),
        latest_partner=Subquery(
            applications.order_by("-submitted_at", "-id").values("partner_id")[:1]
        ),
        origin=Coalesce("country_of_origin", Value(""), output_field=CharField()),
        stage=Case(
            _when(Exists(Credential.objects.filter(learner=learner)), Stage.CREDENTIALED),
            _when(Exists(enrolled.filter(status=EnrolmentStatus.COMPLETED)), Stage.COMPLETED),
            _when(Exists(enrolled), Stage.ENROLLED),
            _when(Exists(applications.filter(status__in=VERIFIED_STATUSES)), Stage.VERIFIED),
            _when(Exists(applications), Stage.APPLIED),
            default=Value(int(Stage.SIGNED_UP)),
            output_field=IntegerField(),
        ),
    )


def live_learner_counts():
    return (
        learner_stages()
        .values("day", "latest_partner", "country_of_residence", "origin", "stage")
        .annotate(count=Count("id"))
        .order_by()
    )


def live_application_counts():
    origin = LearnerProfile.objects.filter(user_id=OuterRef("learner_id")).values(
        "country_of_origin"
    )[:1]
    return (
        Application.objects.annotate(
            day=TruncDate("submitted_at"),
            origin=Coalesce(Subquery(origin), Value(""), output_field=CharField()),
        )
        .values("day", "partner_id", "country_of_residence", "origin", "status")
        .annotate(count=Count("id"))
        .order_by()
    )


def live_enrolment_counts():
    return (
        Enrolment.objects.annotate(day=TruncDate("requested_at"), provider=F("course__provider_id"))
        .values("day", "partner_id", "provider", "course_id", "status")
        .annotate(count=Count("id"))
        .order_by()
    )


def live_credential_counts():
    return (
        Credential.objects.annotate(
            day=TruncDate("issued_at"),
            partner=F("enrolment__partner_id"),
            provider=F("course__provider_id"),
        )
        .values("day", "partner", "provider", "course_id", "status")
        .annotate(count=Count("id"))
        .order_by()
    )


DAILY = [
    (
        LearnerDaily,
        ["day", "partner_id", "country_of_residence", "country_of_origin", "stage", "count"],
        live_learner_counts,
    ),
    (
        ApplicationDaily,
        ["day", "partner_id", "country_of_residence", "country_of_origin", "status", "count"],
        live_application_counts,
    ),
    (
        EnrolmentDaily,
        ["day", "partner_id", "provider_id", "course_id", "status", "count"],
        live_enrolment_counts,
    ),
    (
        CredentialDaily,
        ["day", "partner_id", "provider_id", "course_id", "status", "count"],
        live_credential_counts,
    ),
]


def _refresh_daily() -> None:
    for model, columns, live in DAILY:
        model.objects.all().delete()
        _insert_select(model, columns, live())


# --- summary level: what dashboards read ---------------------------------------------------------

# (metric, daily model, filter on it): the sources of every count the dashboards show.
SOURCES = [
    (Metric.LEARNERS, LearnerDaily, {}),
    (Metric.VERIFIED, LearnerDaily, {"stage__gte": Stage.VERIFIED}),
    (Metric.APPLICATIONS, ApplicationDaily, {}),
    (Metric.ENROLMENTS, EnrolmentDaily, {"status__in": ["active", "completed", "revoked"]}),
    (Metric.COMPLETIONS, EnrolmentDaily, {"status": EnrolmentStatus.COMPLETED}),
    (Metric.CREDENTIALS, CredentialDaily, {}),
]

# The dimensions each daily table can be broken down by (field or expression name).
DIMENSIONS = {
    LearnerDaily: {
        Dimension.TOTAL: None,
        Dimension.MONTH: "month",
        Dimension.PARTNER: "partner_id",
        Dimension.RESIDENCE: "country_of_residence",
        Dimension.ORIGIN: "country_of_origin",
        Dimension.STAGE: "stage",
    },
    ApplicationDaily: {
        Dimension.TOTAL: None,
        Dimension.MONTH: "month",
        Dimension.PARTNER: "partner_id",
        Dimension.RESIDENCE: "country_of_residence",
        Dimension.ORIGIN: "country_of_origin",
    },
    EnrolmentDaily: {
        Dimension.TOTAL: None,
        Dimension.MONTH: "month",
        Dimension.PARTNER: "partner_id",
        Dimension.PROVIDER: "provider_id",
        Dimension.COURSE: "course_id",
    },
    CredentialDaily: {
        Dimension.TOTAL: None,
        Dimension.MONTH: "month",
        Dimension.PARTNER: "partner_id",
        Dimension.PROVIDER: "provider_id",
        Dimension.COURSE: "course_id",
    },
}


def _key(dimension: str, value) -> str:
    if dimension == Dimension.TOTAL:
        return ""
    if dimension == Dimension.MONTH:
        return value.strftime("%Y-%m")
    return "" if value is None else str(value)


def _summary_rows():
    for metric, model, filters in SOURCES:
        rows = model.objects.filter(**filters).annotate(month=TruncMonth("day"))
        for dimension, field in DIMENSIONS[model].items():
            group = [field] if field else []
            # Programme-wide, and per partner (the partner dimension only programme-wide).
            scopes = [None] if dimension == Dimension.PARTNER else [None, "partner_id"]
            for scope in scopes:
                fields = ([scope] if scope else []) + group
                if fields:
                    grouped = rows.values(*fields).annotate(value=Sum("count")).order_by()
                else:
                    grouped = [rows.aggregate(value=Coalesce(Sum("count"), 0))]
                for row in grouped:
                    scope_id = row.get("partner_id") if scope else None
                    if scope and scope_id is None:
                        continue  # learners who have not applied belong to no partner
                    yield SummaryCount(
                        scope_partner_id=scope_id,
                        metric=metric,
                        dimension=dimension,
                        key=_key(dimension, row[field] if field else None),
                        value=row["value"],
                    )


def _decision_times() -> list[DecisionTime]:
    """Median hours from submission to decision per partner, over the decisions of the last year
    (PostgreSQL computes the median; elsewhere Python does)."""
    since = timezone.now() - DECISION_WINDOW
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(MEDIAN_DECISION_HOURS_SQL, [since])
            return [
                DecisionTime(partner_id=p, decisions=n, median_hours=float(m))
                for p, n, m in cursor.fetchall()
            ]
    hours = defaultdict(list)
    decided = Application.objects.filter(decided_at__isnull=False, decided_at__gte=since)
    for partner_id, submitted, decided_at in decided.values_list(
        "partner_id", "submitted_at", "decided_at"
    ).iterator():
        hours[partner_id].append((decided_at - submitted).total_seconds() / 3600)
    return [
        DecisionTime(partner_id=p, decisions=len(v), median_hours=statistics.median(v))
        for p, v in hours.items()
    ]


def _seat_usage() -> list[SeatUsage]:
    """Seat allocations, with the seats used (people) rounded like every other count: per partner,
    the seats used of the allocations that are not full add up to their rounded total. A full
    allocation is rounded on its own: the seats pages say exactly which allocations are full
    (their seats used are their size, which is public), and as part of the family that exact
    value would narrow the partner's other seat figures."""
    allocations = list(
        SeatAllocation.objects.order_by("pk").values_list(
            "pk", "partner_id", "provider_id", "total", "used"
        )
    )
    by_partner = defaultdict(dict)
    rounded = {}
    for pk, partner_id, _provider, total, used in allocations:
        if used >= total:
            rounded[str(pk)] = round_total(used, cell=(partner_id, "seats-used-full", pk))
        else:
            by_partner[partner_id][str(pk)] = used
    for partner_id, parts in by_partner.items():
        cell = (partner_id, "seats-used")
        total = round_total(sum(parts.values()), cell=cell)
        rounded.update(round_family(parts, total=total, cell=cell))
    # The allocation's size is public and caps its seats used: a figure above it ("5 / 2") would
    # pin a small count. Never above the size rounded down to a multiple of 5 (a function of the
    # rounded figure and the public size: it tells nothing the rounded figure did not).
    return [
        SeatUsage(
            partner_id=p,
            provider_id=v,
            total=t,
            used=u,
            used_published=min(rounded[str(pk)], t - t % BASE),
        )
        for pk, p, v, t, u in allocations
    ]


def _refresh_summaries() -> None:
    SummaryCount.objects.all().delete()
    summaries = list(_summary_rows())
    published = protect_counts(
        {(s.scope_partner_id, s.metric, s.dimension, s.key): s.value for s in summaries}
    )
    for s in summaries:
        s.published = published[s.scope_partner_id, s.metric, s.dimension, s.key]
    SummaryCount.objects.bulk_create(summaries, batch_size=5000)
    DecisionTime.objects.all().delete()
    times = _decision_times()
    for time_ in times:
        time_.decisions_published = round_total(
            time_.decisions, cell=(time_.partner_id, "decisions")
        )
    DecisionTime.objects.bulk_create(times, batch_size=5000)
    SeatUsage.objects.all().delete()
    SeatUsage.objects.bulk_create(_seat_usage(), batch_size=5000)


def rollups_refresh() -> RefreshState:
    """Rebuild every roll-up. Concurrent calls run one after the other."""
    started = time.monotonic()
    with transaction.atomic():
        state = RefreshState.objects.select_for_update().filter(pk=1).first()
        if state is None:
            RefreshState.objects.get_or_create(pk=1)
            state = RefreshState.objects.select_for_update().get(pk=1)
        _refresh_daily()
        _refresh_summaries()
        state.refreshed_at = timezone.now()
        state.duration_ms = int((time.monotonic() - started) * 1000)
        state.requested_at = None
        state.save()
    return state
