"""The session's activity (allauth's "sessions" page) is recorded at most once a minute, and at
once when the address or the browser changes (portal/activity.py)."""

import pytest
from allauth.usersessions.models import UserSession

from portal import activity
from tests.learners.factories import LearnerProfileFactory

DASHBOARD = "/learn/"


@pytest.fixture
def signed_in(client):
    client.force_login(LearnerProfileFactory().user)
    return client


def last_seen():
    return UserSession.objects.get().last_seen_at


@pytest.mark.django_db
def test_the_first_request_records_the_session_and_the_next_ones_within_a_minute_do_not(
    signed_in,
):
    signed_in.get(DASHBOARD, HTTP_USER_AGENT="Phone browser")
    session = UserSession.objects.get()
    assert session.user_agent == "Phone browser"
    seen = session.last_seen_at
    signed_in.get(DASHBOARD, HTTP_USER_AGENT="Phone browser")
    assert last_seen() == seen


@pytest.mark.django_db
def test_a_new_browser_or_a_minute_later_is_recorded(signed_in, monkeypatch):
    signed_in.get(DASHBOARD, HTTP_USER_AGENT="Phone browser")
    seen = last_seen()
    signed_in.get(DASHBOARD, HTTP_USER_AGENT="Other browser")
    assert UserSession.objects.get().user_agent == "Other browser"
    assert last_seen() > seen
    seen = last_seen()
    now = activity.time.time()
    monkeypatch.setattr(activity.time, "time", lambda: now + activity.TRACK_RESOLUTION_SECONDS + 1)
    signed_in.get(DASHBOARD, HTTP_USER_AGENT="Other browser")
    assert last_seen() > seen
