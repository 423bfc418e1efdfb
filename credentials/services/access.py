"""Giving a learner access at the provider, by its access method: a voucher code from the pool,
a call to the provider's enrolment API, or the course's open link."""

from django.utils import timezone

from ..adapters import api_enrol, provider_payload
from ..errors import NoCodesLeft
from ..hooks import learner_chosen_name
from ..models import AccessCode, AccessMethod, Enrolment, Provider
from .references import learner_reference_get_or_create, provider_email_for


def access_grant(*, enrolment: Enrolment, provider: Provider) -> tuple[str, str]:
    """Give the learner access at the provider: (access link, provider's reference). Runs under
    the enrolment's row lock (enrolments.enrolment_provision), which saves the result; raises
    NoCodesLeft, ProviderUnavailable or ProviderRejected.

    The learner's reference at this provider is made here, the first time they are given access
    there, whatever the access method: it is what they type when the provider asks for it, and
    what the provider reports their completion by."""
    reference = learner_reference_get_or_create(
        learner_id=enrolment.learner_id, provider_id=provider.pk
    )
    if provider.access_method == AccessMethod.VOUCHER:
        # SKIP LOCKED: concurrent jobs take different codes and never wait on each other.
        code = (
            AccessCode.objects.select_for_update(skip_locked=True)
            .filter(provider=provider, enrolment__isnull=True)
            .order_by("pk")
            .first()
        )
        if code is None:
            raise NoCodesLeft(f"no unused access codes for provider {provider.pk}")
        code.enrolment = enrolment
        code.assigned_at = timezone.now()
        code.save(update_fields=["enrolment", "assigned_at"])
        return enrolment.course.link, ""
    if provider.access_method == AccessMethod.API:
        payload = provider_payload(
            name=learner_chosen_name(enrolment.learner),
            # Never the learner's own address unless they chose to share it with this provider,
            # never an empty or placeholder one: a pseudonymous one, or none at all.
            email=provider_email_for(
                learner=enrolment.learner, provider=provider, reference=reference
            ),
            course=enrolment.course,
            reference=f"enrolment-{enrolment.pk}",
            learner_reference=reference.reference,
        )
        granted = api_enrol(provider=provider, payload=payload)
        return granted.access_link or enrolment.course.link, granted.provider_reference
    return enrolment.course.link, ""
