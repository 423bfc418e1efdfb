"""The JSON-LD documents the portal signs: OpenBadgeCredential and BitstringStatusListCredential.

The subject is the display name the learner chose and nothing else: no e-mail, no refugee status,
no partner, no nationality. Its identifier is the holder's DID when a wallet proved it holds one;
otherwise a `urn:uuid:` derived from the credential's own id (OB 3.0's schema and holder
binding want an identifier): it is the same every time the credential is rebuilt, differs between
two credentials of one learner (they cannot be linked by it) and says nothing about the person.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime

from .loader import OB_V3_CONTEXT, VC_V2_CONTEXT
from .proof import timestamp


@dataclass(frozen=True)
class Issuer:
    did: str
    name: str
    url: str


@dataclass(frozen=True)
class AchievementInfo:
    id: str
    name: str
    description: str
    criteria: str
    provider_id: str
    provider_name: str
    language: str = ""


@dataclass(frozen=True)
class StatusEntry:
    list_url: str
    index: int


# The namespace of the portal's subject identifiers (a fixed random UUID; never change it, or
# a credential rebuilt later would name another subject).
SUBJECT_ID_NAMESPACE = uuid.UUID("5b0c1d6e-2f4a-4e57-9a43-0f6f1c7f2a88")


def subject_id_for(credential_id: str) -> str:
    """The subject identifier of a credential issued to nobody's DID: stable, per credential."""
    return uuid.uuid5(SUBJECT_ID_NAMESPACE, credential_id).urn


def open_badge_credential(
    *,
    credential_id: str,
    issuer: Issuer,
    subject_name: str,
    achievement: AchievementInfo,
    valid_from: datetime,
    status: StatusEntry,
    subject_id: str | None = None,
) -> dict:
    """An OpenBadgeCredential (OB 3.0) for one completed course. `subject_id` is the holder's DID
    (a wallet's proof of possession); without one the subject gets `subject_id_for(credential_id)`.
    """
    achievement_doc = {
        "id": achievement.id,
        "type": ["Achievement"],
        "achievementType": "Course",
        "name": achievement.name,
        "description": achievement.description or achievement.name,
        "criteria": {"narrative": achievement.criteria},
        "creator": {
            "id": achievement.provider_id,
            "type": ["Profile"],
            "name": achievement.provider_name,
        },
    }
    if achievement.language:
        achievement_doc["inLanguage"] = achievement.language
    return {
        "@context": [VC_V2_CONTEXT, OB_V3_CONTEXT],
        "id": credential_id,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": achievement.name,
        "issuer": {
            "id": issuer.did,
            "type": ["Profile"],
            "name": issuer.name,
            "url": issuer.url,
        },
        "validFrom": timestamp(valid_from),
        "credentialSubject": {
            "id": subject_id or subject_id_for(credential_id),
            "type": ["AchievementSubject"],
            "name": subject_name,
            "achievement": achievement_doc,
        },
        "credentialStatus": {
            "id": f"{status.list_url}#{status.index}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": str(status.index),
            "statusListCredential": status.list_url,
        },
    }


def status_list_credential(
    *, list_url: str, issuer: Issuer, encoded_list: str, valid_from: datetime
) -> dict:
    return {
        "@context": [VC_V2_CONTEXT],
        "id": list_url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer.did,
        "validFrom": timestamp(valid_from),
        "credentialSubject": {
            "id": f"{list_url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": encoded_list,
        },
    }
