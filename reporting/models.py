"""Roll-up tables: counts maintained by Celery (refresh.py), read by dashboards and exports.

Two levels. The *daily* tables hold counts by day x partner x country x status (applications,
learners by funnel stage) and by day x partner x provider x course x status (enrolments,
credentials): they are rebuilt from the live tables with INSERT ... SELECT ... GROUP BY. The
*summary* tables (monthly trends, breakdowns, funnel, decision times, seat usage) are rebuilt from
the daily ones and are what dashboards read: their size depends on the number of partners,
countries and months, never on the number of learners.

No table here holds anything about one person: only counts.
"""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Stage(models.IntegerChoices):
    """How far a learner got; each stage includes the ones before it."""

    SIGNED_UP = 1, _("Signed up")
    APPLIED = 2, _("Applied")
    VERIFIED = 3, _("Verified")
    ENROLLED = 4, _("Enrolled")
    COMPLETED = 5, _("Completed")
    CREDENTIALED = 6, _("Credential issued")


# --- daily roll-ups ------------------------------------------------------------------------------


class LearnerDaily(models.Model):
    """Learners by sign-up day, partner of their latest application (null: none yet), country of
    residence and origin, and the furthest funnel stage reached."""

    day = models.DateField()
    partner_id = models.IntegerField(null=True)
    country_of_residence = models.CharField(max_length=2)
    country_of_origin = models.CharField(max_length=2, blank=True)
    stage = models.PositiveSmallIntegerField(choices=Stage.choices)
    count = models.PositiveIntegerField()

    class Meta:
        indexes = [models.Index(fields=["partner_id", "day"])]

    def __str__(self) -> str:
        return f"{self.day} stage {self.stage}: {self.count}"


class ApplicationDaily(models.Model):
    """Applications by submission day x partner x country of residence x origin x status."""

    day = models.DateField()
    partner_id = models.IntegerField()
    country_of_residence = models.CharField(max_length=2)
    country_of_origin = models.CharField(max_length=2, blank=True)
    status = models.CharField(max_length=20)
    count = models.PositiveIntegerField()

    class Meta:
        indexes = [models.Index(fields=["partner_id", "day"])]

    def __str__(self) -> str:
        return f"{self.day} {self.status}: {self.count}"


class EnrolmentDaily(models.Model):
    """Enrolments by request day x partner x provider x course x status."""

    day = models.DateField()
    partner_id = models.IntegerField()
    provider_id = models.IntegerField()
    course_id = models.IntegerField()
    status = models.CharField(max_length=20)
    count = models.PositiveIntegerField()

    class Meta:
        indexes = [models.Index(fields=["partner_id", "day"])]

    def __str__(self) -> str:
        return f"{self.day} {self.status}: {self.count}"


class CredentialDaily(models.Model):
    """Credentials by issue day x partner (null once the enrolment is erased) x provider x course x
    status."""

    day = models.DateField()
    partner_id = models.IntegerField(null=True)
    provider_id = models.IntegerField()
    course_id = models.IntegerField()
    status = models.CharField(max_length=10)
    count = models.PositiveIntegerField()

    class Meta:
        indexes = [models.Index(fields=["partner_id", "day"])]

    def __str__(self) -> str:
        return f"{self.day} {self.status}: {self.count}"


# --- summaries the dashboards read (scope: partner_id, or null for the whole programme) ----------


class Metric(models.TextChoices):
    LEARNERS = "learners", _("Learners")
    APPLICATIONS = "applications", _("Applications")
    VERIFIED = "verified", _("Verified learners")
    ENROLMENTS = "enrolments", _("Enrolments")
    COMPLETIONS = "completions", _("Completions")
    CREDENTIALS = "credentials", _("Credentials")


# The metrics about people (counted per country) and about courses (counted per provider); the
# month and partner tables have all of them, in this order (exports and dashboards alike).
PEOPLE_METRICS = (Metric.LEARNERS, Metric.APPLICATIONS, Metric.VERIFIED)
COURSE_METRICS = (Metric.ENROLMENTS, Metric.COMPLETIONS, Metric.CREDENTIALS)
ALL_METRICS = PEOPLE_METRICS + COURSE_METRICS


class Dimension(models.TextChoices):
    MONTH = "month", _("Month")
    PARTNER = "partner", _("Partner")
    RESIDENCE = "residence", _("Country of residence")
    ORIGIN = "origin", _("Country of origin")
    PROVIDER = "provider", _("Provider")
    COURSE = "course", _("Course")
    STAGE = "stage", _("Funnel stage")
    TOTAL = "total", _("Total")


