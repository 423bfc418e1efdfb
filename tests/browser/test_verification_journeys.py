"""Verification journeys in a real browser, on a phone-sized screen: a learner applies to a
partner organisation (in English and in Arabic), a reviewer asks for more information and then
verifies them, and a reviewer registers a learner in person who then signs in with the login
code and one-time password from their slip.

Each step is taken as a person takes it (links and buttons by their visible names, fields by
their labels; in Arabic, fields by their `name`), and each journey then checks what it left in
the database: the application's status, the evidence documents, the one-time password.
"""

import re
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import formats, translation
from playwright.sync_api import Page, expect

from learners.models import LearnerProfile
from partners.models import (
    Application,
    ApplicationStatus,
    DisplacementStatus,
    DocumentKind,
    DocumentState,
    EvidenceDocument,
    StaffRole,
)
from partners.services.applications import application_submit, case_number_reveal
from portal.models import User
from tests.learners.factories import LearnerProfileFactory
from tests.partners.factories import MembershipFactory, PartnerFactory
from tests.partners.hostile_documents import assert_image_only_pdf, simple_pdf
from tests.portal.conftest import give_totp
from tests.portal.factories import PASSWORD, LearnerFactory, PartnerStaffFactory

from .helpers import (
    ARABIC,
    NEW_PASSWORD,
    choose_language,
    emails_to,
    exactly,
    expect_page_in,
    expect_signed_in,
    expect_status_message,
    label,
    sign_in_as_staff,
    sign_in_by_field_names,
    sign_in_in_english,
    signed_in_context,
    starts_with,
    tr,
    url_is,
)

pytestmark = pytest.mark.browser

PDF_BYTES = simple_pdf()
PARTNER = "Refuge Jordan"
SLUG = "refuge-jordan"
QUEUE = f"/staff/{SLUG}/applications/"


def pdf(name: str = "id.pdf") -> dict:
    """A small, real PDF as a person picks it from their phone (in memory, no file on disk)."""
    return {"name": name, "mimeType": "application/pdf", "buffer": PDF_BYTES}


@pytest.fixture
def partner(db):
    """A partner serving Jordan, with a coordinator; and one that does not work in Jordan."""
    serving = PartnerFactory(name=PARTNER, slug=SLUG, countries=["JO"])
    coordinator = PartnerStaffFactory(email="coordinator@refuge.example.org")
    give_totp(coordinator)
    MembershipFactory(user=coordinator, partner=serving, role=StaffRole.COORDINATOR)
    PartnerFactory(name="Beirut Aid", slug="beirut-aid", countries=["LB"])
    return serving


@pytest.fixture
def reviewer(partner):
    """A reviewer of the partner, with an authenticator app; `reviewer.totp_secret` is its key."""
    user = PartnerStaffFactory(email="reviewer@refuge.example.org")
    user.totp_secret = give_totp(user)
    MembershipFactory(user=user, partner=partner, role=StaffRole.REVIEWER)
    return user


def verified_until_text(application: Application, language: str = "en") -> str:
    """The date as the learner's page writes it ("DATE_FORMAT" in the page's language)."""
    with translation.override(language):
        return formats.date_format(application.verified_until, "DATE_FORMAT")


def stored_bytes(document: EvidenceDocument) -> bytes:
    with document.file.storage.open(document.file.name, "rb") as handle:
        return handle.read()


def expect_documents_stored(application: Application, count: int, root) -> None:
    documents = list(EvidenceDocument.objects.filter(application=application))
    assert len(documents) == count
    for document in documents:
        assert document.kind == DocumentKind.PDF
        assert document.state == DocumentState.READY
        assert document.purged_at is None
        # Under the test's private folder, under a name the server made: not the learner's
        # file but a copy rebuilt from its pixels.
        assert (root / document.file.name).is_file()
        assert "id.pdf" not in document.file.name
        stored = stored_bytes(document)
        assert document.size == len(stored)
        assert PDF_BYTES not in stored
        assert_image_only_pdf(stored)


# --- a. A learner applies, in English -----------------------------------------------------------


