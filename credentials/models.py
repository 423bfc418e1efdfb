"""Course providers and catalogue, partner seats, enrolments (free access) and completions."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.models import AbstractApiKey

from .choices import (  # noqa: F401 — re-exported: the app's code imports them from here
    LIVE_ENROLMENT_STATUSES,
    PENDING_ENROLMENT_STATUSES,
    AccessMethod,
    CourseLevel,
    CredentialStatus,
    EnrolmentFailureCause,
    EnrolmentRevokeCause,
    EnrolmentStatus,
)


class Provider(models.Model):
    """A course provider (Coursera, edX, MIT Open Learning...)."""

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("short name"), max_length=80, unique=True)
    website = models.URLField(_("website"), blank=True)
    access_method = models.CharField(
        _("how access is given"), max_length=10, choices=AccessMethod.choices
    )
    # For the API method: where enrolments are posted, and the token (encrypted at rest).
    api_enrolment_url = models.URLField(_("enrolment endpoint"), blank=True)
    api_token_encrypted = models.TextField(blank=True, editable=False)
    # Whether the provider's API refuses an enrolment without an e-mail address: it then gets a
    # pseudonymous address per learner (LearnerReference.provider_email), never an empty one.
    requires_email = models.BooleanField(
        _("requires an e-mail address"),
        default=False,
        help_text=_(
            "Only for the provider API: tick if the provider refuses learners without an e-mail "
            "address. Learners who do not share theirs are then sent as "
            "<learner reference>@<PROVIDER_EMAIL_DOMAIN>."
        ),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("course provider")
        verbose_name_plural = _("course providers")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Course(models.Model):
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="courses")
    # The provider's own identifier for the course: sent on enrolment, used in completions.
    external_id = models.CharField(_("provider's course id"), max_length=100)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    subject = models.CharField(_("subject"), max_length=100)
    level = models.CharField(_("level"), max_length=20, choices=CourseLevel.choices)
    link = models.URLField(_("course link"))
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        ordering = ["title", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "external_id"], name="one_course_per_provider_id"
            )
        ]
        indexes = [models.Index(fields=["is_active", "language", "subject", "level"])]

    def __str__(self) -> str:
        return self.title


class SeatAllocation(models.Model):
    """Seats a partner may give its learners at one provider. Never oversubscribed: the database
    refuses `used > total`, and seats are taken with a conditional UPDATE."""

    partner = models.ForeignKey(
        "partners.Partner", on_delete=models.CASCADE, related_name="seat_allocations"
    )
    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="allocations")
    total = models.PositiveIntegerField(_("seats"), default=0)
    used = models.PositiveIntegerField(_("seats used"), default=0)
    notified_75_at = models.DateTimeField(null=True, blank=True)
    notified_100_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("seat allocation")
        verbose_name_plural = _("seat allocations")
        constraints = [
            models.UniqueConstraint(fields=["partner", "provider"], name="one_allocation_per_pair"),
            models.CheckConstraint(
                condition=Q(used__gte=0) & Q(used__lte=F("total")),
                name="seats_never_oversubscribed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.partner} @ {self.provider}: {self.used}/{self.total}"

    @property
    def available(self) -> int:
        return max(self.total - self.used, 0)


class Enrolment(models.Model):
    """Free access to one course for one verified learner, paid by their partner's seats.

    Personal data: learner; access instructions (code, link) are the learner's.
    """

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrolments"
    )
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="enrolments")
    # The partner whose verification and seats this enrolment uses.
    partner = models.ForeignKey(
        "partners.Partner", on_delete=models.PROTECT, related_name="enrolments"
    )
    status = models.CharField(
        _("status"), max_length=20, choices=EnrolmentStatus.choices, db_index=True
    )
    # Whether this enrolment holds one of the partner's seats (exactly once, never twice).
    holds_seat = models.BooleanField(default=False)
    access_link = models.URLField(blank=True)
    provider_reference = models.CharField(max_length=200, blank=True)
    failure_reason = models.CharField(_("reason"), max_length=300, blank=True)
    failure_cause = models.CharField(
        _("cause"),
        max_length=30,
        choices=EnrolmentFailureCause.choices,
        blank=True,
        default="",
        db_default="",
    )
    revoke_reason = models.CharField(_("reason"), max_length=300, blank=True)
    revoke_cause = models.CharField(
        _("cause"),
        max_length=30,
        choices=EnrolmentRevokeCause.choices,
        blank=True,
        default="",
        db_default="",
    )
    attempts = models.PositiveIntegerField(default=0)
    requested_at = models.DateTimeField(default=timezone.now)
    waitlisted_at = models.DateTimeField(null=True, blank=True)
    activated_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    grade = models.CharField(_("grade"), max_length=50, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        constraints = [
            models.UniqueConstraint(
                fields=["learner", "course"],
                condition=Q(status__in=[s.value for s in LIVE_ENROLMENT_STATUSES]),
                name="one_live_enrolment_per_course",
            ),
            models.CheckConstraint(
                condition=~Q(status=EnrolmentStatus.COMPLETED) | Q(completed_at__isnull=False),
                name="completed_enrolment_has_date",
            ),
        ]
        indexes = [
            models.Index(fields=["partner", "status", "requested_at", "id"]),
            # The waiting list, in order, per partner and provider (through the course).
            models.Index(fields=["status", "waitlisted_at", "id"]),
        ]

    def __str__(self) -> str:
        return f"Enrolment {self.pk} ({self.status})"


class LearnerReference(models.Model):
    """How one provider knows one learner: an opaque, random reference of its own (12 characters
    of Crockford base32, see credentials/references.py), different at every provider, so that
    providers cannot link a learner across platforms. Made when the learner is first given
    access at the provider (services/references.py); deleted with the learner.

    Personal data (pseudonymous): reference (with learner), share_email (the learner's choice to
    give this provider their real e-mail address).
    """

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="provider_references"
    )
    provider = models.ForeignKey(
        Provider, on_delete=models.CASCADE, related_name="learner_references"
    )
    # Canonical form: 12 upper-case Crockford base32 characters, no dashes.
    reference = models.CharField(_("learner reference"), max_length=12, unique=True)
    share_email = models.BooleanField(_("share my e-mail address"), default=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("learner reference")
        verbose_name_plural = _("learner references")
        constraints = [
            models.UniqueConstraint(
                fields=["learner", "provider"], name="one_reference_per_learner_and_provider"
            )
        ]

    def __str__(self) -> str:
        return f"Learner reference {self.pk}"


class AccessCode(models.Model):
    """A provider's voucher code. Handed out at most once (SELECT ... FOR UPDATE SKIP LOCKED)."""

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="codes")
    code = models.CharField(max_length=100)
    enrolment = models.OneToOneField(
        Enrolment, null=True, blank=True, on_delete=models.SET_NULL, related_name="access_code"
    )
    imported_at = models.DateTimeField(default=timezone.now, editable=False)
    assigned_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("access code")
        verbose_name_plural = _("access codes")
        constraints = [
            models.UniqueConstraint(fields=["provider", "code"], name="one_code_per_provider")
        ]
        indexes = [models.Index(fields=["provider", "enrolment"])]

    def __str__(self) -> str:
        return f"{self.provider} code {self.pk}"


