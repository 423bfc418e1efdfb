"""The portal's core data: accounts with roles, the append-only audit log, and the abstract
API key that partners' and providers' keys are made of."""

from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.db.models.functions import Upper
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    LEARNER = "learner", _("Learner")
    PARTNER_STAFF = "partner_staff", _("Partner staff")
    PROGRAMME_ADMIN = "programme_admin", _("Programme admin")
    # The person who runs the deployment: the only superuser, created with `createsuperuser`
    # on the command line (docs/decisions/0014). Not a programme admin: no programme pages.
    OPERATOR = "operator", _("Operator")


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra_fields):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email: str, password: str | None = None, **extra_fields):
        # Only `manage.py createsuperuser` calls this: the operator's account. Programme admins
        # are never superusers; they get the "Programme admins" group (portal.admin_access).
        extra_fields.update(is_staff=True, is_superuser=True, role=Role.OPERATOR)
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    """An account. E-mail, a phone number (learners) or, for learners registered in person, a
    login code is the login.

    Personal data: email, phone, login_code, last_login. Learners registered without an e-mail
    address (in person, or who signed up with a phone number) get a placeholder address under
    NO_EMAIL_DOMAIN, to which nothing is ever sent.
    """

    username = None
    first_name = None
    last_name = None
    email = models.EmailField(_("e-mail address"), unique=True)
    role = models.CharField(
        _("role"), max_length=20, choices=Role.choices, default=Role.LEARNER, db_index=True
    )
    # For learners registered in person by a partner: a code to sign in with instead of an
    # e-mail address, and a one-time password they must replace at their first sign-in.
    language = models.CharField(
        _("preferred language"), max_length=10, choices=settings.LANGUAGES, default="en"
    )
    login_code = models.CharField(
        _("login code"), max_length=16, unique=True, null=True, blank=True
    )
    password_is_temporary = models.BooleanField(default=False)
    # Learners may sign up and sign in with a phone number instead of an e-mail address:
    # E.164 ("+962791234567"), or null (never "", which would collide with other empty ones).
    phone = models.CharField(_("phone number"), max_length=16, unique=True, null=True, blank=True)
    phone_verified = models.BooleanField(_("phone number verified"), default=False)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        # Sign-in, invitations and imports find people by e-mail case-insensitively
        # (email__iexact, i.e. UPPER(email) = UPPER(%s)): without this, a scan of every account.
        indexes = [models.Index(Upper("email"), name="portal_user_email_upper")]

    def __str__(self) -> str:
        # A placeholder address is nobody's: it is never shown, wherever an account is named.
        return self.email if self.has_real_email else gettext("(no e-mail address)")

    @property
    def email_shown(self) -> str:
        """The address to show: the real one, or "" for a placeholder (NO_EMAIL_DOMAIN)."""
        return self.email if self.has_real_email else ""

    def save(self, *args, **kwargs):
        if not self.phone:
            self.phone = None  # a form's "" means "no number"
        super().save(*args, **kwargs)

    @property
    def is_learner(self) -> bool:
        return self.role == Role.LEARNER

    @property
    def is_partner_staff(self) -> bool:
        return self.role == Role.PARTNER_STAFF

    @property
    def is_programme_admin(self) -> bool:
        return self.role == Role.PROGRAMME_ADMIN

    @property
    def is_operator(self) -> bool:
        return self.role == Role.OPERATOR

    @property
    def has_real_email(self) -> bool:
        return not self.email.endswith("@" + settings.NO_EMAIL_DOMAIN)

    @property
    def must_use_mfa(self) -> bool:
        """Staff of partners, programme admins and anyone who may open the Django admin."""
        return self.role != Role.LEARNER or self.is_staff or self.is_superuser


class AbstractApiKey(models.Model):
    """A key for a machine client (a partner's case-management system, a provider's completions
    feed), sent as `Api-Key <prefix>.<secret>`. Only the prefix (to find the key) and a SHA-256
    hash of the secret are stored; the mechanism is in portal/api_keys/.

    A concrete key adds a foreign key to its owner, names it in `owner_field` (the owner has an
    `is_active` flag: a deactivated owner's keys stop working) and says how its audit events are
    named and scoped. Not personal data (`created_by`, where a key has it, links to staff).
    """

    owner_field: ClassVar[str]
    audit_action: ClassVar[str]  # "<audit_action>.created", "<audit_action>.revoked"

    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=12, unique=True)
    key_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def owner(self) -> models.Model:
        return getattr(self, self.owner_field)

    def audit_scope(self) -> dict[str, Any]:
        """The keyword arguments that place this key's audit events (audit_record)."""
        return {}


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("Audit events are append-only.")

    def delete(self):
        raise TypeError("Audit events are append-only.")


class AuditEvent(models.Model):
    """One thing someone did, kept for accountability. Rows are written once, never changed.

    Personal data: actor (a link to the account; set to null if the account is erased),
    object_id may point at a personal record. `data` must never hold identifiers such as case
    numbers, names or e-mail addresses — only ids, states and reasons.
    """

    created_at = models.DateTimeField(default=timezone.now, db_index=True, editable=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("actor"),
    )
    action = models.CharField(_("action"), max_length=64, db_index=True)
    object_type = models.CharField(_("object type"), max_length=64, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    # No foreign key: the log outlives the partner, and the portal core must not depend on an app.
    partner_id = models.BigIntegerField(_("partner id"), null=True, blank=True, db_index=True)
    data = models.JSONField(_("details"), default=dict, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        # No object id: in the admin's titles it would lead to a learner's record (decision 0014).
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.object_type}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise TypeError("Audit events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("Audit events are append-only.")