def test_learner_fills_profile_chooses_partner_and_applies_with_a_document(
    page, new_context, live_server, partner, reviewer, private_storage_root
):
    learner = LearnerFactory(email="amal@example.org")
    page.goto(live_server.url + "/")
    page.get_by_role("link", name=exactly("I already have an account")).click()
    expect(page).to_have_url(url_is(live_server, "/accounts/login/"))
    sign_in_in_english(page, learner.email, PASSWORD)

    # A newcomer is asked about themselves first.
    expect(page).to_have_url(url_is(live_server, "/learn/profile/"))
    expect_page_in(page, "en")
    expect_signed_in(page)
    expect(page.get_by_role("heading", level=1)).to_have_text(exactly("About you"))
    form = page.get_by_role("main")  # the footer has a "Language" form of its own
    form.get_by_label(label("Your name")).fill("Amal Haddad")
    expect(form.get_by_label(label("Language"))).to_have_value("en")
    form.get_by_label(label("Country where you live now")).select_option(label="Jordan")
    form.get_by_label(starts_with("I have read the privacy notice")).check()
    form.get_by_role("button", name=exactly("Save and continue")).click()

    # Only the organisations that work in Jordan are offered.
    expect(page).to_have_url(url_is(live_server, "/learn/apply/"))
    expect_page_in(page, "en")
    expect_status_message(page, "Your profile is saved.")
    main = page.get_by_role("main")
    expect(main.get_by_role("heading", name="Organisations that work in Jordan")).to_be_visible()
    expect(main.get_by_role("link", name=re.compile(r"^Apply to "))).to_have_count(1)
    main.get_by_role("link", name=exactly(f"Apply to {PARTNER}")).click()

    expect(page).to_have_url(url_is(live_server, f"/learn/apply/{SLUG}/"))
    expect_page_in(page, "en")
    expect(page.get_by_role("heading", level=1)).to_have_text(exactly(f"Apply to {PARTNER}"))
    page.get_by_role("radio", name=exactly("Refugee")).check()
    page.get_by_label(label("Registration or case number (optional)")).fill("JOR-2024-00123")
    page.get_by_label(label("Documents (optional)")).set_input_files(pdf())
    page.get_by_role("button", name=exactly("Send my application")).click()

    # The learner's page says the application was sent and is being reviewed.
    expect(page).to_have_url(url_is(live_server, "/learn/"))
    expect_page_in(page, "en")
    expect_status_message(page, f"Your application was sent to {PARTNER}.")
    expect(main.get_by_role("heading", level=1)).to_have_text(exactly("Hello, Amal Haddad"))
    expect(main).to_contain_text("Submitted")
    expect(main).to_contain_text(f"{PARTNER} is reviewing your application.")
    expect(main.get_by_role("link", name=re.compile(r"^Download"))).to_have_count(1)

    profile = LearnerProfile.objects.get(user=learner)
    assert profile.display_name == "Amal Haddad"
    assert profile.country_of_residence == "JO"
    assert profile.consent_at is not None
    application = Application.objects.get(learner=learner)
    assert application.partner == partner
    assert application.status == ApplicationStatus.SUBMITTED
    assert application.displacement_status == DisplacementStatus.REFUGEE
    assert application.country_of_residence == "JO"
    assert case_number_reveal(application) == "JOR-2024-00123"
    assert "JOR-2024-00123" not in application.case_number_encrypted  # stored encrypted
    expect_documents_stored(application, 1, private_storage_root)

    # It reached the partner: its reviewer finds it in the queue.
    staff_page = signed_in_context(new_context(), live_server, reviewer).new_page()
    staff_page.goto(live_server.url + "/staff/")
    expect(staff_page).to_have_url(url_is(live_server, QUEUE))
    expect(
        staff_page.get_by_role("link", name=exactly(f"Application {application.pk}"))
    ).to_be_visible()
    expect(staff_page.get_by_role("main")).to_contain_text(learner.email)


# --- b. The same in Arabic ----------------------------------------------------------------------


