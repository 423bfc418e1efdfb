"""Issuing, revoking and checking Open Badges credentials.

One credential per completed enrolment: the enrolment row is locked while issuing and a unique
constraint backs it up, so any number of concurrent completion reports give one credential.
"""

import json
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.models import User
from portal.origin import site_url
from portal.services import audit_record

from ..errors import CredentialNotAllowed
from ..hooks import learner_chosen_name
from ..models import (
    Credential,
    CredentialStatus,
    Enrolment,
    EnrolmentStatus,
    IssuerKey,
    StatusList,
)
from ..vc import documents, proof, statuslist
from ..vc.keys import SigningKey
from .notifications import credential_learner_notify
from .signing_keys import public_key_of_ours, signing_key_current, signing_key_for_issuer

__all__ = ["signing_key_current"]  # also here, where callers have always found it

# A list is left for a new one when half its bits are taken, so random picks stay cheap and
# every list keeps herd privacy.
STATUS_LIST_FILL = statuslist.LIST_LENGTH // 2
_random = secrets.SystemRandom()
logger = logging.getLogger(__name__)


def absolute_url(path: str) -> str:
    """A link signed into credentials: on the portal's one origin (portal.origin)."""
    return site_url(path)


def verification_url(code: str) -> str:
    return absolute_url(reverse("verify:credential", args=[code]))


def status_list_url(number: int) -> str:
    return absolute_url(reverse("verify:status_list", args=[number]))


def issuer_for(key: SigningKey) -> documents.Issuer:
    return documents.Issuer(did=key.did, name=settings.PROGRAMME_NAME, url=absolute_url("/"))


# --- status lists -------------------------------------------------------------------------------


def _status_list_sign(status_list: StatusList, revoked: list[int], key: SigningKey) -> None:
    url = status_list_url(status_list.number)
    document = documents.status_list_credential(
        list_url=url,
        issuer=issuer_for(key),
        encoded_list=statuslist.encode(revoked, status_list.length),
        valid_from=timezone.now(),
    )
    status_list.document = json.dumps(
        proof.sign(document, key, created=timezone.now()), ensure_ascii=False
    )


def _status_list_open(key: SigningKey) -> StatusList:
    """The first status list of this key with room left, locked until the transaction ends;
    a new one when there is none.

    A list belongs to the key that signs it: verifiers require the status list's issuer to be
    the credential's issuer, so after a key rotation new credentials go on new lists.
    """
    open_lists = (
        StatusList.objects.select_for_update()
        .filter(used__lt=STATUS_LIST_FILL, document__contains=f'"{key.did}"')
        .order_by("number")
    )
    status_list = open_lists.first()
    if status_list is not None:
        return status_list
    # None open: starting one is serialised on the key's row, and the look is repeated once the
    # lock is held. Without it, an issuer that looked just before another committed list 1 would
    # read "last is 1" a statement later and start list 2 beside it.
    list(IssuerKey.objects.select_for_update().filter(did=key.did_key).values_list("pk", flat=True))
    for _attempt in range(5):
        status_list = open_lists.first()
        if status_list is not None:
            return status_list
        last = StatusList.objects.order_by("-number").values_list("number", flat=True).first()
        status_list = StatusList(number=(last or 0) + 1, length=statuslist.LIST_LENGTH)
        _status_list_sign(status_list, [], key)
        try:
            with transaction.atomic():
                status_list.save()
        except IntegrityError:
            # Another issuer started a list with this number at the same moment: look again.
            continue
        return StatusList.objects.select_for_update().get(pk=status_list.pk)
    raise IntegrityError("Could not start a new status list.")


def _status_index_allocate(key: SigningKey) -> tuple[StatusList, int]:
    """A random free bit on the current status list (locked until the transaction ends)."""
    status_list = _status_list_open(key)
    taken = Credential.objects.filter(status_list=status_list)
    while True:
        index = _random.randrange(status_list.length)
        if not taken.filter(status_index=index).exists():
            break
    status_list.used += 1
    status_list.save(update_fields=["used", "updated_at"])
    return status_list, index


def status_list_refresh(status_list_id: int) -> StatusList:
    """Re-sign a status list from the credentials revoked on it, with the key that signed it
    (its credentials name that key as their issuer)."""
    status_list = StatusList.objects.select_for_update().get(pk=status_list_id)
    did = json.loads(status_list.document)["issuer"]
    key = signing_key_for_issuer(did)
    if key is None:
        # Revocation is still recorded (the portal's own page shows it), but the published
        # list cannot change without the earlier key.
        logger.error(
            "Status list %s is signed by %s, whose private key the portal no longer has: "
            "its published revocations cannot be updated.",
            status_list.number,
            did,
        )
        return status_list
    revoked = Credential.objects.filter(
        status_list=status_list, status=CredentialStatus.REVOKED
    ).values_list("status_index", flat=True)
    _status_list_sign(status_list, list(revoked), key)
    status_list.save(update_fields=["document", "updated_at"])
    return status_list