class SummaryCount(models.Model):
    """One number of a dashboard: metric x dimension x key (a month "2026-03", a partner id, a
    country code, a provider id, a stage...) within a scope (a partner, or the programme)."""

    scope_partner_id = models.IntegerField(null=True)
    metric = models.CharField(max_length=20, choices=Metric.choices)
    dimension = models.CharField(max_length=10, choices=Dimension.choices)
    key = models.CharField(max_length=20)
    value = models.BigIntegerField()
    # What every dashboard, export and report shows: `value` protected by suppression.py.
    published = models.BigIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["scope_partner_id", "dimension"])]

    def __str__(self) -> str:
        return f"{self.metric} by {self.dimension} {self.key}: {self.value}"


class DecisionTime(models.Model):
    """Median time from submission to decision, per partner (over the last 365 days)."""

    partner_id = models.IntegerField(unique=True)
    decisions = models.PositiveIntegerField()
    decisions_published = models.PositiveIntegerField(default=0)  # rounded (suppression.py)
    median_hours = models.FloatField()

    def __str__(self) -> str:
        return f"partner {self.partner_id}: {self.median_hours:.1f} h"


class SeatUsage(models.Model):
    partner_id = models.IntegerField()
    provider_id = models.IntegerField()
    total = models.PositiveIntegerField()
    used = models.PositiveIntegerField()
    used_published = models.PositiveIntegerField(default=0)  # rounded (suppression.py)

    class Meta:
        indexes = [models.Index(fields=["partner_id"])]

    def __str__(self) -> str:
        return f"partner {self.partner_id} @ {self.provider_id}: {self.used}/{self.total}"


class RefreshState(models.Model):
    """One row: when the roll-ups were last rebuilt, and how long it took."""

    refreshed_at = models.DateTimeField(default=timezone.now)
    duration_ms = models.PositiveIntegerField(default=0)
    requested_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"refreshed {self.refreshed_at:%Y-%m-%d %H:%M}"


# --- exports -------------------------------------------------------------------------------------


class ExportKind(models.TextChoices):
    PROGRAMME_AGGREGATES = "programme_aggregates", _("Programme figures (counts)")
    PARTNER_AGGREGATES = "partner_aggregates", _("Partner figures (counts)")
    # "learners", a row-level list of learners, was withdrawn: migration 0004 deleted its jobs and
    # files (docs/decisions/0014).


class ExportJob(models.Model):
    """A CSV built in the background for the person who asked, kept privately and downloadable by
    them alone for EXPORT_TTL (24 hours), then deleted. Every request and download is audited."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        RUNNING = "running", _("Being built")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")
        EXPIRED = "expired", _("Expired")

    kind = models.CharField(max_length=30, choices=ExportKind.choices)
    requested_by = models.ForeignKey(
        "portal.User", on_delete=models.CASCADE, related_name="+", editable=False
    )
    # The partner a partner export is about (null for programme-wide exports).
    partner = models.ForeignKey(
        "partners.Partner", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    total = models.PositiveIntegerField(default=0)
    processed = models.PositiveIntegerField(default=0)
    file_name = models.CharField(max_length=200, blank=True, editable=False)
    rows = models.PositiveIntegerField(default=0)
    error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["requested_by", "created_at"])]

    def __str__(self) -> str:
        return f"{self.kind} export {self.pk} ({self.status})"

    @property
    def percent(self) -> int:
        return 100 if not self.total else min(100, self.processed * 100 // self.total)


# --- scheduled reports ---------------------------------------------------------------------------


class ReportDelivery(models.Model):
    """That a monthly report went out (to a partner's coordinators, or to the programme admins),
    so a retried or repeated run never e-mails the same month twice."""

    class Report(models.TextChoices):
        PARTNER = "partner", _("Partner report")
        PROGRAMME = "programme", _("Programme report")

    report = models.CharField(max_length=10, choices=Report.choices)
    # The partner a partner report is about (null for the programme report).
    partner = models.ForeignKey(
        "partners.Partner", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    month = models.CharField(max_length=7)  # the month reported on, "YYYY-MM"
    recipients = models.PositiveIntegerField(default=0)
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["report", "partner", "month"],
                condition=models.Q(partner__isnull=False),
                name="one_partner_report_per_month",
            ),
            models.UniqueConstraint(
                fields=["report", "month"],
                condition=models.Q(partner__isnull=True),
                name="one_programme_report_per_month",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.report} report {self.month}"