def test_learner_applies_in_arabic_with_every_page_right_to_left(
    page, live_server, partner, private_storage_root
):
    ar = ARABIC
    learner = LearnerFactory(email="nour@example.org")
    page.goto(live_server.url + "/")
    choose_language(page, "العربية")
    expect_page_in(page, ar)
    page.get_by_role("main").get_by_role(
        "link", name=exactly(tr("I already have an account", ar))
    ).click()
    expect(page).to_have_url(url_is(live_server, "/accounts/login/"))
    expect_page_in(page, ar)
    sign_in_by_field_names(page, learner.email, PASSWORD, ar)

    expect(page).to_have_url(url_is(live_server, "/learn/profile/"))
    expect_page_in(page, ar)
    expect_signed_in(page, ar)
    form = page.get_by_role("main").locator("form:has([name=display_name])")
    form.locator("input[name=display_name]").fill("نور الهدى")
    expect(form.locator("select[name=language]")).to_have_value(ar)  # the language just chosen
    form.locator("select[name=country_of_residence]").select_option("JO")
    form.locator("input[name=consent]").check()
    form.get_by_role("button", name=exactly(tr("Save and continue", ar))).click()

    expect(page).to_have_url(url_is(live_server, "/learn/apply/"))
    expect_page_in(page, ar)
    page.get_by_role("main").get_by_role(
        "link", name=exactly(tr("Apply to %(partner)s", ar) % {"partner": PARTNER})
    ).click()

    expect(page).to_have_url(url_is(live_server, f"/learn/apply/{SLUG}/"))
    expect_page_in(page, ar)
    form = page.get_by_role("main").locator("form:has([name=case_number])")
    form.locator("input[name=displacement_status][value=asylum_seeker]").check()
    form.locator("input[name=case_number]").fill("JOR-2024-00777")
    form.locator("input[name=documents]").set_input_files(pdf())
    form.get_by_role("button", name=exactly(tr("Send my application", ar))).click()

    expect(page).to_have_url(url_is(live_server, "/learn/"))
    expect_page_in(page, ar)
    expect_status_message(
        page, tr("Your application was sent to %(partner)s.", ar) % {"partner": PARTNER}
    )
    expect(page.get_by_role("main")).to_contain_text(
        tr("%(partner)s is reviewing your application.", ar) % {"partner": PARTNER}
    )

    learner.refresh_from_db()
    assert learner.language == ar  # e-mails will be written in Arabic too
    assert LearnerProfile.objects.get(user=learner).display_name == "نور الهدى"
    application = Application.objects.get(learner=learner)
    assert application.partner == partner
    assert application.status == ApplicationStatus.SUBMITTED
    assert application.displacement_status == DisplacementStatus.ASYLUM_SEEKER
    assert case_number_reveal(application) == "JOR-2024-00777"
    expect_documents_stored(application, 1, private_storage_root)


# --- c. The reviewer asks for more information, then verifies -----------------------------------