# --- issuing ------------------------------------------------------------------------------------


def _achievement(enrolment: Enrolment) -> documents.AchievementInfo:
    course = enrolment.course
    provider = course.provider
    return documents.AchievementInfo(
        id=absolute_url(reverse("courses:course", args=[course.pk])),
        name=course.title,
        description=course.description,
        criteria=_("Completed the course “%(course)s” offered by %(provider)s.")
        % {"course": course.title, "provider": provider.name},
        provider_id=provider.website or absolute_url(reverse("courses:catalogue")),
        provider_name=provider.name,
        language=course.language,
    )


def credential_issue(*, enrolment_id: int) -> Credential | None:
    """Issue the credential for a completed enrolment; return the existing one if already
    issued, None if the enrolment is not (or no longer) completed."""
    with transaction.atomic():
        enrolment = (
            Enrolment.objects.select_for_update(of=("self",))
            .select_related("course__provider", "learner")
            .filter(pk=enrolment_id)
            .first()
        )
        if enrolment is None or enrolment.status != EnrolmentStatus.COMPLETED:
            return None
        existing = Credential.objects.filter(enrolment=enrolment).first()
        if existing is not None:
            return existing
        key_record, key = signing_key_current()
        status_list, index = _status_index_allocate(key)
        code = secrets.token_urlsafe(20)
        issued_at = timezone.now()
        # Criteria and names are written in English: the credential is read by anyone, anywhere.
        with _in_english():
            subject_name = learner_chosen_name(enrolment.learner) or _("Learner")
            document = documents.open_badge_credential(
                credential_id=verification_url(code),
                issuer=issuer_for(key),
                subject_name=subject_name,
                achievement=_achievement(enrolment),
                valid_from=enrolment.completed_at or issued_at,
                status=documents.StatusEntry(status_list_url(status_list.number), index),
            )
        signed = proof.sign(document, key, created=issued_at)
        credential = Credential.objects.create(
            code=code,
            enrolment=enrolment,
            learner=enrolment.learner,
            course=enrolment.course,
            subject_name=subject_name,
            document=json.dumps(signed, ensure_ascii=False),
            issuer_key=key_record,
            status_list=status_list,
            status_index=index,
            issued_at=issued_at,
        )
        audit_record(
            actor=None,
            action="credential.issued",
            target=credential,
            partner_id=enrolment.partner_id,
        )
        credential_learner_notify(credential=credential, verify_url=verification_url(code))
    return credential


def completed_without_credential(limit: int = 1000) -> list[int]:
    """Completed enrolments (older than a minute, so not just being issued) with no credential."""
    return list(
        Enrolment.objects.filter(
            status=EnrolmentStatus.COMPLETED,
            credential__isnull=True,
            completed_at__lt=timezone.now() - timedelta(minutes=1),
        )
        .order_by("completed_at")
        .values_list("pk", flat=True)[:limit]
    )


def _in_english():
    from django.utils import translation

    return translation.override("en")


def credential_for_holder(*, credential: Credential, subject_id: str) -> dict | None:
    """The credential issued again for a holder's wallet (OpenID4VCI): the same id, achievement,
    dates and status entry as the stored one (so revoking the credential revokes every copy),
    with `credentialSubject.id` the holder's DID, signed as new credentials are. None when it
    cannot be: the enrolment is gone (erased), or the key of its status list is no longer held.

    The signing key is the one that signs the credential's status list: a verifier requires the
    status list's issuer to be the credential's issuer."""
    enrolment = (
        Enrolment.objects.select_related("course__provider")
        .filter(pk=credential.enrolment_id)
        .first()
    )
    if enrolment is None:
        return None
    # The issuer of the credential's status list (our did:web, or the did:key that signed it).
    key = signing_key_for_issuer(
        json.loads(credential.status_list.document)["issuer"], trusted_only=True
    )
    if key is None:
        return None
    with _in_english():
        document = documents.open_badge_credential(
            credential_id=verification_url(credential.code),
            issuer=issuer_for(key),
            subject_name=credential.subject_name,
            achievement=_achievement(enrolment),
            valid_from=enrolment.completed_at or credential.issued_at,
            status=documents.StatusEntry(
                status_list_url(credential.status_list.number), credential.status_index
            ),
            subject_id=subject_id,
        )
    return proof.sign(document, key, created=timezone.now())


# --- the learner's choices and revocation -------------------------------------------------------


