"""Session limits and the steps an account must take first, applied to every request."""

import time
from abc import ABC, abstractmethod

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


class AccountStepRequiredMiddleware(ABC):
    """Sends a signed-in person to one page until they have done a required step.

    Subclasses say who it applies to, when the step is done, where to go and which pages stay
    reachable meanwhile (the step's own pages, signing out, language, public pages).
    """

    allowed_url_names: frozenset[str] = frozenset()
    redirect_to = ""
    level = messages.INFO

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    @abstractmethod
    def applies_to(self, user) -> bool: ...

    @abstractmethod
    def is_done(self, user) -> bool: ...

    @abstractmethod
    def message(self) -> str: ...

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        if not (user.is_authenticated and self.applies_to(user)):
            return None
        match = request.resolver_match
        if match and match.url_name in self.allowed_url_names:
            return None
        if self.is_done(user):
            return None
        messages.add_message(request, self.level, self.message())
        return redirect(self.redirect_to)


ALWAYS_REACHABLE = frozenset({"account_logout", "set_language", "privacy", "help", "landing"})


class StaffMFARequiredMiddleware(AccountStepRequiredMiddleware):
    """A staff member or admin without two-factor authentication is sent to set it up first."""

    allowed_url_names = ALWAYS_REACHABLE | {
        "mfa_activate_totp",
        "mfa_index",
        "mfa_reauthenticate",
        "account_reauthenticate",
        "account_login",
        "account_confirm_email",
        "account_email_verification_sent",
    }
    redirect_to = "mfa_activate_totp"
    level = messages.WARNING

    def applies_to(self, user) -> bool:
        return user.must_use_mfa

    def is_done(self, user) -> bool:
        return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()

    def message(self) -> str:
        return _("Staff accounts must use two-factor authentication. Please set it up to continue.")


class TemporaryPasswordMiddleware(AccountStepRequiredMiddleware):
    """Someone signed in with a one-time password (from an access slip) must choose their own."""

    allowed_url_names = ALWAYS_REACHABLE | {"account_change_password"}
    redirect_to = "account_change_password"

    def applies_to(self, user) -> bool:
        return user.password_is_temporary

    def is_done(self, user) -> bool:
        return False

    def message(self) -> str:
        return _("Welcome! Please choose your own password to continue.")