class ProviderApiKey(AbstractApiKey):
    """A provider's key for reporting completions (portal.models.AbstractApiKey)."""

    owner_field = "provider"
    audit_action = "provider_api_key"

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="api_keys")

    class Meta:
        verbose_name = _("provider API key")
        verbose_name_plural = _("provider API keys")

    def audit_scope(self) -> dict:
        return {"data": {"provider": self.provider_id}}


class ImportJob(models.Model):
    """A CSV processed in the background (bulk enrolment, completions, codes), with progress."""

    class Kind(models.TextChoices):
        BULK_ENROLMENT = "bulk_enrolment", _("Bulk enrolment")
        COMPLETIONS = "completions", _("Completions")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        RUNNING = "running", _("Processing")
        DONE = "done", _("Done")

    kind = models.CharField(max_length=20, choices=Kind.choices)
    partner = models.ForeignKey(
        "partners.Partner", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    provider = models.ForeignKey(
        Provider, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    total = models.PositiveIntegerField(default=0)
    processed = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.kind} {self.pk} ({self.processed}/{self.total})"


class ImportRow(models.Model):
    """One CSV line of an import and its result. Personal data: the line's values."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="rows")
    line = models.PositiveIntegerField()
    values = models.JSONField(default=dict)
    result = models.CharField(max_length=20, blank=True)
    message = models.CharField(max_length=300, blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["line"]
        constraints = [
            models.UniqueConstraint(fields=["job", "line"], name="one_import_row_per_line")
        ]

    def __str__(self) -> str:
        return f"line {self.line}: {self.result}"


class IssuerKey(models.Model):
    """An Ed25519 key the portal signs (or signed) credentials with. Not personal data.

    Known by its did:key (`did`, which carries the public key) and, in the portal's did:web DID
    document, by `key_id` ("key-1", "key-2"... in order of creation). One key is current (not
    retired); `manage.py rotate_signing_key` retires it for a new one. A retired key stays here
    and in the DID document for good, so credentials it signed keep verifying. A compromised key
    has `compromised_since`: what it signed from then on is revoked. The private part is kept
    encrypted with the field-encryption key: a revocation must re-sign the status lists a key
    published. CREDENTIAL_SIGNING_KEY, when set to a key not yet here, is taken in as the new
    current key (the first one, on a fresh deployment).
    """

    key_id = models.CharField(max_length=20, unique=True, editable=False)
    did = models.CharField(max_length=120, unique=True)
    public_key_multibase = models.CharField(max_length=60)
    private_key_encrypted = models.TextField(blank=True, editable=False)
    generated = models.BooleanField(default=False, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    retired_at = models.DateTimeField(null=True, blank=True, editable=False)
    compromised_since = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("credential signing key")
        verbose_name_plural = _("credential signing keys")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["retired_at"],
                condition=Q(retired_at__isnull=True),
                nulls_distinct=False,
                name="one_current_issuer_key",
            ),
            models.CheckConstraint(
                condition=Q(compromised_since__isnull=True) | Q(retired_at__isnull=False),
                name="compromised_issuer_key_is_retired",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.key_id} ({self.did})"

    @property
    def trusted(self) -> bool:
        """Whether credentials signed by this key may be trusted at all: not when it was
        compromised from (or before) its first day, since then all it signed is revoked."""
        return self.compromised_since is None or self.compromised_since > self.created_at


class StatusList(models.Model):
    """A Bitstring Status List for revocation, published as a signed credential at
    /credentials/status/<number>. Indexes are handed out at random (herd privacy)."""

    number = models.PositiveIntegerField(unique=True)
    length = models.PositiveIntegerField()
    used = models.PositiveIntegerField(default=0)
    # The signed BitstringStatusListCredential, re-made whenever a credential on it is revoked.
    document = models.TextField(blank=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("status list")
        verbose_name_plural = _("status lists")

    def __str__(self) -> str:
        return f"Status list {self.number}"


class Credential(models.Model):
    """An Open Badges 3.0 credential for one completed enrolment; the signed JSON is kept exactly
    as issued. It outlives the learner's account: learner and enrolment are set to null on
    erasure, and the document holds only the display name the learner chose.
    """

    # Public verification code: random (160 bits), never a sequential id.
    code = models.CharField(max_length=40, unique=True, editable=False)
    enrolment = models.OneToOneField(
        Enrolment, null=True, on_delete=models.SET_NULL, related_name="credential"
    )
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="credentials"
    )
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="credentials")
    subject_name = models.CharField(_("name on the credential"), max_length=200)
    document = models.TextField(editable=False)
    issuer_key = models.ForeignKey(IssuerKey, on_delete=models.PROTECT, related_name="+")
    status_list = models.ForeignKey(StatusList, on_delete=models.PROTECT, related_name="+")
    status_index = models.PositiveIntegerField()
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=CredentialStatus.choices,
        default=CredentialStatus.ISSUED,
        db_index=True,
    )
    issued_at = models.DateTimeField(_("issued"), default=timezone.now)
    # The learner may hide a credential from the public page (the JSON they hold stays valid).
    is_public = models.BooleanField(_("shown on the public page"), default=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revocation_reason = models.CharField(_("reason"), max_length=300, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("credential")
        verbose_name_plural = _("credentials")
        ordering = ["-issued_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["status_list", "status_index"], name="one_credential_per_status_bit"
            ),
            models.CheckConstraint(
                condition=~Q(status="revoked") | Q(revoked_at__isnull=False),
                name="revoked_credential_has_date",
            ),
        ]
        indexes = [
            models.Index(fields=["learner", "issued_at"]),
            models.Index(fields=["course", "status"]),
        ]

    def __str__(self) -> str:
        return f"Credential {self.code[:6]}… ({self.status})"


class WalletOffer(models.Model):
    """An OpenID4VCI credential offer (pre-authorized code flow) of one credential to the
    learner's wallet app (docs/decisions/0026-wallet-issuance.md).

    Only hashes of the pre-authorized code, the transaction code and the access token are kept
    (the codes themselves are shown or sent once). Personal data: `credential` (whose offer it
    is) and `holder_did_hash` (a hash of the wallet's key identifier). Rows are deleted an hour
    after they expire (wallet_offers_purge, hourly).
    """

    credential = models.ForeignKey(Credential, on_delete=models.CASCADE, related_name="+")
    code_hash = models.CharField(max_length=64, unique=True, editable=False)
    tx_code_hash = models.CharField(max_length=64, editable=False)
    tx_code_failures = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    expires_at = models.DateTimeField()
    # The pre-authorized code was exchanged for an access token (it is single-use).
    redeemed_at = models.DateTimeField(null=True, blank=True)
    token_hash = models.CharField(max_length=64, null=True, blank=True, unique=True)
    token_expires_at = models.DateTimeField(null=True, blank=True)
    # The credential went to a wallet: when, and a hash of the holder's DID.
    issued_at = models.DateTimeField(null=True, blank=True)
    holder_did_hash = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("wallet offer")
        verbose_name_plural = _("wallet offers")
        indexes = [models.Index(fields=["credential", "created_at"])]

    def __str__(self) -> str:
        return f"Wallet offer {self.pk}"
