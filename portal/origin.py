"""The portal's one public origin, for every link that leaves a page.

E-mails, SMS, share links, QR codes, PDF certificates and the ids, issuer and status-list URLs
signed into credentials are all built here, on settings.SITE_URL, never on the Host of the request
at hand (a background job has none, and a signed credential keeps its links forever). `make run`
sets SITE_URL to the address it serves; `check --deploy` (portal.checks) refuses a deployment
whose SITE_URL is missing, not https, or not one of its ALLOWED_HOSTS.
"""

from urllib.parse import urlsplit, urlunsplit

from django.conf import settings


def site_url(path: str = "") -> str:
    """SITE_URL (without a trailing slash) followed by `path` ("/verify/abc/")."""
    return settings.SITE_URL.rstrip("/") + path


def site_host() -> str:
    """The host name of SITE_URL, without scheme or port ("learn.example.org")."""
    return urlsplit(settings.SITE_URL).hostname or ""


def on_site(url: str) -> str:
    """`url` moved onto the portal's own origin: an absolute address built from the Host of a
    request (allauth builds its confirmation, reset and sign-up links that way) keeps its path,
    query and fragment, but takes SITE_URL's scheme and host. A relative path gets SITE_URL too."""
    if not url:
        return url
    parts = urlsplit(url)
    origin = urlsplit(settings.SITE_URL)
    base_path = origin.path.rstrip("/")
    path = base_path + parts.path
    return urlunsplit((origin.scheme, origin.netloc, path, parts.query, parts.fragment))
