"""The credential journey in real browsers, on a phone-sized screen.

A provider reports a completion through the API; the learner (in Arabic) finds the credential on
their page and downloads the PDF certificate and the JSON; a visitor in a fresh anonymous browser
opens the share link and sees it valid; a programme admin finds it by its code and revokes it;
the visitor reloads and sees "revoked".
"""

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone, translation
from django.utils.translation import gettext
from playwright.sync_api import expect

from credentials.models import AccessMethod, Credential, CredentialStatus, EnrolmentStatus
from credentials.services.provider_keys import provider_api_key_create
from credentials.vc import statuslist
from tests.credentials.factories import CourseFactory, EnrolmentFactory, ProviderFactory
from tests.learners.factories import LearnerProfileFactory
from tests.partners.factories import PartnerFactory
from tests.portal.conftest import give_totp
from tests.portal.factories import PASSWORD, LearnerFactory, ProgrammeAdminFactory

from .helpers import (
    ARABIC,
    choose_language,
    exactly,
    expect_page_in,
    expect_status_message,
    sign_in_as_staff,
    signed_in_context,
    tr,
    url_is,
)

pytestmark = pytest.mark.browser

COURSE = "Data analysis with spreadsheets"
NAME = "نور الهدى"


@pytest.fixture
def world(db, settings, live_server):
    # Links in credentials point at the portal's public address: here, the live server.
    settings.SITE_URL = live_server.url
    settings.PROGRAMME_NAME = "Open Learning Programme"
    provider = ProviderFactory(name="Open Courses", access_method=AccessMethod.API)
    course = CourseFactory(provider=provider, title=COURSE, external_id="DA-101")
    learner = LearnerFactory(email="nour@example.org", language=ARABIC)
    LearnerProfileFactory(user=learner, display_name=NAME)
    enrolment = EnrolmentFactory(
        learner=learner,
        course=course,
        partner=PartnerFactory(name="Amman Study Aid"),
        status=EnrolmentStatus.ACTIVE,
        activated_at=timezone.now() - timedelta(days=40),
    )
    admin = ProgrammeAdminFactory(email="admin@example.org")
    admin.totp_secret = give_totp(admin)
    _key, key_text = provider_api_key_create(provider=provider, name="Feed", acting_user=admin)
    return {"learner": learner, "enrolment": enrolment, "admin": admin, "key": key_text}


def test_completion_to_credential_shared_checked_and_revoked(new_context, live_server, world):
    ar = ARABIC

    # The provider reports the completion (its machine, not a browser).
    response = Client().post(
        "/api/v1/completions/",
        json.dumps({"email": "nour@example.org", "course_id": "DA-101"}),
        content_type="application/json",
        headers={"Authorization": f"Api-Key {world['key']}"},
    )
    assert response.status_code in (200, 201), response.content
    credential = Credential.objects.get(enrolment=world["enrolment"])

    # The learner, in Arabic, finds it on their page.
    learner_page = signed_in_context(new_context(), live_server, world["learner"]).new_page()
    learner_page.goto(live_server.url + "/learn/credentials/")
    choose_language(learner_page, "العربية")
    expect_page_in(learner_page, ar)
    main = learner_page.get_by_role("main")
    expect(main.get_by_role("heading", level=2, name=exactly(COURSE))).to_be_visible()
    share_link = main.locator("code[dir=ltr]").first
    expect(share_link).to_have_text(f"{live_server.url}/verify/{credential.code}/")

    # ... downloads the PDF certificate (in Arabic, their language) and the JSON.
    with translation.override(ar):
        certificate = gettext("Download the certificate (PDF, %(language)s)") % {
            "language": translation.get_language_info(ar)["name_translated"]
        }
    with learner_page.expect_download() as pdf_download:
        main.get_by_role("link", name=exactly(certificate)).click()
    pdf = open(pdf_download.value.path(), "rb").read()  # noqa: SIM115 — read once
    assert pdf.startswith(b"%PDF")
    with learner_page.expect_download() as json_download:
        main.get_by_role("link", name=exactly(tr("Download JSON", ar))).click()
    document = json.loads(open(json_download.value.path(), encoding="utf-8").read())  # noqa: SIM115
    assert document["credentialSubject"]["name"] == NAME
    assert document["proof"][0]["cryptosuite"] == "eddsa-rdfc-2022"
    assert "nour@example.org" not in json.dumps(document)

    # A visitor with nothing but the link, in a fresh anonymous browser.
    visitor = new_context().new_page()
    visitor.goto(share_link.inner_text())
    expect(visitor).to_have_url(url_is(live_server, f"/verify/{credential.code}/"))
    state = visitor.get_by_role("heading", level=2).first
    expect(state).to_contain_text("Valid")
    visitor_main = visitor.get_by_role("main")
    expect(visitor_main).to_contain_text(NAME)
    expect(visitor_main).to_contain_text(COURSE)
    expect(visitor_main).to_contain_text("Open Courses")
    expect(visitor_main).not_to_contain_text("Amman Study Aid")
    qr = visitor_main.get_by_role("img", name="QR code that opens this page")
    expect(qr).to_be_visible()

    # A programme admin finds it by the link someone pasted, and revokes it.
    admin_page = new_context().new_page()
    sign_in_as_staff(
        admin_page, live_server, world["admin"].email, PASSWORD, world["admin"].totp_secret
    )
    admin_page.goto(live_server.url + "/staff/programme/credentials/")
    admin_page.get_by_label("Verification code or link").fill(share_link.inner_text())
    admin_page.get_by_role("button", name=exactly("Find")).click()
    admin_page.get_by_role("link", name=exactly("Revoke")).click()
    expect(admin_page).to_have_url(
        url_is(live_server, f"/staff/programme/credentials/{credential.pk}/revoke/")
    )
    admin_page.get_by_label("Reason").fill("Completion reported by mistake")
    admin_page.get_by_role("button", name=exactly("Revoke the credential")).click()
    expect_status_message(
        admin_page, "Credential revoked: the public page now shows it as revoked."
    )

    credential.refresh_from_db()
    assert credential.status == CredentialStatus.REVOKED
    status_list = json.loads(credential.status_list.document)
    assert statuslist.is_set(
        status_list["credentialSubject"]["encodedList"], credential.status_index
    )

    # The visitor reloads: revoked, without the internal reason.
    visitor.reload()
    expect(visitor.get_by_role("heading", level=2).first).to_contain_text("Revoked")
    expect(visitor.get_by_role("main")).not_to_contain_text("by mistake")
