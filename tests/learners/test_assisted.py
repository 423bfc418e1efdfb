"""Assisted registration: partner staff register a learner in person, print an access slip with a
login code and a one-time password, and the learner signs in with them and picks a password."""

import re
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.staticfiles import finders
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language

from learners.models import LearnerProfile, PendingRegistration
from learners.services.assisted import (
    LOGIN_CODE_ALPHABET,
    learner_register_assisted,
    learner_reset_one_time_password,
)
from learners.services.assisted_contact import pending_registrations_purge
from partners.errors import TransitionNotAllowed
from partners.models import Application, ApplicationStatus, StaffRole
from partners.services.applications import (
    case_number_hash,
    case_number_reveal,
    learner_is_verified,
)
from portal.crypto import decrypt_text
from portal.models import AuditEvent, Role, User
from portal.privacy import PRIVACY_NOTICE_VERSION
from tests.partners.factories import ApplicationFactory, MembershipFactory, PartnerFactory
from tests.portal.conftest import give_totp
from tests.portal.factories import LearnerFactory, ProgrammeAdminFactory

NEW_PASSWORD = "orchard-lantern-river-58"
SECRET_RE = re.compile(r'<dd class="slip-secret">([^<]+)</dd>')


@pytest.fixture
def partner(db):
    return PartnerFactory(countries=["LB", "JO"])


@pytest.fixture
def reviewer(partner):
    user = MembershipFactory(partner=partner, role=StaffRole.REVIEWER).user
    give_totp(user)
    return user


@pytest.fixture
def staff_client(client, reviewer):
    client.force_login(reviewer)
    return client


def register_url(partner):
    return reverse("assisted:register", args=[partner.slug])


def slip_url(partner):
    return reverse("assisted:slip", args=[partner.slug])


def form_data(**overrides):
    data = {
        "display_name": "Amal Haddad",
        "language": "ar",
        "country_of_residence": "LB",
        "displacement_status": "refugee",
        "email": "",
        "phone": "+961 3 123 456",
        "case_number": "LB-2024-77812",
        "consent": "on",
    }
    data.update(overrides)
    return data


def register_and_read_slip(client, partner, **overrides):
    """Registers through the page; returns (learner, printed login code, one-time password)."""
    response = client.post(register_url(partner), form_data(**overrides))
    assert response.status_code == 302, response.content.decode()
    assert response["Location"] == slip_url(partner)
    slip = client.get(slip_url(partner))
    assert slip.status_code == 200
    code, password = SECRET_RE.findall(slip.content.decode())
    learner = User.objects.get(login_code=code.replace("-", ""))
    return learner, code, password


def sign_in(client, login, password):
    return client.post("/accounts/login/", {"login": login, "password": password})


# --- registering --------------------------------------------------------------------------------


def test_url_names_resolve_to_the_documented_paths():
    assert reverse("assisted:register", args=["ngo"]) == "/staff/ngo/register/"
    assert reverse("assisted:slip", args=["ngo"]) == "/staff/ngo/register/slip/"
    assert (
        reverse("assisted:new_password", args=["ngo", 5]) == "/staff/ngo/register/5/new-password/"
    )


@pytest.mark.django_db
def test_register_form_defaults_to_the_partners_first_country_and_says_why_it_asks(
    staff_client, partner
):
    response = staff_client.get(register_url(partner))
    assert response.status_code == 200
    page = response.content.decode()
    first = partner.countries[0].code
    assert re.search(rf'<option value="{first}"[^>]*selected', page)
    assert "Kept encrypted" in page  # the help texts say why each item is asked
    assert "privacy notice" in page