def test_reviewer_asks_for_information_learner_answers_and_reviewer_verifies(
    new_context, live_server, partner, reviewer, private_storage_root
):
    learner = LearnerProfileFactory(
        user=LearnerFactory(email="amal@example.org"), display_name="Amal Haddad"
    ).user
    application = application_submit(
        learner=learner,
        partner=partner,
        displacement_status=DisplacementStatus.REFUGEE,
        country_of_residence="JO",
        case_number="JOR-2024-00123",
        documents=[SimpleUploadedFile("id.pdf", PDF_BYTES, content_type="application/pdf")],
        acting_user=learner,
    )
    question = "Please add a photo of the back of your registration card."

    # The reviewer signs in with their password and authenticator app, and opens the application.
    staff = new_context().new_page()
    sign_in_as_staff(staff, live_server, reviewer.email, PASSWORD, reviewer.totp_secret)
    expect(staff).to_have_url(url_is(live_server, QUEUE))
    expect_page_in(staff, "en")
    staff.get_by_role("link", name=exactly(f"Application {application.pk}")).click()
    detail = url_is(live_server, f"{QUEUE}{application.pk}/")
    expect(staff).to_have_url(detail)
    expect_page_in(staff, "en")
    expect(staff.get_by_role("main")).to_contain_text("JOR-2024-00123")
    expect(staff.get_by_role("link", name=re.compile(r"^Download document 1"))).to_be_visible()
    staff.get_by_label(label("What do you need from the learner?")).fill(question)
    staff.get_by_role("button", name=exactly("Send the request")).click()

    expect(staff).to_have_url(url_is(live_server, QUEUE))
    expect_status_message(
        staff,
        f"The learner has been asked for more information about application {application.pk}.",
    )
    application.refresh_from_db()
    assert application.status == ApplicationStatus.INFO_REQUESTED
    assert application.info_request_message == question
    # The e-mail says there is news, without the question itself.
    request_mail = next(
        m
        for m in emails_to(learner.email, count=2)
        if m.subject == f"{PARTNER} needs more information from you"
    )
    assert request_mail.subject == f"{PARTNER} needs more information from you"
    assert question not in request_mail.body

    # The learner, on their own phone, reads the question, answers and sends it again.
    phone = new_context().new_page()
    phone.goto(live_server.url + "/accounts/login/")
    sign_in_in_english(phone, learner.email, PASSWORD)
    expect(phone).to_have_url(url_is(live_server, "/learn/"))
    main = phone.get_by_role("main")
    expect(main).to_contain_text("More information requested")
    expect(main).to_contain_text(question)
    main.get_by_role("link", name=exactly("Answer")).click()

    expect(phone).to_have_url(url_is(live_server, f"/learn/application/{application.pk}/edit/"))
    expect_page_in(phone, "en")
    expect(main).to_contain_text(question)
    expect(phone.get_by_label(label("Registration or case number (optional)"))).to_have_value(
        "JOR-2024-00123"
    )
    phone.get_by_label(label("Note for the organisation (optional)")).fill(
        "Here is the back of my card."
    )
    phone.get_by_label(label("More documents (optional)")).set_input_files(pdf("card-back.pdf"))
    phone.get_by_role("button", name=exactly("Send my answer")).click()

    expect(phone).to_have_url(url_is(live_server, "/learn/"))
    expect_status_message(phone, f"Your answer was sent to {PARTNER}.")
    expect(main).to_contain_text("Submitted")
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED
    assert application.note == "Here is the back of my card."
    expect_documents_stored(application, 2, private_storage_root)

    # The reviewer sees the answer and verifies the learner.
    staff.goto(live_server.url + QUEUE)
    staff.get_by_role("link", name=exactly(f"Application {application.pk}")).click()
    expect(staff).to_have_url(detail)
    expect(staff.get_by_role("main")).to_contain_text("Here is the back of my card.")
    expect(staff.get_by_role("link", name=re.compile(r"^Download document"))).to_have_count(2)
    staff.get_by_role("button", name=exactly("Verify this learner")).click()

    expect(staff).to_have_url(url_is(live_server, QUEUE))
    expect_status_message(
        staff, f"Application {application.pk} is verified. The learner has been told."
    )
    application.refresh_from_db()
    assert application.status == ApplicationStatus.APPROVED
    assert application.decided_by == reviewer
    assert application.verified_until > date.today()

    # The learner's page now says they are verified, and until when.
    phone.reload()
    expect(main).to_contain_text(
        f"{PARTNER} has confirmed your status. "
        f"You are verified until {verified_until_text(application)}."
    )
    approval_mail = emails_to(learner.email, count=4)[-1]
    assert approval_mail.subject == f"{PARTNER} has approved your application"
    # Received, asked for more, the answer received, approved: each event once.
    received = f"{PARTNER} has received your application"
    assert [m.subject for m in emails_to(learner.email, count=4)] == [
        received,
        request_mail.subject,
        received,
        approval_mail.subject,
    ]


# --- d. Registered in person, then signing in with the access slip ------------------------------


def slip_value(page: Page, term: str) -> str:
    """A value on the access slip: the definition that follows the term."""
    term_ = page.get_by_role("main").locator("dt", has_text=exactly(term))
    value = term_.locator("xpath=following-sibling::dd[1]")
    expect(value).to_have_count(1)
    return value.inner_text().strip()


