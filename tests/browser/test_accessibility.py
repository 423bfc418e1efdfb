"""axe-core over every page, in English and Arabic, at 360 px; and forms by keyboard alone.

The list of pages is built from the URL patterns: every named URL (the Django admin's aside) is
opened with Django's test client as each role of the permission-matrix world in turn, and the
first role that gets an HTML page (200, text/html) visits it in the browser. URLs that answer no
role with an HTML page must be explained below (POST-only, JSON/CSV/PDF/SVG, or a step that only
exists inside a flow, which the test then walks). A new URL that is neither covered nor explained
fails the test, so the list keeps up with the portal.

axe-core is injected into each page by axe-playwright-python (so these tests need JavaScript in
the page) and run with the WCAG 2.0, 2.1 and 2.2 A and AA rules; every violation is reported with
its rule, help text and the elements it found.
"""

from dataclasses import dataclass, field

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from django.test import Client
from django.urls import reverse
from playwright.sync_api import BrowserContext, Page, expect

from partners.models import ApplicationStatus
from tests.learners.factories import LearnerProfileFactory
from tests.matrix.urls import KWARGS, url_for
from tests.matrix.world import build_world
from tests.partners.factories import ApplicationFactory
from tests.portal.factories import PASSWORD, LearnerFactory
from tests.portal.urlwalk import walk_urls

from .conftest import PHONE
from .helpers import ARABIC, signed_in_context

pytestmark = pytest.mark.browser

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}
LANGUAGES = ["en", ARABIC]

# Who visits, in order: the first of them that gets an HTML page visits it. learner_c has an
# application waiting for more information (the only state in which its edit page shows);
# learner_no_password has no usable password (the page to set one shows only then).
VISITORS = [
    "anonymous",
    "learner_a",
    "learner_b",
    "learner_c",
    "reviewer_a",
    "coordinator_a",
    "admin",
    "learner_no_password",
]

# URLs that no role opens as an HTML page with a plain GET, and why. Anything else that no role
# can open fails the test.
NOT_PAGES = {
    "set_language": "POST-only (a GET only redirects back)",
    "healthz": "not HTML: a health check for the load balancer",
    "api:applications": "not HTML: JSON API for partner systems",
    "api:application_detail": "not HTML: JSON API for partner systems",
    "api:application_decision": "not HTML: JSON API for partner systems",
    "api:schema": "not HTML: the API's schema",
    "credentials_api:completions": "not HTML: JSON API for providers",
    "verify:status_list": "not HTML: a status list credential (JSON)",
    "verify:credential_json": "not HTML: the credential as JSON",
    "verify:credential_qr": "not HTML: an SVG QR code",
    "verify:credential_pdf": "not HTML: a PDF",
    "did:document": "not HTML: the issuer's DID document (JSON)",
    "did:document_at_path": "not HTML: the issuer's DID document (JSON)",
    "wallet:issuer_metadata": "not HTML: OpenID4VCI issuer metadata (JSON)",
    "wallet:authorization_server_metadata": "not HTML: OAuth server metadata (JSON)",
    "wallet:offer": "not HTML: a credential offer for a wallet app (JSON)",
    "learners:document_download": "not HTML: a download of the learner's document",
    "partners:document_download": "not HTML: a download of a learner's document",
    "reporting:export_download": "not HTML: a CSV download",
    "learners:data_download": "not HTML: the learner's data as a JSON file",
    "programme:completions_errors": "not HTML: a CSV of an import's errors",
    "seats:bulk_enrolment_errors": "not HTML: a CSV of an import's errors",
    "staff:home": "redirects every role to their partner's queue (covered)",
    "portal:landing": "redirects signed-in people; the anonymous landing page is covered",
    "mfa_download_recovery_codes": "not HTML: a text file of recovery codes",
    # Steps inside a flow: reached and checked by `_walk_flows`.
    "mfa_authenticate": "inside staff sign-in: checked in that flow",
    "account_confirm_login_code": "inside a sign-in by code: checked in that flow if enabled",
    "mfa_activate_totp": "behind re-authentication: checked in that flow",
    "mfa_deactivate_totp": "behind re-authentication: checked in that flow",
    "mfa_generate_recovery_codes": "behind re-authentication: checked in that flow",
    "mfa_view_recovery_codes": "only once codes exist: checked in the re-authentication flow",
    "account_verify_phone": "only while a code sent to a phone waits: checked in that flow",
}


