"""django-allauth adapters: how the portal sends account e-mail and guards staff MFA."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.urls import reverse

from .crypto import decrypt_text, encrypt_text
from .emails import email_send


class AccountAdapter(DefaultAccountAdapter):
    def get_password_change_redirect_url(self, request) -> str:
        # Back to the person's own start page (a learner who has just replaced the one-time
        # password from an access slip goes on to their dashboard).
        return reverse("portal:home")

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        if email.endswith("@" + settings.NO_EMAIL_DOMAIN):
            return  # a learner registered in person without an address: nothing to send
        # Rendered here, in the reader's language; delivered by a background job.
        request = context.get("request") or self.request
        ctx = {"email": email, "request": request, "current_site": _site(request)}
        ctx.update(context)
        email_send(self.render_mail(template_prefix, email, ctx))


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
