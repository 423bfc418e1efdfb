"""The JSON-LD documents the portal signs: OpenBadgeCredential and BitstringStatusListCredential.

The subject is the display name the learner chose and nothing else: no e-mail, no refugee status,
no partner, no nationality.
"""

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
    """`subject_id`: the holder's identifier (a DID), for a credential bound to a wallet's key
    (OpenID4VCI); without it the subject has no identifier."""
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
    subject = {"type": ["AchievementSubject"], "name": subject_name, "achievement": achievement_doc}
    if subject_id:
        subject = {"id": subject_id, **subject}
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
        "credentialSubject": subject,
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
