"""Partner organisations, their staff, and learners' applications for verification."""

import uuid
from datetime import timedelta

from django.conf import settings
from django.core.validators import MaxLengthValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from portal.models import AbstractApiKey
from portal.storage import private_storage


class Partner(models.Model):
    """An NGO that vouches for learners (a UNHCR office, Kiron, a local organisation).

    Personal data: contact_email may name a person. The contact fields are shown to the public on
    the help page: they are meant for the organisation's shared address, phone and office.
    """

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("short name in links"), max_length=80, unique=True)
    countries = CountryField(_("countries served"), multiple=True, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    # Shown on the public help page, with contact_email: the organisation's own, never a person's.
    contact_phone = models.CharField(_("contact phone"), max_length=40, blank=True)
    contact_details = models.TextField(
        _("address and opening hours"),
        max_length=400,
        blank=True,
        validators=[MaxLengthValidator(400)],
    )
    description = models.TextField(
        _("short description"), max_length=600, blank=True, validators=[MaxLengthValidator(600)]
    )
    verification_validity_days = models.PositiveIntegerField(
        _("verification valid for (days)"), default=365, validators=[MinValueValidator(1)]
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("partner")
        verbose_name_plural = _("partners")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(verification_validity_days__gte=1), name="partner_validity_positive"
            )
        ]

    def __str__(self) -> str:
        return self.name


class StaffRole(models.TextChoices):
    REVIEWER = "reviewer", _("Reviewer")
    COORDINATOR = "coordinator", _("Coordinator")


