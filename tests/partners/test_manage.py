"""Partner management: partners (programme admins), the team and API keys (coordinators)."""

import pytest
from django.urls import reverse

from partners.models import Membership, Partner, PartnerApiKey, StaffRole
from partners.services.api_keys import api_key_authenticate
from partners.services.partners import RESERVED_SLUGS
from portal.models import AuditEvent
from tests.partners.factories import MembershipFactory, PartnerFactory
from tests.portal.conftest import give_totp
from tests.portal.factories import LearnerFactory, PartnerStaffFactory, ProgrammeAdminFactory

pytestmark = pytest.mark.django_db


def signed_in(client, user):
    if user.must_use_mfa:
        give_totp(user)
    client.force_login(user)
    return user


def member(partner, role=StaffRole.REVIEWER):
    return MembershipFactory(partner=partner, role=role).user


def partner_data(**overrides):
    data = {
        "name": "Hope Education Network",
        "slug": "hope",
        "countries": ["JO", "LB"],
        "contact_email": "team@hope.example",
        "description": "Helps refugees in Jordan and Lebanon study.",
        "verification_validity_days": "365",
        "is_active": "on",
    }
    data.update(overrides)
    return data


# --- partners, for programme admins -------------------------------------------------------------


def test_programme_admin_creates_a_partner(client):
    admin = signed_in(client, ProgrammeAdminFactory())
    response = client.post(reverse("programme:partner_create"), partner_data())
    assert response.status_code == 302
    partner = Partner.objects.get(slug="hope")
    assert response.url == reverse("programme:partner_edit", kwargs={"slug": "hope"})
    assert [c.code for c in partner.countries] == ["JO", "LB"]
    assert partner.verification_validity_days == 365
    assert partner.is_active
    event = AuditEvent.objects.get(action="partner.created")
    assert event.actor == admin
    assert event.partner_id == partner.pk


def test_partner_slug_is_made_from_the_name_when_left_empty(client):
    signed_in(client, ProgrammeAdminFactory())
    client.post(reverse("programme:partner_create"), partner_data(slug="", name="Kiron Open"))
    assert Partner.objects.filter(slug="kiron-open").exists()


def test_programme_admin_edits_a_partner_and_the_audit_names_changed_fields(client):
    signed_in(client, ProgrammeAdminFactory())
    partner = PartnerFactory(slug="hope", name="Hope")
    response = client.post(
        reverse("programme:partner_edit", kwargs={"slug": "hope"}),
        partner_data(verification_validity_days="180", countries=["TR"], is_active=""),
    )
    assert response.status_code == 302
    partner.refresh_from_db()
    assert partner.verification_validity_days == 180
    assert [c.code for c in partner.countries] == ["TR"]
    assert not partner.is_active
    event = AuditEvent.objects.get(action="partner.updated")
    assert set(event.data["fields"]) >= {"verification_validity_days", "countries", "is_active"}


def test_partner_edit_page_shows_the_form_with_the_current_values(client):
    signed_in(client, ProgrammeAdminFactory())
    PartnerFactory(slug="hope", name="Hope Network")
    response = client.get(reverse("programme:partner_edit", kwargs={"slug": "hope"}))
    assert response.status_code == 200
    assert "Hope Network" in response.content.decode()
    assert 'name="countries"' in response.content.decode()


@pytest.mark.parametrize("slug", sorted(RESERVED_SLUGS))
def test_reserved_slug_is_refused_with_a_clear_message(client, slug):
    signed_in(client, ProgrammeAdminFactory())
    response = client.post(reverse("programme:partner_create"), partner_data(slug=slug))
    assert response.status_code == 200
    assert not Partner.objects.filter(slug=slug).exists()
    assert "used by the portal itself" in response.content.decode()
    # What was typed is kept.
    assert "Hope Education Network" in response.content.decode()


def test_validity_below_one_day_is_refused(client):
    signed_in(client, ProgrammeAdminFactory())
    response = client.post(
        reverse("programme:partner_create"), partner_data(verification_validity_days="0")
    )
    assert response.status_code == 200
    assert not Partner.objects.exists()


