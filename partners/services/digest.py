"""The staff's daily summary: once a day, each staff member of a partner gets one e-mail with
how many applications arrived in the partner's queue, and how many learners answered a request
for information, since their last summary. Counts and a link only — no names, nothing personal.
Nothing is sent when there is nothing new; a staff member can turn it off (Membership)."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Count, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from portal.emails import deliverable, email_send
from portal.models import User
from portal.origin import site_url
from portal.services import audit_record

from ..models import Application, ApplicationStatus, Membership
from ..permissions import membership_for

# The first summary of a new staff member covers at most the last day.
FIRST_DIGEST_WINDOW = timedelta(days=1)


@dataclass(frozen=True)
class DigestCounts:
    new: int
    answered: int

    def __bool__(self) -> bool:
        return bool(self.new or self.answered)


def digest_counts(*, partner_id: int, since: datetime, until: datetime) -> DigestCounts:
    """Applications waiting in the partner's queue that arrived in (since, until], and those
    that came back with the information the partner asked for. One query (the queue's
    (partner, status, submitted_at) index)."""
    waiting = Application.objects.filter(
        partner_id=partner_id,
        status=ApplicationStatus.SUBMITTED,
        submitted_at__gt=since,
        submitted_at__lte=until,
    )
    counts = waiting.aggregate(
        new=Count("pk", filter=Q(created_at__gt=since)),
        answered=Count("pk", filter=Q(created_at__lte=since)),
    )
    return DigestCounts(new=counts["new"] or 0, answered=counts["answered"] or 0)


def digest_key(membership: Membership, day) -> str:
    return f"digest:{membership.user_id}:{membership.partner_id}:{day.isoformat()}"


@transaction.atomic
def staff_digest_send(*, membership_id: int, now: datetime | None = None) -> bool:
    """The day's summary for one staff member of one partner; at most one a day (the membership
    row is locked, and the day is in the message's key). Returns whether one was sent."""
    now = now or timezone.now()
    membership = (
        Membership.objects.select_for_update(of=("self",))
        .select_related("user", "partner")
        .filter(
            pk=membership_id,
            digest_enabled=True,
            user__is_active=True,
            partner__is_active=True,
        )
        .first()
    )
    if membership is None:
        return False
    user, partner = membership.user, membership.partner
    today = timezone.localdate(now)
    last = membership.digest_sent_at
    if last is not None and timezone.localdate(last) >= today:
        return False
    if not user.has_real_email or not deliverable(user.email):
        return False
    since = last or max(membership.created_at, now - FIRST_DIGEST_WINDOW)
    counts = digest_counts(partner_id=partner.pk, since=since, until=now)
    if not counts:
        return False
    context = {
        "partner": partner,
        "counts": counts,
        "queue_url": site_url(reverse("partners:queue", args=[partner.slug])),
    }
    with translation.override(user.language or settings.LANGUAGE_CODE):
        subject = " ".join(
            render_to_string("partners/email/staff_digest_subject.txt", context).split()
        )
        body = render_to_string("partners/email/staff_digest_message.txt", context).strip()
    email_send(
        EmailMultiAlternatives(subject, body, to=[user.email]),
        key=digest_key(membership, today),
        user=user,
        kind="staff.digest",
    )
    membership.digest_sent_at = now
    membership.save(update_fields=["digest_sent_at"])
    return True


def staff_digests_send(now: datetime | None = None) -> int:
    """Daily (settings.CELERY_BEAT_SCHEDULE): every staff member's summary, one transaction
    each. Returns how many were sent."""
    ids = Membership.objects.filter(
        digest_enabled=True, user__is_active=True, partner__is_active=True
    ).values_list("pk", flat=True)
    return sum(staff_digest_send(membership_id=pk, now=now) for pk in ids.iterator())


@transaction.atomic
def membership_digest_set(*, user: User, partner_id: int, enabled: bool) -> Membership | None:
    """A staff member turns their own daily summary for a partner on or off."""
    membership = membership_for(user, partner_id)
    if membership is None:
        return None
    membership.digest_enabled = enabled
    membership.save(update_fields=["digest_enabled"])
    audit_record(
        actor=user,
        action="membership.digest_set",
        target=membership,
        partner_id=partner_id,
        data={"enabled": enabled},
    )
    return membership
