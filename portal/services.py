"""Write use-cases of the portal core."""

from typing import Any

from django.db import models

from .models import AuditEvent, User


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