def test_taken_slug_is_refused(client):
    signed_in(client, ProgrammeAdminFactory())
    PartnerFactory(slug="hope")
    response = client.post(reverse("programme:partner_create"), partner_data())
    assert response.status_code == 200
    assert Partner.objects.filter(slug="hope").count() == 1


def test_partner_list_shows_partners_in_constant_queries(client, django_assert_max_num_queries):
    signed_in(client, ProgrammeAdminFactory())
    PartnerFactory.create_batch(3)
    client.get(reverse("programme:partner_list"))  # warm the session and MFA lookups
    with django_assert_max_num_queries(12) as few:
        assert client.get(reverse("programme:partner_list")).status_code == 200
    for partner in PartnerFactory.create_batch(30):
        MembershipFactory.create_batch(2, partner=partner)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("programme:partner_list"))
    assert response.status_code == 200


def test_partner_list_shortens_long_country_lists(client):
    signed_in(client, ProgrammeAdminFactory())
    PartnerFactory(countries=["JO", "LB", "TR", "SY", "IQ", "EG", "DE"])
    body = client.get(reverse("programme:partner_list")).content.decode()
    assert "and 2 more" in body
    assert client.get(reverse("programme:partner_create")).status_code == 200


@pytest.mark.parametrize("role", ["learner", "reviewer", "coordinator"])
@pytest.mark.parametrize("page", ["partner_list", "partner_create", "partner_edit"])
def test_only_programme_admins_manage_partners_others_get_404(client, role, page):
    partner = PartnerFactory(slug="hope")
    if role == "learner":
        signed_in(client, LearnerFactory())
    else:
        signed_in(client, member(partner, role))
    kwargs = {"slug": "hope"} if page == "partner_edit" else {}
    url = reverse(f"programme:{page}", kwargs=kwargs)
    assert client.get(url).status_code == 404
    if page != "partner_list":
        assert client.post(url, partner_data(slug="other")).status_code == 404
    assert not Partner.objects.filter(slug="other").exists()


def test_partner_list_url_is_not_taken_by_a_partner_page(client):
    """/staff/partners/ is the admin list, never the pages of a partner whose slug is 'partners'."""
    assert reverse("programme:partner_list") == "/staff/partners/"
    signed_in(client, ProgrammeAdminFactory())
    assert client.get("/staff/partners/").status_code == 200


def test_programme_admin_invites_a_partners_first_coordinator(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    admin = signed_in(client, ProgrammeAdminFactory())
    partner = PartnerFactory(slug="hope")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("programme:partner_invite_coordinator", kwargs={"slug": "hope"}),
            {"email": "Lead@Hope.example"},
        )
    assert response.status_code == 302
    invitation = partner.invitations.get()
    assert invitation.role == StaffRole.COORDINATOR
    assert invitation.email == "Lead@Hope.example"
    assert invitation.invited_by == admin
    assert [m.to for m in mailoutbox] == [["Lead@Hope.example"]]
    page = client.get(reverse("programme:partner_edit", kwargs={"slug": "hope"}))
    assert "Lead@Hope.example" in page.content.decode()


def test_programme_admin_sees_coordinators_but_no_applicants_on_the_partner_page(client):
    from tests.partners.factories import ApplicationFactory

    partner = PartnerFactory(slug="hope")
    coordinator = member(partner, StaffRole.COORDINATOR)
    application = ApplicationFactory(partner=partner)
    signed_in(client, ProgrammeAdminFactory())
    body = client.get(reverse("programme:partner_edit", kwargs={"slug": "hope"})).content.decode()
    assert coordinator.email in body
    assert application.learner.email not in body


# --- the team -----------------------------------------------------------------------------------


def test_coordinator_sees_members_and_pending_invitations(client):
    partner = PartnerFactory(slug="hope")
    coordinator = signed_in(client, member(partner, StaffRole.COORDINATOR))
    reviewer = member(partner)
    partner.invitations.create(email="new@hope.example", role="reviewer", token_hash="x" * 64)
    response = client.get(reverse("partners:team", kwargs={"slug": "hope"}))
    body = response.content.decode()
    assert response.status_code == 200
    assert coordinator.email in body and reviewer.email in body
    assert "new@hope.example" in body


