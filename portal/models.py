"""The portal's core data: accounts with roles, the append-only audit log, and the abstract
API key that partners' and providers' keys are made of."""

import hashlib
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


class MessageChannel(models.TextChoices):
    """How a learner wants to hear about their application, access and credentials."""

    SMS = "sms", _("Text message (SMS)")
    EMAIL = "email", _("E-mail")
    BOTH = "both", _("Text message and e-mail")


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
    # "" = not chosen: every channel the person can receive (message_channels). A choice naming
    # a channel they can no longer receive falls back to the ones they can.
    message_channel = models.CharField(
        _("messages by"), max_length=5, choices=MessageChannel.choices, blank=True, default=""
    )

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
    def can_receive_sms(self) -> bool:
        return bool(self.phone) and self.phone_verified

    @property
    def can_receive_email(self) -> bool:
        return self.has_real_email

    @property
    def message_channels(self) -> tuple[str, ...]:
        """The channels learner messages go to: the learner's choice among those they can
        receive; with no (receivable) choice, every one they can (docs/decisions/0023)."""
        available = tuple(
            channel
            for channel, ok in (
                (MessageChannel.SMS.value, self.can_receive_sms),
                (MessageChannel.EMAIL.value, self.can_receive_email),
            )
            if ok
        )
        chosen = {
            MessageChannel.SMS: (MessageChannel.SMS.value,),
            MessageChannel.EMAIL: (MessageChannel.EMAIL.value,),
        }.get(self.message_channel, available)
        return tuple(channel for channel in chosen if channel in available) or available

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


class OutboxMessage(models.Model):
    """One e-mail or text message, written in the transaction of the event that causes it and
    sent once by the relay (portal/outbox.py, docs/decisions/0021-outbox.md).

    Personal data: user (whose message it is), recipient_encrypted (the address or number) and
    content_encrypted (the rendered message), both encrypted at rest (portal/crypto.py), and the
    dates. `last_error` never holds an address, a number or a server's words: only a code and a
    short reason. Sent rows go after OUTBOX_KEEP_SENT_DAYS, failed ones after
    OUTBOX_KEEP_FAILED_DAYS (daily purge); a learner's rows go at erasure.
    """

    class Channel(models.TextChoices):
        EMAIL = "email", _("E-mail")
        SMS = "sms", _("SMS")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    # What it is about ("application.approved"), for staff and counts; "" when not said.
    kind = models.CharField(_("kind"), max_length=64, blank=True)
    # The idempotency key: the same key on the same channel is one message, however often it is
    # queued; the counterpart (SMS gateway, mail server) is given a digest of it (delivery_id).
    key = models.CharField(_("key"), max_length=128)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("account"),
    )
    recipient_encrypted = models.TextField()
    content_encrypted = models.TextField()
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # When a pending row is due (a retry waits here); the sweep picks up due rows.
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    # While a row is being sent: the end of the sender's lease. A sender that died leaves the
    # row "sending" with an expired lease, and the sweep sends it again (same key).
    locked_until = models.DateTimeField(_("locked until"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        constraints = [
            models.UniqueConstraint(fields=["channel", "key"], name="portal_outbox_channel_key")
        ]
        # Partial indexes: the sweep reads only unsent rows, a few among millions of sent ones,
        # and the indexes hold only those. created_at serves the purge and the admin's order.
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="portal_outbox_due",
                condition=models.Q(status="pending"),
            ),
            models.Index(
                fields=["locked_until"],
                name="portal_outbox_leases",
                condition=models.Q(status="sending"),
            ),
            models.Index(fields=["created_at"], name="portal_outbox_created"),
        ]

    def __str__(self) -> str:
        # No recipient: the admin's titles and history show this.
        return f"{self.channel} {self.kind or '-'} #{self.pk}"

    @property
    def delivery_id(self) -> str:
        """What the counterpart is given to recognise a message sent again: a digest of the
        channel and key (a caller's key may name records; the digest says nothing)."""
        return hashlib.sha256(f"{self.channel}:{self.key}".encode()).hexdigest()[:32]
