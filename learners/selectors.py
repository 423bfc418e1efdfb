"""Read queries for learner pages, scoped to the learner who is asking.

Every function here costs a fixed number of queries whatever the number of rows.
"""

from dataclasses import dataclass, field

from django.db.models import Prefetch
from django.utils import timezone

from credentials.models import Credential, Enrolment
from credentials.selectors import (
    DASHBOARD_CREDENTIALS,
    credentials_of_learner,
)
from credentials.waitlist import enrolments_of_learner_with_places
from partners.models import LIVE_STATUSES, Application, EvidenceDocument, Partner
from partners.selectors import applications_of_learner, partners_serving
from portal.models import User

from .models import DataExport, LearnerProfile


def profile_get_for_user(user: User) -> LearnerProfile | None:
    if not user.is_authenticated:
        return None
    return LearnerProfile.objects.filter(user=user).first()


@dataclass(frozen=True)
class LearnerDashboard:
    profile: LearnerProfile | None
    # Most recent first; each with its partner and its documents (purged ones included).
    applications: list[Application]
    # Newest first, with course, provider and access code.
    enrolments: list[Enrolment] = field(default_factory=list)
    # The latest few, with course and provider.
    credentials: list[Credential] = field(default_factory=list)

    @property
    def current(self) -> Application | None:
        return self.applications[0] if self.applications else None

    @property
    def past(self) -> list[Application]:
        return self.applications[1:]

    @property
    def has_live_application(self) -> bool:
        # A learner can only start a new application when nothing is live, so only the most
        # recent one can be live.
        return self.current is not None and self.current.status in LIVE_STATUSES


def learner_dashboard(user: User) -> LearnerDashboard:
    """The learner's profile, applications (with their documents), courses and latest
    credentials: five queries, whatever the number of rows."""
    applications = list(
        applications_of_learner(user).prefetch_related(
            Prefetch("documents", queryset=EvidenceDocument.objects.order_by("uploaded_at", "pk"))
        )
    )
    profile = profile_get_for_user(user)
    if profile is None:
        # The page sends them to fill in their profile: nothing more is shown.
        return LearnerDashboard(profile=None, applications=applications)
    return LearnerDashboard(
        profile=profile,
        applications=applications,
        enrolments=enrolments_of_learner_with_places(user),
        credentials=credentials_of_learner(user, limit=DASHBOARD_CREDENTIALS),
    )


def learner_live_application(user: User) -> Application | None:
    """The learner's open or approved application, if any (at most one, by a DB constraint)."""
    return (
        Application.objects.filter(learner=user, status__in=LIVE_STATUSES)
        .select_related("partner")
        .first()
    )


def partners_for_learner(profile: LearnerProfile) -> list[Partner]:
    """Active partners that serve the country the learner lives in, by name."""
    return list(partners_serving(profile.country_of_residence.code))


def partner_serves(partner: Partner, country: str) -> bool:
    return country in {c.code for c in partner.countries}


# --- the learner's data exports ------------------------------------------------------------------


def data_export_latest(user: User) -> DataExport | None:
    """The learner's most recent export (only their own)."""
    if not user.is_authenticated:
        return None
    return DataExport.objects.filter(learner=user).first()


def data_export_is_downloadable(export: DataExport | None, *, now=None) -> bool:
    now = now or timezone.now()
    return bool(
        export is not None
        and export.status == DataExport.Status.READY
        and export.file_name
        and export.expires_at
        and export.expires_at > now
    )


def data_export_in_progress(export: DataExport | None) -> bool:
    return export is not None and export.status in (
        DataExport.Status.PENDING,
        DataExport.Status.RUNNING,
    )


def partner_active_by_slug(slug: str) -> Partner | None:
    """The active partner whose join link the visitor followed, if it is still active."""
    return Partner.objects.filter(slug=slug, is_active=True).first()
