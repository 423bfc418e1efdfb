"""Partner seats at a provider, taken and given back with conditional UPDATEs: never oversold."""

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from partners.models import Partner
from partners.permissions import is_programme_admin
from portal.models import User
from portal.services import audit_record

from ..errors import EnrolmentNotAllowed
from ..models import Provider, SeatAllocation


def seat_claim(*, allocation_id: int) -> bool:
    """Take one seat if one is free. Concurrent callers cannot both take the last one: the
    UPDATE's condition is checked under the row's lock, and a CHECK constraint backs it."""
    return bool(
        SeatAllocation.objects.filter(pk=allocation_id, used__lt=F("total")).update(
            used=F("used") + 1
        )
    )


def seat_release(*, allocation_id: int) -> None:
    SeatAllocation.objects.filter(pk=allocation_id, used__gt=0).update(used=F("used") - 1)


def allocation_for(*, partner_id: int, provider_id: int) -> SeatAllocation | None:
    return SeatAllocation.objects.filter(partner_id=partner_id, provider_id=provider_id).first()


@transaction.atomic
def seat_allocation_set(
    *, partner: Partner, provider: Provider, total: int, acting_user: User
) -> SeatAllocation:
    """Programme admins set how many seats a partner has at a provider. Waiting learners are
    enrolled, in order, as soon as seats are added."""
    if not is_programme_admin(acting_user):
        raise EnrolmentNotAllowed(_("Only programme admins allocate seats."))
    if total < 0:
        raise EnrolmentNotAllowed(_("The number of seats cannot be negative."), code="negative")
    allocation, _created = SeatAllocation.objects.select_for_update().get_or_create(
        partner=partner, provider=provider
    )
    if total < allocation.used:
        raise EnrolmentNotAllowed(
            _("%(used)d seats are in use; the allocation cannot be smaller.")
            % {"used": allocation.used}
        )
    previous = allocation.total
    allocation.total = total
    fields = ["total", "updated_at"]
    # New seats: the 75 % / 100 % notices may be due again.
    if allocation.total > previous:
        allocation.notified_75_at = allocation.notified_100_at = None
        fields += ["notified_75_at", "notified_100_at"]
    allocation.save(update_fields=fields)
    audit_record(
        actor=acting_user,
        action="seats.allocated",
        target=allocation,
        partner_id=partner.pk,
        data={"provider": provider.pk, "from": previous, "to": total},
    )
    if total > previous:
        # Waiting learners get the new seats in a job: there may be thousands of them.
        from ..tasks import waitlist_promote_task

        waitlist_promote_task.delay_on_commit(partner.pk, provider.pk)
    return allocation


def seat_thresholds_check(*, allocation_id: int) -> None:
    """Tell the partner's coordinators once at 75 % and once at 100 % of their seats (their
    e-mails are outbox rows of the caller's transaction)."""
    from .notifications import seat_threshold_notify

    now = timezone.now()
    for level, field in ((100, "notified_100_at"), (75, "notified_75_at")):
        # used * 100 >= total * level, claimed once by a conditional UPDATE.
        claimed = (
            SeatAllocation.objects.filter(
                pk=allocation_id, total__gt=0, **{f"{field}__isnull": True}
            )
            .filter(used__gte=F("total") * level / 100.0)
            .update(**{field: now})
        )
        if claimed:
            seat_threshold_notify(allocation_id=allocation_id, level=level, at=now)
            if level == 100:
                # Reaching 100 % passes 75 % too; one notice is enough.
                SeatAllocation.objects.filter(pk=allocation_id, notified_75_at__isnull=True).update(
                    notified_75_at=now
                )
            return
