"""Issue 15's journey, the whole way for a learner who has only a phone, in English and in Arabic,
on a phone-sized screen without JavaScript, with no country assumed by the programme:

- signs up with the number as dialled in Jordan (0791234567, Jordan chosen beside it);
- applies to a partner, is asked for more information, answers, is verified;
- enrols with each kind of provider: voucher codes, a provider API (a real HTTP server on
  127.0.0.1), an open link — where they wait for a seat and move up the waiting list;
- the providers report the completions by the learner's reference (the API over HTTP, a CSV
  upload) and by the voucher code;
- the learner receives every message as an SMS (through the outbox and a fake gateway on
  127.0.0.1), in their language, and finds their three credentials —

with no e-mail address anywhere: none is asked for, none is given to a provider, none is shown,
and no e-mail is sent.
"""

import json
from collections import Counter
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from playwright.sync_api import Page, expect

from credentials.models import (
    AccessMethod,
    Credential,
    Enrolment,
    EnrolmentStatus,
    LearnerReference,
)
from credentials.references import reference_display
from credentials.services.enrolments import enrolment_request
from credentials.services.imports.uploads import completion_import_create
from credentials.services.provider_keys import provider_api_key_create
from credentials.services.seats import seat_allocation_set
from partners.models import Application, ApplicationStatus, StaffRole
from partners.services.applications import application_decide
from partners.services.retention import verification_reminders_send
from portal.crypto import encrypt_text
from portal.models import OutboxMessage, User
from portal.sms import sms_segments
from tests.credentials.conftest import PROVIDER_TOKEN, verified_learner
from tests.credentials.factories import (
    AccessCodeFactory,
    CourseFactory,
    ProviderFactory,
    SeatAllocationFactory,
)
from tests.credentials.fake_provider import FakeProvider
from tests.partners.factories import MembershipFactory, PartnerFactory
from tests.portal.factories import PartnerStaffFactory, ProgrammeAdminFactory
from tests.portal.fake_sms_gateway import FakeSMSGateway

from .helpers import (
    ARABIC,
    NEW_PASSWORD,
    choose_language,
    exactly,
    expect_page_in,
    tr,
    url_is,
)
from .test_verification_journeys import pdf

pytestmark = pytest.mark.browser

PHONE = "+962791234567"
NATIONAL = "0791234567"
NAME = {"en": "Nour Haddad", ARABIC: "نور الهدى"}
PARTNER = "Refuge Jordan"
VOUCHER_CODE = "VCH-7Q2M-88KD"
COURSES = {
    AccessMethod.VOUCHER: ("Data analysis with spreadsheets", "DA-101"),
    AccessMethod.API: ("Introduction to programming", "PY-101"),
    AccessMethod.OPEN: ("English for work", "EN-201"),
}
QUESTION = "Please add a photo of the back of your card."


@pytest.fixture
def world(db, settings, live_server, private_storage_root):
    gateway = FakeSMSGateway().start()
    provider_server = FakeProvider().start()
    settings.SMS_BACKEND = "portal.sms.HttpGatewayBackend"
    settings.SMS_GATEWAY_URL = gateway.url
    settings.SMS_GATEWAY_TOKEN = "gateway-token"
    # A programme across many countries: nothing is assumed, the learner chooses.
    settings.PHONE_DEFAULT_REGION = ""
    settings.PHONE_REGIONS_BY_LANGUAGE = {}
    settings.SITE_URL = live_server.url
    partner = PartnerFactory(name=PARTNER, slug="refuge-jordan", countries=["JO"])
    reviewer = PartnerStaffFactory(email="reviewer@refuge.example.org")
    MembershipFactory(user=reviewer, partner=partner, role=StaffRole.REVIEWER)
    admin = ProgrammeAdminFactory()

    voucher = ProviderFactory(name="Open Courses", access_method=AccessMethod.VOUCHER)
    SeatAllocationFactory(partner=partner, provider=voucher, total=5)
    AccessCodeFactory(provider=voucher, code=VOUCHER_CODE)
    api = ProviderFactory(
        name="Code Academy",
        access_method=AccessMethod.API,
        api_enrolment_url=provider_server.url,
        api_token_encrypted=encrypt_text(PROVIDER_TOKEN),
    )
    open_link = ProviderFactory(name="Language Commons", access_method=AccessMethod.OPEN)
    courses = {}
    for method, provider in (
        (AccessMethod.VOUCHER, voucher),
        (AccessMethod.API, api),
        (AccessMethod.OPEN, open_link),
    ):
        title, external_id = COURSES[method]
        courses[method] = CourseFactory(
            provider=provider,
            title=title,
            external_id=external_id,
            link=f"https://{provider.name.lower().replace(' ', '')}.example.org/{external_id}",
        )
    # The API provider's one seat is taken, and another learner waits before ours.
    SeatAllocationFactory(partner=partner, provider=api, total=1)
    for _ in range(2):
        other = verified_learner(partner)
        enrolment_request(learner=other, course=courses[AccessMethod.API], acting_user=other)
    _key, key_text = provider_api_key_create(provider=api, name="Feed", acting_user=admin)
    yield {
        "gateway": gateway,
        "provider_server": provider_server,
        "partner": partner,
        "reviewer": reviewer,
        "admin": admin,
        "courses": courses,
        "api_key": key_text,
    }
    provider_server.stop()
    gateway.stop()


