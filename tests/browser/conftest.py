"""Real Chromium, driven by Playwright, against pytest-django's live server.

Every page opens in a fresh browser context at a phone-sized viewport. When a test fails, each of
its pages is saved to test-results/ as a screenshot and as HTML, so the failure can be looked at.

`BROWSER_JAVASCRIPT=off` runs every journey with JavaScript disabled in Chromium (`make test-nojs`,
and CI's second browser run): each flow must work without it. A test that is about something that
needs JavaScript itself (axe-core, which runs in the page) is marked `needs_javascript` and keeps
it; a test may also pass `java_script_enabled=` to `new_context` to choose for one context.
"""

import os
import re
from pathlib import Path

import pytest
from django.core.files.storage import storages
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from partners.models import EvidenceDocument

# The shared helpers' `assert`s explain themselves when they fail, as the tests' own do.
pytest.register_assert_rewrite("tests.browser.helpers")

CHROMIUM = os.environ.get("PLAYWRIGHT_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 360, "height": 740}
RESULTS = Path(__file__).resolve().parents[2] / "test-results"
# How long one step (a click, a page load, an expectation) may take before the test fails.
STEP_TIMEOUT_MS = 10_000
# BROWSER_SAVE_PAGES=1 saves the last page of every context, failed or not (to look at layouts).
SAVE_ALL_PAGES = os.environ.get("BROWSER_SAVE_PAGES") == "1"
# BROWSER_JAVASCRIPT=off: every context has JavaScript disabled unless the test needs it.
JAVASCRIPT_OFF = os.environ.get("BROWSER_JAVASCRIPT", "on").lower() in {"off", "0", "no", "false"}
expect.set_options(timeout=STEP_TIMEOUT_MS)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test item, so fixtures can tell whether the test failed."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def live_server(request):
    """pytest-django's live server, except that WhiteNoise serves /static/, as in production.

    pytest-django puts staticfiles' finder-based handler in front of the server; the finders do
    not know the hashed names (`bootstrap.min.6a7df65a8257.css`) that the manifest storage writes
    into pages, so every stylesheet would be a 404 and each page would be tested unstyled. Here
    static requests go through the portal's own middleware stack (WhiteNoise, serving the files
    that the session's `collected_static` fixture collected).
    """
    from pytest_django.live_server_helper import LiveServer

    addr = (
        request.config.getvalue("liveserver")
        or os.getenv("DJANGO_LIVE_TEST_SERVER_ADDRESS")
        or "localhost"
    )
    server = LiveServer(addr, start=False)
    server.thread.static_handler = _through_the_portal
    server.start()
    yield server
    server.stop()


def _through_the_portal(application):
    return application


@pytest.fixture(autouse=True)
def site_url_is_the_live_server(settings, live_server):
    """The portal's one origin is the address it is served on, as `make run` sets it: links in
    e-mails, share links and credential ids lead back to the server the browser is using."""
    settings.SITE_URL = live_server.url


@pytest.fixture(autouse=True)
def private_storage_root(settings, tmp_path, monkeypatch):
    """Evidence documents uploaded in a journey go to a folder of the test's own.

    The live server runs in a thread of this process, so it sees the same settings and field.
    """
    root = tmp_path / "private-media"
    configured = {alias: dict(config) for alias, config in settings.STORAGES.items()}
    configured["private"] = {
        **configured["private"],
        "OPTIONS": {**configured["private"].get("OPTIONS", {}), "location": str(root)},
    }
    # Reassigning the setting sends setting_changed, which resets django's `storages`.
    settings.STORAGES = configured
    # A FileField calls its storage callable once, at import: point the field at the new one too.
    monkeypatch.setattr(EvidenceDocument._meta.get_field("file"), "storage", storages["private"])
    return root


@pytest.fixture(scope="session")
def browser() -> Browser:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


@pytest.fixture
def new_context(browser, request):
    """Open browser contexts (phone viewport, English unless told otherwise; JavaScript off with
    BROWSER_JAVASCRIPT=off unless the test is marked needs_javascript); all are closed
    after the test, and on failure (or with BROWSER_SAVE_PAGES=1) their pages are saved to
    test-results/ first."""
    contexts: list[BrowserContext] = []
    keep_javascript = request.node.get_closest_marker("needs_javascript") is not None

    def make(**options) -> BrowserContext:
        options.setdefault("viewport", PHONE)
        options.setdefault("locale", "en-GB")
        if JAVASCRIPT_OFF and not keep_javascript:
            options.setdefault("java_script_enabled", False)
        context = browser.new_context(**options)
        context.set_default_timeout(STEP_TIMEOUT_MS)
        context.set_default_navigation_timeout(STEP_TIMEOUT_MS)
        contexts.append(context)
        return context

    yield make

    report = getattr(request.node, "rep_call", None)
    failed = report is not None and report.failed
    for c, context in enumerate(contexts):
        if failed or SAVE_ALL_PAGES:
            _save_pages(context, f"{_safe(request.node.nodeid)}-{c}")
        context.close()


@pytest.fixture
def page(new_context) -> Page:
    return new_context().new_page()


def _save_pages(context: BrowserContext, stem: str) -> None:
    RESULTS.mkdir(exist_ok=True)
    for p, page in enumerate(context.pages):
        base = f"{stem}-{p}"
        try:
            page.screenshot(path=RESULTS / f"{base}.png", full_page=True)
            (RESULTS / f"{base}.html").write_text(
                f"<!-- {page.url} -->\n{page.content()}", encoding="utf-8"
            )
        except Exception as exc:  # a page that crashed must not hide the test's own failure
            (RESULTS / f"{base}.txt").write_text(f"could not save {page.url}: {exc}")


def _safe(nodeid: str) -> str:
    """A file name from a test id: `test_x[a-b]` becomes `test_x_a-b_`."""
    return re.sub(r"[^A-Za-z0-9_-]+", "_", nodeid.split("::", 1)[-1])[:100]
