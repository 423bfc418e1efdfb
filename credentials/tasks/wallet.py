"""Wallet offers (OpenID4VCI): expired offers, codes and tokens are deleted hourly."""

from celery import shared_task

from ..services.wallet import wallet_offers_purge


@shared_task(name="credentials.tasks.wallet_offers_purge_task")
def wallet_offers_purge_task() -> int:
    return wallet_offers_purge()
