"""Learner references: how a provider knows a learner (docs/decisions/0022-learner-references.md).

A learner has one reference per provider, made the first time they are given access there, and
the same one ever after. A provider is sent the reference, and an e-mail address only when it
insists on one (then a pseudonymous address on PROVIDER_EMAIL_DOMAIN) or when the learner chose
to share theirs with it. Completions name the learner by the reference, and it is looked up only
among the reporting provider's own references.

References are personal data (pseudonymous): they are never logged, and never written to the
audit log next to anything that names the learner.
"""

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from portal.models import User
from portal.services import audit_record

from ..errors import EnrolmentNotAllowed, ProviderUnavailable
from ..models import LearnerReference, Provider
from ..references import reference_email, reference_new, reference_normalise

# A new reference collides with one in use about once in 10^5 first enrolments at 10 million
# learners (60 bits): drawing again is enough.
_ATTEMPTS = 5


def learner_reference_get_or_create(*, learner_id: int, provider_id: int) -> LearnerReference:
    """The learner's reference at the provider, made now if they have none. Safe when two jobs
    ask at once: INSERT ... ON CONFLICT DO NOTHING, then read — the second waits for the first
    insert to commit and then reads the same row."""
    for _attempt in range(_ATTEMPTS):
        existing = LearnerReference.objects.filter(
            learner_id=learner_id, provider_id=provider_id
        ).first()
        if existing is not None:
            return existing
        LearnerReference.objects.bulk_create(
            [
                LearnerReference(
                    learner_id=learner_id, provider_id=provider_id, reference=reference_new()
                )
            ],
            ignore_conflicts=True,
        )
    # Only if five fresh references in a row were taken by other learners.
    raise RuntimeError("could not make a unique learner reference")


def learner_reference_of(*, learner_id: int, provider_id: int) -> LearnerReference | None:
    return LearnerReference.objects.filter(learner_id=learner_id, provider_id=provider_id).first()


def learner_id_by_reference(*, provider: Provider, text: object) -> int | None:
    """The learner a provider names by reference: only among this provider's references, so
    another provider's reference is unknown here, like any made-up one."""
    reference = reference_normalise(text)
    if reference is None:
        return None
    return (
        LearnerReference.objects.filter(provider=provider, reference=reference)
        .values_list("learner_id", flat=True)
        .first()
    )


def provider_email_for(*, learner: User, provider: Provider, reference: LearnerReference) -> str:
    """The e-mail address the provider is given for the learner: theirs if they chose to share it
    with this provider, else a pseudonymous one if the provider insists on an address, else ""
    (and the payload has no e-mail at all). Raises ProviderUnavailable when a pseudonymous
    address is needed but PROVIDER_EMAIL_DOMAIN is not set (retried, then failed with that
    reason, which staff can read; `manage.py check --deploy` warns of it beforehand)."""
    if reference.share_email and learner.has_real_email:
        return learner.email
    if not provider.requires_email:
        return ""
    domain = (getattr(settings, "PROVIDER_EMAIL_DOMAIN", "") or "").strip()
    if not domain:
        raise ProviderUnavailable(
            "this provider requires an e-mail address and PROVIDER_EMAIL_DOMAIN is not set"
        )
    return reference_email(reference.reference, domain)


@transaction.atomic
def learner_reference_share_email_set(
    *, learner: User, provider_id: int, share: bool, acting_user: User
) -> LearnerReference:
    """The learner chooses whether this provider may have their real e-mail address. Only for
    their own reference, and only with a real address to share. Audited (without the
    reference). Takes effect for the next enrolment sent to the provider."""
    reference = (
        LearnerReference.objects.select_for_update()
        .filter(learner_id=learner.pk, provider_id=provider_id)
        .first()
    )
    if reference is None or acting_user.pk != learner.pk:
        raise EnrolmentNotAllowed(_("Nothing was changed."), code="not_found")
    if share and not learner.has_real_email:
        raise EnrolmentNotAllowed(
            _("Your account has no e-mail address to share."), code="no_email"
        )
    if reference.share_email != share:
        reference.share_email = share
        reference.save(update_fields=["share_email"])
        audit_record(
            actor=acting_user,
            action="learner_reference.share_email",
            target=reference,
            data={"provider": provider_id, "share": share},
        )
    return reference


def learner_references_delete(*, learner: User) -> int:
    """The learner's references go with their account (erasure)."""
    deleted, _by_model = LearnerReference.objects.filter(learner=learner).delete()
    return deleted
