"""Pages are light: a learner page is ≤ 60 KB compressed on a first visit, ≤ 15 KB on a repeat.

Each page is fetched as a browser on a slow link would: HTML, then every stylesheet, script,
image and font it references (and those the stylesheets reference), all with
`Accept-Encoding: br, gzip`, counting the bytes as transferred. On a repeat visit, assets with
far-future immutable caching are not fetched again.
"""

import re
from html.parser import HTMLParser
from urllib.parse import urljoin

import pytest

FIRST_VISIT_BUDGET = 60 * 1024
REPEAT_VISIT_BUDGET = 15 * 1024
ONE_YEAR = 365 * 24 * 60 * 60


class AssetParser(HTMLParser):
    def __init__(self):
        super().__init__()
        self.assets: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "link" and attrs.get("href") and not attrs["href"].startswith("data:"):
            self.assets.append(attrs["href"])
        elif tag in {"script", "img", "source", "video", "audio"}:
            src = attrs.get("src") or ""
            if src and not src.startswith("data:"):
                self.assets.append(src)


CSS_URL = re.compile(r"url\(\s*['\"]?(?!data:)([^'\")]+)['\"]?\s*\)")


def fetch(client, path):
    response = client.get(path, HTTP_ACCEPT_ENCODING="br, gzip")
    assert response.status_code == 200, path
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response, body


def page_weight(client, path):
    html_response, html = fetch(client, path)
    assert html_response.get("Content-Encoding") == "gzip", "HTML must be sent compressed"
    parser = AssetParser()
    parser.feed(_decompress(html))
    first, repeat = len(html), len(html)
    seen = set()
    queue = [urljoin(path, a) for a in parser.assets]
    while queue:
        asset = queue.pop()
        if asset in seen:
            continue
        seen.add(asset)
        response, body = fetch(client, asset)
        assert response.get("Content-Encoding") in {"br", "gzip"} or len(body) < 1024, asset
        first += len(body)
        cache_control = response.get("Cache-Control", "")
        max_age = int(re.search(r"max-age=(\d+)", cache_control).group(1))
        if not (max_age >= ONE_YEAR and "immutable" in cache_control):
            repeat += len(body)
        if asset.endswith(".css"):
            text = _decompress(body, response.get("Content-Encoding"))
            queue.extend(urljoin(asset, u) for u in CSS_URL.findall(text))
    return first, repeat, seen


def _decompress(body: bytes, encoding: str = "gzip") -> str:
    import gzip

    import brotli

    if encoding == "br":
        return brotli.decompress(body).decode()
    if encoding == "gzip":
        return gzip.decompress(body).decode()
    return body.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/accounts/signup/", "/accounts/login/", "/privacy/"])
@pytest.mark.parametrize("language", ["en", "ar"])
def test_public_page_fits_the_2g_budget(client, path, language):
    client.cookies["django_language"] = language
    first, repeat, assets = page_weight(client, path)
    assert any(a.endswith(".css") for a in assets), "the stylesheet was counted"
    assert first <= FIRST_VISIT_BUDGET, f"{path} [{language}] first visit {first} bytes"
    assert repeat <= REPEAT_VISIT_BUDGET, f"{path} [{language}] repeat visit {repeat} bytes"


@pytest.mark.django_db
def test_static_assets_are_hashed_compressed_and_cached_for_a_year(client):
    _, html = fetch(client, "/")
    parser = AssetParser()
    parser.feed(_decompress(html))
    stylesheet = next(a for a in parser.assets if "bootstrap" in a)
    assert re.search(r"\.[0-9a-f]{12}\.css$", stylesheet), "hashed file name"
    response, _ = fetch(client, stylesheet)
    assert response["Content-Encoding"] == "br"
    assert "immutable" in response["Cache-Control"]
    assert f"max-age={ONE_YEAR}" in response["Cache-Control"]


# --- Every learner page ----------------------------------------------------------------------
#
# The pages are found, not listed: every URL pattern in a learner's namespaces (and allauth's
# account pages), built with the permission matrix's arguments in its world, is fetched as
# learner A, learner B and an anonymous visitor; the first that gets an HTML page (200) is weighed.
# A new learner page is therefore weighed as soon as it is in the matrix. Whatever gives no HTML
# page to any of them must be listed in NOT_A_PAGE, with the reason, so nothing drops out unseen.

LEARNER_NAMESPACES = ("learners:", "learner_credentials:", "courses:", "verify:")
LEARNER_NAMES = {"portal:landing", "portal:privacy"}
# allauth's account pages a learner uses (sign-up and sign-in, by e-mail or phone, e-mail and
# password management, sessions, two-factor pages).
ACCOUNT_PREFIXES = ("account_", "mfa_", "usersessions_")

NOT_A_PAGE = {
    # POST-only actions: a GET is 405.
    "learner_credentials:visibility",
    "learner_credentials:share_email",
    "courses:enrol",
    # The wallet offer page is the answer to a POST (weighed in test_wallet_refusals.py).
    "learner_credentials:wallet_offer",
    # Files, not pages (their own size is not the page budget).
    "learners:document_download",
    "verify:credential_json",
    "verify:credential_qr",
    "verify:credential_pdf",
    "verify:status_list",
    "mfa_download_recovery_codes",
    "learners:data_download",
    # Redirects or 404 for every one of the three: steps that only exist mid-flow (after a
    # sign-in or with a password-less account), two-factor set-up (staff only), or actions.
    "account_confirm_login_code",
    "account_verify_phone",
    "account_set_password",
    "mfa_authenticate",
    "mfa_activate_totp",
    "mfa_reauthenticate",
    "mfa_deactivate_totp",
    "mfa_view_recovery_codes",
    "mfa_generate_recovery_codes",
}


