"""Account journeys in a real browser, the way a person walks them, on a phone-sized screen.

Signing in leads each role to its own start page: a learner to their page (`/learn/`, which
first asks a newcomer for their profile at `/learn/profile/`), partner staff to their review
queue (`/staff/`), a programme admin to `/home/`. Elements are found as `helpers` describes.
"""

import re

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.core import mail
from playwright.sync_api import Page, expect

from portal.models import Role, User
from tests.learners.factories import LearnerProfileFactory
from tests.partners.factories import MembershipFactory, PartnerFactory
from tests.portal.factories import PASSWORD, LearnerFactory, PartnerStaffFactory

from .helpers import (
    ARABIC,
    EMAIL_FIELD,
    NEW_PASSWORD,
    choose_language,
    emails_to,
    exactly,
    expect_page_in,
    expect_signed_in,
    label,
    sign_in_by_field_names,
    sign_in_in_english,
    sign_out,
    totp_code,
    tr,
    url_is,
)

pytestmark = pytest.mark.browser

CONFIRM_LINK = re.compile(r"https?://[^\s/]+/accounts/confirm-email/[^\s/]+/")


def expect_signed_out(page: Page, live_server) -> None:
    """The landing page offers signing in again, and the home page now asks for it."""
    expect(page).to_have_url(url_is(live_server, "/"))
    expect(page.get_by_role("banner").locator("a[href$='/accounts/login/']")).to_be_visible()
    page.goto(live_server.url + "/home/")
    expect(page).to_have_url(url_is(live_server, "/accounts/login/"))
    assert "next=%2Fhome%2F" in page.url or "next=/home/" in page.url


def confirmation_link(email: str) -> str:
    """The link in the confirmation e-mail sent to `email` (sent by a job after the commit)."""
    message = emails_to(email)[0]
    found = CONFIRM_LINK.search(message.body)
    assert found, f"no confirmation link in the e-mail:\n{message.body}"
    return found.group(0)


def is_verified(email: str) -> bool:
    return EmailAddress.objects.get(email=email).verified


def expect_profile_page_for_newcomer(page: Page, live_server, language: str = "en") -> None:
    """A learner without a profile is asked for one first, in the language they chose."""
    expect(page).to_have_url(url_is(live_server, "/learn/profile/"))
    expect_page_in(page, language)
    expect_signed_in(page, language)
    expect(page.get_by_role("heading", level=1)).to_have_text(exactly(tr("About you", language)))
    form = page.get_by_role("main").locator("form:has([name=display_name])")
    expect(form.locator("select[name=language]")).to_have_value(language)


# --- English forms, by label ----------------------------------------------------------------


def sign_up_in_english(page: Page, email: str, password: str, password_again: str | None = None):
    page.get_by_label(EMAIL_FIELD).fill(email)
    page.get_by_label(label("Password")).fill(password)
    page.get_by_label(label("Password (again)")).fill(password_again or password)
    page.get_by_role("button", name=exactly("Sign Up")).click()


# --- 1. Learner, English, then Arabic -----------------------------------------------------------


def test_learner_signs_up_confirms_email_switches_to_arabic_and_signs_out(page, live_server):
    email = "amal@example.org"
    page.goto(live_server.url + "/")
    expect_page_in(page, "en")

    page.get_by_role("link", name=exactly("Create an account")).click()
    expect(page).to_have_url(url_is(live_server, "/accounts/signup/"))
    expect_page_in(page, "en")
    sign_up_in_english(page, email, NEW_PASSWORD)

    expect(page).to_have_url(url_is(live_server, "/accounts/confirm-email/"))
    expect(page.get_by_role("heading", name="Verify Your Email Address")).to_be_visible()
    expect_page_in(page, "en")
    user = User.objects.get(email=email)
    assert user.role == Role.LEARNER
    assert not is_verified(email)

    page.goto(confirmation_link(email))
    expect(page.get_by_role("heading", name="Confirm Email Address")).to_be_visible()
    page.get_by_role("button", name=exactly("Confirm")).click()

    # Signed in, and asked first for the profile that the learner's page needs.
    expect_profile_page_for_newcomer(page, live_server, "en")
    expect(page.get_by_role("main").get_by_role("status")).to_contain_text(
        f"You have confirmed {email}."
    )
    assert is_verified(email)

    choose_language(page, "العربية")
    expect_profile_page_for_newcomer(page, live_server, ARABIC)

    sign_out(page, live_server)
    expect_page_in(page, ARABIC)  # the language choice outlives the session
    expect_signed_out(page, live_server)


