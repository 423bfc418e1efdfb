"""Staff invitations: invite by e-mail, a single-use link stored hashed, accept, refuse clearly."""

import hashlib
import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation

from partners.models import Membership, StaffInvitation, StaffRole
from partners.services.staff import staff_invitation_create
from portal.models import AuditEvent, Role
from tests.partners.factories import ApplicationFactory, MembershipFactory, PartnerFactory
from tests.portal.conftest import give_totp
from tests.portal.factories import LearnerFactory, PartnerStaffFactory, ProgrammeAdminFactory

pytestmark = pytest.mark.django_db

LINK = re.compile(r"/staff/invitations/([A-Za-z0-9_-]+)/")


def signed_in(client, user):
    if user.must_use_mfa:
        give_totp(user)
    client.force_login(user)
    return user


def coordinator_of(partner):
    return MembershipFactory(partner=partner, role=StaffRole.COORDINATOR).user


def invite(partner, email="new.reviewer@hope.example", role=StaffRole.REVIEWER, capture=None):
    """Create an invitation through the service and return (invitation, token from the e-mail)."""
    from django.core import mail

    before = len(mail.outbox)
    with capture(execute=True):
        invitation = staff_invitation_create(
            partner=partner, email=email, role=role, acting_user=coordinator_of(partner)
        )
    token = LINK.search(mail.outbox[before].body).group(1)
    return invitation, token


def accept_url(token):
    return reverse("staff:invitation_accept", kwargs={"token": token})


def test_coordinator_invites_by_email_and_the_link_arrives_on_commit(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    partner = PartnerFactory(slug="hope", name="Hope")
    coordinator = signed_in(client, coordinator_of(partner))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(
            reverse("partners:staff_invite", kwargs={"slug": "hope"}),
            {"email": "new.reviewer@hope.example", "role": "reviewer"},
        )
        assert mailoutbox == []  # nothing leaves before the commit
    assert callbacks
    assert response.status_code == 302
    invitation = StaffInvitation.objects.get()
    assert invitation.invited_by == coordinator
    assert invitation.role == StaffRole.REVIEWER
    assert timedelta(days=6, hours=23) < invitation.expires_at - timezone.now() <= timedelta(days=7)
    [message] = mailoutbox
    assert message.to == ["new.reviewer@hope.example"]
    assert "Hope" in message.subject
    token = LINK.search(message.body).group(1)
    assert f"{settings.SITE_URL.rstrip('/')}/staff/invitations/{token}/" in message.body
    event = AuditEvent.objects.get(action="staff_invitation.created")
    assert event.actor == coordinator and "new.reviewer" not in str(event.data)


def test_only_the_hash_of_the_token_is_stored(django_capture_on_commit_callbacks):
    invitation, token = invite(PartnerFactory(), capture=django_capture_on_commit_callbacks)
    assert len(token) >= 40
    invitation.refresh_from_db()
    assert invitation.token_hash == hashlib.sha256(token.encode()).hexdigest()
    stored = " ".join(str(v) for v in StaffInvitation.objects.values_list().get())
    assert token not in stored


def test_invitation_email_is_written_in_the_inviters_language(
    monkeypatch, mailoutbox, django_capture_on_commit_callbacks
):
    from django.template import loader

    import partners.services.staff as service

    languages = []

    def recording_render(name, context):
        languages.append(translation.get_language())
        return loader.render_to_string(name, context)

    monkeypatch.setattr(service, "render_to_string", recording_render)
    partner = PartnerFactory()
    with translation.override("fr"), django_capture_on_commit_callbacks(execute=True):
        staff_invitation_create(
            partner=partner,
            email="a@example.org",
            role=StaffRole.REVIEWER,
            acting_user=coordinator_of(partner),
        )
    assert languages == ["fr", "fr"]  # subject and message
    assert len(mailoutbox) == 1


def test_invited_learner_accepts_and_becomes_partner_staff(
    client, django_capture_on_commit_callbacks
):
    partner = PartnerFactory(slug="hope", name="Hope")
    _invitation, token = invite(
        partner, email="New.Reviewer@Hope.example", capture=django_capture_on_commit_callbacks
    )
    person = signed_in(client, LearnerFactory(email="new.reviewer@hope.example"))
    page = client.get(accept_url(token))
    assert page.status_code == 200
    assert "Hope" in page.content.decode()
    response = client.post(accept_url(token))
    assert response.status_code == 302
    membership = Membership.objects.get(user=person)
    assert membership.partner == partner and membership.role == StaffRole.REVIEWER
    person.refresh_from_db()
    assert person.role == Role.PARTNER_STAFF
    assert StaffInvitation.objects.get().accepted_at is not None
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"staff_invitation.accepted", "user.role_changed"} <= actions
    # Now a staff account: the middleware sends them to set up two-factor authentication.
    follow = client.get(reverse("portal:home"))
    assert follow.status_code == 302 and follow.url == reverse("mfa_activate_totp")


