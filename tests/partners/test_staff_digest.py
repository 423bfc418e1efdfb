"""The staff's daily summary: counts of new and answered applications in their partner's queue,
once a day, only when there is something new, never anything personal; they can turn it off."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.utils import timezone

from partners.models import ApplicationStatus, Membership, StaffRole
from partners.services.digest import digest_counts, staff_digests_send
from tests.credentials.conftest import staff_of
from tests.partners.factories import ApplicationFactory, PartnerFactory
from tests.portal.factories import LearnerFactory


@pytest.fixture
def partner(db):
    return PartnerFactory(name="Hope Amman", slug="hope-amman")


@pytest.fixture
def other_partner(db):
    return PartnerFactory(name="Other Org", slug="other-org")


def application(
    partner,
    *,
    created_ago: timedelta,
    submitted_ago: timedelta | None = None,
    now=None,
    **kw,
):
    now = now or timezone.now()
    return ApplicationFactory(
        learner=LearnerFactory(),
        partner=partner,
        status=kw.pop("status", ApplicationStatus.SUBMITTED),
        created_at=now - created_ago,
        submitted_at=now - (submitted_ago if submitted_ago is not None else created_ago),
        **kw,
    )


def backdate(user, partner, days=2):
    Membership.objects.filter(user=user, partner=partner).update(
        created_at=timezone.now() - timedelta(days=days)
    )


def send_all(capture, now=None):
    with capture(execute=True):
        return staff_digests_send(now=now)


def test_digest_counts_new_and_answered_of_the_partner_only(
    partner, other_partner, django_capture_on_commit_callbacks
):
    reviewer = staff_of(partner, StaffRole.REVIEWER, email="rev@hope.example")
    backdate(reviewer, partner)
    application(partner, created_ago=timedelta(hours=3))
    application(partner, created_ago=timedelta(hours=5))
    # Asked for information two weeks ago, answered this morning.
    application(partner, created_ago=timedelta(days=14), submitted_ago=timedelta(hours=2))
    # Old, or already decided, or another partner's: not counted.
    application(partner, created_ago=timedelta(days=3))
    application(partner, created_ago=timedelta(hours=1), status=ApplicationStatus.WITHDRAWN)
    application(other_partner, created_ago=timedelta(hours=1))
    assert send_all(django_capture_on_commit_callbacks) == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["rev@hope.example"]
    assert message.subject == "New in the queue of Hope Amman"
    assert "- 2 new applications" in message.body
    assert "- 1 learner answered your request for information" in message.body
    assert f"{settings.SITE_URL}/staff/hope-amman/applications/" in message.body
    assert "@example.org" not in message.body  # counts only, no learner's details


def test_digest_once_a_day_and_only_with_news(partner, django_capture_on_commit_callbacks):
    reviewer = staff_of(partner, StaffRole.REVIEWER, email="rev@hope.example")
    backdate(reviewer, partner, days=3)
    # Fixed times of day, so the test means the same whenever it runs.
    noon = timezone.localtime().replace(hour=12, minute=0, second=0, microsecond=0)
    yesterday = noon - timedelta(days=1)
    # Nothing new: nothing sent.
    assert send_all(django_capture_on_commit_callbacks, now=yesterday) == 0
    application(partner, created_ago=timedelta(hours=3), now=yesterday)
    assert send_all(django_capture_on_commit_callbacks, now=yesterday) == 1
    # The job runs again the same day (a retry, a second beat): no second summary.
    application(partner, created_ago=timedelta(hours=-1), now=yesterday)
    assert send_all(django_capture_on_commit_callbacks, now=yesterday + timedelta(hours=2)) == 0
    assert len(mail.outbox) == 1
    # The next day, only what arrived since the last summary.
    assert send_all(django_capture_on_commit_callbacks, now=noon) == 1
    assert "- 1 new application\n" in mail.outbox[1].body


def test_staff_who_turned_it_off_get_none(client, partner, django_capture_on_commit_callbacks):
    reviewer = staff_of(partner, StaffRole.REVIEWER, email="rev@hope.example")
    coordinator = staff_of(partner, StaffRole.COORDINATOR, email="coord@hope.example")
    backdate(reviewer, partner)
    backdate(coordinator, partner)
    application(partner, created_ago=timedelta(hours=1))
    client.force_login(reviewer)
    response = client.post(f"/staff/{partner.slug}/summary/", {"enabled": "0"})
    assert response.status_code == 302
    assert not Membership.objects.get(user=reviewer).digest_enabled
    assert send_all(django_capture_on_commit_callbacks) == 1
    assert [m.to for m in mail.outbox] == [["coord@hope.example"]]
    # And back on.
    client.post(f"/staff/{partner.slug}/summary/", {"enabled": "1"})
    assert Membership.objects.get(user=reviewer).digest_enabled


def test_staff_of_another_partner_cannot_toggle(client, partner, other_partner):
    outsider = staff_of(other_partner, StaffRole.COORDINATOR, email="out@other.example")
    client.force_login(outsider)
    response = client.post(f"/staff/{partner.slug}/summary/", {"enabled": "0"})
    assert response.status_code == 404
    assert Membership.objects.get(user=outsider).digest_enabled


def test_digest_counts_window(partner):
    now = timezone.now()
    application(partner, created_ago=timedelta(hours=2))
    application(partner, created_ago=timedelta(days=5), submitted_ago=timedelta(hours=1))
    counts = digest_counts(partner_id=partner.pk, since=now - timedelta(days=1), until=now)
    assert (counts.new, counts.answered) == (1, 1)
    assert not digest_counts(partner_id=partner.pk, since=now, until=now)