# --- 2. The same in Arabic from the first page --------------------------------------------------


def test_learner_signs_up_and_signs_in_in_arabic_with_every_page_right_to_left(page, live_server):
    email = "nour@example.org"
    ar = ARABIC
    page.goto(live_server.url + "/")
    expect_page_in(page, "en")
    choose_language(page, "العربية")
    expect_page_in(page, ar)
    expect(page).to_have_url(url_is(live_server, "/"))

    page.get_by_role("main").get_by_role("link", name=exactly(tr("Create an account", ar))).click()
    expect(page).to_have_url(url_is(live_server, "/accounts/signup/"))
    expect_page_in(page, ar)
    form = page.get_by_role("main").locator("form:has(input[name=password1])")
    form.locator("input[name=email]").fill(email)
    form.locator("input[name=password1]").fill(NEW_PASSWORD)
    form.locator("input[name=password2]").fill(NEW_PASSWORD)
    form.get_by_role("button", name=exactly(tr("Sign Up", ar))).click()

    expect(page).to_have_url(url_is(live_server, "/accounts/confirm-email/"))
    expect_page_in(page, ar)
    expect(page.get_by_role("heading", level=1)).to_have_text(
        exactly(tr("Verify Your Email Address", ar))
    )
    assert not is_verified(email)
    link = confirmation_link(email)
    # The e-mail is written in the language the learner chose.
    sent = next(m for m in mail.outbox if email in m.to)
    assert sent.subject.strip() == tr(
        "Confirm your e-mail address for the Learner Access Portal", ar
    )

    page.goto(link)
    expect_page_in(page, ar)
    page.get_by_role("main").get_by_role("button", name=exactly(tr("Confirm", ar))).click()
    expect_profile_page_for_newcomer(page, live_server, ar)
    assert is_verified(email)

    sign_out(page, live_server)
    expect_page_in(page, ar)
    page.get_by_role("banner").get_by_role("link", name=exactly(tr("Sign in", ar))).click()
    expect(page).to_have_url(url_is(live_server, "/accounts/login/"))
    expect_page_in(page, ar)
    sign_in_by_field_names(page, email, NEW_PASSWORD, ar)
    # Still without a profile: back to the profile form, still in Arabic.
    expect_profile_page_for_newcomer(page, live_server, ar)


# --- 3. Without JavaScript ----------------------------------------------------------------------


def test_sign_up_confirmation_and_sign_in_all_work_without_javascript(new_context, live_server):
    page = new_context(java_script_enabled=False).new_page()
    email = "farid@example.org"
    page.goto(live_server.url + "/")
    page.get_by_role("link", name=exactly("Create an account")).click()
    expect(page).to_have_url(url_is(live_server, "/accounts/signup/"))
    sign_up_in_english(page, email, NEW_PASSWORD)
    expect(page).to_have_url(url_is(live_server, "/accounts/confirm-email/"))
    expect_page_in(page, "en")
    assert not is_verified(email)

    # The learner opens the e-mail on another device, also without JavaScript: the address is
    # confirmed there, and they are asked to sign in (they are not signed in on that device).
    phone = new_context(java_script_enabled=False).new_page()
    phone.goto(confirmation_link(email))
    expect(phone.get_by_role("heading", name="Confirm Email Address")).to_be_visible()
    phone.get_by_role("button", name=exactly("Confirm")).click()
    expect(phone).to_have_url(url_is(live_server, "/accounts/login/"))
    assert is_verified(email)
    sign_in_in_english(phone, email, NEW_PASSWORD)
    expect_profile_page_for_newcomer(phone, live_server, "en")

    # Back on the first device: signing in works there too, and signing out.
    page.goto(live_server.url + "/accounts/login/")
    sign_in_in_english(page, email, NEW_PASSWORD)
    expect_profile_page_for_newcomer(page, live_server, "en")
    sign_out(page, live_server)
    expect_signed_out(page, live_server)


