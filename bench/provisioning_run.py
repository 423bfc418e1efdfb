"""Provision enrolments through a real Celery worker in one bench database (run by
bench/provisioning.py, with DATABASE_URL naming that database and CELERY_BROKER_URL the bench's
own Redis, on which bench/provisioning.py runs the worker; prints one JSON object).

A course of a provider of the bench's own, whose enrolment API is the tests' fake provider (a
real HTTP server on 127.0.0.1, tests/credentials/fake_provider.py), so every enrolment makes one
real HTTP call. `--enrolments` learners of the bulk data get an enrolment waiting to be
provisioned (set up untimed); then the clock starts, one provisioning job per enrolment is
enqueued, and the clock stops when every one is active. Afterwards the course and its
enrolments are deleted again.
"""

import argparse
import json
import os
import sys
import time


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--enrolments", type=int, default=2000)
    parser.add_argument("--timeout", type=float, default=300)
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.utils import timezone

    from credentials.models import AccessMethod, Course, Enrolment, EnrolmentStatus, Provider
    from credentials.tasks import enrolment_provision_task
    from partners.models import Partner
    from portal.crypto import encrypt_text
    from portal.models import Role, User
    from tests.credentials.fake_provider import FakeProvider

    fake = FakeProvider().start()
    provider, _created = Provider.objects.update_or_create(
        slug="bench-provider",
        defaults={
            "name": "Bench provider",
            "access_method": AccessMethod.API,
            "api_enrolment_url": fake.url,
            "api_token_encrypted": encrypt_text("bench-token"),
        },
    )
    Course.objects.filter(provider=provider).delete()  # an earlier run stopped half-way
    course = Course.objects.create(
        provider=provider,
        external_id="BENCH-1",
        title="Bench course",
        language="en",
        subject="Bench",
        level="beginner",
        link="https://provider.invalid/bench",
    )
    partner = Partner.objects.order_by("pk").first()
    learners = list(
        User.objects.filter(role=Role.LEARNER)
        .order_by("pk")
        .values_list("pk", flat=True)[: args.enrolments]
    )
    now = timezone.now()
    ids = [
        e.pk
        for e in Enrolment.objects.bulk_create(
            Enrolment(
                learner_id=pk,
                course=course,
                partner=partner,
                status=EnrolmentStatus.REQUESTED,
                requested_at=now,
            )
            for pk in learners
        )
    ]
    try:
        started = time.perf_counter()
        for pk in ids:
            enrolment_provision_task.delay(pk)
        enqueued = time.perf_counter() - started
        waiting = Enrolment.objects.filter(pk__in=ids).exclude(status=EnrolmentStatus.ACTIVE)
        while waiting.exists():
            if time.perf_counter() - started > args.timeout:
                sys.exit(
                    f"{waiting.count()} of {len(ids)} enrolments not active after "
                    f"{args.timeout:.0f} s (see the worker's log)"
                )
            time.sleep(0.05)
        seconds = time.perf_counter() - started
        calls = len(fake.requests)
    finally:
        fake.stop()
        Enrolment.objects.filter(course=course).delete()
        course.delete()
    json.dump(
        {"enrolments": len(ids), "seconds": seconds, "enqueue_seconds": enqueued, "calls": calls},
        sys.stdout,
    )


if __name__ == "__main__":
    main()