def test_reviewer_registers_learner_in_person_who_signs_in_with_the_slip(
    new_context, live_server, partner, reviewer
):
    staff = signed_in_context(new_context(), live_server, reviewer).new_page()
    staff.goto(live_server.url + "/staff/")
    expect(staff).to_have_url(url_is(live_server, QUEUE))
    staff.get_by_role("link", name=exactly("Register a learner in person")).click()

    expect(staff).to_have_url(url_is(live_server, f"/staff/{SLUG}/register/"))
    expect_page_in(staff, "en")
    staff.get_by_label(label("Name on certificates")).fill("Hassan Ali")
    expect(staff.get_by_label(label("Preferred language"))).to_have_value("en")
    country = staff.get_by_label(label("Country where they live now"))
    expect(country).to_have_value("JO")  # the country the partner serves
    staff.get_by_label(label("Displacement status")).select_option(label="Refugee")
    staff.get_by_label(label("Registration or case number (optional)")).fill("UNHCR-555-0001")
    expect(staff.get_by_label(label("E-mail address (optional)"))).to_have_value("")
    staff.get_by_label(starts_with("I have explained to the person")).check()
    staff.get_by_role("button", name=exactly("Register and print the access slip")).click()

    slip_url = url_is(live_server, f"/staff/{SLUG}/register/slip/")
    expect(staff).to_have_url(slip_url)
    expect_page_in(staff, "en")
    expect_status_message(staff, "The learner is registered and verified.")
    login_code = slip_value(staff, "Your login code")
    one_time_password = slip_value(staff, "Your one-time password")
    assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}", login_code), login_code
    assert re.fullmatch(r"[a-z2-9]{12}", one_time_password), one_time_password

    learner = User.objects.get(login_code=login_code.replace("-", ""))
    assert learner.is_learner
    assert not learner.has_real_email
    assert learner.password_is_temporary
    assert learner.check_password(one_time_password)
    assert learner.learner_profile.display_name == "Hassan Ali"
    application = Application.objects.get(learner=learner)
    assert application.partner == partner
    assert application.assisted
    assert application.status == ApplicationStatus.APPROVED
    assert case_number_reveal(application) == "UNHCR-555-0001"

    # The one-time password is shown once only.
    staff.reload()
    expect(staff.get_by_role("main")).to_contain_text(
        "This slip's one-time password was already shown"
    )
    expect(staff.get_by_role("main")).not_to_contain_text(one_time_password)

    # The learner, on another phone, signs in with what the slip says.
    phone = new_context().new_page()
    phone.goto(live_server.url + "/")
    phone.get_by_role("link", name=exactly("I already have an account")).click()
    sign_in_in_english(phone, login_code, one_time_password)

    # Before anything else, they must choose their own password.
    change = url_is(live_server, "/accounts/password/change/")
    expect(phone).to_have_url(change)
    expect_page_in(phone, "en")
    expect_status_message(phone, "Please choose your own password to continue.")
    phone.goto(live_server.url + "/learn/")
    expect(phone).to_have_url(change)
    phone.get_by_label(label("Current Password")).fill(one_time_password)
    phone.get_by_label(label("New Password")).fill(NEW_PASSWORD)
    phone.get_by_label(label("New Password (again)")).fill(NEW_PASSWORD)
    phone.get_by_role("button", name=exactly("Change Password")).click()
    expect_status_message(phone, "Password successfully changed.")
    learner.refresh_from_db()
    assert not learner.password_is_temporary
    assert learner.check_password(NEW_PASSWORD)

    # Now their own page opens, and says they are verified.
    phone.get_by_role("banner").get_by_role("link", name=exactly("My learning")).click()
    expect(phone).to_have_url(url_is(live_server, "/learn/"))
    expect_page_in(phone, "en")
    main = phone.get_by_role("main")
    expect(main.get_by_role("heading", level=1)).to_have_text(exactly("Hello, Hassan Ali"))
    expect(main).to_contain_text(
        f"{PARTNER} has confirmed your status. "
        f"You are verified until {verified_until_text(application)}."
    )
