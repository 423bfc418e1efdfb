"""A learner chooses how they hear from the portal, among the channels they can receive."""

import pytest
from django.conf import settings

from portal.models import AuditEvent, MessageChannel
from tests.learners.factories import LearnerProfileFactory
from tests.partners.factories import ApplicationFactory
from tests.portal.factories import LearnerFactory

URL = "/learn/messages/"


def learner_with(*, email=True, phone=False, verified=True, **kwargs):
    if not email:
        kwargs["email"] = f"phone-only@{settings.NO_EMAIL_DOMAIN}"
    user = LearnerFactory(
        phone="+962791112233" if phone else None,
        phone_verified=phone and verified,
        **kwargs,
    )
    LearnerProfileFactory(user=user)
    return user


def test_learner_with_both_chooses_sms_only(client, db):
    learner = learner_with(email=True, phone=True)
    client.force_login(learner)
    page = client.get(URL).content.decode()
    assert 'value="sms"' in page and 'value="email"' in page and 'value="both"' in page
    response = client.post(URL, {"channel": "sms"})
    assert response.status_code == 302
    learner.refresh_from_db()
    assert learner.message_channel == MessageChannel.SMS
    assert learner.message_channels == ("sms",)
    assert AuditEvent.objects.filter(action="user.message_channel_set", actor=learner).exists()


@pytest.mark.parametrize(
    ("email", "phone", "verified", "expected"),
    [
        (True, False, False, "e-mails"),
        (False, True, True, "text messages"),
        (True, True, False, "e-mails"),
    ],
)
def test_learner_with_one_channel_is_told_and_offered_no_choice(
    client, db, email, phone, verified, expected
):
    learner = learner_with(email=email, phone=phone, verified=verified)
    client.force_login(learner)
    page = client.get(URL).content.decode()
    assert 'name="channel"' not in page
    assert expected in page
    # A forged POST for a channel they cannot receive changes nothing.
    client.post(URL, {"channel": "sms" if email else "email"})
    learner.refresh_from_db()
    assert learner.message_channel == ""


def test_sms_cannot_be_chosen_without_a_verified_number(client, db):
    from django.core.exceptions import ValidationError

    from portal.services import user_message_channel_set

    learner = learner_with(email=True, phone=True, verified=False)
    with pytest.raises(ValidationError):
        user_message_channel_set(user=learner, channel="sms", acting_user=learner)


def test_dashboard_links_to_the_choice_and_says_text_message_for_phone_learners(client, db):
    learner = learner_with(email=False, phone=True)
    ApplicationFactory(learner=learner)
    client.force_login(learner)
    page = client.get("/learn/").content.decode()
    assert URL in page
    assert "We will send you a text message when they decide" in page
    assert "e-mail" not in page.split("<main", 1)[1].split("How we send you messages")[0]


def test_dashboard_says_both_for_a_learner_with_both(client, db):
    learner = learner_with(email=True, phone=True)
    ApplicationFactory(learner=learner)
    client.force_login(learner)
    page = client.get("/learn/").content.decode()
    assert "We will send you a text message and an e-mail when they decide" in page