def credential_visibility_set(*, credential: Credential, learner: User, public: bool) -> None:
    if credential.learner_id != learner.pk:
        raise CredentialNotAllowed(_("This is not your credential."), code="not_yours")
    Credential.objects.filter(pk=credential.pk).update(is_public=public)
    credential.is_public = public
    audit_record(
        actor=learner,
        action="credential.shown" if public else "credential.hidden",
        target=credential,
    )


@transaction.atomic
def credential_revoke(*, credential: Credential, reason: str, acting_user: User) -> Credential:
    reason = " ".join((reason or "").split())
    if not reason:
        raise CredentialNotAllowed(_("Give the reason for revoking."), code="reason")
    credential = Credential.objects.select_for_update().get(pk=credential.pk)
    if credential.status == CredentialStatus.REVOKED:
        raise CredentialNotAllowed(_("This credential is already revoked."), code="revoked")
    credential.status = CredentialStatus.REVOKED
    credential.revoked_at = timezone.now()
    credential.revocation_reason = reason[:300]
    credential.revoked_by = acting_user
    credential.save(update_fields=["status", "revoked_at", "revocation_reason", "revoked_by"])
    status_list_refresh(credential.status_list_id)
    audit_record(
        actor=acting_user,
        action="credential.revoked",
        target=credential,
        data={"reason": credential.revocation_reason},
    )
    return credential


@transaction.atomic
def credentials_revoke_signed_by(
    *, issuer_key: IssuerKey, since: datetime, reason: str, acting_user: User | None
) -> int:
    """Revoke every credential `issuer_key` signed at or after `since` (the key was compromised
    then): each revocation audited like one made by hand, each status list re-signed once.
    Returns how many were revoked."""
    credentials = list(
        Credential.objects.select_for_update()
        .filter(issuer_key=issuer_key, issued_at__gte=since, status=CredentialStatus.ISSUED)
        .order_by("pk")
    )
    now = timezone.now()
    for credential in credentials:
        credential.status = CredentialStatus.REVOKED
        credential.revoked_at = now
        credential.revocation_reason = reason[:300]
        credential.revoked_by = acting_user
    Credential.objects.bulk_update(
        credentials, ["status", "revoked_at", "revocation_reason", "revoked_by"], batch_size=1000
    )
    for credential in credentials:
        audit_record(
            actor=acting_user,
            action="credential.revoked",
            target=credential,
            data={"reason": credential.revocation_reason, "cause": "key_compromised"},
        )
    for status_list_id in sorted({credential.status_list_id for credential in credentials}):
        status_list_refresh(status_list_id)
    return len(credentials)


def status_lists_resign_signed_by(verification_method: str) -> int:
    """Re-sign (with the current key) every status list whose proof names `verification_method`,
    e.g. a compromised did:web key: a list must not depend on a key nobody should trust."""
    count = 0
    for status_list_id in StatusList.objects.filter(
        document__contains=f'"{verification_method}"'
    ).values_list("pk", flat=True):
        with transaction.atomic():
            status_list_refresh(status_list_id)
        count += 1
    return count


# --- checking -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CredentialCheck:
    """What the public page says: the credential's state and the facts shown about it."""

    state: str  # "valid", "revoked" or "invalid"
    subject_name: str
    course: str
    provider: str
    issuer: str
    issued: datetime | None
    issuer_did: str = ""


def credential_check(credential: Credential) -> CredentialCheck:
    """Check the stored document as a verifier would: the signature, and that the key is one
    the portal has signed with; then the revocation state. A document that is not a signed
    credential at all (e.g. bulk demo rows kept for statistics only) is simply "invalid"."""
    try:
        document = json.loads(credential.document)
    except ValueError:
        document = {}
    if not isinstance(document, dict):
        document = {}
    method = str(proof.proof_of(document).get("verificationMethod", ""))
    public_key = public_key_of_ours(method) if method else None
    if public_key is None or not proof.verify(document, lambda _method: public_key):
        state = "invalid"
    elif credential.status == CredentialStatus.REVOKED:
        state = "revoked"
    else:
        state = "valid"
    subject = _as_dict(document.get("credentialSubject"))
    achievement = _as_dict(subject.get("achievement"))
    return CredentialCheck(
        state=state,
        subject_name=str(subject.get("name", "")),
        course=str(achievement.get("name", "")),
        provider=str(_as_dict(achievement.get("creator")).get("name", "")),
        issuer=str(_as_dict(document.get("issuer")).get("name", "")),
        issued=credential.issued_at,
        issuer_did=str(_as_dict(document.get("issuer")).get("id", "")),
    )


def _as_dict(value) -> dict:
    return value if isinstance(value, dict) else {}
