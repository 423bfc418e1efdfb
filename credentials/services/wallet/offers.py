"""The learner's offers: a pre-authorized code in a QR code and link, a transaction code by SMS
or e-mail; and the hourly purge."""

import secrets
from datetime import timedelta
from urllib.parse import quote

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.models import User
from portal.notify import learner_notify
from portal.origin import site_url
from portal.services import audit_record

from ...errors import CredentialNotAllowed
from ...models import Credential, CredentialStatus, WalletOffer
from .common import (
    CONFIGURATION_ID,
    OFFER_LIFETIME,
    OFFERS_PER_HOUR,
    PRE_AUTHORIZED_GRANT,
    PURGE_AFTER,
    TX_CODE_LENGTH,
    TX_CODE_MAX_FAILURES,
    credential_issuer,
    digest,
    tx_code_digest,
)

# --- the offer --------------------------------------------------------------------------------


def credential_offer(code: str) -> dict:
    """The Credential Offer (OpenID4VCI 1.0 section 4.1.1) for a pre-authorized code."""
    return {
        "credential_issuer": credential_issuer(),
        "credential_configuration_ids": [CONFIGURATION_ID],
        "grants": {
            PRE_AUTHORIZED_GRANT: {
                "pre-authorized_code": code,
                "tx_code": {
                    "input_mode": "numeric",
                    "length": TX_CODE_LENGTH,
                    "description": _("The code we sent you by SMS or e-mail")[:300],
                },
            }
        },
    }


def credential_offer_uri(code: str) -> str:
    """`openid-credential-offer://?credential_offer_uri=…`: by reference, so the QR code stays
    small enough for a cheap phone's camera (by value it is three times denser). The offer's
    address carries the pre-authorized code itself (nothing else to store); it answers only while
    the code is live, and the code alone is worth nothing without the transaction code."""
    address = site_url(reverse("wallet:offer", args=[code]))
    return "openid-credential-offer://?credential_offer_uri=" + quote(address, safe="")


def credential_offer_live(code: str) -> dict | None:
    """The offer for `code` while it can still be exchanged (unknown, used, expired: None)."""
    live = WalletOffer.objects.filter(
        code_hash=digest(code),
        redeemed_at__isnull=True,
        expires_at__gt=timezone.now(),
        tx_code_failures__lt=TX_CODE_MAX_FAILURES,
    ).exists()
    return credential_offer(code) if live else None


@transaction.atomic
def wallet_offer_create(*, credential: Credential, acting_user: User) -> tuple[WalletOffer, str]:
    """A new offer of the learner's credential to a wallet; returns it with its offer URI (shown
    once). Earlier live offers of the credential end. The transaction code goes out on the
    learner's channel (after commit, through the outbox)."""
    credential = Credential.objects.select_for_update().get(pk=credential.pk)
    if credential.learner_id != acting_user.pk:
        raise CredentialNotAllowed(_("This is not your credential."), code="not_yours")
    if credential.status == CredentialStatus.REVOKED:
        raise CredentialNotAllowed(_("A revoked credential cannot be added to a wallet."))
    now = timezone.now()
    recent = WalletOffer.objects.filter(
        credential=credential, created_at__gte=now - timedelta(hours=1)
    ).count()
    if recent >= OFFERS_PER_HOUR:
        raise CredentialNotAllowed(
            _("You asked for several codes in the last hour. Please try again later."),
            code="too_many",
        )
    WalletOffer.objects.filter(
        credential=credential, expires_at__gt=now, redeemed_at__isnull=True
    ).update(expires_at=now)
    code = secrets.token_urlsafe(32)
    tx_code = f"{secrets.randbelow(10**TX_CODE_LENGTH):0{TX_CODE_LENGTH}d}"
    code_hash = digest(code)
    offer = WalletOffer.objects.create(
        credential=credential,
        code_hash=code_hash,
        tx_code_hash=tx_code_digest(code_hash, tx_code),
        expires_at=now + OFFER_LIFETIME,
    )
    channels = learner_notify(
        user=acting_user,
        kind="credential.wallet_code",
        key=f"wallet-offer:{offer.pk}",
        email_template="credentials/email/wallet_code",
        sms_template="credentials/sms/wallet_code.txt",
        context={
            "course": credential.course,
            "tx_code": tx_code,
            "minutes": int(OFFER_LIFETIME.total_seconds() // 60),
        },
    )
    if not channels:
        # No way to send the code: no offer (the transaction rolls back).
        raise CredentialNotAllowed(
            _(
                "We could not send you a code: add an e-mail address or a verified phone number "
                "to your account first."
            ),
            code="no_channel",
        )
    audit_record(
        actor=acting_user,
        action="credential.wallet_offered",
        target=credential,
        data={"offer": offer.pk, "channels": list(channels)},
    )
    return offer, credential_offer_uri(code)


# --- purge ---------------------------------------------------------------------------------------


def wallet_offers_purge(*, now=None) -> int:
    """Delete offers an hour after their code and token expired (hourly)."""
    cutoff = (now or timezone.now()) - PURGE_AFTER
    stale = WalletOffer.objects.filter(expires_at__lt=cutoff).exclude(token_expires_at__gte=cutoff)
    deleted, _rows = stale.delete()
    return deleted
