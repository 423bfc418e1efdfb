"""Which sessions are in use, and from where, at the cost of one write a minute per session.

allauth's UserSessionsMiddleware (USERSESSIONS_TRACK_ACTIVITY) writes the session's row on every
request: a transaction, two reads and an update, which doubled the queries of a learner's page.
This middleware calls the same allauth code, so the "sessions" page shows the same things and
its signals fire the same way, but only when the session was last tracked a minute ago or more,
or when its address or browser changed. See docs/decisions/0011-performance.md.
"""

import hashlib
import time

from allauth.account.adapter import get_adapter
from allauth.core.internal.httpkit import HTTP_USER_AGENT_MAX_LENGTH
from allauth.usersessions import app_settings
from allauth.usersessions.models import UserSession

# The session key holding [when tracked, a hash of the address and the browser].
TRACKED = "portal_activity_tracked"
TRACK_RESOLUTION_SECONDS = 60


def _client(request) -> str:
    address = get_adapter().get_client_ip(request) or ""
    agent = request.META.get("HTTP_USER_AGENT", "")[:HTTP_USER_AGENT_MAX_LENGTH]
    # A hash: the session does not need to hold the address itself.
    return hashlib.sha256(f"{address}|{agent}".encode()).hexdigest()[:16]


class UserSessionsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        user = getattr(request, "user", None)
        if (
            app_settings.TRACK_ACTIVITY
            and session is not None
            and session.session_key
            and user is not None
            and user.is_authenticated
        ):
            now, client = int(time.time()), _client(request)
            tracked = session.get(TRACKED)
            if not tracked or tracked[1] != client or now - tracked[0] >= TRACK_RESOLUTION_SECONDS:
                UserSession.objects.create_from_request(request)
                session[TRACKED] = [now, client]
        return self.get_response(request)
