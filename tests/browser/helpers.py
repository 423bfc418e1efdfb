"""What a person sees and does in the browser journeys, shared by the journey modules.

Elements are found by what a person sees: a role and its visible name, or a field's label. In
Arabic the names are looked up with gettext in the same catalogue the portal renders with, so
the tests hold whether or not a string has been translated yet; form fields there are found by
their `name`. No selector depends on a CSS class (the templates' styling is free to change).
"""

import re
import time

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext
from playwright.sync_api import BrowserContext, Page, expect

ARABIC = "ar"
# Long enough (12+), not in the common-password list, not similar to the e-mail address.
NEW_PASSWORD = "river-lantern-orchard-7"
# The e-mail field: "Email" at sign-up, "E-mail address or login code" at sign-in.
EMAIL_FIELD = re.compile(r"^\s*e-?mail\b", re.IGNORECASE)


# --- Text -------------------------------------------------------------------------------------


def tr(text: str, language: str = "en") -> str:
    """The text as the portal shows it in `language` (the English text if not translated)."""
    with translation.override(language):
        return gettext(text)


def exactly(text: str) -> re.Pattern:
    """An accessible name that is exactly `text`, ignoring surrounding space and letter case."""
    return re.compile(rf"^\s*{re.escape(text)}\s*$", re.IGNORECASE)


def label(text: str) -> re.Pattern:
    """A field label as Django or crispy-forms renders it: `Email:`, `Email*` or `Email`."""
    return re.compile(rf"^\s*{re.escape(text)}[\s:*]*$", re.IGNORECASE)


def starts_with(text: str) -> re.Pattern:
    """A label that begins with `text` (a long label, or one with a link inside)."""
    return re.compile(rf"^\s*{re.escape(text)}", re.IGNORECASE)


def url_is(live_server, path: str) -> re.Pattern:
    """The page's URL is exactly `path` on the live server (any query string allowed)."""
    return re.compile(rf"^{re.escape(live_server.url + path)}(\?.*)?$")


# --- The page as a whole ----------------------------------------------------------------------


def expect_page_in(page: Page, language: str) -> None:
    """The page is in `language`, laid out in its direction, styled, and fits the phone's width."""
    html = page.locator("html")
    expect(html).to_have_attribute("lang", language)
    expect(html).to_have_attribute("dir", "rtl" if language == ARABIC else "ltr")
    # Exactly one Bootstrap stylesheet, and it is the one for the page's direction.
    bootstrap = page.locator("head link[rel=stylesheet][href*='/bootstrap']")
    expect(bootstrap).to_have_count(1)
    if language == ARABIC:
        expect(bootstrap).to_have_attribute("href", re.compile(r"/bootstrap\.rtl\.min\.[^/]*css$"))
    else:
        expect(bootstrap).to_have_attribute("href", re.compile(r"/bootstrap\.min\.[^/]*css$"))
    page.wait_for_load_state()
    rules = page.evaluate(
        """() => [...document.styleSheets]
            .filter((sheet) => sheet.href && sheet.href.includes("/bootstrap"))
            .map((sheet) => sheet.cssRules.length)"""
    )
    assert rules and rules[0] > 100, f"Bootstrap's stylesheet did not load: {rules}"
    width, viewport = page.evaluate(
        "() => [document.documentElement.scrollWidth, window.innerWidth]"
    )
    assert width <= viewport, f"{page.url} is {width}px wide, wider than the {viewport}px screen"


def expect_status_message(page: Page, text: str) -> None:
    """The message the portal shows after an action (Django's messages, role=status)."""
    expect(page.get_by_role("main").get_by_role("status")).to_contain_text(text)


def choose_language(page: Page, language_name: str) -> None:
    """The footer's language form: one button per language, named in that language."""
    page.get_by_role("contentinfo").get_by_role("button", name=language_name).click()


# --- Signing in and out -----------------------------------------------------------------------


def sign_out_button(page: Page):
    """The header's sign-out button, found by its form's action: its text is translated."""
    return (
        page.get_by_role("banner")
        .locator("form[action$='/accounts/logout/']")
        .get_by_role("button")
    )


def expect_signed_in(page: Page, language: str = "en") -> None:
    """The header offers signing out (and no longer signing in)."""
    header = page.get_by_role("banner")
    expect(sign_out_button(page)).to_have_text(exactly(tr("Sign out", language)))
    expect(header.locator("a[href$='/accounts/login/']")).to_have_count(0)


def sign_out(page: Page, live_server) -> None:
    sign_out_button(page).click()
    expect(page).to_have_url(url_is(live_server, "/"))


def sign_in_in_english(page: Page, login: str, password: str) -> None:
    """The sign-in form, by its labels (the first field takes an e-mail or a login code)."""
    page.get_by_label(EMAIL_FIELD).fill(login)
    page.get_by_label(label("Password")).fill(password)
    page.get_by_role("button", name=exactly("Sign In")).click()


def sign_in_by_field_names(page: Page, login: str, password: str, language: str) -> None:
    """The sign-in form in any language: fields by name, the button by its translated text."""
    form = page.get_by_role("main").locator("form:has(input[name=login])")
    form.locator("input[name=login]").fill(login)
    form.locator("input[name=password]").fill(password)
    form.get_by_role("button", name=exactly(tr("Sign In", language))).click()


def totp_code(secret: str) -> str:
    """The code an authenticator app shows now (as allauth computes it, TOTP_TOLERANCE 0)."""
    from allauth.mfa import app_settings
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    period = app_settings.TOTP_PERIOD
    left = period - time.time() % period
    if left < 3:  # the server must check it within the same window
        time.sleep(left + 0.2)
    return format_hotp_value(hotp_value(secret, int(time.time()) // period))


def sign_in_as_staff(page: Page, live_server, email: str, password: str, secret: str) -> None:
    """A staff member signs in: the password, then the code from their authenticator app."""
    page.goto(live_server.url + "/accounts/login/")
    sign_in_in_english(page, email, password)
    expect(page).to_have_url(url_is(live_server, "/accounts/2fa/authenticate/"))
    page.get_by_label(label("Code")).fill(totp_code(secret))
    page.get_by_role("button", name=exactly("Sign In")).click()


def signed_in_context(context: BrowserContext, live_server, user) -> BrowserContext:
    """A browser already signed in as `user`, as after the sign-in form: Django's test client
    signs in (sending `user_logged_in`, as a real sign-in does) and the browser gets its cookie.
    Staff need an authenticator too (`give_totp`), or the MFA rule sends them to set one up."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": cookie.value,
                "url": live_server.url,
                "httpOnly": True,
                "sameSite": "Lax",
            }
        ]
    )
    return context


# --- E-mail -----------------------------------------------------------------------------------


def emails_to(email: str, *, count: int = 1, timeout: float = 5.0) -> list:
    """The e-mails sent to `email`, once at least `count` arrived (jobs run after the commit)."""
    deadline = time.monotonic() + timeout
    while True:
        sent = [message for message in mail.outbox if email in message.to]
        if len(sent) >= count or time.monotonic() >= deadline:
            break
        time.sleep(0.05)
    if len(sent) < count:
        pytest.fail(
            f"expected {count} e-mail(s) to {email}, got {len(sent)}; "
            f"outbox: {[(m.to, m.subject) for m in mail.outbox]}"
        )
    return sent