@pytest.mark.django_db
def test_staff_register_a_learner_without_email_who_is_verified_at_once(
    staff_client, partner, reviewer
):
    learner, code, password = register_and_read_slip(staff_client, partner)

    assert re.fullmatch(rf"[{LOGIN_CODE_ALPHABET}]{{4}}-[{LOGIN_CODE_ALPHABET}]{{4}}", code)
    assert learner.role == Role.LEARNER
    assert learner.language == "ar"
    assert learner.email == f"{learner.login_code.lower()}@{settings.NO_EMAIL_DOMAIN}"
    assert not learner.has_real_email
    assert learner.password_is_temporary
    assert learner.check_password(password)
    assert len(password) >= 12
    # The placeholder is nobody's address: allauth keeps no row for it.
    assert not EmailAddress.objects.filter(user=learner).exists()
    profile = LearnerProfile.objects.get(user=learner)
    assert profile.display_name == "Amal Haddad"
    assert profile.country_of_residence == "LB"
    assert profile.consent_version == PRIVACY_NOTICE_VERSION
    assert "3123456" not in profile.phone_encrypted  # (a shorter string could occur by chance)
    assert decrypt_text(profile.phone_encrypted) == "+9613123456"  # E.164
    application = Application.objects.get(learner=learner)
    assert application.assisted
    assert application.status == ApplicationStatus.APPROVED
    assert application.decided_by == reviewer
    assert case_number_reveal(application) == "LB-2024-77812"
    assert application.case_number_hash == case_number_hash("lb 2024 77812")
    assert learner_is_verified(learner)
    event = AuditEvent.objects.get(action="learner.registered_assisted")
    assert event.actor == reviewer
    assert event.partner_id == partner.pk
    assert event.data["consent"] == "in_person"
    assert "Amal" not in str(event.data)
    assert "961" not in str(event.data)


@pytest.mark.django_db
def test_staff_may_type_the_number_as_dialled_where_the_person_lives(staff_client, partner):
    learner, _code, _password = register_and_read_slip(
        staff_client, partner, phone="03 123 456", country_of_residence="LB"
    )
    profile = LearnerProfile.objects.get(user=learner)
    assert decrypt_text(profile.phone_encrypted) == "+9613123456"  # E.164, found again by it


@pytest.mark.django_db
def test_a_contact_number_that_is_no_valid_number_is_kept_as_typed(staff_client, partner):
    learner, _code, _password = register_and_read_slip(staff_client, partner, phone="+1 555 0101")
    profile = LearnerProfile.objects.get(user=learner)
    assert decrypt_text(profile.phone_encrypted) == "+1 555 0101"


@pytest.mark.django_db
def test_the_slip_shows_the_password_once_and_then_offers_a_new_one(staff_client, partner):
    learner, code, password = register_and_read_slip(staff_client, partner)

    again = staff_client.get(slip_url(partner))
    page = again.content.decode()
    assert again.status_code == 200
    assert password not in page
    assert "already shown" in page
    assert code in page
    new_password_url = reverse("assisted:new_password", args=[partner.slug, learner.pk])
    assert f'action="{new_password_url}"' in page
    assert "no-store" in again["Cache-Control"]


@pytest.mark.django_db
def test_the_slip_has_the_address_code_password_partner_and_steps_for_printing(
    staff_client, partner
):
    response = staff_client.post(register_url(partner), form_data(language="en"))
    page = staff_client.get(slip_url(partner)).content.decode()
    assert response.status_code == 302
    assert settings.SITE_URL.rstrip("/") in page
    assert partner.name in page
    assert "Enter your login code" in page
    assert "Choose your own password" in page
    assert "Print command" in page
    assert "<script" not in page
    assert "learners/slip" in page and ".css" in page
    css_path = finders.find("learners/slip.css")
    assert css_path
    with open(css_path) as css:
        assert "@media print" in css.read()


@pytest.mark.django_db
def test_the_slip_is_written_in_the_learners_language(staff_client, partner):
    staff_client.post(register_url(partner), form_data(language="ar"))
    page = staff_client.get(slip_url(partner)).content.decode()
    assert re.search(r'<section class="slip[^"]*" lang="ar" dir="rtl"', page)


@pytest.mark.django_db
def test_slip_page_without_a_registration_says_there_is_nothing_to_show(staff_client, partner):
    response = staff_client.get(slip_url(partner))
    assert response.status_code == 200
    assert "no access slip" in response.content.decode()


LINK_RE = re.compile(r"(https?://\S+/welcome/([\w-]+)/)")


def register_with_email(client, partner, capture, **overrides):
    """Registers through the page with an e-mail address; returns the staff member's response."""
    data = form_data(email="Nour@Example.org", phone="", case_number="", language="fr")
    data.update(overrides)
    with capture(execute=True):
        return client.post(register_url(partner), data)


