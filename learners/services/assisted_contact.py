"""In-person registration meets addresses and numbers staff type: say nothing about accounts.

An account on the portal means refugee status, and any partner's staff can type any address. So
an in-person registration that carries an e-mail address looks the same to the staff member
whether or not the address already has an account: the portal contacts the person at that
address either way — with a link to create their account (which, with its verification, exists
only once they open it), or with a reminder that they already have one
(docs/decisions/0015-no-account-oracle.md). A phone number typed there is a contact
number (a family may share one phone), never refused; if it signs in to an account, its owner
gets one text message.
"""

import hashlib
import json
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from partners.models import Partner
from portal.crypto import decrypt_text, encrypt_text
from portal.emails import deliverable, email_send
from portal.forms import phone_parse
from portal.models import User
from portal.notify import (
    ACCOUNT_NOTICE_INTERVAL,
    ACCOUNT_NOTICE_REGISTERED,
    account_id_for_email,
    account_notice_queue,
)
from portal.origin import site_url

from ..models import PendingRegistration

# How long the person has to open the link before the registration (and what staff typed about
# them) is deleted. The messages say "7 days".
PENDING_REGISTRATION_VALID = timedelta(days=7)

# The confirmation code staff hand the person: the link e-mailed to the address creates nothing
# without it, so whoever holds a mistyped address gets neither the details staff typed nor a
# verification. Read off paper (no 0/O, 1/I/L), XXXX-XXXX; a few wrong tries drop the
# registration.
CONFIRMATION_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CONFIRMATION_CODE_LENGTH = 8
CONFIRMATION_CODE_ATTEMPTS = 5


def confirmation_code_generate() -> str:
    return "".join(
        secrets.choice(CONFIRMATION_CODE_ALPHABET) for _i in range(CONFIRMATION_CODE_LENGTH)
    )


def confirmation_code_display(code: str) -> str:
    return f"{code[:4]}-{code[4:]}" if len(code) == CONFIRMATION_CODE_LENGTH else code


def _code_normalise(code: str) -> str:
    return "".join(ch for ch in (code or "").upper() if ch.isalnum())[:32]


def _code_hash(code: str) -> str:
    return salted_hmac("learners.pending_registration.code", _code_normalise(code)).hexdigest()


def pending_registration_code_matches(pending: PendingRegistration, code: str) -> bool:
    """Constant-time; a registration kept before codes existed matches nothing."""
    if not pending.code_hash or not _code_normalise(code):
        return False
    return constant_time_compare(pending.code_hash, _code_hash(code))


def email_owner_id(email: str) -> int | None:
    return account_id_for_email(email)


def phone_owner_id(phone: str) -> int | None:
    """The account that signs in with this number, if any (numbers are stored as E.164)."""
    try:
        number = phone_parse(phone, region="")
    except ValidationError:
        return None
    return User.objects.filter(phone=number).values_list("pk", flat=True).first()


def email_check_typed(email: str) -> None:
    """Placeholder and erased addresses (reserved .invalid domains) are nobody's address: refused
    the same way for everyone, so they cannot be used to probe login codes either."""
    if email and not deliverable(email):
        raise ValidationError(
            {"email": _("This is not a valid e-mail address.")}, code="invalid_email"
        )


def owner_notify(*, user_id: int, channel: str, partner: Partner, acting_user: User) -> None:
    account_notice_queue(
        user_id=user_id,
        channel=channel,
        reason=ACCOUNT_NOTICE_REGISTERED,
        partner_name=partner.name,
        partner_id=partner.pk,
        actor_id=acting_user.pk,
    )


def _token_hash(token: str) -> str:
    return hashlib.sha256((token or "").encode()).hexdigest()


def confirm_url(token: str) -> str:
    return site_url(reverse("learners:assisted_confirm", args=[token]))


def pending_registrations_purge() -> int:
    """Delete the registrations nobody confirmed in time (minimum data: the details go)."""
    deleted, _rows = PendingRegistration.objects.filter(expires_at__lte=timezone.now()).delete()
    return deleted


def pending_registration_create(
    *, partner: Partner, email: str, details: dict, code: str, acting_user: User
) -> PendingRegistration | None:
    """Keep the registration (details encrypted) and e-mail the person a link to confirm it, in
    the language chosen on the form, after commit. The link asks for `code`, which staff hand
    the person.

    One link per address at a time (a database constraint), and at most one such e-mail per
    address a day, however many staff register it: within the day the same partner's newer
    details replace the earlier ones (the link already sent stays valid), another partner's
    registration is dropped. After a day, a new registration replaces the old link.
    """
    pending_registrations_purge()
    earlier = PendingRegistration.objects.select_for_update().filter(email__iexact=email).first()
    if earlier is not None:
        if earlier.created_at > timezone.now() - ACCOUNT_NOTICE_INTERVAL:
            if earlier.partner_id == partner.pk:
                # The newest code is the one on the person's paper; wrong tries still count.
                earlier.details_encrypted = encrypt_text(json.dumps(details))
                earlier.code_hash = _code_hash(code)
                earlier.created_by = acting_user
                earlier.save(update_fields=["details_encrypted", "code_hash", "created_by"])
            return None
        earlier.delete()
    token = secrets.token_urlsafe(32)
    try:
        with transaction.atomic():
            pending = PendingRegistration.objects.create(
                partner=partner,
                created_by=acting_user,
                email=email,
                token_hash=_token_hash(token),
                code_hash=_code_hash(code),
                details_encrypted=encrypt_text(json.dumps(details)),
                expires_at=timezone.now() + PENDING_REGISTRATION_VALID,
            )
    except IntegrityError:
        return None  # registered at the same moment by someone else: their link is the one
    values = {
        "partner": partner.name,
        "link": confirm_url(token),
    }
    with translation.override(details.get("language") or settings.LANGUAGE_CODE):
        subject = _("Create your account on the Learner Access Portal")
        body = "\n\n".join(
            [
                _(
                    "Staff of %(partner)s registered you on the Learner Access Portal in person "
                    "and confirmed your status, so you can take courses for free."
                )
                % values,
                _(
                    "To create your account, open this link within 7 days and enter the "
                    "confirmation code %(partner)s gave you; you then choose your own password:"
                )
                % values
                + "\n"
                + values["link"],
                _(
                    "If you did not ask for this, ignore this e-mail: what %(partner)s entered "
                    "about you is deleted when the link expires."
                )
                % values,
            ]
        )
    email_send(EmailMultiAlternatives(subject, body, to=[email]))
    return pending


def pending_registration_for_token(token: str, *, lock: bool = False) -> PendingRegistration | None:
    """The registration a link points at, while it can still be confirmed; None otherwise."""
    if not token or len(token) > 100:
        return None
    pendings = PendingRegistration.objects.select_related("partner", "created_by")
    if lock:
        pendings = pendings.select_for_update(of=("self",))
    return pendings.filter(token_hash=_token_hash(token), expires_at__gt=timezone.now()).first()


def pending_registration_details(pending: PendingRegistration) -> dict:
    return json.loads(decrypt_text(pending.details_encrypted))