def test_existing_staff_member_of_another_partner_joins_a_second_partner(
    client, django_capture_on_commit_callbacks
):
    other = PartnerFactory()
    person = MembershipFactory(partner=other).user
    partner = PartnerFactory()
    _invitation, token = invite(
        partner, email=person.email, capture=django_capture_on_commit_callbacks
    )
    signed_in(client, person)
    client.post(accept_url(token))
    assert set(Membership.objects.filter(user=person).values_list("partner_id", flat=True)) == {
        other.pk,
        partner.pk,
    }


def test_a_link_works_only_once(client, django_capture_on_commit_callbacks):
    partner = PartnerFactory()
    _invitation, token = invite(
        partner, email="a@example.org", capture=django_capture_on_commit_callbacks
    )
    person = signed_in(client, LearnerFactory(email="a@example.org"))
    client.post(accept_url(token))
    give_totp(person)  # now a staff account, which must use two-factor authentication
    again = client.post(accept_url(token))
    assert "already been used" in again.content.decode()
    assert Membership.objects.filter(partner=partner).count() == 2  # the inviter and the invitee
    assert AuditEvent.objects.filter(
        action="staff_invitation.refused", data__reason="used"
    ).exists()


def test_an_expired_link_is_refused(client, django_capture_on_commit_callbacks):
    invitation, token = invite(
        PartnerFactory(), email="a@example.org", capture=django_capture_on_commit_callbacks
    )
    StaffInvitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    person = signed_in(client, LearnerFactory(email="a@example.org"))
    assert "expired" in client.get(accept_url(token)).content.decode()
    response = client.post(accept_url(token))
    assert "expired" in response.content.decode()
    assert not Membership.objects.filter(user=person).exists()
    person.refresh_from_db()
    assert person.role == Role.LEARNER


def test_a_revoked_link_is_refused(client, django_capture_on_commit_callbacks):
    partner = PartnerFactory(slug="hope")
    invitation, token = invite(
        partner, email="a@example.org", capture=django_capture_on_commit_callbacks
    )
    coordinator = Membership.objects.get(partner=partner, role=StaffRole.COORDINATOR).user
    signed_in(client, coordinator)
    client.post(
        reverse(
            "partners:staff_invitation_revoke",
            kwargs={"slug": "hope", "invitation_id": invitation.pk},
        )
    )
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    client.logout()
    person = signed_in(client, LearnerFactory(email="a@example.org"))
    response = client.post(accept_url(token))
    assert "withdrawn" in response.content.decode()
    assert not Membership.objects.filter(user=person).exists()


def test_inviting_the_same_address_again_revokes_the_earlier_link(
    client, django_capture_on_commit_callbacks
):
    partner = PartnerFactory()
    first, old_token = invite(
        partner, email="a@example.org", capture=django_capture_on_commit_callbacks
    )
    second, new_token = invite(
        partner, email="A@example.org", capture=django_capture_on_commit_callbacks
    )
    first.refresh_from_db()
    assert first.revoked_at is not None and second.revoked_at is None
    signed_in(client, LearnerFactory(email="a@example.org"))
    assert "withdrawn" in client.post(accept_url(old_token)).content.decode()
    client.post(accept_url(new_token))
    assert Membership.objects.filter(partner=partner, user__email="a@example.org").exists()


def test_an_account_with_another_email_cannot_accept(client, django_capture_on_commit_callbacks):
    _invitation, token = invite(
        PartnerFactory(), email="a@example.org", capture=django_capture_on_commit_callbacks
    )
    person = signed_in(client, LearnerFactory(email="someone.else@example.org"))
    page = client.get(accept_url(token)).content.decode()
    assert "different e-mail address" in page
    assert "a@example.org" not in page  # the invitee's address is not shown to someone else
    client.post(accept_url(token))
    assert not Membership.objects.filter(user=person).exists()
    assert StaffInvitation.objects.get().accepted_at is None