CODE_RE = re.compile(r'data-testid="confirmation-code">([A-Z2-9]{4}-[A-Z2-9]{4})<')


def code_shown(client, partner):
    """The confirmation code on the staff member's "sent" page (shown once)."""
    page = client.get(reverse("assisted:contacted", args=[partner.slug])).content.decode()
    [code] = CODE_RE.findall(page)
    return code


def link_in(mailoutbox):
    [message] = [m for m in mailoutbox if "/welcome/" in m.body]
    return LINK_RE.search(message.body).group(1), message


@pytest.mark.django_db
def test_with_an_email_address_the_person_creates_their_account_from_an_emailed_link(
    staff_client,
    partner,
    reviewer,
    mailoutbox,
    django_capture_on_commit_callbacks,
    monkeypatch,
):
    import learners.services.assisted_contact as contact

    languages = []
    real_gettext = contact._
    monkeypatch.setattr(
        contact, "_", lambda text: languages.append(get_language()) or real_gettext(text)
    )
    response = register_with_email(staff_client, partner, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    assert response["Location"] == reverse("assisted:contacted", args=[partner.slug])
    # Nothing exists until the person opens the link: the staff member learns nothing yet.
    assert not User.objects.filter(email="nour@example.org").exists()
    assert not Application.objects.exists()
    pending = PendingRegistration.objects.get()
    assert pending.email == "nour@example.org"
    assert "Amal" not in pending.details_encrypted
    link, message = link_in(mailoutbox)
    assert message.to == ["nour@example.org"]
    assert set(languages) == {"fr"}  # written in the language chosen on the form
    assert "no access slip" in staff_client.get(slip_url(partner)).content.decode()
    code = code_shown(staff_client, partner)
    assert code not in message.body  # the code travels on paper, never in the e-mail

    person = Client()
    page = person.get(link)
    assert page.status_code == 200 and partner.name in page.content.decode()
    assert not User.objects.filter(email="nour@example.org").exists()  # a GET changes nothing
    with django_capture_on_commit_callbacks(execute=True):
        created = person.post(link, {"code": code})
    assert created.status_code == 200
    assert "no-store" in created["Cache-Control"]
    [password] = SECRET_RE.findall(created.content.decode())
    learner = User.objects.get(email="nour@example.org")
    assert learner.is_learner and learner.password_is_temporary and learner.language == "fr"
    assert EmailAddress.objects.get(user=learner).verified
    application = Application.objects.get(learner=learner)
    assert application.assisted and application.status == ApplicationStatus.APPROVED
    assert application.decided_by == reviewer
    assert LearnerProfile.objects.get(user=learner).display_name == "Amal Haddad"
    assert not PendingRegistration.objects.exists()
    # They sign in with their address and that password, and choose their own at once.
    assert sign_in(person, "Nour@Example.org", password).status_code == 302
    assert person.get(reverse("portal:home"))["Location"] == reverse("account_change_password")
    changed = person.post(
        reverse("account_change_password"),
        {"oldpassword": password, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert changed.status_code == 302
    learner.refresh_from_db()
    assert not learner.password_is_temporary and learner.check_password(NEW_PASSWORD)
    assert learner_is_verified(learner)
    # The link works once.
    again = Client().post(link, {"code": code})
    assert "does not work any more" in again.content.decode()


@pytest.mark.django_db
def test_an_expired_or_unknown_link_creates_nothing(
    staff_client, partner, mailoutbox, django_capture_on_commit_callbacks
):
    register_with_email(staff_client, partner, django_capture_on_commit_callbacks)
    link, _message = link_in(mailoutbox)
    PendingRegistration.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    for url in (link, reverse("learners:assisted_confirm", args=["made-up-token"])):
        assert "does not work any more" in Client().get(url).content.decode()
        assert "does not work any more" in Client().post(url).content.decode()
    assert not User.objects.filter(email="nour@example.org").exists()
    assert pending_registrations_purge() == 1
    assert not PendingRegistration.objects.exists()


@pytest.mark.django_db
def test_an_address_that_got_an_account_meanwhile_is_told_to_sign_in(
    staff_client, partner, mailoutbox, django_capture_on_commit_callbacks
):
    register_with_email(staff_client, partner, django_capture_on_commit_callbacks)
    link, _message = link_in(mailoutbox)
    code = code_shown(staff_client, partner)
    LearnerFactory(email="nour@example.org")
    users = User.objects.count()
    page = Client().post(link, {"code": code}).content.decode()
    assert "already has an account" in page
    assert User.objects.count() == users
    assert not Application.objects.exists()
    assert not PendingRegistration.objects.exists()


@pytest.mark.django_db
def test_a_link_of_a_staff_member_who_left_the_partner_creates_nothing(
    staff_client, partner, reviewer, mailoutbox, django_capture_on_commit_callbacks
):
    register_with_email(staff_client, partner, django_capture_on_commit_callbacks)
    link, _message = link_in(mailoutbox)
    code = code_shown(staff_client, partner)
    reviewer.memberships.all().delete()
    assert "does not work any more" in Client().post(link, {"code": code}).content.decode()
    assert not User.objects.filter(email="nour@example.org").exists()


@pytest.mark.django_db
def test_someone_signed_in_is_asked_to_sign_out_before_using_a_link(
    staff_client, partner, mailoutbox, django_capture_on_commit_callbacks
):
    register_with_email(staff_client, partner, django_capture_on_commit_callbacks)
    link, _message = link_in(mailoutbox)
    page = staff_client.post(link).content.decode()
    assert "Sign out, then open the link" in page
    assert PendingRegistration.objects.exists()


@pytest.mark.django_db
def test_an_address_gets_at_most_one_link_a_day_however_many_staff_register_it(
    staff_client, partner, mailoutbox, django_capture_on_commit_callbacks
):
    register_with_email(staff_client, partner, django_capture_on_commit_callbacks)
    first, _message = link_in(mailoutbox)
    # The same partner again (a corrected name): the details change, no second e-mail.
    register_with_email(
        staff_client, partner, django_capture_on_commit_callbacks, display_name="Nour Haddad"
    )
    # Another partner the same day: dropped.
    other = PartnerFactory(countries=["LB"])
    other_staff = MembershipFactory(partner=other, role=StaffRole.REVIEWER).user
    give_totp(other_staff)
    other_client = Client()
    other_client.force_login(other_staff)
    register_with_email(other_client, other, django_capture_on_commit_callbacks)
    assert len([m for m in mailoutbox if "/welcome/" in m.body]) == 1
    assert PendingRegistration.objects.get().partner == partner

    # A day later a new registration replaces the link.
    PendingRegistration.objects.update(created_at=timezone.now() - timedelta(days=1, minutes=1))
    mailoutbox.clear()
    register_with_email(other_client, other, django_capture_on_commit_callbacks)
    second, _message = link_in(mailoutbox)
    code = code_shown(other_client, other)
    assert PendingRegistration.objects.get().partner == other
    assert "does not work any more" in Client().get(first).content.decode()
    assert "Your account is ready" in Client().post(second, {"code": code}).content.decode()
    learner = User.objects.get(email="nour@example.org")
    assert Application.objects.get(learner=learner).partner == other


@pytest.mark.django_db
def test_the_newer_details_of_the_same_partner_are_used(
    staff_client, partner, mailoutbox, django_capture_on_commit_callbacks
):
    register_with_email(staff_client, partner, django_capture_on_commit_callbacks)
    link, _message = link_in(mailoutbox)
    first_code = code_shown(staff_client, partner)
    register_with_email(
        staff_client, partner, django_capture_on_commit_callbacks, display_name="Nour Haddad"
    )
    code = code_shown(staff_client, partner)
    # The newest code is the one on the person's paper; the earlier one no longer matches.
    if first_code != code:
        assert (
            "not the confirmation code"
            in Client().post(link, {"code": first_code}).content.decode()
        )
    Client().post(link, {"code": code})
    learner = User.objects.get(email="nour@example.org")
    assert LearnerProfile.objects.get(user=learner).display_name == "Nour Haddad"


@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["", "ABCD-EFGH", "wrong"])
def test_the_link_alone_or_a_wrong_code_creates_nothing_and_shows_nothing_staff_typed(
    staff_client, partner, mailoutbox, django_capture_on_commit_callbacks, typed
):
    """A mistyped address gives a stranger the link: without the code handed to the person on
    paper it creates no account, no verification, and shows none of what staff typed."""
    register_with_email(
        staff_client,
        partner,
        django_capture_on_commit_callbacks,
        phone="+96170123456",
        case_number="UNHCR-123",
    )
    link, _message = link_in(mailoutbox)
    code = code_shown(staff_client, partner)
    if typed == "ABCD-EFGH" and code == typed:  # pragma: no cover (1 in 32**8)
        return
    stranger = Client()
    for response in (stranger.get(link), stranger.post(link, {"code": typed})):
        page = response.content.decode()
        for typed_detail in ("Amal", "Haddad", "70123456", "UNHCR-123"):
            assert typed_detail not in page
        assert "Your account is ready" not in page
    assert response.status_code == 400
    assert "not the confirmation code" in page
    assert not User.objects.filter(email="nour@example.org").exists()
    assert not Application.objects.exists()
    assert PendingRegistration.objects.get().code_attempts == 1


@pytest.mark.django_db
def test_a_few_wrong_codes_drop_the_registration_and_the_right_one_then_fails(
    staff_client, partner, mailoutbox, django_capture_on_commit_callbacks
):
    from learners.services.assisted_contact import CONFIRMATION_CODE_ATTEMPTS

    register_with_email(staff_client, partner, django_capture_on_commit_callbacks)
    link, _message = link_in(mailoutbox)
    code = code_shown(staff_client, partner)
    wrong = "2222-2222" if code != "2222-2222" else "3333-3333"
    for _try in range(CONFIRMATION_CODE_ATTEMPTS - 1):
        assert "not the confirmation code" in Client().post(link, {"code": wrong}).content.decode()
    assert PendingRegistration.objects.exists()
    last = Client().post(link, {"code": wrong}).content.decode()
    assert "does not work any more" in last
    assert not PendingRegistration.objects.exists()  # what staff typed is gone
    assert "does not work any more" in Client().post(link, {"code": code}).content.decode()
    assert not User.objects.filter(email="nour@example.org").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("form", ["as printed", "without dash", "lowercase"])
def test_the_code_is_accepted_as_people_type_it(
    staff_client, partner, mailoutbox, django_capture_on_commit_callbacks, form
):
    register_with_email(staff_client, partner, django_capture_on_commit_callbacks)
    link, _message = link_in(mailoutbox)
    code = code_shown(staff_client, partner)
    typed = {"as printed": code, "without dash": code.replace("-", ""), "lowercase": code.lower()}
    page = Client().post(link, {"code": f" {typed[form]} "}).content.decode()
    assert "Your account is ready" in page


@pytest.mark.django_db
def test_the_code_is_shown_to_staff_once(
    staff_client, partner, mailoutbox, django_capture_on_commit_callbacks
):
    register_with_email(staff_client, partner, django_capture_on_commit_callbacks)
    code_shown(staff_client, partner)
    again = staff_client.get(reverse("assisted:contacted", args=[partner.slug]))
    assert not CODE_RE.findall(again.content.decode())
    assert "shown only once" in again.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"consent": ""}, "must agree to the privacy notice"),
        ({"phone": "call me"}, "Enter a phone number"),
        ({"display_name": "   "}, "This field is required"),
        ({"email": "not-an-address"}, "valid email address"),
        ({"country_of_residence": ""}, "This field is required"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message_and_nothing_is_created(
    staff_client, partner, overrides, message
):
    users = User.objects.count()
    response = staff_client.post(register_url(partner), form_data(**overrides))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert User.objects.count() == users


@pytest.mark.django_db
def test_an_inactive_partner_cannot_register_learners(staff_client, partner):
    partner.is_active = False
    partner.save(update_fields=["is_active"])
    users = User.objects.count()
    response = staff_client.post(register_url(partner), form_data())
    assert response.status_code == 200
    assert "not taking applications" in response.content.decode()
    assert User.objects.count() == users


@pytest.mark.django_db
def test_a_coordinator_can_register_too(client, partner):
    coordinator = MembershipFactory(partner=partner, role=StaffRole.COORDINATOR).user
    give_totp(coordinator)
    client.force_login(coordinator)
    learner, _code, _password = register_and_read_slip(client, partner)
    assert learner_is_verified(learner)


# --- the learner signs in -----------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("form", ["as printed", "without dash", "lowercase"])
def test_learner_signs_in_with_the_code_and_must_choose_a_password(staff_client, partner, form):
    learner, code, password = register_and_read_slip(staff_client, partner)
    typed = {
        "as printed": code,
        "without dash": code.replace("-", ""),
        "lowercase": code.lower(),
    }[form]
    browser = Client()

    response = sign_in(browser, typed, password)
    assert response.status_code == 302
    assert browser.session["_auth_user_id"] == str(learner.pk)
    forced = browser.get(reverse("portal:home"))
    assert forced.status_code == 302
    assert forced["Location"] == reverse("account_change_password")

    changed = browser.post(
        reverse("account_change_password"),
        {"oldpassword": password, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert changed.status_code == 302
    learner.refresh_from_db()
    assert not learner.password_is_temporary
    assert learner.check_password(NEW_PASSWORD)
    assert browser.get(reverse("portal:home"))["Location"] == reverse("learners:dashboard")
    dashboard = browser.get(reverse("learners:dashboard"))
    assert dashboard.status_code == 200
    assert "text-bg-success" in dashboard.content.decode()  # the "Verified" badge
    assert learner_is_verified(learner)


@pytest.mark.django_db
def test_a_wrong_password_with_a_real_code_fails_like_any_other(staff_client, partner):
    _learner, code, _password = register_and_read_slip(staff_client, partner)
    browser = Client()
    response = sign_in(browser, code, "not-the-password")
    assert response.status_code == 200
    assert "_auth_user_id" not in browser.session


# --- a new one-time password --------------------------------------------------------------------


@pytest.mark.django_db
def test_staff_issue_a_new_one_time_password_and_the_old_one_stops_working(
    staff_client, partner, reviewer
):
    learner, _code, old_password = register_and_read_slip(staff_client, partner)
    url = reverse("assisted:new_password", args=[partner.slug, learner.pk])

    response = staff_client.post(url)
    assert response.status_code == 302
    assert response["Location"] == slip_url(partner)
    _code, new_password = SECRET_RE.findall(staff_client.get(slip_url(partner)).content.decode())
    assert new_password != old_password
    learner.refresh_from_db()
    assert learner.password_is_temporary
    assert not learner.check_password(old_password)
    assert learner.check_password(new_password)
    assert AuditEvent.objects.filter(
        action="learner.one_time_password_reset", actor=reviewer, partner_id=partner.pk
    ).exists()
    assert staff_client.get(url).status_code == 405


@pytest.mark.django_db
def test_staff_cannot_reset_the_password_of_a_learner_who_signed_up_themselves(
    staff_client, partner, reviewer
):
    application = ApplicationFactory(partner=partner, status=ApplicationStatus.SUBMITTED)
    learner = application.learner
    url = reverse("assisted:new_password", args=[partner.slug, learner.pk])
    assert staff_client.post(url).status_code == 404
    with pytest.raises(TransitionNotAllowed):
        learner_reset_one_time_password(learner=learner, partner=partner, acting_user=reviewer)


@pytest.mark.django_db
def test_staff_of_another_partner_cannot_reset_a_learners_password(staff_client, partner):
    learner, _code, _password = register_and_read_slip(staff_client, partner)
    other = PartnerFactory()
    stranger = MembershipFactory(partner=other, role=StaffRole.COORDINATOR).user
    give_totp(stranger)
    browser = Client()
    browser.force_login(stranger)
    own_slug = reverse("assisted:new_password", args=[other.slug, learner.pk])
    their_slug = reverse("assisted:new_password", args=[partner.slug, learner.pk])
    assert browser.post(own_slug).status_code == 404
    assert browser.post(their_slug).status_code == 404
    with pytest.raises(TransitionNotAllowed):
        learner_reset_one_time_password(learner=learner, partner=other, acting_user=stranger)


# --- who may open these pages -------------------------------------------------------------------


@pytest.mark.django_db
def test_staff_of_another_partner_get_404(partner):
    other = PartnerFactory()
    stranger = MembershipFactory(partner=other).user
    give_totp(stranger)
    browser = Client()
    browser.force_login(stranger)
    assert browser.get(register_url(partner)).status_code == 404
    assert browser.post(register_url(partner), form_data()).status_code == 404
    assert browser.get(slip_url(partner)).status_code == 404
    assert not LearnerProfile.objects.exists()


@pytest.mark.django_db
def test_learners_and_programme_admins_get_404(partner):
    learner = LearnerFactory()
    admin = ProgrammeAdminFactory()
    give_totp(admin)
    for user in (learner, admin):
        browser = Client()
        browser.force_login(user)
        assert browser.get(register_url(partner)).status_code == 404
        assert browser.get(slip_url(partner)).status_code == 404
        assert browser.post(register_url(partner), form_data()).status_code == 404


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_sign_in(client, partner):
    response = client.get(register_url(partner))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.django_db
def test_the_service_refuses_someone_not_on_the_partners_staff(partner):
    with pytest.raises(TransitionNotAllowed):
        learner_register_assisted(
            partner=partner,
            display_name="X",
            language="en",
            country_of_residence="LB",
            displacement_status="refugee",
            acting_user=LearnerFactory(),
        )
    assert not User.objects.filter(login_code__isnull=False).exists()


@pytest.mark.django_db
def test_after_replacing_the_one_time_password_the_learner_goes_to_their_dashboard(client):
    from tests.portal.factories import PASSWORD, LearnerFactory

    learner = LearnerFactory(password_is_temporary=True)
    client.force_login(learner)
    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
        follow=True,
    )
    assert response.redirect_chain[0][0] == reverse("portal:home")
    assert response.request["PATH_INFO"].startswith("/learn/")


# --- once the learner is their own, or with another partner (partners/reach.py) -----------------


@pytest.mark.django_db
def test_once_someone_signed_in_staff_can_never_issue_a_password_again(staff_client, partner):
    learner, code, password = register_and_read_slip(staff_client, partner)
    # Signed in with the slip's password and went no further (not even choosing their own).
    assert sign_in(Client(), code, password).status_code == 302
    url = reverse("assisted:new_password", args=[partner.slug, learner.pk])

    assert staff_client.post(url).status_code == 404
    learner.refresh_from_db()
    assert learner.check_password(password)
    page = staff_client.get(slip_url(partner)).content.decode()
    assert f'action="{url}"' not in page
    assert "already signed in" in page
    assert not AuditEvent.objects.filter(action="learner.one_time_password_reset").exists()


@pytest.mark.django_db
def test_registered_by_a_expired_then_verified_by_b_is_out_of_as_reach(staff_client, partner):
    """The reported case: A registered the learner in person, A's verification expired, B
    verified them. A's staff reach nothing about them any more."""
    from partners.services.applications import Decision, application_decide, application_expire

    learner, code, password = register_and_read_slip(staff_client, partner)
    browser = Client()
    sign_in(browser, code, password)
    browser.post(
        reverse("account_change_password"),
        {"oldpassword": password, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    first = Application.objects.get(learner=learner)
    Application.objects.filter(pk=first.pk).update(verified_until="2020-01-01")
    assert application_expire(application=first)
    other = PartnerFactory(countries=["LB"])
    from partners.services.applications import application_submit

    renewed = application_submit(
        learner=learner,
        partner=other,
        displacement_status="refugee",
        country_of_residence="LB",
        case_number="B-2025-1",
        acting_user=learner,
    )
    reviewer_b = MembershipFactory(partner=other, role=StaffRole.REVIEWER).user
    application_decide(application=renewed, decision=Decision.APPROVE, acting_user=reviewer_b)

    new_password_url = reverse("assisted:new_password", args=[partner.slug, learner.pk])
    assert staff_client.post(new_password_url).status_code == 404
    assert "slip-secret" not in staff_client.get(slip_url(partner)).content.decode()
    detail = reverse("partners:application", args=[partner.slug, first.pk])
    assert staff_client.get(detail).status_code == 404
    queue = staff_client.get(reverse("partners:queue", args=[partner.slug]), {"status": "all"})
    assert [row.application for row in queue.context["rows"]] == []
    learner.refresh_from_db()
    assert learner.check_password(NEW_PASSWORD)
