"""In a real browser, on a phone-sized screen: a reviewer registers two people in person with
their e-mail addresses — one new, one who already has an account — and sees the same page for
both (docs/decisions/0015), apart from the confirmation code drawn for each. The new person opens
the e-mailed link, enters the code the reviewer gave them, creates their account, signs
in with the one-time password shown to them and chooses their own; the other is only told, in
their language, that they already have an account."""

import re

import pytest
from playwright.sync_api import expect

from partners.models import Application, ApplicationStatus, StaffRole
from portal.models import User
from tests.partners.factories import MembershipFactory, PartnerFactory
from tests.portal.conftest import give_totp
from tests.portal.factories import LearnerFactory, PartnerStaffFactory

from .helpers import (
    NEW_PASSWORD,
    emails_to,
    exactly,
    expect_status_message,
    label,
    sign_in_in_english,
    signed_in_context,
    starts_with,
    url_is,
)

pytestmark = pytest.mark.browser

SLUG = "refuge-jordan"
LINK = re.compile(r"https?://[^/\s]+(/welcome/[\w-]+/)")


@pytest.fixture
def reviewer(db):
    partner = PartnerFactory(name="Refuge Jordan", slug=SLUG, countries=["JO"])
    user = PartnerStaffFactory(email="reviewer@refuge.example.org")
    user.totp_secret = give_totp(user)
    MembershipFactory(user=user, partner=partner, role=StaffRole.REVIEWER)
    return user


def register(staff, live_server, email: str) -> tuple[str, str]:
    """Fills the in-person form as a reviewer does; returns the main text of the page after
    (its confirmation code masked: a random one for every address) and that code."""
    staff.goto(live_server.url + f"/staff/{SLUG}/register/")
    staff.get_by_label(label("Name on certificates")).fill("Hassan Ali")
    staff.get_by_label(label("Displacement status")).select_option(label="Refugee")
    staff.get_by_label(label("E-mail address (optional)")).fill(email)
    staff.get_by_label(starts_with("I have explained to the person")).check()
    staff.get_by_role("button", name=exactly("Register and print the access slip")).click()
    expect(staff).to_have_url(url_is(live_server, f"/staff/{SLUG}/register/sent/"))
    code = staff.get_by_test_id("confirmation-code").inner_text().strip()
    assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}", code)
    return staff.get_by_role("main").inner_text().replace(code, "<CODE>"), code


def test_staff_see_the_same_page_and_the_new_person_creates_their_account_from_the_link(
    new_context, live_server, reviewer
):
    owner = LearnerFactory(email="already@example.org", language="fr")
    staff = signed_in_context(new_context(), live_server, reviewer).new_page()

    new_page, code = register(staff, live_server, "hassan@example.org")
    taken_page, _unused_code = register(staff, live_server, "already@example.org")
    assert new_page == taken_page
    assert "If they have no account yet" in new_page
    assert not User.objects.filter(email="hassan@example.org").exists()

    # The owner of the existing account is told, and nothing else happens to it.
    [notice] = emails_to("already@example.org")
    assert "Refuge Jordan" in notice.body
    assert not Application.objects.filter(learner=owner).exists()

    # The new person opens the link on their phone and creates their account.
    [invitation] = emails_to("hassan@example.org")
    phone = new_context().new_page()
    # The link is on SITE_URL; the test's server listens elsewhere.
    phone.goto(live_server.url + LINK.search(invitation.body).group(1))
    expect(phone.get_by_role("main")).to_contain_text("Refuge Jordan registered you in person")
    # The link alone creates nothing (the address may have been mistyped): it asks for the code
    # the reviewer handed the person.
    phone.get_by_label(label("Confirmation code")).fill(
        "2222-3333" if code != "2222-3333" else "4444-5555"
    )
    phone.get_by_role("button", name=exactly("Create my account")).click()
    expect(phone.get_by_role("main")).to_contain_text("This is not the confirmation code")
    assert not User.objects.filter(email="hassan@example.org").exists()
    phone.get_by_label(label("Confirmation code")).fill(code.lower().replace("-", " "))
    phone.get_by_role("button", name=exactly("Create my account")).click()
    expect(phone.get_by_role("main")).to_contain_text("Your account is ready")
    password = phone.locator(".slip-secret").inner_text().strip()
    phone.get_by_role("main").get_by_role("link", name=exactly("Sign in")).click()
    sign_in_in_english(phone, "hassan@example.org", password)

    expect(phone).to_have_url(url_is(live_server, "/accounts/password/change/"))
    phone.get_by_label(label("Current Password")).fill(password)
    phone.get_by_label(label("New Password")).fill(NEW_PASSWORD)
    phone.get_by_label(label("New Password (again)")).fill(NEW_PASSWORD)
    phone.get_by_role("button", name=exactly("Change Password")).click()
    expect_status_message(phone, "Password successfully changed.")

    learner = User.objects.get(email="hassan@example.org")
    application = Application.objects.get(learner=learner)
    assert application.assisted and application.status == ApplicationStatus.APPROVED
    assert application.decided_by == reviewer