# --- 4. Mistakes ------------------------------------------------------------------------------


def test_wrong_password_shows_an_error_and_the_right_one_then_signs_in(page, live_server):
    learner = LearnerProfileFactory(
        user=LearnerFactory(email="sami@example.org"), display_name="Sami Haddad"
    ).user
    page.goto(live_server.url + "/")
    page.get_by_role("link", name=exactly("I already have an account")).click()
    expect(page).to_have_url(url_is(live_server, "/accounts/login/"))

    sign_in_in_english(page, learner.email, "not-the-right-passphrase")
    expect(page).to_have_url(url_is(live_server, "/accounts/login/"))
    expect(page.get_by_role("main")).to_contain_text(
        "The email address and/or password you specified are not correct."
    )
    expect(page.get_by_label(EMAIL_FIELD)).to_have_value(learner.email)
    expect(page.get_by_label(label("Password"))).to_have_value("")
    page.goto(live_server.url + "/home/")
    expect(page).to_have_url(url_is(live_server, "/accounts/login/"))  # still signed out

    sign_in_in_english(page, learner.email, PASSWORD)
    # A learner with a profile goes straight to their own page.
    expect(page).to_have_url(url_is(live_server, "/learn/"))
    expect(page.get_by_role("heading", level=1)).to_have_text(exactly("Hello, Sami Haddad"))
    expect_signed_in(page)


@pytest.mark.parametrize(
    ("weak_password", "message"),
    [
        ("short-pw-1", "This password is too short. It must contain at least 12 characters."),
        ("password1234", "This password is too common."),
    ],
    ids=["too-short", "too-common"],
)
def test_weak_password_at_sign_up_is_explained_and_the_email_is_kept(
    page, live_server, weak_password, message
):
    email = "layla@example.org"
    page.goto(live_server.url + "/accounts/signup/")
    sign_up_in_english(page, email, weak_password)

    expect(page).to_have_url(url_is(live_server, "/accounts/signup/"))
    expect(page.get_by_role("main")).to_contain_text(message)
    password = page.get_by_label(label("Password"))
    expect(password).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label(EMAIL_FIELD)).to_have_value(email)
    assert not User.objects.filter(email=email).exists()

    # Only the passwords need typing again.
    password.fill(NEW_PASSWORD)
    page.get_by_label(label("Password (again)")).fill(NEW_PASSWORD)
    page.get_by_role("button", name=exactly("Sign Up")).click()
    expect(page).to_have_url(url_is(live_server, "/accounts/confirm-email/"))
    assert User.objects.filter(email=email).exists()


# --- 5. Staff must use two-factor authentication ---------------------------------------------


def read_totp_secret(page: Page) -> str:
    """The secret as a person copies it into an app: the text under "Authenticator secret"
    (grouped by four for reading), or the value of allauth's own read-only field."""
    field = page.get_by_label(label("Authenticator secret"))
    if field.count():
        secret = field.input_value()
    else:
        text = page.get_by_role("main").inner_text()
        after_label = text.split("Authenticator secret", 1)[-1].splitlines()
        lines = [line for line in after_label if re.fullmatch(r"[A-Z2-7][A-Z2-7 ]{15,}", line)]
        assert lines, f"no secret shown after its label:\n{text}"
        secret = lines[0].replace(" ", "")
    assert re.fullmatch(r"[A-Z2-7]{16,}", secret), secret
    return secret


def expect_staff_queue(page: Page, queue: re.Pattern) -> None:
    """Signed in, on the review queue of the staff member's partner."""
    expect(page).to_have_url(queue)
    expect_signed_in(page)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Applications")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Refuge Jordan")


def unused_recovery_codes(user) -> list[str]:
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes

    instance = Authenticator.objects.get(user=user, type=Authenticator.Type.RECOVERY_CODES)
    return RecoveryCodes(instance).get_unused_codes()


