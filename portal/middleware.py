"""Session limits and the staff two-factor rule, applied to every request."""

import time

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.contrib.auth.views import redirect_to_login
from django.dispatch import receiver
from django.shortcuts import redirect
from django.utils.translation import gettext as _

SESSION_STARTED = "portal_session_started"
SESSION_SEEN = "portal_session_seen"
# Refresh the idle clock at most this often, so a busy page does not write the session each time.
SEEN_RESOLUTION_SECONDS = 30


@receiver(user_logged_in)
def _start_session_clock(sender, request, user, **kwargs):
    now = int(time.time())
    request.session[SESSION_STARTED] = now
    request.session[SESSION_SEEN] = now


class SessionLimitsMiddleware:
    """Every session ends 12 hours after sign-in; staff sessions also end after 30 idle minutes."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated:
            now = int(time.time())
            started = request.session.setdefault(SESSION_STARTED, now)
            seen = request.session.get(SESSION_SEEN, now)
            idle_limit = settings.STAFF_SESSION_IDLE_TIMEOUT.total_seconds()
            if now - started > settings.SESSION_MAX_AGE.total_seconds():
                return self._end(request, _("Your session has ended. Please sign in again."))
            if user.must_use_mfa and now - seen > idle_limit:
                return self._end(request, _("You were signed out after a period without activity."))
            if now - seen >= SEEN_RESOLUTION_SECONDS:
                request.session[SESSION_SEEN] = now
        return self.get_response(request)

    def _end(self, request, message: str):
        logout(request)
        messages.info(request, message)
        return redirect_to_login(request.get_full_path())


# Pages a staff member without an authenticator may still open: setting one up, and leaving.
MFA_SETUP_URL_NAMES = {
    "mfa_activate_totp",
    "mfa_index",
    "mfa_reauthenticate",
    "account_reauthenticate",
    "account_logout",
    "account_login",
    "account_confirm_email",
    "account_email_verification_sent",
    "set_language",
    "privacy",
    "landing",
}


class StaffMFARequiredMiddleware:
    """A staff member or admin without two-factor authentication is sent to set it up first."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        if not (user.is_authenticated and user.must_use_mfa):
            return None
        if request.resolver_match and request.resolver_match.url_name in MFA_SETUP_URL_NAMES:
            return None
        if Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
            return None
        messages.warning(
            request,
            _("Staff accounts must use two-factor authentication. Please set it up to continue."),
        )
        return redirect("mfa_activate_totp")


# Pages a learner with a one-time password may open before choosing their own.
TEMPORARY_PASSWORD_URL_NAMES = {
    "account_change_password",
    "account_logout",
    "set_language",
    "privacy",
    "landing",
}


class TemporaryPasswordMiddleware:
    """Someone signed in with a one-time password (from an access slip) must choose their own."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        if not (user.is_authenticated and user.password_is_temporary):
            return None
        match = request.resolver_match
        if match and match.url_name in TEMPORARY_PASSWORD_URL_NAMES:
            return None
        messages.info(request, _("Welcome! Please choose your own password to continue."))
        return redirect("account_change_password")