def learner_url_names() -> list[str]:
    from tests.portal.urlwalk import walk_urls

    return sorted(
        {
            u.name
            for u in walk_urls()
            if u.name.startswith(LEARNER_NAMESPACES + ACCOUNT_PREFIXES) or u.name in LEARNER_NAMES
        }
    )


def learner_url(name: str, world) -> str:
    from django.urls import NoReverseMatch, reverse

    from tests.matrix.urls import KWARGS
    from tests.portal.urlwalk import walk_urls

    if name in KWARGS:
        return reverse(name, kwargs=KWARGS[name](world))
    try:
        return reverse(name)
    except NoReverseMatch:  # allauth's pages with a key: a sample key (the "bad link" page)
        return next(u.path for u in walk_urls() if u.name == name)


@pytest.fixture
def learner_world(db, settings, tmp_path):
    """The permission matrix's world, with more in it: partners with long descriptions in the
    learner's country and three credentials, as a real learner's pages would show."""
    from django.core.files.storage import storages
    from django.utils import timezone

    from credentials.models import EnrolmentStatus
    from credentials.services.issuance import credential_issue
    from partners.models import EvidenceDocument
    from tests.credentials.factories import EnrolmentFactory
    from tests.matrix.world import build_world
    from tests.partners.factories import PartnerFactory

    configured = {alias: dict(config) for alias, config in settings.STORAGES.items()}
    configured["private"]["OPTIONS"] = dict(
        configured["private"].get("OPTIONS", {}), location=str(tmp_path)
    )
    settings.STORAGES = configured
    field = EvidenceDocument.file.field
    original = field.storage
    field.storage = storages["private"]
    try:
        world = build_world()
        PartnerFactory.create_batch(5, countries=["JO"], description="Helps refugees study. " * 10)
        for _ in range(2):
            credential_issue(
                enrolment_id=EnrolmentFactory(
                    learner=world.users["learner_a"],
                    status=EnrolmentStatus.COMPLETED,
                    activated_at=timezone.now(),
                    completed_at=timezone.now(),
                ).pk
            )
        yield world
    finally:
        field.storage = original


def weigh_learner_pages(world, language: str) -> tuple[dict[str, tuple[str, int, int]], set]:
    """{name: (path, first, repeat)} for every learner page, and the names that gave no page."""
    from django.test import Client

    from partners.models import ApplicationStatus

    clients = []
    for role in ("learner_a", "learner_b", "anonymous"):
        client = Client()
        if world.users[role] is not None:
            client.force_login(world.users[role])
        client.cookies["django_language"] = language
        clients.append(client)

    weights, unmeasured = {}, set()

    def measure(names):
        for name in names:
            path = learner_url(name, world)
            for client in clients:
                response = client.get(path, HTTP_ACCEPT_ENCODING="br, gzip")
                if response.status_code == 200 and response.get("Content-Type", "").startswith(
                    "text/html"
                ):
                    first, repeat, _ = page_weight(client, path)
                    weights[name] = (path, first, repeat)
                    break
            else:
                unmeasured.add(name)

    measure(learner_url_names())
    # The page to answer a request for more information exists only in that state.
    world.application_a.status = ApplicationStatus.INFO_REQUESTED
    world.application_a.save(update_fields=["status"])
    retry = sorted(unmeasured)
    unmeasured.clear()
    measure(retry)
    return weights, unmeasured


@pytest.mark.parametrize("language", ["en", "ar"])
def test_every_learner_page_fits_the_2g_budget(learner_world, language):
    weights, unmeasured = weigh_learner_pages(learner_world, language)
    assert {
        "learners:dashboard",
        "learners:profile",
        "learners:apply",
        "learners:application_edit",
        "learner_credentials:list",
        "courses:catalogue",
        "courses:course",
        "verify:credential",
        "account_signup",
        "account_login",
        "portal:landing",
    } <= weights.keys(), "the main learner pages were weighed"
    assert unmeasured == NOT_A_PAGE & set(learner_url_names()), (
        "every learner URL is either weighed or listed in NOT_A_PAGE with its reason: "
        f"not weighed but unlisted {sorted(unmeasured - NOT_A_PAGE)}, "
        f"listed but weighed {sorted(NOT_A_PAGE & weights.keys())}"
    )
    too_heavy = [
        f"{name} {path}: first visit {first} bytes, repeat {repeat} bytes"
        for name, (path, first, repeat) in sorted(weights.items())
        if first > FIRST_VISIT_BUDGET or repeat > REPEAT_VISIT_BUDGET
    ]
    assert not too_heavy, f"[{language}] over {FIRST_VISIT_BUDGET} / {REPEAT_VISIT_BUDGET}:\n" + (
        "\n".join(too_heavy)
    )