def test_a_learner_with_an_application_cannot_become_staff(
    client, django_capture_on_commit_callbacks
):
    partner = PartnerFactory()
    _invitation, token = invite(
        partner, email="a@example.org", capture=django_capture_on_commit_callbacks
    )
    person = signed_in(client, LearnerFactory(email="a@example.org"))
    ApplicationFactory(learner=person, partner=partner)
    response = client.post(accept_url(token))
    assert "separate staff account" in response.content.decode()
    person.refresh_from_db()
    assert person.role == Role.LEARNER
    assert not Membership.objects.filter(user=person).exists()
    assert AuditEvent.objects.filter(
        action="staff_invitation.refused", data__reason="learner_with_application"
    ).exists()


def test_a_programme_admin_cannot_join_a_partners_staff(client, django_capture_on_commit_callbacks):
    _invitation, token = invite(
        PartnerFactory(), email="boss@example.org", capture=django_capture_on_commit_callbacks
    )
    admin = signed_in(client, ProgrammeAdminFactory(email="boss@example.org"))
    client.post(accept_url(token))
    admin.refresh_from_db()
    assert admin.role == Role.PROGRAMME_ADMIN
    assert not Membership.objects.filter(user=admin).exists()


def test_an_unknown_link_says_so(client):
    signed_in(client, LearnerFactory())
    response = client.get(accept_url("not-a-real-token"))
    assert response.status_code == 404
    assert "not valid" in response.content.decode()
    assert client.post(accept_url("not-a-real-token")).status_code == 404


def test_anonymous_visitor_is_sent_to_sign_in_and_back(client, django_capture_on_commit_callbacks):
    _invitation, token = invite(PartnerFactory(), capture=django_capture_on_commit_callbacks)
    response = client.get(accept_url(token))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
    assert "next=" in response.url and token in response.url


def test_already_a_member_cannot_be_invited(client):
    partner = PartnerFactory(slug="hope")
    signed_in(client, coordinator_of(partner))
    existing = MembershipFactory(partner=partner).user
    response = client.post(
        reverse("partners:staff_invite", kwargs={"slug": "hope"}),
        {"email": existing.email.upper(), "role": "reviewer"},
    )
    assert response.status_code == 200
    assert "already on your staff" in response.content.decode()
    assert not StaffInvitation.objects.exists()


def test_bad_email_is_refused_and_the_form_keeps_what_was_typed(client):
    partner = PartnerFactory(slug="hope")
    signed_in(client, coordinator_of(partner))
    response = client.post(
        reverse("partners:staff_invite", kwargs={"slug": "hope"}),
        {"email": "not-an-address", "role": "coordinator"},
    )
    assert response.status_code == 200
    assert "not-an-address" in response.content.decode()
    assert not StaffInvitation.objects.exists()


def test_reviewer_cannot_invite(client):
    partner = PartnerFactory(slug="hope")
    signed_in(client, MembershipFactory(partner=partner, role=StaffRole.REVIEWER).user)
    response = client.post(
        reverse("partners:staff_invite", kwargs={"slug": "hope"}),
        {"email": "x@example.org", "role": "coordinator"},
    )
    assert response.status_code == 404
    assert not StaffInvitation.objects.exists()


def test_partner_staff_invited_as_coordinator_gets_that_role(
    client, django_capture_on_commit_callbacks
):
    partner = PartnerFactory()
    person = PartnerStaffFactory(email="lead@example.org")
    _invitation, token = invite(
        partner,
        email="lead@example.org",
        role=StaffRole.COORDINATOR,
        capture=django_capture_on_commit_callbacks,
    )
    signed_in(client, person)
    client.post(accept_url(token))
    assert Membership.objects.get(user=person).role == StaffRole.COORDINATOR


def test_first_coordinator_can_join_a_partner_that_is_not_active_yet(
    client, django_capture_on_commit_callbacks
):
    """Admins may set a partner up (its team first) before learners can see it."""
    partner = PartnerFactory(is_active=False)
    _invitation, token = invite(
        partner, email="lead@example.org", capture=django_capture_on_commit_callbacks
    )
    person = signed_in(client, LearnerFactory(email="lead@example.org"))
    client.post(accept_url(token))
    assert Membership.objects.filter(user=person, partner=partner).exists()
