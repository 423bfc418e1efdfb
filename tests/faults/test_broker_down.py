"""Redis (the broker) goes down while learners enrol: every request is answered and recorded, and
once Redis is back the reconciler and a real worker provision every enrolment exactly once."""

import logging
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from credentials.models import AccessCode, Enrolment, EnrolmentStatus, SeatAllocation
from credentials.services.enrolments import STUCK_AFTER
from credentials.services.reconcile import enrolments_reconcile
from portal.models import AuditEvent
from tests.credentials.conftest import api_course, verified_learner, voucher_course
from tests.partners.factories import PartnerFactory

from .processes import wait_until

pytestmark = pytest.mark.worker

LEARNERS_PER_COURSE = 100
CONCURRENT_CLIENTS = 4


def _enrol_all(requests: list[tuple[str, str]]) -> list:
    """POST each (session key, URL) from a few concurrent browsers; one test client per thread
    (a client builds the whole middleware stack on its first request)."""
    local = threading.local()

    def post(request: tuple[str, str]):
        session_key, url = request
        if not hasattr(local, "client"):
            local.client = Client(raise_request_exception=False)
        local.client.cookies[settings.SESSION_COOKIE_NAME] = session_key
        try:
            return local.client.post(url)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=CONCURRENT_CLIENTS) as pool:
        return list(pool.map(post, requests))


def test_enrolments_made_while_redis_is_down_are_provisioned_once_it_is_back(
    redis_server, workers, fake_provider, caplog
):
    partner = PartnerFactory()
    voucher = voucher_course(partner, seats=LEARNERS_PER_COURSE, codes=LEARNERS_PER_COURSE)
    api = api_course(partner, fake_provider, seats=LEARNERS_PER_COURSE)
    signed_in = Client()
    requests = []
    for course in [voucher] * LEARNERS_PER_COURSE + [api] * LEARNERS_PER_COURSE:
        signed_in.cookies.pop(settings.SESSION_COOKIE_NAME, None)  # keep the last one's session
        signed_in.force_login(verified_learner(partner))
        session_key = signed_in.cookies[settings.SESSION_COOKIE_NAME].value
        requests.append((session_key, reverse("courses:enrol", kwargs={"pk": course.pk})))

    redis_server.stop()
    with caplog.at_level(logging.WARNING, logger="config.celery"):
        responses = _enrol_all(requests)

    # Every learner got the usual answer (to their dashboard), not an error page.
    assert Counter(r.status_code for r in responses) == {302: 200}
    assert {r["Location"] for r in responses} == {reverse("learners:dashboard")}
    # Each enrolment is recorded, with its seat; its job could not be sent, and that was logged
    # (by task and id only).
    enrolments = Enrolment.objects.filter(partner=partner)
    assert enrolments.count() == 200
    assert set(enrolments.values_list("status", flat=True)) == {EnrolmentStatus.REQUESTED}
    assert enrolments.filter(holds_seat=True).count() == 200
    unsent = [r for r in caplog.records if "enrolment_provision_task" in r.getMessage()]
    assert len(unsent) == 200
    assert all("@" not in r.getMessage() for r in caplog.records)

    redis_server.start()
    workers().start()
    # The reconciler (every few minutes) finds them once they have waited STUCK_AFTER.
    assert enrolments_reconcile() == 0
    Enrolment.objects.filter(partner=partner).update(
        updated_at=timezone.now() - STUCK_AFTER - timedelta(minutes=1)
    )
    assert enrolments_reconcile() == 200
    # A second run straight after sends nothing twice.
    assert enrolments_reconcile() == 0

    wait_until(
        lambda: enrolments.filter(status=EnrolmentStatus.ACTIVE).count() == 200,
        seconds=240,
        message="all 200 enrolments to be active",
    )
    assert set(enrolments.values_list("attempts", flat=True)) == {1}
    for course in (voucher, api):
        allocation = SeatAllocation.objects.get(partner=partner, provider=course.provider)
        assert allocation.used == LEARNERS_PER_COURSE
    # One code for each voucher enrolment, one provider enrolment for each API enrolment.
    codes = AccessCode.objects.filter(provider=voucher.provider, enrolment__isnull=False)
    assert codes.count() == LEARNERS_PER_COURSE
    assert codes.values("enrolment").distinct().count() == LEARNERS_PER_COURSE
    assert fake_provider.enrolment_count == LEARNERS_PER_COURSE
    keys = [r.headers["idempotency-key"] for r in fake_provider.enrolment_requests]
    assert len(keys) == len(set(keys)) == LEARNERS_PER_COURSE
    ids = [str(pk) for pk in enrolments.values_list("pk", flat=True)]
    activations = AuditEvent.objects.filter(
        action="enrolment.active", object_type="credentials.enrolment", object_id__in=ids
    ).values_list("object_id", flat=True)
    assert Counter(activations) == dict.fromkeys(ids, 1)
