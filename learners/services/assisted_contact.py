"""In-person registration meets addresses and numbers staff type: say nothing about accounts.

An account on the portal means refugee status, and any partner's staff can type any address. So
an in-person registration that carries an e-mail address looks the same to the staff member
whether or not the address already has an account: the portal contacts the person at that
address either way — with their new sign-in details, or with a reminder that they already have
an account (docs/decisions/0015-no-account-oracle.md). A phone number typed there is a contact
number (a family may share one phone), never refused; if it signs in to an account, its owner
gets one text message.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.utils import translation
from django.utils.translation import gettext as _

from partners.models import Partner
from portal.emails import deliverable, email_send
from portal.forms import phone_parse
from portal.models import User
from portal.notify import ACCOUNT_NOTICE_REGISTERED, account_id_for_email, account_notice_queue


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


def sign_in_details_send(
    *, learner: User, partner: Partner, login_code: str, password: str
) -> None:
    """E-mail a learner registered in person with an address their sign-in details (what the
    printed slip carries otherwise), in their language, after commit."""
    site = settings.SITE_URL.rstrip("/")
    values = {"partner": partner.name, "site": site, "code": login_code, "password": password}
    with translation.override(learner.language or settings.LANGUAGE_CODE):
        subject = _("Your account on the Learner Access Portal")
        body = "\n\n".join(
            [
                _(
                    "Staff of %(partner)s registered you on the Learner Access Portal and "
                    "confirmed your status, so you can take courses for free."
                )
                % values,
                _(
                    "Sign in at %(site)s with this e-mail address (or your login code "
                    "%(code)s) and this one-time password: %(password)s"
                )
                % values,
                _(
                    "When you first sign in, you choose your own password. If you did not ask "
                    "for this, tell %(partner)s."
                )
                % values,
            ]
        )
    email_send(EmailMultiAlternatives(subject, body, to=[learner.email]))