@dataclass
class Plan:
    """The pages each visitor opens, and the URLs that are not pages (with the reason)."""

    pages: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)
    uncovered: dict[str, dict[str, str]] = field(default_factory=dict)


def _outcome(response) -> str:
    kind = response.get("Content-Type", "").split(";")[0]
    if response.status_code in (301, 302):
        return f"{response.status_code}→{response['Location']}"
    return f"{response.status_code} {kind}"


def _is_html_page(response) -> bool:
    return response.status_code == 200 and response.get("Content-Type", "").startswith("text/html")


def plan_pages(world, users: dict) -> Plan:
    clients = {}
    for role in VISITORS:
        clients[role] = Client()
        if users[role] is not None:
            clients[role].force_login(users[role])
    plan = Plan(pages={role: [] for role in VISITORS})
    paths = {
        "learners:application_edit": reverse(
            "learners:application_edit", kwargs={"pk": world.application_c.pk}
        )
    }
    for walked in walk_urls():
        name = walked.name
        if name.startswith("admin:"):
            continue  # Django's own admin pages, not the portal's templates
        if name in paths:
            path = paths[name]
        elif name in KWARGS:
            path = url_for(name, world)
        else:
            path = walked.path
        outcomes = {}
        for role in VISITORS:
            response = clients[role].get(path)
            if _is_html_page(response):
                plan.pages[role].append((name, path))
                break
            outcomes[role] = _outcome(response)
        else:
            if name in NOT_PAGES:
                plan.skipped[name] = NOT_PAGES[name]
            elif all(o.startswith("405") for r, o in outcomes.items() if r != "anonymous"):
                plan.skipped[name] = "POST-only"
            else:
                plan.uncovered[name] = outcomes
    return plan


@pytest.fixture
def world(transactional_db, settings):
    world = build_world()
    learner_c = LearnerFactory()
    LearnerProfileFactory(user=learner_c, country_of_residence="JO")
    world.application_c = ApplicationFactory(
        learner=learner_c, partner=world.partner_a, status=ApplicationStatus.INFO_REQUESTED
    )
    world.users["learner_c"] = learner_c
    no_password = LearnerFactory()
    LearnerProfileFactory(user=no_password, country_of_residence="JO")
    no_password.set_unusable_password()
    no_password.save()
    world.users["learner_no_password"] = no_password
    return world


def in_language(context: BrowserContext, live_server, language: str) -> BrowserContext:
    context.add_cookies(
        [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}]
    )
    return context


def check(page: Page, axe: Axe, where: str, found: list[str]) -> None:
    """Run axe-core on the page as it is; add a line per violation to `found`."""
    page.wait_for_load_state()
    results = axe.run(page, options=AXE_OPTIONS)
    for violation in results.response["violations"]:
        nodes = "\n".join(
            f"        {', '.join(map(str, node['target']))}: {node['html'][:160]}"
            for node in violation["nodes"][:6]
        )
        found.append(
            f"{where}\n    {violation['id']} ({violation['impact']}): {violation['help']}\n"
            f"    {violation['helpUrl']}\n{nodes}"
        )


def _page(new_context, live_server, language: str, user=None) -> Page:
    context = new_context(viewport=PHONE, locale=language)
    if user is not None:
        signed_in_context(context, live_server, user)
    return in_language(context, live_server, language).new_page()


def _submit(page: Page) -> None:
    page.get_by_role("main").locator("form [type=submit]").last.click()


def _reauthenticate_if_asked(page: Page, live_server) -> None:
    if page.url.startswith(live_server.url + reverse("account_reauthenticate")):
        page.locator("main input[name=password]").fill(PASSWORD)
        _submit(page)


