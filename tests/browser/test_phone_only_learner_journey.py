"""The whole way, for a learner with only a phone number, in Arabic, on a phone-sized screen with
JavaScript off: sign up by phone (the code comes by SMS, through a fake gateway on 127.0.0.1),
fill in the profile, apply to a partner, get verified, enrol in a free course, complete it (the
provider reports the completion) and find the credential, ready to share.
"""

import json

import pytest
from django.core import mail
from django.test import Client
from playwright.sync_api import expect

from credentials.models import AccessMethod, Credential, Enrolment, EnrolmentStatus
from credentials.services.provider_keys import provider_api_key_create
from partners.models import Application, ApplicationStatus, StaffRole
from partners.services.applications import application_decide
from portal.models import User
from tests.credentials.factories import (
    AccessCodeFactory,
    CourseFactory,
    ProviderFactory,
    SeatAllocationFactory,
)
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
NAME = "نور الهدى"
PARTNER = "Refuge Jordan"
COURSE = "Data analysis with spreadsheets"


@pytest.fixture
def world(db, settings, live_server, private_storage_root):
    server = FakeSMSGateway().start()
    settings.SMS_BACKEND = "portal.sms.HttpGatewayBackend"
    settings.SMS_GATEWAY_URL = server.url
    settings.SMS_GATEWAY_TOKEN = "gateway-token"
    settings.PHONE_DEFAULT_REGION = "JO"
    settings.SITE_URL = live_server.url
    partner = PartnerFactory(name=PARTNER, slug="refuge-jordan", countries=["JO"])
    reviewer = PartnerStaffFactory(email="reviewer@refuge.example.org")
    MembershipFactory(user=reviewer, partner=partner, role=StaffRole.REVIEWER)
    provider = ProviderFactory(name="Open Courses", access_method=AccessMethod.VOUCHER)
    SeatAllocationFactory(partner=partner, provider=provider, total=5)
    AccessCodeFactory(provider=provider, code="VCH-7Q2M-88KD")
    course = CourseFactory(provider=provider, title=COURSE, external_id="DA-101")
    _key, key_text = provider_api_key_create(
        provider=provider, name="Feed", acting_user=ProgrammeAdminFactory()
    )
    yield {"gateway": server, "reviewer": reviewer, "course": course, "key": key_text}
    server.stop()


def test_phone_only_learner_from_sign_up_to_credential_in_arabic_without_javascript(
    new_context, live_server, world
):
    ar = ARABIC
    gateway = world["gateway"]
    page = new_context(java_script_enabled=False).new_page()
    page.goto(live_server.url + "/")
    choose_language(page, "العربية")

    # Sign up with a phone number only; confirm it with the code sent by SMS.
    page.get_by_role("main").get_by_role("link", name=exactly(tr("Create an account", ar))).click()
    form = page.get_by_role("main").locator("form:has(input[name=password1])")
    form.locator("input[name=phone]").fill("0791234567")
    form.locator("input[name=password1]").fill(NEW_PASSWORD)
    form.locator("input[name=password2]").fill(NEW_PASSWORD)
    form.get_by_role("button", name=exactly(tr("Sign Up", ar))).click()
    expect(page).to_have_url(url_is(live_server, "/accounts/phone/verify/"))
    code_form = page.get_by_role("main").locator("form:has(input[name=code])")
    code_form.locator("input[name=code]").fill(gateway.last_code(PHONE))
    code_form.get_by_role("button", name=exactly(tr("Confirm", ar))).click()

    # The profile, then the application to the partner serving Jordan.
    expect(page).to_have_url(url_is(live_server, "/learn/profile/"))
    expect_page_in(page, ar)
    form = page.get_by_role("main").locator("form:has([name=display_name])")
    form.locator("input[name=display_name]").fill(NAME)
    form.locator("select[name=country_of_residence]").select_option("JO")
    form.locator("input[name=consent]").check()
    form.get_by_role("button", name=exactly(tr("Save and continue", ar))).click()
    expect(page).to_have_url(url_is(live_server, "/learn/apply/"))
    page.get_by_role("main").get_by_role(
        "link", name=exactly(tr("Apply to %(partner)s", ar) % {"partner": PARTNER})
    ).click()
    form = page.get_by_role("main").locator("form:has([name=case_number])")
    form.locator("input[name=displacement_status][value=refugee]").check()
    form.locator("input[name=documents]").set_input_files(pdf())
    form.get_by_role("button", name=exactly(tr("Send my application", ar))).click()
    expect(page).to_have_url(url_is(live_server, "/learn/"))
    expect_page_in(page, ar)

    learner = User.objects.get(phone=PHONE)
    assert not learner.has_real_email
    application = Application.objects.get(learner=learner)
    assert application.status == ApplicationStatus.SUBMITTED

    # The partner verifies the learner (its own browser journeys are tested elsewhere).
    application_decide(application=application, decision="approve", acting_user=world["reviewer"])

    # The learner enrols in a free course and finds the voucher code on their page.
    page.goto(live_server.url + f"/courses/{world['course'].pk}/")
    expect_page_in(page, ar)
    page.get_by_role("main").get_by_role("button", name=exactly(tr("Enrol", ar))).click()
    expect(page).to_have_url(url_is(live_server, "/learn/"))
    courses = page.get_by_role("region", name=tr("Your courses", ar))
    expect(courses.locator("code")).to_have_text("VCH-7Q2M-88KD")
    enrolment = Enrolment.objects.get(learner=learner)
    assert enrolment.status == EnrolmentStatus.ACTIVE

    # The provider reports the completion (the learner has no e-mail: the voucher provider names
    # the learner by the code it was given).
    response = Client().post(
        "/api/v1/completions/",
        json.dumps({"code": "VCH-7Q2M-88KD", "course_id": "DA-101"}),
        content_type="application/json",
        headers={"Authorization": f"Api-Key {world['key']}"},
    )
    assert response.status_code in (200, 201), response.content
    credential = Credential.objects.get(enrolment=enrolment)

    # The credential is on the learner's page, with its share link; its public page is valid.
    page.goto(live_server.url + "/learn/credentials/")
    expect_page_in(page, ar)
    main = page.get_by_role("main")
    expect(main.get_by_role("heading", level=2, name=exactly(COURSE))).to_be_visible()
    share = main.locator("code[dir=ltr]").first
    expect(share).to_have_text(f"{live_server.url}/verify/{credential.code}/")
    page.goto(share.inner_text())
    expect(page.get_by_role("main")).to_contain_text(NAME)
    expect(page.get_by_role("heading", level=2).first).to_contain_text(tr("Valid", ar))
    document = json.loads(credential.document)
    assert document["credentialSubject"]["name"] == NAME
    assert PHONE not in credential.document and learner.email not in credential.document

    # Every event reached the learner by SMS, and only by SMS (they have no e-mail address):
    # the sign-up code, then received, approved, access ready (with the code), completed and
    # the credential (with its verify link).
    texts = [m.message for m in gateway.wait_for_messages(PHONE, count=6)]
    assert len(texts) == 6, texts
    assert PARTNER in texts[1] and PARTNER in texts[2]
    assert "VCH-7Q2M-88KD" in texts[3]
    assert COURSE in texts[4]
    assert f"/verify/{credential.code}/" in texts[5]
    assert mail.outbox == []
