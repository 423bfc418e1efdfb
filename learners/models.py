"""A learner's profile and consent."""

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField


class LearnerProfile(models.Model):
    """What the portal knows about a learner beyond their account.

    Personal data: display_name (shown on credentials); the preferred language is User.language;
    country_of_residence, country_of_origin (optional), phone_encrypted (assisted registration
    only; encrypted at rest), consent_version/consent_at.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="learner_profile"
    )
    display_name = models.CharField(_("name on certificates"), max_length=120)
    country_of_residence = CountryField(_("country where you live now"))
    country_of_origin = CountryField(_("country of origin"), blank=True)
    phone_encrypted = models.TextField(blank=True, editable=False)
    consent_version = models.CharField(max_length=20)
    consent_at = models.DateTimeField()
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("learner profile")
        verbose_name_plural = _("learner profiles")

    def __str__(self) -> str:
        return self.display_name


class DataExport(models.Model):
    """A learner's copy of their own data ("download my data"): a JSON file built in the
    background, kept in private storage and downloadable by that learner alone for 24 hours,
    then deleted. Personal data: the file (file_name only names it); learner.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        RUNNING = "running", _("Being prepared")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")
        EXPIRED = "expired", _("Expired")

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", editable=False
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    file_name = models.CharField(max_length=200, blank=True, editable=False)
    size = models.PositiveIntegerField(default=0)
    error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("data export")
        verbose_name_plural = _("data exports")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["learner", "created_at"])]

    def __str__(self) -> str:
        return f"Data export {self.pk} ({self.status})"


class PendingRegistration(models.Model):
    """An in-person registration with an e-mail address, waiting for the person to open the link
    e-mailed to them (docs/decisions/0015). Only then are the account and its verification
    created, so the staff member who registered them learns nothing about the address until the
    person comes forward. Deleted when used, replaced or expired.

    Personal data: email; details_encrypted (name, language, country, displacement status,
    phone and case number as typed, encrypted at rest); created_by.
    """

    partner = models.ForeignKey("partners.Partner", on_delete=models.CASCADE, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    email = models.EmailField()
    token_hash = models.CharField(max_length=64, unique=True)
    # The confirmation code staff handed the person (HMAC of it): the link alone creates nothing,
    # so a mistyped address gives a stranger nothing (docs/decisions/0015).
    code_hash = models.CharField(max_length=64, default="", editable=False)
    code_attempts = models.PositiveSmallIntegerField(default=0, editable=False)
    details_encrypted = models.TextField(editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("pending in-person registration")
        verbose_name_plural = _("pending in-person registrations")
        constraints = [
            # One link at a time per address (and so at most one such e-mail to it a day).
            models.UniqueConstraint(Lower("email"), name="one_pending_registration_per_email")
        ]

    def __str__(self) -> str:
        return f"Pending registration {self.pk}"
