"""Time a completions import in one bench database (run by bench/imports.py in a process of its
own, with DATABASE_URL naming that database and CELERY_BROKER_URL a Redis of the bench's own, so
the jobs it enqueues wait there and are never run; prints one JSON object).

The path is the staff upload's: `completion_import_create` (read and check the CSV, store its
rows, enqueue the job) and then `import_job_process`, what the worker runs for that job. The file
holds `--rows` completions of active enrolments of the provider with the most; an upload takes
at most MAX_ROWS lines and MAX_BYTES (portal.csv_upload), so a larger import is sent as several
files, one after the other, and timed as a whole. Afterwards the enrolments are made
active again, so the next run finds the same work.
"""

import argparse
import json
import os
import sys
import time

PROBE_ROWS = 200


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--budget", type=float, default=300, help="seconds")
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db.models import Count

    from credentials.models import Enrolment, EnrolmentStatus, ImportRow, Provider
    from credentials.services import imports
    from portal import csv_upload
    from portal.models import Role, User

    admin, _created = User.objects.get_or_create(
        email="bench-admin@bench.invalid", defaults={"role": Role.PROGRAMME_ADMIN}
    )
    provider_id = (
        Enrolment.objects.filter(status=EnrolmentStatus.ACTIVE)
        .values("course__provider")
        .annotate(n=Count("id"))
        .order_by("-n")
        .values_list("course__provider", flat=True)
        .first()
    )
    provider = Provider.objects.get(pk=provider_id)
    chosen = list(
        Enrolment.objects.filter(status=EnrolmentStatus.ACTIVE, course__provider=provider)
        .order_by("id")
        .values_list("id", "learner__email", "course__external_id")[: args.rows]
    )
    if len(chosen) < args.rows:
        sys.exit(f"only {len(chosen)} active enrolments at {provider.slug}")
    lines = [
        f"{email},{course_id},2026-01-15,{80 + n % 20}"
        for n, (_pk, email, course_id) in enumerate(chosen)
    ]
    header = ",".join(imports.COMPLETION_COLUMNS)
    # A first file of 200 lines tells how long the whole would take: when that is more than
    # --budget seconds, the rate of the lines imported so far is the figure.
    files, current, size = [], [], len(header) + 1
    for line in lines:
        limit = PROBE_ROWS if not files else csv_upload.MAX_ROWS
        if len(current) >= limit or size + len(line) + 1 > csv_upload.MAX_BYTES:
            files.append(current)
            current, size = [], len(header) + 1
        current.append(line)
        size += len(line.encode()) + 1
    files.append(current)

    try:
        started = time.perf_counter()
        jobs, done = [], 0
        for number, rows in enumerate(files, start=1):
            upload = SimpleUploadedFile(
                f"completions-{number}.csv",
                "\n".join([header, *rows]).encode(),
                content_type="text/csv",
            )
            job = imports.completion_import_create(
                provider=provider, csv_file=upload, acting_user=admin
            )
            imports.import_job_process(job_id=job.pk)
            jobs.append(job.pk)
            done += len(rows)
            elapsed = time.perf_counter() - started
            if done < len(lines) and elapsed / done * len(lines) > args.budget:
                break
        seconds = time.perf_counter() - started
        results = dict(
            ImportRow.objects.filter(job_id__in=jobs)
            .values("result")
            .annotate(n=Count("id"))
            .values_list("result", "n")
        )
    finally:
        # The same work for the next run: the enrolments active again.
        Enrolment.objects.filter(pk__in=[pk for pk, _e, _c in chosen]).update(
            status=EnrolmentStatus.ACTIVE, completed_at=None, grade=""
        )
    json.dump(
        {
            "rows": done,
            "wanted": len(lines),
            "files": len(jobs),
            "seconds": seconds,
            "results": results,
            "provider": provider.slug,
        },
        sys.stdout,
    )


if __name__ == "__main__":
    main()
