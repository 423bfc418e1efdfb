"""Write use-cases of the portal core."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

from .models import AuditEvent, MessageChannel, User


def audit_record(
    *,
    actor: User | None,
    action: str,
    target: models.Model | None = None,
    partner_id: int | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to the audit log. Call it inside the service's transaction."""
    return AuditEvent.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        object_type=target._meta.label_lower if target is not None else "",
        object_id=str(target.pk) if target is not None else "",
        partner_id=partner_id,
        data=data or {},
    )


@transaction.atomic
def user_message_channel_set(*, user: User, channel: str, acting_user: User) -> User:
    """The learner chooses how they hear from the portal: one of the channels they can receive
    (a verified phone number for SMS, a real address for e-mail)."""
    if channel not in message_channels_offered(user):
        raise ValidationError(_("You cannot receive messages this way."), code="channel")
    user.message_channel = channel
    user.save(update_fields=["message_channel"])
    audit_record(
        actor=acting_user,
        action="user.message_channel_set",
        target=user,
        data={"channel": channel},
    )
    return user


def message_channels_offered(user: User) -> list[str]:
    """The choices a learner has: only channels they can receive; "both" when they can both."""
    offered = []
    if user.can_receive_sms:
        offered.append(MessageChannel.SMS.value)
    if user.can_receive_email:
        offered.append(MessageChannel.EMAIL.value)
    if len(offered) == 2:
        offered.append(MessageChannel.BOTH.value)
    return offered
