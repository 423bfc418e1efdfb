"""Error pages (config/urls.py names them as Django's handlers) that work whatever is broken.

They are rendered without the request's context: no context processor runs, so nothing reads
the session, the user or the database, and a page can be shown while PostgreSQL or Redis is
down. An error raised while the session or the user is loaded (in middleware) reaches only
`server_error` — so that is where an outage is recognised and answered with 503 and Retry-After.
Nothing of the error itself (a traceback, a setting, a name or address) is ever shown.
"""

import logging
import sys

import redis.exceptions
from django import db
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import NoReverseMatch, reverse
from django.utils.translation import get_language_bidi
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

# A service the portal cannot work without is unreachable: the database, or Redis (rate limits
# are counted there, and a sign-in must not go uncounted).
OUTAGE_ERRORS = (
    db.OperationalError,
    db.InterfaceError,
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
)
RETRY_AFTER_SECONDS = 120


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def _static(path: str) -> str:
    # The manifest of hashed names may be missing (static files not collected): a page without
    # its style beats an error page that fails in turn.
    try:
        return static(path)
    except ValueError:
        return ""


def _page(request: HttpRequest, template: str, status: int, detail: str) -> HttpResponse:
    if _is_api(request):
        response: HttpResponse = JsonResponse({"detail": detail}, status=status)
    else:
        try:
            home = reverse("portal:landing")
        except NoReverseMatch:
            home = "/"
        stylesheet = (
            "vendor/bootstrap/bootstrap.rtl.min.css"
            if get_language_bidi()
            else "vendor/bootstrap/bootstrap.min.css"
        )
        context = {
            "stylesheets": [
                url for url in (_static(stylesheet), _static("portal/portal.css")) if url
            ],
            "home_url": home,
            "detail": detail,
        }
        response = HttpResponse(render_to_string(template, context), status=status)
    # The page may be shown in place of one with personal data: never keep it in a cache.
    response["Cache-Control"] = "no-store"
    # An error raised in an outer middleware skips XFrameOptionsMiddleware (the last one).
    response["X-Frame-Options"] = "DENY"
    return response


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _page(request, "400.html", 400, _("The request could not be understood."))


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _page(request, "403.html", 403, _("You do not have permission to do this."))


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _page(request, "404.html", 404, _("Not found."))


def server_error(request: HttpRequest) -> HttpResponse:
    """Django calls this while it handles the exception, so sys.exc_info() names it."""
    error = sys.exc_info()[1]
    if isinstance(error, OUTAGE_ERRORS):
        response = _page(
            request,
            "503.html",
            503,
            _("The service is briefly unavailable. Please try again in a few minutes."),
        )
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    return _page(request, "500.html", 500, _("Something went wrong on our side."))


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: most often a form left open past its session, or cookies refused.
    Django's reason is for developers and is not shown."""
    return _page(
        request,
        "403_csrf.html",
        403,
        _("The form could not be accepted. Reload the page and send it again."),
    )