class Membership(models.Model):
    """A staff member of a partner. Coordinators also manage staff, keys and invitations."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=20, choices=StaffRole.choices)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    # The daily e-mail of what is new in the queue (services/digest.py): the staff member can
    # turn it off; digest_sent_at is when the last one went (the next counts from there).
    digest_enabled = models.BooleanField(_("daily summary e-mail"), default=True)
    digest_sent_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("staff membership")
        verbose_name_plural = _("staff memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "partner"], name="one_membership_per_partner")
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.partner} ({self.role})"


def invitation_expiry():
    return timezone.now() + timedelta(days=7)


class StaffInvitation(models.Model):
    """A single-use link inviting someone to join a partner's staff. Only the token's hash is kept.

    Personal data: email.
    """

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(_("e-mail"))
    role = models.CharField(_("role"), max_length=20, choices=StaffRole.choices)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    expires_at = models.DateTimeField(default=invitation_expiry)
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("staff invitation")
        verbose_name_plural = _("staff invitations")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.email} → {self.partner}"

    @property
    def is_usable(self) -> bool:
        return not self.accepted_at and not self.revoked_at and self.expires_at > timezone.now()


class DisplacementStatus(models.TextChoices):
    REFUGEE = "refugee", _("Refugee")
    ASYLUM_SEEKER = "asylum_seeker", _("Asylum seeker")
    INTERNALLY_DISPLACED = "internally_displaced", _("Internally displaced person")
    STATELESS = "stateless", _("Stateless person")
    OTHER = "other", _("Other")


class ApplicationStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    INFO_REQUESTED = "info_requested", _("More information requested")
    APPROVED = "approved", _("Verified")
    REJECTED = "rejected", _("Not verified")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    EXPIRED = "expired", _("Expired")


# Open: waiting for the partner or the learner. Live: open, or approved and still valid.
OPEN_STATUSES = (ApplicationStatus.SUBMITTED, ApplicationStatus.INFO_REQUESTED)
LIVE_STATUSES = (*OPEN_STATUSES, ApplicationStatus.APPROVED)


class RejectionReason(models.TextChoices):
    NOT_ELIGIBLE = "not_eligible", _("Not eligible for this programme")
    OUTSIDE_AREA = "outside_area", _("Outside the area this partner serves")
    CANNOT_CONFIRM = "cannot_confirm", _("Status could not be confirmed")
    DUPLICATE = "duplicate", _("Duplicate application")
    OTHER = "other", _("Other reason")


class Application(models.Model):
    """A learner's request that a partner confirm their displacement status.

    Personal data: learner, displacement_status, case_number_encrypted (encrypted at rest;
    case_number_hash is a keyed hash for exact search), country_of_residence, note, messages.
    """

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="applications"
    )
    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="applications")
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=ApplicationStatus.choices,
        default=ApplicationStatus.SUBMITTED,
    )
    displacement_status = models.CharField(
        _("displacement status"), max_length=30, choices=DisplacementStatus.choices
    )
    case_number_encrypted = models.TextField(blank=True, editable=False)
    case_number_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    # A copy made at submission, so the queue filters without reaching into another app.
    country_of_residence = CountryField(_("country of residence"))
    note = models.TextField(
        _("note"), max_length=1000, blank=True, validators=[MaxLengthValidator(1000)]
    )
    info_request_message = models.TextField(_("information requested"), blank=True)
    rejection_reason = models.CharField(
        _("reason"), max_length=30, choices=RejectionReason.choices, blank=True
    )
    decision_note = models.TextField(_("decision note"), blank=True, max_length=1000)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    submitted_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    verified_until = models.DateField(null=True, blank=True)
    expiry_reminder_sent_at = models.DateTimeField(null=True, blank=True)
    # Whether the partner registered the learner in person (assisted registration).
    assisted = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        constraints = [
            models.UniqueConstraint(
                fields=["learner"],
                condition=Q(status__in=[s.value for s in LIVE_STATUSES]),
                name="one_live_application_per_learner",
            ),
            models.CheckConstraint(
                condition=~Q(status=ApplicationStatus.APPROVED) | Q(verified_until__isnull=False),
                name="approved_application_has_expiry",
            ),
        ]
        indexes = [
            # The review queue: one partner's applications in a status, oldest first.
            models.Index(fields=["partner", "status", "submitted_at", "id"]),
            models.Index(fields=["status", "verified_until"]),
            # A learner's current (latest) application: who may reach them (partners/reach.py).
            models.Index(
                fields=["learner", "-created_at", "-id"], name="application_learner_latest"
            ),
        ]

    def __str__(self) -> str:
        return f"Application {self.pk} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class DocumentKind(models.TextChoices):
    PDF = "pdf", "PDF"
    JPEG = "jpeg", "JPEG"
    PNG = "png", "PNG"


def evidence_upload_to(instance, filename):
    # The learner's file name is never used: it may contain their name or case number.
    return f"evidence/{uuid.uuid4().hex}"


class DocumentState(models.TextChoices):
    # The original waits (encrypted) in DocumentQuarantine; nothing is stored or served yet.
    CHECKING = "checking", _("Being checked")
    # `file` is the rebuilt, image-only copy: the only thing ever stored and served.
    READY = "ready", _("Ready")
    # It could not be rebuilt (failure says why); the original is gone, no file is kept.
    FAILED = "failed", _("Could not be read")


class DocumentFailure(models.TextChoices):
    UNREADABLE = "unreadable", _("Could not be read")
    PASSWORD = "password", _("Protected by a password")
    TOO_MANY_PAGES = "too_many_pages", _("Too many pages")


class EvidenceDocument(models.Model):
    """A document a learner gave as evidence, kept privately until the retention purge.

    What is stored is never the learner's file but a copy rebuilt from its pixels (see
    partners/documents.py); until then the document is `checking` and has no file.

    Personal data: file. After the purge only kind and dates remain.
    """

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="documents")
    file = models.FileField(storage=private_storage, upload_to=evidence_upload_to, blank=True)
    kind = models.CharField(max_length=10, choices=DocumentKind.choices)
    size = models.PositiveIntegerField()
    state = models.CharField(
        max_length=10, choices=DocumentState.choices, default=DocumentState.CHECKING
    )
    failure = models.CharField(max_length=20, choices=DocumentFailure.choices, blank=True)
    uploaded_at = models.DateTimeField(default=timezone.now, editable=False)
    checked_at = models.DateTimeField(null=True, blank=True)
    purged_at = models.DateTimeField(null=True, blank=True)
    # When its rebuild job was last sent: the reconciler sends it again only once this lease
    # (services.documents.REBUILD_LEASE) has run out, never every few minutes.
    rebuild_queued_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("evidence document")
        verbose_name_plural = _("evidence documents")
        ordering = ["uploaded_at", "id"]
        constraints = [
            # A failure reason only on a failed document; a failed document keeps no file.
            models.CheckConstraint(
                condition=Q(state="failed") | Q(failure=""), name="document_failure_only_if_failed"
            ),
            models.CheckConstraint(
                condition=~Q(state="failed") | Q(file=""), name="failed_document_has_no_file"
            ),
        ]
        indexes = [models.Index(fields=["state", "uploaded_at"], name="document_state_idx")]

    def __str__(self) -> str:
        return f"{self.kind} document {self.pk}"

    @property
    def is_ready(self) -> bool:
        return self.state == DocumentState.READY and self.purged_at is None and bool(self.file)

    @property
    def is_checking(self) -> bool:
        return self.state == DocumentState.CHECKING and self.purged_at is None

    @property
    def failure_message(self) -> str:
        from .documents import failure_message

        return failure_message(self.failure) if self.state == DocumentState.FAILED else ""


class DocumentQuarantine(models.Model):
    """Where a learner's original file waits for its rebuild: encrypted (Fernet, the field key),
    in the database, never in the file store. The rebuild job deletes the row whatever its
    outcome; erasure and the retention purge delete it too.

    Personal data: payload (the learner's original document, encrypted).
    """

    document = models.OneToOneField(
        EvidenceDocument, on_delete=models.CASCADE, related_name="quarantine"
    )
    payload = models.BinaryField()
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    def __str__(self) -> str:
        return f"quarantined original of document {self.document_id}"


class PartnerApiKey(AbstractApiKey):
    """A key for a partner's case-management system (portal.models.AbstractApiKey). Decisions
    made with it are taken in the name of `created_by`, while they are on the partner's staff."""

    owner_field = "partner"
    audit_action = "api_key"

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="api_keys")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")
        ordering = ["-created_at"]

    def audit_scope(self) -> dict:
        return {"partner_id": self.partner_id}


class InvitationBatch(models.Model):
    """A CSV of learners to invite, uploaded by a coordinator and sent in the background."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        RUNNING = "running", _("Sending")
        DONE = "done", _("Done")

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="batches")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    total = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Invitation batch {self.pk}"


class InvitationRow(models.Model):
    """One line of an invitation CSV and what became of it.

    Personal data: email, name.
    """

    class Result(models.TextChoices):
        PENDING = "pending", _("Waiting")
        SENT = "sent", _("Sent")
        DUPLICATE = "duplicate", _("Duplicate")
        INVALID = "invalid", _("Invalid")

    batch = models.ForeignKey(InvitationBatch, on_delete=models.CASCADE, related_name="rows")
    line = models.PositiveIntegerField()
    email = models.CharField(max_length=254, blank=True)
    name = models.CharField(max_length=200, blank=True)
    language = models.CharField(max_length=10, blank=True)
    result = models.CharField(max_length=10, choices=Result.choices, default=Result.PENDING)
    error = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["line"]
        constraints = [models.UniqueConstraint(fields=["batch", "line"], name="one_row_per_line")]

    def __str__(self) -> str:
        return f"line {self.line}: {self.result}"
