"""A partner's API keys (for its case-management system) and what is done with them.

The key mechanism (text, hash, revocation, authentication) is the portal's
(portal/api_keys/); here: who may create and revoke a partner's keys, and the audited reads and
decisions made through the partner API.
"""

from django.db import transaction
from django.utils.translation import gettext as _

from portal.api_keys import services as keys
from portal.models import User
from portal.services import audit_record

from ..errors import TransitionNotAllowed
from ..models import Application, Partner, PartnerApiKey
from ..permissions import can_coordinate, membership_for
from .applications import application_decide

# TransitionNotAllowed.code of a decision refused because the key's creator left the staff.
KEY_CREATOR_LEFT = "key_creator_left"


def api_key_create(*, partner: Partner, name: str, acting_user: User) -> tuple[PartnerApiKey, str]:
    """Returns the key and its full text, which is shown once and never stored."""
    if not can_coordinate(acting_user, partner):
        raise TransitionNotAllowed(_("Only a coordinator can create API keys."))
    return keys.api_key_issue(
        model=PartnerApiKey,
        owner=partner,
        name=name,
        acting_user=acting_user,
        created_by=acting_user,
    )


def api_key_revoke(*, key: PartnerApiKey, acting_user: User) -> PartnerApiKey:
    if not can_coordinate(acting_user, key.partner_id):
        raise TransitionNotAllowed(_("Only a coordinator can revoke API keys."))
    return keys.api_key_revoke(key=key, acting_user=acting_user)


def api_key_authenticate(raw: str) -> PartnerApiKey | None:
    """The live key of an active partner matching `prefix.secret`, or None."""
    return keys.api_key_authenticate(PartnerApiKey, raw)


# --- what a key does ----------------------------------------------------------------------------


def api_key_application_viewed(*, key: PartnerApiKey, application: Application) -> None:
    """Every read of an applicant's record through the API is in the audit log, in the name of
    the key's creator, saying which key read it."""
    audit_record(
        actor=key.created_by,
        action="application.viewed",
        target=application,
        partner_id=application.partner_id,
        data={"via": "api", "api_key": key.pk},
    )


def _acting_staff_for_key(key: PartnerApiKey) -> User:
    """Decisions are taken in the name of the coordinator who created the key, while they are
    still on the partner's staff — so a key outlives nobody's authority."""
    user = key.created_by
    if user is None or not user.is_active or membership_for(user, key.partner_id) is None:
        raise TransitionNotAllowed(
            _(
                "The staff member who created this API key is no longer on this organisation's "
                "staff, so it cannot be used for decisions. Ask a coordinator to create a new key."
            ),
            code=KEY_CREATOR_LEFT,
        )
    return user


@transaction.atomic
def api_key_decide(
    *,
    key: PartnerApiKey,
    application: Application,
    decision: str,
    reason: str = "",
    note: str = "",
    message: str = "",
) -> Application:
    """A decision sent by a partner's system: taken in the name of the key's creator
    (application_decide records it so), with one more event saying which key made it."""
    acting_user = _acting_staff_for_key(key)
    application = application_decide(
        application=application,
        decision=decision,
        acting_user=acting_user,
        reason=reason,
        note=note,
        message=message,
    )
    audit_record(
        actor=acting_user,
        action="api_key.used_for_decision",
        target=application,
        partner_id=application.partner_id,
        data={"api_key": key.pk, "decision": decision},
    )
    return application