def test_team_page_costs_constant_queries(client, django_assert_max_num_queries):
    partner = PartnerFactory(slug="hope")
    signed_in(client, member(partner, StaffRole.COORDINATOR))
    url = reverse("partners:team", kwargs={"slug": "hope"})
    client.get(url)
    with django_assert_max_num_queries(20) as few:
        client.get(url)
    MembershipFactory.create_batch(15, partner=partner)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url).status_code == 200


def test_coordinator_removes_a_member_and_it_is_audited(client):
    partner = PartnerFactory(slug="hope")
    coordinator = signed_in(client, member(partner, StaffRole.COORDINATOR))
    reviewer = member(partner)
    membership = Membership.objects.get(user=reviewer)
    response = client.post(
        reverse("partners:staff_remove", kwargs={"slug": "hope", "membership_id": membership.pk})
    )
    assert response.status_code == 302
    assert not Membership.objects.filter(pk=membership.pk).exists()
    event = AuditEvent.objects.get(action="membership.removed")
    assert event.actor == coordinator and event.data["user"] == reviewer.pk


def test_last_coordinator_cannot_be_removed(client):
    partner = PartnerFactory(slug="hope")
    coordinator = signed_in(client, member(partner, StaffRole.COORDINATOR))
    membership = Membership.objects.get(user=coordinator)
    response = client.post(
        reverse("partners:staff_remove", kwargs={"slug": "hope", "membership_id": membership.pk}),
        follow=True,
    )
    assert Membership.objects.filter(pk=membership.pk).exists()
    assert "only coordinator" in response.content.decode()


def test_a_coordinator_can_leave_when_another_coordinator_remains(client):
    partner = PartnerFactory(slug="hope")
    coordinator = signed_in(client, member(partner, StaffRole.COORDINATOR))
    member(partner, StaffRole.COORDINATOR)
    membership = Membership.objects.get(user=coordinator)
    client.post(
        reverse("partners:staff_remove", kwargs={"slug": "hope", "membership_id": membership.pk})
    )
    assert not Membership.objects.filter(pk=membership.pk).exists()


def test_last_coordinator_cannot_be_made_a_reviewer(client):
    partner = PartnerFactory(slug="hope")
    coordinator = signed_in(client, member(partner, StaffRole.COORDINATOR))
    membership = Membership.objects.get(user=coordinator)
    url = reverse(
        "partners:staff_role_change", kwargs={"slug": "hope", "membership_id": membership.pk}
    )
    client.post(url, {"role": "reviewer"})
    membership.refresh_from_db()
    assert membership.role == StaffRole.COORDINATOR


def test_coordinator_promotes_a_reviewer(client):
    partner = PartnerFactory(slug="hope")
    signed_in(client, member(partner, StaffRole.COORDINATOR))
    membership = Membership.objects.get(user=member(partner))
    url = reverse(
        "partners:staff_role_change", kwargs={"slug": "hope", "membership_id": membership.pk}
    )
    client.post(url, {"role": "coordinator"})
    membership.refresh_from_db()
    assert membership.role == StaffRole.COORDINATOR
    assert AuditEvent.objects.filter(action="membership.role_changed").exists()


def test_coordinator_cannot_remove_a_member_of_another_partner(client):
    partner_a = PartnerFactory(slug="a")
    partner_b = PartnerFactory(slug="b")
    signed_in(client, member(partner_b, StaffRole.COORDINATOR))
    victim = Membership.objects.get(user=member(partner_a))
    for slug in ("a", "b"):
        url = reverse("partners:staff_remove", kwargs={"slug": slug, "membership_id": victim.pk})
        assert client.post(url).status_code == 404
    assert Membership.objects.filter(pk=victim.pk).exists()


# --- API keys -----------------------------------------------------------------------------------


