"""The choices of credentials' models (statuses, causes, kinds), apart so the models module stays
short; `credentials.models` re-exports them, so either import works."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class AccessMethod(models.TextChoices):
    VOUCHER = "voucher", _("Voucher codes")
    API = "api", _("Provider API")
    OPEN = "open", _("Open link")


class CourseLevel(models.TextChoices):
    BEGINNER = "beginner", _("Beginner")
    INTERMEDIATE = "intermediate", _("Intermediate")
    ADVANCED = "advanced", _("Advanced")


class EnrolmentStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    PROVISIONING = "provisioning", _("Being set up")
    ACTIVE = "active", _("Active")
    COMPLETED = "completed", _("Completed")
    WAITLISTED = "waitlisted", _("On the waiting list")
    FAILED = "failed", _("Could not be set up")
    REVOKED = "revoked", _("Withdrawn by the partner")


class EnrolmentFailureCause(models.TextChoices):
    """Why access could not be set up. What is shown to the learner depends on it; the
    provider's own words stay in `failure_reason`, for staff only."""

    PROVIDER_REFUSED = "provider_refused", _("The provider refused the enrolment")
    PROVIDER_UNAVAILABLE = "provider_unavailable", _("The provider did not answer")
    NO_ACCESS_CODES = "no_access_codes", _("No access codes left")


class EnrolmentRevokeCause(models.TextChoices):
    """Why access was withdrawn; a coordinator's own words stay in `revoke_reason`."""

    PARTNER = "partner", _("Withdrawn by the partner")
    VERIFICATION_EXPIRED = "verification_expired", _("Verification expired while waiting")
    ACCOUNT_DELETED = "account_deleted", _("The learner deleted their account")


# A learner holds at most one of these per course.
LIVE_ENROLMENT_STATUSES = (
    EnrolmentStatus.REQUESTED,
    EnrolmentStatus.PROVISIONING,
    EnrolmentStatus.ACTIVE,
    EnrolmentStatus.COMPLETED,
    EnrolmentStatus.WAITLISTED,
)
PENDING_ENROLMENT_STATUSES = (EnrolmentStatus.REQUESTED, EnrolmentStatus.PROVISIONING)


class CredentialStatus(models.TextChoices):
    ISSUED = "issued", _("Valid")
    REVOKED = "revoked", _("Revoked")
