"""A partner's staff: invitations by e-mail, accepting them, and removing members.

An invitation link holds a random token; only its SHA-256 is stored, so a copy of the database
cannot be used to join a partner's staff.
"""

import hashlib
import secrets

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from portal.accounts import account_role_set
from portal.emails import email_send
from portal.models import Role, User
from portal.origin import site_url
from portal.services import audit_record

from ..errors import TransitionNotAllowed
from ..models import Application, Membership, Partner, StaffInvitation, StaffRole
from ..permissions import can_coordinate, is_programme_admin

INVITATION_TEMPLATE = "partners/email/staff_invitation"


def invitation_token_hash(token: str) -> str:
    return hashlib.sha256((token or "").encode()).hexdigest()


def invitation_accept_url(token: str) -> str:
    return site_url(f"/staff/invitations/{token}/")


def can_invite_staff(user: User, partner: Partner) -> bool:
    """Coordinators invite their colleagues; programme admins invite a partner's first staff."""
    return can_coordinate(user, partner) or is_programme_admin(user)


def _send_invitation(*, invitation: StaffInvitation, token: str) -> None:
    # The invitee may have no account yet, so there is no preferred language to use: the message
    # is written in the language the inviter is using now.
    context = {
        "partner": invitation.partner,
        "role": invitation.get_role_display(),
        "accept_url": invitation_accept_url(token),
        "expires_at": invitation.expires_at,
        "site_url": site_url(),
    }
    with translation.override(translation.get_language() or settings.LANGUAGE_CODE):
        subject = " ".join(render_to_string(f"{INVITATION_TEMPLATE}_subject.txt", context).split())
        body = render_to_string(f"{INVITATION_TEMPLATE}_message.txt", context).strip()
    email_send(EmailMultiAlternatives(subject, body, to=[invitation.email]))


@transaction.atomic
def staff_invitation_create(
    *, partner: Partner, email: str, role: str, acting_user: User
) -> StaffInvitation:
    """Invite someone by e-mail. An earlier pending invitation to the same address is revoked,
    so only the newest link works. The e-mail leaves after the transaction commits."""
    if not can_invite_staff(acting_user, partner):
        raise TransitionNotAllowed(_("Only a coordinator can invite staff."))
    email = (email or "").strip()
    validate_email(email)
    if role not in StaffRole.values:
        raise TransitionNotAllowed(_("Please choose a role."), code="role")
    if Membership.objects.filter(partner=partner, user__email__iexact=email).exists():
        raise TransitionNotAllowed(
            _("This person is already on your staff."), code="already_member"
        )
    now = timezone.now()
    earlier = list(
        StaffInvitation.objects.select_for_update().filter(
            partner=partner,
            email__iexact=email,
            accepted_at__isnull=True,
            revoked_at__isnull=True,
            expires_at__gt=now,
        )
    )
    for old in earlier:
        old.revoked_at = now
        old.save(update_fields=["revoked_at"])
        audit_record(
            actor=acting_user,
            action="staff_invitation.revoked",
            target=old,
            partner_id=partner.pk,
            data={"replaced": True},
        )
    token = secrets.token_urlsafe(32)
    invitation = StaffInvitation.objects.create(
        partner=partner,
        email=email,
        role=role,
        token_hash=invitation_token_hash(token),
        invited_by=acting_user,
    )
    audit_record(
        actor=acting_user,
        action="staff_invitation.created",
        target=invitation,
        partner_id=partner.pk,
        data={"role": role},
    )
    _send_invitation(invitation=invitation, token=token)
    return invitation


@transaction.atomic
def staff_invitation_revoke(*, invitation: StaffInvitation, acting_user: User) -> StaffInvitation:
    invitation = StaffInvitation.objects.select_for_update().get(pk=invitation.pk)
    if not can_invite_staff(acting_user, invitation.partner):
        raise TransitionNotAllowed(_("Only a coordinator can withdraw invitations."))
    if invitation.accepted_at:
        raise TransitionNotAllowed(_("This invitation has already been accepted."))
    if invitation.revoked_at is None:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
        audit_record(
            actor=acting_user,
            action="staff_invitation.revoked",
            target=invitation,
            partner_id=invitation.partner_id,
        )
    return invitation


def staff_invitation_for_token(token: str) -> StaffInvitation | None:
    """The invitation a link points at (usable or not), or None for an unknown token."""
    if not token or len(token) > 100:
        return None
    return (
        StaffInvitation.objects.select_related("partner")
        .filter(token_hash=invitation_token_hash(token))
        .first()
    )


def invitation_problem(invitation: StaffInvitation | None, user: User) -> tuple[str, str] | None:
    """Why this user cannot accept this invitation — (code, message for the person) — or None."""
    if invitation is None:
        return "unknown", _(
            "This invitation link is not valid. Please check that you copied it whole."
        )
    if invitation.accepted_at:
        return "used", _("This invitation has already been used. Each link works once.")
    if invitation.revoked_at:
        return "revoked", _(
            "This invitation has been withdrawn. Ask the coordinator for a new one if you need it."
        )
    if invitation.expires_at <= timezone.now():
        return "expired", _(
            "This invitation has expired. Ask the coordinator to send you a new one."
        )
    if invitation.email.strip().lower() != user.email.strip().lower():
        return "wrong_email", _(
            "This invitation was sent to a different e-mail address. Sign out, then sign in "
            "(or sign up) with the address the invitation was sent to."
        )
    if user.is_programme_admin or user.is_operator:
        return "wrong_role", _(
            "A programme admin account cannot join a partner's staff. Please use a separate "
            "account for partner work."
        )
    if user.is_learner and Application.objects.filter(learner=user).exists():
        # One role per account (docs/decisions/0001): a learner's own application must never
        # end up in their own review queue.
        return "learner_with_application", _(
            "This account is a learner's account with an application for verification, so it "
            "cannot become a staff account. Please sign up for a separate staff account with "
            "another e-mail address and ask for the invitation to be sent there."
        )
    if not (user.is_learner or user.is_partner_staff):
        return "wrong_role", _("This account cannot join a partner's staff.")
    if Membership.objects.filter(user=user, partner_id=invitation.partner_id).exists():
        return "already_member", _("You are already on this organisation's staff.")
    return None


