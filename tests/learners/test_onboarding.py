"""Onboarding: the profile and consent, choosing a partner, and partners' join links."""

import pytest
from django.conf import settings
from django.urls import reverse

from learners.models import LearnerProfile
from learners.views import JOIN_SESSION_KEY
from portal.models import AuditEvent
from portal.privacy import PRIVACY_NOTICE_VERSION
from tests.partners.factories import ApplicationFactory, PartnerFactory
from tests.portal.conftest import give_totp
from tests.portal.factories import (
    LearnerFactory,
    OperatorFactory,
    PartnerStaffFactory,
    ProgrammeAdminFactory,
)

from .factories import LearnerProfileFactory

pytestmark = pytest.mark.django_db

PROFILE_URL = reverse("learners:profile")
CHOOSE_URL = reverse("learners:choose_partner")


def profile_data(**overrides):
    data = {
        "display_name": "Amina Yusuf",
        "language": "fr",
        "country_of_residence": "JO",
        "country_of_origin": "SY",
        "consent": "on",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


# --- profile and consent ------------------------------------------------------------------------


def test_profile_form_says_why_each_item_is_asked(client, learner):
    client.force_login(learner)
    html = client.get(PROFILE_URL).content.decode()
    assert "the name that will appear on your certificates" in html.lower()
    assert "partner organisations that work where you live" in html
    assert "You may leave it empty" in html
    assert reverse("portal:privacy") in html
    assert 'name="consent"' in html


def test_learner_creates_profile_with_consent_recorded(client, learner):
    client.force_login(learner)
    response = client.post(PROFILE_URL, profile_data())
    assert response.status_code == 302
    profile = LearnerProfile.objects.get(user=learner)
    assert profile.display_name == "Amina Yusuf"
    assert profile.country_of_residence.code == "JO"
    assert profile.country_of_origin.code == "SY"
    assert profile.consent_version == PRIVACY_NOTICE_VERSION
    assert profile.consent_at is not None


def test_profile_requires_consent_with_a_clear_error(client, learner):
    client.force_login(learner)
    response = client.post(PROFILE_URL, profile_data(consent=None))
    assert response.status_code == 200
    assert "Please tick this box to continue" in response.content.decode()
    # What was typed is still there.
    assert "Amina Yusuf" in response.content.decode()
    assert not LearnerProfile.objects.filter(user=learner).exists()


def test_profile_requires_country_of_residence(client, learner):
    client.force_login(learner)
    response = client.post(PROFILE_URL, profile_data(country_of_residence=""))
    assert response.status_code == 200
    assert not LearnerProfile.objects.filter(user=learner).exists()


def test_country_of_origin_is_optional(client, learner):
    client.force_login(learner)
    client.post(PROFILE_URL, profile_data(country_of_origin=""))
    assert LearnerProfile.objects.get(user=learner).country_of_origin == ""


def test_saving_the_profile_sets_and_activates_the_preferred_language(client, learner):
    client.force_login(learner)
    response = client.post(PROFILE_URL, profile_data(language="ar"))
    learner.refresh_from_db()
    assert learner.language == "ar"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ar"
    page = client.get(response.url, follow=True)
    assert 'lang="ar"' in page.content.decode()
    assert 'dir="rtl"' in page.content.decode()


def test_profile_audit_event_holds_no_personal_values(client, learner):
    client.force_login(learner)
    client.post(PROFILE_URL, profile_data())
    event = AuditEvent.objects.get(action="learner.profile_created")
    assert event.actor == learner
    text = str(event.data)
    for value in ["Amina", "JO", "SY", learner.email]:
        assert value not in text
    assert event.data["consent_version"] == PRIVACY_NOTICE_VERSION


def test_editing_profile_keeps_the_first_consent_time_and_logs_changed_fields(client):
    profile = LearnerProfileFactory(display_name="Old Name")
    first_consent = profile.consent_at
    client.force_login(profile.user)
    html = client.get(PROFILE_URL).content.decode()
    assert "Old Name" in html
    response = client.post(PROFILE_URL, profile_data(display_name="New Name", language="en"))
    assert response.url == reverse("learners:dashboard")
    profile.refresh_from_db()
    assert profile.display_name == "New Name"
    assert profile.consent_at == first_consent
    event = AuditEvent.objects.get(action="learner.profile_updated")
    assert "display_name" in event.data["changed"]
    assert "New Name" not in str(event.data)


def test_agreeing_to_a_newer_privacy_notice_records_the_new_version(client):
    profile = LearnerProfileFactory(consent_version="2020-01")
    client.force_login(profile.user)
    client.post(PROFILE_URL, profile_data())
    profile.refresh_from_db()
    assert profile.consent_version == PRIVACY_NOTICE_VERSION


def test_new_profile_continues_to_choosing_a_partner(client, learner):
    client.force_login(learner)
    response = client.post(PROFILE_URL, profile_data())
    assert response.url == CHOOSE_URL


@pytest.mark.parametrize(
    "path",
    [
        PROFILE_URL,
        CHOOSE_URL,
        reverse("learners:dashboard"),
        reverse("learners:apply", args=["partner-x"]),
        reverse("learners:application_edit", args=[1]),
        reverse("learners:application_withdraw", args=[1]),
        reverse("learners:document_download", args=[1]),
    ],
)
@pytest.mark.parametrize("factory", [PartnerStaffFactory, ProgrammeAdminFactory])
def test_staff_and_admins_cannot_use_learner_pages(client, factory, path):
    user = factory()
    give_totp(user)
    PartnerFactory(slug="partner-x")
    client.force_login(user)
    assert client.get(path).status_code == 404
    assert client.post(path, profile_data()).status_code == 404
    assert not LearnerProfile.objects.exists()


def test_anonymous_visitor_is_sent_to_sign_in_from_the_profile(client):
    response = client.get(PROFILE_URL)
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


# --- choosing a partner -------------------------------------------------------------------------


def test_partner_list_shows_only_partners_serving_the_learners_country(client):
    profile = LearnerProfileFactory(country_of_residence="LB")
    PartnerFactory(name="Beirut Learning", countries=["LB"], description="Evening classes.")
    PartnerFactory(name="Two Countries", countries=["JO", "LB", "TR"])
    PartnerFactory(name="Amman Only", countries=["JO"])
    PartnerFactory(name="Closed Beirut", countries=["LB"], is_active=False)
    client.force_login(profile.user)
    html = client.get(CHOOSE_URL).content.decode()
    assert "Beirut Learning" in html
    assert "Evening classes." in html
    assert "Two Countries" in html
    assert "Amman Only" not in html
    assert "Closed Beirut" not in html


def test_partner_list_says_plainly_when_no_partner_serves_the_country(client):
    profile = LearnerProfileFactory(country_of_residence="IS")
    PartnerFactory(countries=["JO"])
    client.force_login(profile.user)
    html = client.get(CHOOSE_URL).content.decode()
    assert "no partner organisation works in Iceland" in html


def test_choosing_a_partner_requires_a_profile_first(client, learner):
    client.force_login(learner)
    response = client.get(CHOOSE_URL, follow=True)
    assert response.redirect_chain[-1][0] == PROFILE_URL
    assert "tell us a little about yourself" in response.content.decode()


@pytest.mark.parametrize("status", ["submitted", "info_requested", "approved"])
def test_learner_with_a_live_application_is_sent_to_the_dashboard(client, status):
    profile = LearnerProfileFactory()
    ApplicationFactory(learner=profile.user, status=status, verified_until="2099-01-01")
    client.force_login(profile.user)
    assert client.get(CHOOSE_URL).url == reverse("learners:dashboard")
    partner = PartnerFactory()
    assert client.get(reverse("learners:apply", args=[partner.slug])).url == reverse(
        "learners:dashboard"
    )


@pytest.mark.parametrize("status", ["rejected", "withdrawn", "expired"])
def test_learner_whose_last_application_ended_may_choose_again(client, status):
    profile = LearnerProfileFactory()
    ApplicationFactory(learner=profile.user, status=status)
    client.force_login(profile.user)
    assert client.get(CHOOSE_URL).status_code == 200


def test_apply_to_a_partner_outside_the_learners_country_sends_back_to_the_list(client):
    profile = LearnerProfileFactory(country_of_residence="LB")
    partner = PartnerFactory(name="Amman Only", countries=["JO"])
    client.force_login(profile.user)
    response = client.get(reverse("learners:apply", args=[partner.slug]), follow=True)
    assert response.redirect_chain[-1][0] == CHOOSE_URL
    assert "does not work in the country where you live" in response.content.decode()


# --- join links ---------------------------------------------------------------------------------


def test_join_link_is_public_and_shows_the_partner(client):
    partner = PartnerFactory(name="Kiron Test", description="Online study for refugees.")
    response = client.get(reverse("learners:join", args=[partner.slug]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Kiron Test" in html
    assert "Online study for refugees." in html
    assert reverse("account_signup") in html
    assert client.session[JOIN_SESSION_KEY] == partner.slug


@pytest.mark.parametrize("active", [True, False])
def test_join_link_of_unknown_or_inactive_partner_is_404(client, active):
    PartnerFactory(slug="closed", is_active=False)
    slug = "nobody" if active else "closed"
    assert client.get(reverse("learners:join", args=[slug])).status_code == 404


def test_join_link_preselects_the_partner_after_sign_up_and_profile(client):
    # The partner does not list the country the learner lives in: the link still leads there.
    partner = PartnerFactory(name="Invited Partner", countries=["KE"])
    client.get(reverse("learners:join", args=[partner.slug]))
    learner = LearnerFactory()
    client.force_login(learner)  # sign-up and sign-in keep the session's data
    response = client.post(PROFILE_URL, profile_data(country_of_residence="JO"))
    apply_url = reverse("learners:apply", args=[partner.slug])
    assert response.url == apply_url
    page = client.get(apply_url)
    assert page.status_code == 200
    # The profile chose French, so the page speaks French.
    assert "Faire une demande auprès de Invited Partner" in page.content.decode()


def test_joined_partner_is_offered_first_in_the_partner_list(client):
    partner = PartnerFactory(name="Invited Partner", countries=["KE"])
    PartnerFactory(name="Local Partner", countries=["JO"])
    client.get(reverse("learners:join", args=[partner.slug]))
    profile = LearnerProfileFactory(country_of_residence="JO")
    client.force_login(profile.user)
    html = client.get(CHOOSE_URL).content.decode()
    assert html.index("Invited Partner") < html.index("Local Partner")
    assert "The organisation that invited you" in html


def test_signed_in_learner_on_a_join_link_can_continue(client):
    profile = LearnerProfileFactory()
    partner = PartnerFactory()
    client.force_login(profile.user)
    html = client.get(reverse("learners:join", args=[partner.slug])).content.decode()
    assert reverse("learners:apply", args=[partner.slug]) in html


# --- admin --------------------------------------------------------------------------------------


def test_learner_profiles_are_not_in_the_django_admin(client):
    """No admin page shows a learner (docs/decisions/0014): not to programme admins, not even to
    the operator's superuser."""
    admin = ProgrammeAdminFactory()
    give_totp(admin)
    operator = OperatorFactory()
    give_totp(operator)
    profile = LearnerProfileFactory(display_name="Listed Learner", country_of_origin="SY")
    for user in (admin, operator):
        client.force_login(user)
        assert "Listed Learner" not in client.get("/admin/").content.decode()
        assert client.get("/admin/learners/learnerprofile/").status_code == 404
        detail = client.get(f"/admin/learners/learnerprofile/{profile.pk}/change/")
        assert detail.status_code == 404
