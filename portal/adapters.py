"""django-allauth adapters: how the portal sends account e-mail and text messages, keeps phone
numbers, and guards staff MFA."""

import secrets

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.stages import EmailVerificationStage as AllauthEmailVerificationStage
from allauth.core import context, ratelimit
from allauth.core.exceptions import RateLimited
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .crypto import decrypt_text, encrypt_text
from .emails import email_send
from .forms import PhoneNumberField
from .models import User
from .origin import on_site, site_url
from .sms import sms_send


class AccountAdapter(DefaultAccountAdapter):
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "rate_limited": _("Too many requests in a short time. Wait a few minutes, then try again."),
    }

    def get_password_change_redirect_url(self, request) -> str:
        # Back to the person's own start page (a learner who has just replaced the one-time
        # password from an access slip goes on to their dashboard).
        return reverse("portal:home")

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        if email.endswith("@" + settings.NO_EMAIL_DOMAIN):
            return  # a learner registered in person without an address: nothing to send
        # Rendered here, in the reader's language; written to the outbox, sent after commit.
        request = context.get("request") or self.request
        # site_url: the portal's own address for links the templates add (the help page).
        ctx = {
            "email": email,
            "request": request,
            "current_site": _site(request),
            "site_url": site_url(),
        }
        ctx.update(context)
        # allauth builds its links (confirm the address, reset the password, sign up) on the Host
        # of the request at hand; every link the portal sends is on its one origin instead.
        for name in ("activate_url", "password_reset_url", "signup_url"):
            if isinstance(ctx.get(name), str):
                ctx[name] = on_site(ctx[name])
        # In the recipient's own language when they have an account (a password reset asked
        # for from someone else's phone still arrives in the language they chose).
        recipient = User.objects.filter(email__iexact=email).only("language").first()
        language = (recipient and recipient.language) or translation.get_language()
        with translation.override(language or settings.LANGUAGE_CODE):
            message = self.render_mail(template_prefix, email, ctx)
        # "account/email/password_reset_key" → kind "account.password_reset_key".
        kind = "account." + template_prefix.rpartition("/")[2]
        email_send(message, user=recipient, kind=kind)

    # --- Sign-up ------------------------------------------------------------------------------

    def save_user(self, request, user, form, commit: bool = True):
        user = super().save_user(request, user, form, commit=False)
        if not user.email:
            # Signed up with a phone number only: the User model needs a unique address, so they
            # get a placeholder that can receive nothing (as learners registered in person do).
            user.email = f"phone-{secrets.token_hex(8)}@{settings.NO_EMAIL_DOMAIN}"
        # Messages (SMS, e-mail) go out in the language the person signed up in.
        language = translation.get_language() or settings.LANGUAGE_CODE
        if language in dict(settings.LANGUAGES):
            user.language = language
        if commit:
            user.save()
        return user

    def get_login_stages(self) -> list[str]:
        # An account with a placeholder address (phone sign-up, in-person registration) has no
        # e-mail to confirm: its phone number is confirmed instead, or staff vouched for it.
        return [
            "portal.adapters.EmailVerificationStage"
            if stage == "allauth.account.stages.EmailVerificationStage"
            else stage
            for stage in super().get_login_stages()
        ]

    # --- Phone numbers (allauth's phone support) ----------------------------------------------

    def phone_form_field(self, **kwargs):
        return PhoneNumberField(**kwargs)

    def set_phone(self, user, phone: str, verified: bool) -> None:
        user.phone = phone
        user.phone_verified = verified
        if user.pk:
            user.save(update_fields=["phone", "phone_verified"])

    def get_phone(self, user) -> tuple[str, bool] | None:
        if not user.phone:
            return None
        return user.phone, user.phone_verified

    def set_phone_verified(self, user, phone: str) -> None:
        if user.phone == phone and not user.phone_verified:
            user.phone_verified = True
            user.save(update_fields=["phone_verified"])

    def get_user_by_phone(self, phone: str):
        return User.objects.filter(phone=phone).first()

    def send_verification_code_sms(self, user, phone: str, code: str, **kwargs) -> None:
        # Per number, whatever the path (sign-up, new code, sign-in by code): an SMS costs money
        # and must not become a way to flood someone's phone.
        if not ratelimit.consume(context.request, action="send_sms", key=phone):
            raise RateLimited
        with translation.override(user.language or settings.LANGUAGE_CODE):
            message = gettext("Your code: %(code)s. Do not share it with anyone.") % {"code": code}
        sms_send(to=phone, message=message, user=user if user.pk else None, kind="account.code")

    # No text for unknown or already registered numbers: it would let anyone make the portal
    # send paid messages to any number (and the page already says the same as for a real one).
    def send_unknown_account_sms(self, phone: str, **kwargs) -> None:
        # Nothing is sent, but the number's SMS allowance is used up exactly as a real code
        # would use it: otherwise "too many codes" would come only for numbers with an account
        # (decision 0015).
        ratelimit.consume(context.request, action="send_sms", key=phone)
        return None

    def send_account_already_exists_sms(self, phone: str) -> None:
        ratelimit.consume(context.request, action="send_sms", key=phone)  # as above
        return None


class EmailVerificationStage(AllauthEmailVerificationStage):
    def handle(self):
        user = self.login.user
        if user is not None and not user.has_real_email:
            return None, True
        return super().handle()


class MFAAdapter(DefaultMFAAdapter):
    def encrypt(self, text: str) -> str:
        return encrypt_text(text)

    def decrypt(self, encrypted_text: str) -> str:
        return decrypt_text(encrypted_text)

    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        # Staff and admins must keep their authenticator app; they may regenerate recovery codes.
        return not authenticator.user.must_use_mfa

    def get_totp_issuer(self) -> str:
        return settings.MFA_TOTP_ISSUER


def _site(request):
    from django.contrib.sites.shortcuts import get_current_site

    return get_current_site(request)
