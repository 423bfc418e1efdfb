"""A learner with both an e-mail address and a verified phone number chooses how the portal sends
them messages, from their page, in English and in Arabic, on a phone without JavaScript; the
learner page then says messages come by text message only."""

import pytest
from playwright.sync_api import expect

from portal.models import User
from tests.learners.factories import LearnerProfileFactory
from tests.portal.factories import LearnerFactory

from .helpers import ARABIC, exactly, expect_page_in, signed_in_context, tr, url_is

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("language", ["en", ARABIC])
def test_learner_chooses_text_messages_only(new_context, live_server, language):
    learner = LearnerFactory(
        email="amal@example.org", phone="+962791234567", phone_verified=True, language=language
    )
    LearnerProfileFactory(user=learner, display_name="Amal")
    context = signed_in_context(new_context(java_script_enabled=False), live_server, learner)
    context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    page = context.new_page()

    page.goto(live_server.url + "/learn/")
    expect_page_in(page, language)
    page.get_by_role("link", name=exactly(tr("How we send you messages", language))).click()
    expect(page).to_have_url(url_is(live_server, "/learn/messages/"))
    expect_page_in(page, language)
    form = page.get_by_role("main").locator("form:has(input[name=channel])")
    # Both are offered: the learner has an address and a verified number.
    expect(form.locator("input[name=channel]")).to_have_count(3)
    form.locator("input[name=channel][value=sms]").check()
    form.get_by_role("button", name=exactly(tr("Save", language))).click()

    expect(page).to_have_url(url_is(live_server, "/learn/"))
    expect(page.get_by_role("main")).to_contain_text(tr("Your choice is saved.", language))
    assert User.objects.get(pk=learner.pk).message_channel == "sms"
    # Coming back, the choice is the one checked.
    page.goto(live_server.url + "/learn/messages/")
    expect(page.locator("input[name=channel][value=sms]")).to_be_checked()