@transaction.atomic
def _accept(*, token: str, acting_user: User) -> Membership:
    invitation = (
        StaffInvitation.objects.select_for_update()
        .select_related("partner")
        .filter(token_hash=invitation_token_hash(token))
        .first()
    )
    problem = invitation_problem(invitation, acting_user)
    if problem:
        code, message = problem
        raise TransitionNotAllowed(message, code=code)
    user = User.objects.select_for_update().get(pk=acting_user.pk)
    try:
        with transaction.atomic():
            membership = Membership.objects.create(
                user=user, partner=invitation.partner, role=invitation.role
            )
    except IntegrityError as error:
        raise TransitionNotAllowed(
            _("You are already on this organisation's staff."), code="already_member"
        ) from error
    if user.role != Role.PARTNER_STAFF:
        account_role_set(user=user, role=Role.PARTNER_STAFF)
        acting_user.role = Role.PARTNER_STAFF
        audit_record(
            actor=acting_user,
            action="user.role_changed",
            target=user,
            partner_id=invitation.partner_id,
            data={"role": Role.PARTNER_STAFF, "reason": "staff_invitation"},
        )
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    audit_record(
        actor=acting_user,
        action="staff_invitation.accepted",
        target=invitation,
        partner_id=invitation.partner_id,
        data={"role": invitation.role, "membership": membership.pk},
    )
    acting_user.__dict__.pop("_membership_cache", None)
    return membership


def staff_invitation_accept(*, token: str, acting_user: User) -> Membership:
    """The signed-in person takes up the invitation: they join the partner's staff and their
    account becomes a staff account (which must then set up two-factor authentication).
    A refusal is recorded in the audit log too."""
    try:
        return _accept(token=token, acting_user=acting_user)
    except TransitionNotAllowed as refusal:
        invitation = staff_invitation_for_token(token)
        audit_record(
            actor=acting_user,
            action="staff_invitation.refused",
            target=invitation,
            partner_id=invitation.partner_id if invitation else None,
            data={"reason": refusal.code or ""},
        )
        raise


@transaction.atomic
def membership_remove(*, membership: Membership, acting_user: User) -> None:
    """A coordinator removes someone from the staff. The last coordinator cannot be removed,
    so a partner is never left without anyone to manage it."""
    partner_id = membership.partner_id
    if not (can_coordinate(acting_user, partner_id) or is_programme_admin(acting_user)):
        raise TransitionNotAllowed(_("Only a coordinator can remove staff."))
    # Lock every coordinator of the partner, so two removals at once cannot both pass the count.
    coordinators = list(
        Membership.objects.select_for_update()
        .filter(partner_id=partner_id, role=StaffRole.COORDINATOR)
        .values_list("pk", flat=True)
    )
    membership = Membership.objects.select_for_update().filter(pk=membership.pk).first()
    if membership is None:
        return
    if membership.role == StaffRole.COORDINATOR and coordinators == [membership.pk]:
        raise TransitionNotAllowed(
            _(
                "This is the only coordinator. Invite or appoint another coordinator before "
                "removing this one."
            ),
            code="last_coordinator",
        )
    audit_record(
        actor=acting_user,
        action="membership.removed",
        target=membership,
        partner_id=partner_id,
        data={"user": membership.user_id, "role": membership.role},
    )
    membership.delete()


@transaction.atomic
def membership_role_change(*, membership: Membership, role: str, acting_user: User) -> Membership:
    """Make a reviewer a coordinator or the other way round; a partner keeps one coordinator."""
    if role not in StaffRole.values:
        raise TransitionNotAllowed(_("Please choose a role."), code="role")
    partner_id = membership.partner_id
    if not (can_coordinate(acting_user, partner_id) or is_programme_admin(acting_user)):
        raise TransitionNotAllowed(_("Only a coordinator can change roles."))
    coordinators = list(
        Membership.objects.select_for_update()
        .filter(partner_id=partner_id, role=StaffRole.COORDINATOR)
        .values_list("pk", flat=True)
    )
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if membership.role == role:
        return membership
    if membership.role == StaffRole.COORDINATOR and coordinators == [membership.pk]:
        raise TransitionNotAllowed(
            _("This is the only coordinator. Appoint another coordinator first."),
            code="last_coordinator",
        )
    previous = membership.role
    membership.role = role
    membership.save(update_fields=["role"])
    audit_record(
        actor=acting_user,
        action="membership.role_changed",
        target=membership,
        partner_id=partner_id,
        data={"user": membership.user_id, "from": previous, "to": role},
    )
    return membership
