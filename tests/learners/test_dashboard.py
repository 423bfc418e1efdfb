"""The learner's dashboard: where the application stands and what happens next."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from learners.views import JOIN_SESSION_KEY
from partners.models import ApplicationStatus, EvidenceDocument, RejectionReason
from tests.partners.factories import ApplicationFactory, PartnerFactory
from tests.portal.factories import LearnerFactory

from .factories import LearnerProfileFactory

pytestmark = pytest.mark.django_db

DASHBOARD_URL = reverse("learners:dashboard")


@pytest.fixture
def profile():
    return LearnerProfileFactory(display_name="Amina Yusuf")


def dashboard_html(client, user) -> str:
    client.force_login(user)
    response = client.get(DASHBOARD_URL)
    assert response.status_code == 200
    return response.content.decode()


def test_learner_without_a_profile_is_sent_to_create_one(client, learner):
    client.force_login(learner)
    response = client.get(DASHBOARD_URL)
    assert response.url == reverse("learners:profile")


def test_dashboard_greets_the_learner_and_links_to_the_profile(client, profile):
    html = dashboard_html(client, profile.user)
    assert "Amina Yusuf" in html
    assert reverse("learners:profile") in html


def test_learner_without_an_application_is_invited_to_choose_a_partner(client, profile):
    html = dashboard_html(client, profile.user)
    assert reverse("learners:choose_partner") in html


def test_learner_who_came_through_a_join_link_is_offered_that_partner(client, profile):
    partner = PartnerFactory(name="Invited Partner")
    client.get(reverse("learners:join", args=[partner.slug]))
    assert client.session[JOIN_SESSION_KEY] == partner.slug
    html = dashboard_html(client, profile.user)
    assert reverse("learners:apply", args=[partner.slug]) in html


def test_submitted_application_says_the_partner_is_reviewing_and_we_will_email(client, profile):
    application = ApplicationFactory(learner=profile.user, partner__name="Amman Study Aid")
    html = dashboard_html(client, profile.user)
    assert "Amman Study Aid is reviewing your application." in html
    assert "We will e-mail you" in html
    assert reverse("learners:application_withdraw", args=[application.pk]) in html


def test_learner_without_email_is_told_to_come_back_instead(client, settings):
    user = LearnerFactory(email=f"abc12345@{settings.NO_EMAIL_DOMAIN}")
    LearnerProfileFactory(user=user)
    ApplicationFactory(learner=user)
    html = dashboard_html(client, user)
    assert "We will e-mail you" not in html
    assert "come back to this page" in html


def test_info_requested_shows_the_partners_message_and_a_button_to_answer(client, profile):
    application = ApplicationFactory(
        learner=profile.user,
        status=ApplicationStatus.INFO_REQUESTED,
        info_request_message="Please send your <b>card</b>.",
    )
    html = dashboard_html(client, profile.user)
    assert "needs more information from you" in html
    assert "Please send your &lt;b&gt;card&lt;/b&gt;." in html
    assert reverse("learners:application_edit", args=[application.pk]) in html


def test_approved_application_says_verified_until_and_course_access_comes_next(client, profile):
    ApplicationFactory(
        learner=profile.user,
        status=ApplicationStatus.APPROVED,
        verified_until=date(2031, 3, 14),
        partner__name="Amman Study Aid",
    )
    html = dashboard_html(client, profile.user)
    assert "You are verified until 14 Mar 2031." in html
    assert "free access to courses" in html
    assert reverse("learners:choose_partner") not in html


def test_rejected_application_shows_reason_note_and_may_apply_again(client, profile):
    ApplicationFactory(
        learner=profile.user,
        status=ApplicationStatus.REJECTED,
        rejection_reason=RejectionReason.OUTSIDE_AREA,
        decision_note="We only work in Irbid.",
    )
    html = dashboard_html(client, profile.user)
    assert "Reason: Outside the area this partner serves" in html
    assert "We only work in Irbid." in html
    assert "You may apply again" in html
    assert reverse("learners:choose_partner") in html


@pytest.mark.parametrize(
    ("status", "text"),
    [
        (ApplicationStatus.WITHDRAWN, "You withdrew this application. You may apply again"),
        (ApplicationStatus.EXPIRED, "Your verification has expired. You may apply again"),
    ],
)
def test_withdrawn_or_expired_application_says_the_learner_may_apply_again(
    client, profile, status, text
):
    ApplicationFactory(learner=profile.user, status=status, verified_until=date(2020, 1, 1))
    html = dashboard_html(client, profile.user)
    assert text in html
    assert reverse("learners:choose_partner") in html


def test_documents_are_listed_with_kind_size_and_date_and_purged_ones_say_so(client, profile):
    application = ApplicationFactory(learner=profile.user)
    kept = EvidenceDocument.objects.create(
        application=application, kind="pdf", size=2048, state="ready"
    )
    EvidenceDocument.objects.create(
        application=application, kind="png", size=4096, purged_at=timezone.now()
    )
    html = dashboard_html(client, profile.user)
    assert "PDF · 2.0\xa0KB" in html
    assert "PNG · 4.0\xa0KB" in html
    assert "deleted after the decision" in html
    assert reverse("learners:document_download", args=[kept.pk]) in html
    assert html.count("/learn/documents/") == 1


def test_earlier_applications_are_listed(client, profile):
    ApplicationFactory(
        learner=profile.user,
        status=ApplicationStatus.REJECTED,
        partner__name="First Partner",
        created_at=timezone.now() - timedelta(days=30),
    )
    ApplicationFactory(learner=profile.user, partner__name="Second Partner")
    html = dashboard_html(client, profile.user)
    assert "Earlier applications" in html
    assert html.index("Second Partner") < html.index("First Partner")


def make_history(user, size: int) -> None:
    """`size` ended applications and one open one, each with `size` documents."""
    now = timezone.now()
    for n in range(size):
        application = ApplicationFactory(
            learner=user,
            status=ApplicationStatus.REJECTED,
            rejection_reason=RejectionReason.OTHER,
            created_at=now - timedelta(days=size - n + 1),
        )
        for _ in range(size):
            EvidenceDocument.objects.create(
                application=application, kind="pdf", size=100, state="ready"
            )
    current = ApplicationFactory(learner=user, status=ApplicationStatus.INFO_REQUESTED)
    for n in range(min(size, 3)):
        EvidenceDocument.objects.create(
            application=current, kind="png", size=100, purged_at=now if n else None
        )


# Ours: profile, applications with their partners, their documents, the learner's courses
# with their providers and access codes, their latest credentials with course and provider (5).
# The rest is the session and the user (2), the same on every page (django-allauth's record of
# the session's activity is written at most once a minute: portal/activity.py).
DASHBOARD_QUERIES = 7


@pytest.mark.parametrize("size", [1, 8])
def test_dashboard_costs_the_same_number_of_queries_with_one_or_many_rows(
    client, django_assert_num_queries, size
):
    user = LearnerProfileFactory().user
    make_history(user, size)
    client.force_login(user)
    client.get(DASHBOARD_URL)  # the session's first use records the device once
    with django_assert_num_queries(DASHBOARD_QUERIES):
        response = client.get(DASHBOARD_URL)
    assert response.status_code == 200
    assert response.content.decode().count("list-group-item") >= size + 1


def test_staff_and_admin_get_404_on_the_dashboard(client, staff_with_mfa, admin_with_mfa):
    for user in (staff_with_mfa, admin_with_mfa):
        client.force_login(user)
        assert client.get(DASHBOARD_URL).status_code == 404