def _walk_flows(new_context, live_server, world, language: str, axe: Axe, found: list[str]):
    """States that plain GETs do not show: forms with errors, steps inside a sign-in, and
    pages behind re-authentication."""
    lang = f"[{language}]"
    page = _page(new_context, live_server, language)
    # The sign-in form, rejected.
    page.goto(live_server.url + reverse("account_login"))
    form = page.get_by_role("main").locator("form:has(input[name=login])")
    form.locator("input[name=login]").fill("nobody@example.org")
    form.locator("input[name=password]").fill("wrong-password-123")
    _submit(page)
    check(page, axe, f"{lang} anonymous: sign-in with a wrong password", found)
    # The sign-up form, rejected.
    page.goto(live_server.url + reverse("account_signup"))
    form = page.get_by_role("main").locator("form:has(input[name=password1])")
    form.locator("input[name=password1]").fill("short")
    form.locator("input[name=password2]").fill("other")
    _submit(page)
    check(page, axe, f"{lang} anonymous: sign-up with errors", found)
    # A sign-in by code, if the portal offers it: the step where the code is typed.
    if getattr(settings, "ACCOUNT_LOGIN_BY_CODE_ENABLED", False):
        page.goto(live_server.url + reverse("account_request_login_code"))
        page.locator("main form input:not([type=hidden])").first.fill(
            world.users["learner_a"].email
        )
        _submit(page)
        expect(page).to_have_url(live_server.url + reverse("account_confirm_login_code"))
        check(page, axe, f"{lang} anonymous: {page.url} (enter the sign-in code)", found)
    # A staff member's sign-in: the password, then the authenticator code step.
    page = _page(new_context, live_server, language)
    page.goto(live_server.url + reverse("account_login"))
    form = page.get_by_role("main").locator("form:has(input[name=login])")
    form.locator("input[name=login]").fill(world.users["reviewer_a"].email)
    form.locator("input[name=password]").fill(PASSWORD)
    _submit(page)
    expect(page).to_have_url(live_server.url + reverse("mfa_authenticate"))
    check(page, axe, f"{lang} reviewer_a: {reverse('mfa_authenticate')}", found)
    page.locator("main input[name=code]").fill("000000")
    _submit(page)
    check(page, axe, f"{lang} reviewer_a: authenticator code rejected", found)
    # A learner's profile form, rejected (a required field emptied).
    page = _page(new_context, live_server, language, world.users["learner_b"])
    page.goto(live_server.url + reverse("learners:profile"))
    page.locator("main form input[name=display_name]").fill("")
    _submit(page)
    check(page, axe, f"{lang} learner_b: profile form with errors", found)
    # A learner adds a phone number: the step where the code sent by SMS is typed.
    page.goto(live_server.url + reverse("account_change_phone"))
    page.locator("main form input[name=phone]").fill("+962791234567")
    _submit(page)
    expect(page).to_have_url(live_server.url + reverse("account_verify_phone"))
    check(page, axe, f"{lang} learner_b: {reverse('account_verify_phone')}", found)
    page.locator("main form input[name=code]").fill("000000")
    _submit(page)
    check(page, axe, f"{lang} learner_b: phone code rejected", found)
    # Behind re-authentication: a learner sets up an authenticator app.
    page.goto(live_server.url + reverse("mfa_activate_totp"))
    _reauthenticate_if_asked(page, live_server)
    expect(page).to_have_url(live_server.url + reverse("mfa_activate_totp"))
    check(page, axe, f"{lang} learner_b: {reverse('mfa_activate_totp')}", found)
    # Behind re-authentication: a programme admin's recovery codes and authenticator.
    page = _page(new_context, live_server, language, world.users["admin"])
    page.goto(live_server.url + reverse("mfa_generate_recovery_codes"))
    _reauthenticate_if_asked(page, live_server)
    expect(page).to_have_url(live_server.url + reverse("mfa_generate_recovery_codes"))
    check(page, axe, f"{lang} admin: {reverse('mfa_generate_recovery_codes')}", found)
    _submit(page)
    page.goto(live_server.url + reverse("mfa_view_recovery_codes"))
    expect(page).to_have_url(live_server.url + reverse("mfa_view_recovery_codes"))
    check(page, axe, f"{lang} admin: {reverse('mfa_view_recovery_codes')}", found)
    page.goto(live_server.url + reverse("mfa_deactivate_totp"))
    expect(page).to_have_url(live_server.url + reverse("mfa_deactivate_totp"))
    check(page, axe, f"{lang} admin: {reverse('mfa_deactivate_totp')}", found)


