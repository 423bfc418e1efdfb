"""Into a wallet app, as a learner does it on a phone (Arabic): on their credentials page they press
"Add to a wallet app", see a QR code and a link for the wallet, and get a 6-digit code by e-mail;
the wallet (the OpenWallet Foundation's client library, as a phone's wallet app would) follows the
link from the page with that code and receives the credential bound to its key.
"""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from credentials.models import EnrolmentStatus
from credentials.services import issuance
from tests.credentials.factories import CourseFactory, EnrolmentFactory, ProviderFactory
from tests.credentials.wallet_client import wallet_receive
from tests.learners.factories import LearnerProfileFactory
from tests.portal.factories import LearnerFactory

from .helpers import ARABIC, choose_language, exactly, expect_page_in, signed_in_context, tr

pytestmark = pytest.mark.browser

COURSE = "Data analysis with spreadsheets"
NAME = "نور الهدى"


@pytest.fixture
def world(db, settings, live_server):
    settings.SITE_URL = live_server.url
    learner = LearnerFactory(email="nour@example.org", language=ARABIC)
    LearnerProfileFactory(user=learner, display_name=NAME)
    enrolment = EnrolmentFactory(
        learner=learner,
        course=CourseFactory(provider=ProviderFactory(name="Open Courses"), title=COURSE),
        status=EnrolmentStatus.COMPLETED,
        completed_at=timezone.now() - timedelta(days=1),
    )
    return {"learner": learner, "credential": issuance.credential_issue(enrolment_id=enrolment.pk)}


def test_learner_adds_a_credential_to_a_wallet_app(new_context, live_server, world):
    ar = ARABIC
    page = signed_in_context(new_context(), live_server, world["learner"]).new_page()
    page.goto(live_server.url + "/learn/credentials/")
    choose_language(page, "العربية")
    expect_page_in(page, ar)
    mail.outbox.clear()
    page.get_by_role("main").get_by_role(
        "button", name=exactly(tr("Add to a wallet app", ar))
    ).click()

    expect_page_in(page, ar)
    main = page.get_by_role("main")
    expect(main.get_by_role("heading", level=1)).to_have_text(tr("Add to a wallet app", ar))
    expect(
        main.get_by_role("img", name=tr("QR code to scan with your wallet app", ar))
    ).to_be_visible()
    link = main.get_by_role("link", name=exactly(tr("Open in my wallet app", ar)))
    offer_uri = link.get_attribute("href")
    assert offer_uri.startswith("openid-credential-offer://?credential_offer_uri=")

    [message] = [m for m in mail.outbox if "nour@example.org" in m.to]
    tx_code = re.search(r"^\s*(\d{6})\s*$", message.body, re.MULTILINE)[1]
    assert tx_code not in message.subject

    received = wallet_receive(offer_uri, tx_code)
    assert received["credential"]["credentialSubject"]["id"] == received["holder"]
    assert received["credential"]["credentialSubject"]["name"] == NAME