def test_api_key_is_shown_once_and_only_its_hash_is_stored(client):
    partner = PartnerFactory(slug="hope")
    signed_in(client, member(partner, StaffRole.COORDINATOR))
    response = client.post(
        reverse("partners:api_key_create", kwargs={"slug": "hope"}), {"name": "Case system"}
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"] or "no-cache" in response["Cache-Control"]
    plaintext = response.context["plaintext"]
    prefix, secret = plaintext.split(".")
    assert plaintext in response.content.decode()
    key = PartnerApiKey.objects.get()
    assert key.prefix == prefix
    assert secret not in key.key_hash and key.key_hash != secret
    assert api_key_authenticate(plaintext) == key
    # The list page never shows it again.
    again = client.get(reverse("partners:api_keys", kwargs={"slug": "hope"}))
    assert plaintext not in again.content.decode()
    assert secret not in again.content.decode()
    assert "Case system" in again.content.decode()


def test_revoked_api_key_stops_working(client):
    partner = PartnerFactory(slug="hope")
    signed_in(client, member(partner, StaffRole.COORDINATOR))
    response = client.post(
        reverse("partners:api_key_create", kwargs={"slug": "hope"}), {"name": "Case system"}
    )
    plaintext = response.context["plaintext"]
    key = PartnerApiKey.objects.get()
    client.post(reverse("partners:api_key_revoke", kwargs={"slug": "hope", "key_id": key.pk}))
    key.refresh_from_db()
    assert key.revoked_at is not None
    assert api_key_authenticate(plaintext) is None
    assert AuditEvent.objects.filter(action="api_key.revoked").exists()


def test_api_key_without_a_name_is_refused(client):
    partner = PartnerFactory(slug="hope")
    signed_in(client, member(partner, StaffRole.COORDINATOR))
    response = client.post(
        reverse("partners:api_key_create", kwargs={"slug": "hope"}), {"name": ""}
    )
    assert response.status_code == 200
    assert not PartnerApiKey.objects.exists()


def test_coordinator_of_another_partner_cannot_revoke_a_key(client):
    partner_a = PartnerFactory(slug="a")
    partner_b = PartnerFactory(slug="b")
    key = PartnerApiKey.objects.create(partner=partner_a, name="k", prefix="abcd1234", key_hash="0")
    signed_in(client, member(partner_b, StaffRole.COORDINATOR))
    for slug in ("a", "b"):
        url = reverse("partners:api_key_revoke", kwargs={"slug": slug, "key_id": key.pk})
        assert client.post(url).status_code == 404
    key.refresh_from_db()
    assert key.revoked_at is None


# --- who gets 404 -------------------------------------------------------------------------------

COORDINATOR_PAGES = [
    ("partners:team", {}),
    ("partners:api_keys", {}),
    ("partners:bulk_invitations", {}),
    ("partners:bulk_invitation_detail", {"batch_id": 0}),
]
COORDINATOR_POSTS = [
    ("partners:staff_invite", {}),
    ("partners:api_key_create", {}),
    ("partners:bulk_invitations", {}),
    ("partners:staff_remove", {"membership_id": 0}),
    ("partners:staff_role_change", {"membership_id": 0}),
    ("partners:staff_invitation_revoke", {"invitation_id": 0}),
    ("partners:api_key_revoke", {"key_id": 0}),
]


def _sign_in_as(client, who, partner_a, partner_b):
    if who == "reviewer":
        signed_in(client, member(partner_a))
    elif who == "coordinator_of_b":
        signed_in(client, member(partner_b, StaffRole.COORDINATOR))
    elif who == "learner":
        signed_in(client, LearnerFactory())
    else:
        signed_in(client, ProgrammeAdminFactory())


def _real_ids(partner):
    """Ids of real objects of partner A, so a 404 is about permission, not a missing row."""
    from partners.models import InvitationBatch, StaffInvitation

    coordinator = Membership.objects.filter(partner=partner).first()
    key = PartnerApiKey.objects.create(partner=partner, name="k", prefix="abcd1234", key_hash="0")
    invitation = StaffInvitation.objects.create(
        partner=partner, email="p@example.org", role="reviewer", token_hash="y" * 64
    )
    batch = InvitationBatch.objects.create(partner=partner)
    return {
        "membership_id": coordinator.pk,
        "key_id": key.pk,
        "invitation_id": invitation.pk,
        "batch_id": batch.pk,
    }


WHO = ["reviewer", "coordinator_of_b", "learner", "programme_admin"]


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize(("name", "extra"), COORDINATOR_PAGES)
def test_coordinator_pages_are_404_for_everyone_else(client, who, name, extra):
    partner_a = PartnerFactory(slug="a")
    partner_b = PartnerFactory(slug="b")
    member(partner_a, StaffRole.COORDINATOR)
    ids = _real_ids(partner_a)
    _sign_in_as(client, who, partner_a, partner_b)
    url = reverse(name, kwargs={"slug": "a", **{k: ids[k] for k in extra}})
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize(("name", "extra"), COORDINATOR_POSTS)
def test_coordinator_actions_are_404_for_everyone_else(client, who, name, extra):
    partner_a = PartnerFactory(slug="a")
    partner_b = PartnerFactory(slug="b")
    member(partner_a, StaffRole.COORDINATOR)
    ids = _real_ids(partner_a)
    _sign_in_as(client, who, partner_a, partner_b)
    url = reverse(name, kwargs={"slug": "a", **{k: ids[k] for k in extra}})
    response = client.post(url, {"email": "x@example.org", "role": "reviewer", "name": "k2"})
    assert response.status_code == 404
    assert PartnerApiKey.objects.filter(revoked_at__isnull=True).count() == 1
    assert partner_a.invitations.filter(revoked_at__isnull=True).count() == 1
    assert Membership.objects.filter(partner=partner_a, role=StaffRole.COORDINATOR).count() == 1


def test_partner_staff_without_membership_gets_404_on_team(client):
    PartnerFactory(slug="a")
    signed_in(client, PartnerStaffFactory())
    assert client.get(reverse("partners:team", kwargs={"slug": "a"})).status_code == 404


# --- Django admin -------------------------------------------------------------------------------


def test_applications_and_documents_are_not_in_the_django_admin():
    from django.contrib import admin

    from partners.models import (
        Application,
        EvidenceDocument,
        InvitationBatch,
        StaffInvitation,
    )

    registered = admin.site._registry
    assert Application not in registered
    assert EvidenceDocument not in registered
    for model in (Partner, Membership, StaffInvitation, PartnerApiKey, InvitationBatch):
        assert model in registered


def test_django_admin_pages_for_partners_open(client):
    signed_in(client, ProgrammeAdminFactory())
    partner = PartnerFactory()
    member(partner, StaffRole.COORDINATOR)
    PartnerApiKey.objects.create(partner=partner, name="k", prefix="abcd1234", key_hash="f" * 64)
    for name in ("partner", "membership", "staffinvitation", "partnerapikey", "invitationbatch"):
        assert client.get(reverse(f"admin:partners_{name}_changelist")).status_code == 200
    key = PartnerApiKey.objects.get()
    page = client.get(reverse("admin:partners_partnerapikey_change", args=[key.pk]))
    assert page.status_code == 200
    assert "f" * 64 in page.content.decode()  # read-only: shown, not editable
    assert client.get(reverse("admin:partners_partnerapikey_add")).status_code == 403
    assert client.get(reverse("admin:partners_membership_add")).status_code == 403


def test_django_admin_creates_partners_through_the_service(client):
    signed_in(client, ProgrammeAdminFactory())
    response = client.post(reverse("admin:partners_partner_add"), partner_data())
    assert response.status_code == 302
    assert Partner.objects.filter(slug="hope").exists()
    assert AuditEvent.objects.filter(action="partner.created").exists()
    refused = client.post(reverse("admin:partners_partner_add"), partner_data(slug="partners"))
    assert refused.status_code == 200
    assert not Partner.objects.filter(slug="partners").exists()