@pytest.mark.needs_javascript
@pytest.mark.parametrize("language", LANGUAGES)
def test_every_page_passes_axe_core_at_360px(new_context, live_server, world, language):
    plan = plan_pages(world, world.users)
    axe = Axe()
    found: list[str] = []
    visited = []
    for role in VISITORS:
        if not plan.pages[role]:
            continue
        context = new_context(viewport=PHONE, locale=language)
        if world.users[role] is not None:
            signed_in_context(context, live_server, world.users[role])
        in_language(context, live_server, language)
        page = context.new_page()
        for name, path in plan.pages[role]:
            page.goto(live_server.url + path)
            expect(page.locator("html")).to_have_attribute("lang", language)
            check(page, axe, f"[{language}] {role}: {path} ({name})", found)
            visited.append(name)
        context.close()
    # A page that is not there.
    page = in_language(new_context(viewport=PHONE), live_server, language).new_page()
    page.goto(live_server.url + "/no-such-page/")
    check(page, axe, f"[{language}] anonymous: a page that is not found", found)
    _walk_flows(new_context, live_server, world, language, axe, found)
    print(f"axe-core checked {len(visited)} pages in {language}: {sorted(visited)}")
    print(f"not pages: {plan.skipped}")
    problems = [f"{len(found)} accessibility violation(s):", *found] if found else []
    if plan.uncovered:
        problems.append(
            "URLs that no role could open as an HTML page; cover them (a role, a state) or "
            f"explain them in NOT_PAGES: {plan.uncovered}"
        )
    assert not problems, "\n".join(problems)


# --- Keyboard alone ---------------------------------------------------------------------------

FOCUSED = """() => {
    const element = document.activeElement;
    const style = getComputedStyle(element);
    const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
    return {
        tag: element.tagName.toLowerCase(),
        name: element.getAttribute("name") || "",
        type: element.getAttribute("type") || "",
        text: (element.textContent || "").trim().slice(0, 40),
        visible: outline || style.boxShadow !== "none",
        outline: `${style.outlineStyle} ${style.outlineWidth}`,
        shadow: style.boxShadow,
    };
}"""


def tab_to(page: Page, matches, limit: int = 60) -> dict:
    """Press Tab until the focused element `matches`; every element on the way must show that it
    has the focus (an outline or a box shadow)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        assert focused["visible"], f"no visible focus indicator on {focused} at {page.url}"
        if matches(focused):
            return focused
    raise AssertionError(f"Tab never reached the element on {page.url}")


def test_sign_in_and_profile_forms_work_by_keyboard_alone(new_context, live_server, db):
    learner = LearnerFactory()
    LearnerProfileFactory(user=learner, country_of_residence="JO", display_name="Amina")
    page = new_context(viewport=PHONE).new_page()
    page.goto(live_server.url + reverse("account_login"))
    # The first Tab reaches the skip link, which takes the focus to the main content.
    page.keyboard.press("Tab")
    skip = page.evaluate(FOCUSED)
    assert skip["tag"] == "a" and skip["visible"], skip
    tab_to(page, lambda f: f["name"] == "login")
    page.keyboard.type(learner.email)
    tab_to(page, lambda f: f["name"] == "password")
    page.keyboard.type(PASSWORD)
    tab_to(page, lambda f: f["tag"] == "button" and f["type"] == "submit")
    page.keyboard.press("Enter")
    expect(page).to_have_url(live_server.url + reverse("learners:dashboard"))

    page.goto(live_server.url + reverse("learners:profile"))
    tab_to(page, lambda f: f["name"] == "display_name")
    page.keyboard.press("ControlOrMeta+A")
    page.keyboard.type("Amina Haddad")
    tab_to(page, lambda f: f["tag"] == "button" and f["type"] == "submit")
    page.keyboard.press("Enter")
    expect(page).to_have_url(live_server.url + reverse("learners:dashboard"))
    learner.learner_profile.refresh_from_db()
    assert learner.learner_profile.display_name == "Amina Haddad"