def test_staff_member_must_set_up_an_authenticator_then_signs_in_with_its_codes(page, live_server):
    staff = PartnerStaffFactory(email="reviewer@partner.example.org")
    partner = PartnerFactory(name="Refuge Jordan", slug="refuge-jordan", countries=["JO"])
    MembershipFactory(user=staff, partner=partner)
    # Their start page: /staff/, which goes straight to the queue of their only partner.
    queue = url_is(live_server, "/staff/refuge-jordan/applications/")
    assert not Authenticator.objects.filter(user=staff).exists()
    page.goto(live_server.url + "/")
    page.get_by_role("banner").get_by_role("link", name=exactly("Sign in")).click()
    sign_in_in_english(page, staff.email, PASSWORD)

    # Signed in, but every page leads to setting up two-factor authentication (allauth asks for
    # the password again before showing a new secret).
    setup = re.compile(
        rf"^{re.escape(live_server.url)}/accounts/"
        r"(2fa/totp/activate/|reauthenticate/\?next=%2Faccounts%2F2fa%2Ftotp%2Factivate%2F)$"
    )
    expect(page).to_have_url(setup)
    expect(page.get_by_role("main")).to_contain_text(
        "Staff accounts must use two-factor authentication."
    )
    for path in ("/home/", "/accounts/email/", "/accounts/password/change/"):
        page.goto(live_server.url + path)
        expect(page).to_have_url(setup)
    if "/reauthenticate/" in page.url:
        page.get_by_label(label("Password")).fill(PASSWORD)
        page.get_by_role("button", name=exactly("Confirm")).click()
    expect(page).to_have_url(url_is(live_server, "/accounts/2fa/totp/activate/"))

    expect_page_in(page, "en")  # a 32-character secret must not overflow a phone screen
    secret = read_totp_secret(page)
    page.get_by_label(label("Authenticator code")).fill(totp_code(secret))
    page.get_by_role("button", name=exactly("Activate")).click()

    expect(page).to_have_url(url_is(live_server, "/accounts/2fa/recovery-codes/"))
    expect_page_in(page, "en")
    shown_codes = page.get_by_label(label("Unused codes")).input_value().split()
    assert Authenticator.objects.filter(user=staff, type=Authenticator.Type.TOTP).exists()
    assert shown_codes and sorted(shown_codes) == sorted(unused_recovery_codes(staff))

    page.goto(live_server.url + "/home/")
    expect_staff_queue(page, queue)
    sign_out(page, live_server)
    expect_signed_out(page, live_server)

    # Signing in again: the password, then a code from the authenticator app.
    sign_in_in_english(page, staff.email, PASSWORD)
    expect(page).to_have_url(url_is(live_server, "/accounts/2fa/authenticate/"))
    page.goto(live_server.url + "/home/")  # not signed in until the code is given
    expect(page).to_have_url(url_is(live_server, "/accounts/2fa/authenticate/"))
    code = totp_code(secret)
    page.get_by_label(label("Code")).fill(f"{(int(code) + 1) % 1_000_000:06d}")  # a typo
    page.get_by_role("button", name=exactly("Sign In")).click()
    expect(page.get_by_role("main")).to_contain_text("Incorrect code.")
    expect(page).to_have_url(url_is(live_server, "/accounts/2fa/authenticate/"))
    # The code the app shows now. (allauth refuses a code already used to sign in within its
    # 30 seconds; the one typed to activate the app does not count as used.)
    page.get_by_label(label("Code")).fill(totp_code(secret))
    page.get_by_role("button", name=exactly("Sign In")).click()
    expect_staff_queue(page, queue)

    # Without the phone: one of the recovery codes works once.
    sign_out(page, live_server)
    page.get_by_role("banner").get_by_role("link", name=exactly("Sign in")).click()
    sign_in_in_english(page, staff.email, PASSWORD)
    expect(page).to_have_url(url_is(live_server, "/accounts/2fa/authenticate/"))
    page.get_by_label(label("Code")).fill(shown_codes[0])
    page.get_by_role("button", name=exactly("Sign In")).click()
    expect_staff_queue(page, queue)
    assert shown_codes[0] not in unused_recovery_codes(staff)
    assert len(unused_recovery_codes(staff)) == len(shown_codes) - 1