def expect_nothing_of_an_address(page: Page, learner: User | None = None) -> None:
    """No placeholder address, nor the account's internal one, anywhere on the page."""
    content = page.content()
    assert settings.NO_EMAIL_DOMAIN not in content
    if learner is not None:
        assert learner.email not in content


def enrol(page: Page, live_server, course, language: str) -> None:
    page.goto(live_server.url + f"/courses/{course.pk}/")
    expect_page_in(page, language)
    page.get_by_role("main").get_by_role("button", name=exactly(tr("Enrol", language))).click()
    expect(page).to_have_url(url_is(live_server, "/learn/"))


def csv_upload(text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("completions.csv", text.encode(), content_type="text/csv")


@pytest.mark.parametrize("language", ["en", ARABIC])
def test_phone_only_learner_enrols_with_every_kind_of_provider_and_is_told_everything_by_sms(
    new_context, live_server, world, language
):
    gateway = world["gateway"]
    courses = world["courses"]
    page = new_context(java_script_enabled=False).new_page()
    page.goto(live_server.url + "/")
    if language == ARABIC:
        choose_language(page, "العربية")

    # --- Sign up with the number as dialled at home, the country chosen beside it. ------------
    page.get_by_role("main").get_by_role(
        "link", name=exactly(tr("Create an account", language))
    ).click()
    form = page.get_by_role("main").locator("form:has(input[name=password1])")
    form.locator("input[name=phone]").fill(NATIONAL)
    form.locator("select[name=phone_country]").select_option("JO")
    form.locator("input[name=password1]").fill(NEW_PASSWORD)
    form.locator("input[name=password2]").fill(NEW_PASSWORD)
    form.get_by_role("button", name=exactly(tr("Sign Up", language))).click()
    expect(page).to_have_url(url_is(live_server, "/accounts/phone/verify/"))
    code_form = page.get_by_role("main").locator("form:has(input[name=code])")
    code_form.locator("input[name=code]").fill(gateway.last_code(PHONE))
    code_form.get_by_role("button", name=exactly(tr("Confirm", language))).click()
    expect(page).to_have_url(url_is(live_server, "/learn/profile/"))
    learner = User.objects.get(phone=PHONE)
    assert learner.phone_verified and not learner.has_real_email
    expect_nothing_of_an_address(page, learner)

    # --- Profile and application to the partner serving Jordan. -------------------------------
    form = page.get_by_role("main").locator("form:has([name=display_name])")
    form.locator("input[name=display_name]").fill(NAME[language])
    form.locator("select[name=country_of_residence]").select_option("JO")
    form.locator("input[name=consent]").check()
    form.get_by_role("button", name=exactly(tr("Save and continue", language))).click()
    expect(page).to_have_url(url_is(live_server, "/learn/apply/"))
    page.get_by_role("main").get_by_role(
        "link", name=exactly(tr("Apply to %(partner)s", language) % {"partner": PARTNER})
    ).click()
    form = page.get_by_role("main").locator("form:has([name=case_number])")
    form.locator("input[name=displacement_status][value=refugee]").check()
    form.locator("input[name=documents]").set_input_files(pdf())
    form.get_by_role("button", name=exactly(tr("Send my application", language))).click()
    expect(page).to_have_url(url_is(live_server, "/learn/"))
    expect_page_in(page, language)
    expect_nothing_of_an_address(page, learner)
    application = Application.objects.get(learner=learner)

    # --- The reviewer asks for more information; the learner answers on their phone. ---------
    application_decide(
        application=application,
        decision="request_info",
        acting_user=world["reviewer"],
        message=QUESTION,
    )
    page.goto(live_server.url + "/learn/")
    main = page.get_by_role("main")
    expect(main).to_contain_text(QUESTION)
    main.get_by_role("link", name=exactly(tr("Answer", language))).click()
    expect(page).to_have_url(url_is(live_server, f"/learn/application/{application.pk}/edit/"))
    form = page.get_by_role("main").locator("form:has([name=note])")
    form.locator("[name=note]").fill("Here is the back of my card.")
    form.locator("input[name=documents]").set_input_files(pdf("card-back.pdf"))
    form.get_by_role("button", name=exactly(tr("Send my answer", language))).click()
    expect(page).to_have_url(url_is(live_server, "/learn/"))

    # --- Verified. ----------------------------------------------------------------------------
    application_decide(application=application, decision="approve", acting_user=world["reviewer"])
    application.refresh_from_db()
    assert application.status == ApplicationStatus.APPROVED

    # --- A voucher course: the code is on the page (and in the SMS). --------------------------
    enrol(page, live_server, courses[AccessMethod.VOUCHER], language)
    yours = page.get_by_role("region", name=tr("Your courses", language))
    expect(yours.locator("code", has_text=VOUCHER_CODE)).to_have_count(1)

    # --- An open link (no seats needed): the reference is on the page, to type there. ----------
    open_course = courses[AccessMethod.OPEN]
    enrol(page, live_server, open_course, language)
    open_reference = LearnerReference.objects.get(
        learner=learner, provider=open_course.provider
    ).reference
    yours = page.get_by_role("region", name=tr("Your courses", language))
    expect(yours.locator("code", has_text=reference_display(open_reference))).to_have_count(1)

    # --- A provider API: no seat for now; the learner waits, moves up, then gets one. ---------
    api_course = courses[AccessMethod.API]
    enrol(page, live_server, api_course, language)
    waiting = Enrolment.objects.get(learner=learner, course=api_course)
    assert waiting.status == EnrolmentStatus.WAITLISTED
    yours = page.get_by_role("region", name=tr("Your courses", language))
    place = tr("You are number %(place)s on the waiting list for %(course)s.", language)
    expect(yours).to_contain_text(place % {"place": 2, "course": api_course.title})
    for total in (2, 3):
        seat_allocation_set(
            partner=world["partner"],
            provider=api_course.provider,
            total=total,
            acting_user=world["admin"],
        )
        page.reload()
        yours = page.get_by_role("region", name=tr("Your courses", language))
        if total == 2:
            expect(yours).to_contain_text(place % {"place": 1, "course": api_course.title})
    waiting.refresh_from_db()
    assert waiting.status == EnrolmentStatus.ACTIVE
    # The provider got the learner's reference at that provider, and no e-mail address.
    api_reference = LearnerReference.objects.get(
        learner=learner, provider=api_course.provider
    ).reference
    assert api_reference != open_reference  # providers cannot link the learner across them
    expect(yours.locator("code", has_text=reference_display(api_reference))).to_have_count(1)
    ours = [
        r
        for r in world["provider_server"].enrolment_requests
        if r.json.get("learner_reference") == api_reference
    ]
    assert len(ours) == 1
    assert "email" not in ours[0].json
    assert ours[0].json["name"] == NAME[language]
    assert PHONE not in ours[0].body.decode() and PHONE[4:] not in ours[0].body.decode()
    expect_nothing_of_an_address(page, learner)

    # --- The providers report the completions, never by an e-mail address. --------------------
    status, answer = world["provider_server"].report_completions(
        portal_url=live_server.url,
        api_key=world["api_key"],
        items=[{"learner_reference": api_reference, "course_id": "PY-101"}],
    )
    assert status in (200, 201), answer
    # Typed by the learner on the open-link site: lower case and without its dashes.
    completion_import_create(
        provider=open_course.provider,
        csv_file=csv_upload(f"learner_reference,course_id\n{open_reference.lower()},EN-201\n"),
        acting_user=world["admin"],
    )
    completion_import_create(
        provider=courses[AccessMethod.VOUCHER].provider,
        csv_file=csv_upload(f"code,course_id\n{VOUCHER_CODE},DA-101\n"),
        acting_user=world["admin"],
    )
    credentials = Credential.objects.filter(learner=learner)
    assert credentials.count() == 3
    assert set(Enrolment.objects.filter(learner=learner).values_list("status", flat=True)) == {
        EnrolmentStatus.COMPLETED
    }

    # --- Thirty days before the verification ends, a reminder. --------------------------------
    Application.objects.filter(pk=application.pk).update(
        verified_until=timezone.localdate() + timedelta(days=20)
    )
    assert verification_reminders_send() == 1

    # --- The learner's credentials, each with its public page. --------------------------------
    page.goto(live_server.url + "/learn/credentials/")
    expect_page_in(page, language)
    main = page.get_by_role("main")
    for title, _id in COURSES.values():
        expect(main.get_by_role("heading", level=2, name=exactly(title))).to_be_visible()
    expect_nothing_of_an_address(page, learner)
    credential = credentials.get(enrolment__course=open_course)
    page.goto(f"{live_server.url}/verify/{credential.code}/")
    expect(page.get_by_role("main")).to_contain_text(NAME[language])
    expect(page.get_by_role("heading", level=2).first).to_contain_text(tr("Valid", language))
    expect_nothing_of_an_address(page, learner)
    for issued in credentials:
        assert learner.email not in issued.document and PHONE not in issued.document

    # --- Every message reached the learner by SMS, once, in their language. -------------------
    expected = [
        "account.code",
        "application.received",
        "application.info_requested",
        "application.received",  # the answer, acknowledged
        "application.approved",
        "enrolment.active",  # voucher
        "enrolment.active",  # open link
        "enrolment.waitlist_moved",
        "enrolment.active",  # API
        *["enrolment.completed", "credential.issued"] * 3,
        "application.expiry_reminder",
    ]
    rows = list(OutboxMessage.objects.filter(user=learner).order_by("pk"))
    kinds = [row.kind for row in rows]
    assert Counter(kinds) == Counter(expected), kinds
    assert {row.channel for row in rows} == {OutboxMessage.Channel.SMS}
    assert {row.status for row in rows} == {OutboxMessage.Status.SENT}
    texts = [m.message for m in gateway.wait_for_messages(PHONE, count=len(expected))]
    assert len(texts) == len(expected)
    by_kind: dict[str, list[str]] = {}
    for kind, text in zip(kinds, texts, strict=True):
        by_kind.setdefault(kind, []).append(text)
    assert all(PARTNER in text for text in by_kind["application.approved"])
    active = "\n".join(by_kind["enrolment.active"])
    assert VOUCHER_CODE in active
    assert reference_display(api_reference) in active
    assert reference_display(open_reference) in active
    moved = tr(
        "You are now number %(position)s on the waiting list for %(course)s. We will tell you "
        "when your access is ready.",
        language,
    )
    assert by_kind["enrolment.waitlist_moved"] == [
        moved % {"position": 1, "course": COURSES[AccessMethod.API][0]}
    ]
    issued_texts = "\n".join(by_kind["credential.issued"])
    for issued in credentials:
        assert f"/verify/{issued.code}/" in issued_texts
    if language == ARABIC:
        assert all(any("\u0600" <= ch <= "\u06ff" for ch in text) for text in texts[1:])
    assert all(sms_segments(text) <= 3 for text in texts)
    # And not one e-mail, nor an address on file (the e-mails sent went to the two learners
    # who have addresses, about their own places on the waiting list).
    others = set(
        User.objects.exclude(pk=learner.pk)
        .filter(enrolments__isnull=False)
        .values_list("email", flat=True)
    )
    assert {address for message in mail.outbox for address in message.to} <= others
    assert not OutboxMessage.objects.filter(channel=OutboxMessage.Channel.EMAIL, user=learner)
    assert not EmailAddress.objects.filter(user=learner).exists()
    figures = Counter((row.kind, row.channel) for row in rows)
    print(f"\nmessages to the learner ({language}):")
    for (kind, channel), count in sorted(figures.items()):
        print(f"  {kind:<28} {channel:<5} {count}")
    print(f"  SMS parts: {sum(sms_segments(text) for text in texts)} for {len(texts)} messages")
    assert json.loads(credential.document)["credentialSubject"]["name"] == NAME[language]
