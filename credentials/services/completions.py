"""Completions reported by providers (API) or admins (CSV), naming the learner by their learner
reference at the provider, the voucher code they were given, or their e-mail address; a
repeated report changes nothing."""

from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.models import User
from portal.services import audit_record

from ..errors import EnrolmentNotAllowed
from ..models import Course, Enrolment, EnrolmentStatus, LearnerReference, Provider
from ..signals import enrolment_completed
from .notifications import enrolment_learner_notify
from .references import learner_id_by_reference

# How a provider may name the learner in a completion report; exactly one is given.
BY_EMAIL, BY_REFERENCE, BY_CODE = "email", "learner_reference", "code"
IDENTIFIERS = (BY_REFERENCE, BY_CODE, BY_EMAIL)


def completion_enrolments(
    *, provider: Provider, course_id: str, identifier: str, value: str
) -> QuerySet[Enrolment]:
    """The learner's enrolments in this provider's course, the learner named by one identifier
    of the report — looked up only among what this provider was given: its own learner
    references, its own voucher codes, or (as before references) the learner's e-mail."""
    enrolments = Enrolment.objects.filter(course__provider=provider, course__external_id=course_id)
    if identifier == BY_REFERENCE:
        learner_id = learner_id_by_reference(provider=provider, text=value)
        return enrolments.filter(learner_id=learner_id) if learner_id else enrolments.none()
    if identifier == BY_CODE:
        return enrolments.filter(access_code__provider=provider, access_code__code=value)
    # The pseudonymous address a provider that requires e-mail was given is its reference.
    domain = (getattr(settings, "PROVIDER_EMAIL_DOMAIN", "") or "").strip().lower()
    local, _at, email_domain = value.strip().rpartition("@")
    if domain and email_domain.lower() == domain:
        learner_id = learner_id_by_reference(provider=provider, text=local)
        return enrolments.filter(learner_id=learner_id) if learner_id else enrolments.none()
    address = value.strip()
    if address.lower().endswith("@" + settings.NO_EMAIL_DOMAIN):
        return enrolments.none()  # an internal placeholder is nobody's address
    # The learner first, by the index on UPPER(email): as one join, the planner may scan
    # the provider's enrolments instead.
    learner_ids = list(User.objects.filter(email__iexact=address).values_list("pk", flat=True))
    if not learner_ids:
        return enrolments.none()
    # Only where this provider was given the address: the learner chose to share it, or the
    # enrolment began before references (its reference was made after it, by the migration, or
    # there is none). Otherwise a provider could confirm a guessed address of a learner it
    # knows only by reference (decision 0022).
    references = LearnerReference.objects.filter(
        provider=provider, learner_id=OuterRef("learner_id")
    )
    given = references.filter(Q(share_email=True) | Q(created_at__gt=OuterRef("activated_at")))
    return enrolments.filter(learner_id__in=learner_ids).filter(Exists(given) | ~Exists(references))


def completion_enrolment_find(
    *, provider: Provider, course_id: str, identifier: str = BY_EMAIL, value: str = ""
) -> Enrolment | None:
    """The enrolment a provider means: the named learner's latest active (or completed) one in
    the provider's course."""
    return (
        completion_enrolments(
            provider=provider, course_id=course_id, identifier=identifier, value=value
        )
        .filter(status__in=[EnrolmentStatus.ACTIVE, EnrolmentStatus.COMPLETED])
        .order_by("-requested_at")
        .first()
    )


@transaction.atomic
def completion_record(
    *,
    enrolment: Enrolment,
    completed_at: datetime | None = None,
    grade: str = "",
    source: str,
    acting_user: User | None = None,
) -> tuple[Enrolment, bool]:
    """Mark an active enrolment completed. Returns (enrolment, changed); a repeated report of
    an already completed enrolment changes nothing and fires nothing."""
    enrolment = (
        Enrolment.objects.select_for_update(of=("self",))
        .select_related("learner", "course__provider")
        .get(pk=enrolment.pk)
    )
    if enrolment.status == EnrolmentStatus.COMPLETED:
        return enrolment, False
    if enrolment.status != EnrolmentStatus.ACTIVE:
        raise EnrolmentNotAllowed(
            _("Only an active enrolment can be completed (this one is “%(status)s”).")
            % {"status": enrolment.get_status_display()},
            code="illegal",
        )
    enrolment.status = EnrolmentStatus.COMPLETED
    enrolment.completed_at = completed_at or timezone.now()
    enrolment.grade = (grade or "")[:50]
    enrolment.save(update_fields=["status", "completed_at", "grade", "updated_at"])
    audit_record(
        actor=acting_user,
        action="enrolment.completed",
        target=enrolment,
        partner_id=enrolment.partner_id,
        data={"source": source},
    )
    enrolment_learner_notify(enrolment=enrolment, event="completed")
    enrolment_id = enrolment.pk
    # The hook credential issuance listens to; sent only once the completion is committed.
    transaction.on_commit(
        lambda: enrolment_completed.send(sender=Enrolment, enrolment_id=enrolment_id)
    )
    return enrolment, True


__all__ = [
    "BY_CODE",
    "BY_EMAIL",
    "BY_REFERENCE",
    "IDENTIFIERS",
    "Course",
    "completion_enrolment_find",
    "completion_enrolments",
    "completion_record",
]
