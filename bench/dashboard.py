"""Time the programme dashboard in one bench database (run by bench/__main__.py in a process of
its own, with DATABASE_URL naming that database; prints one JSON object).

In-process, through Django's test client and the whole middleware stack, signed in as a
programme admin with two-factor authentication set up (the middleware insists on it). Requests
are sequential: this measures how long the page takes, not how many a server can serve.
"""

import argparse
import json
import os
import sys
import time


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--refresh", action="store_true")
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from portal.models import Role, User
    from reporting import selectors
    from reporting.models import Dimension, Metric, SummaryCount
    from reporting.refresh import rollups_refresh

    # The test client's host, without the rest of setup_test_environment(): its template
    # instrumentation would add its own cost to every request.
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    if args.refresh:
        rollups_refresh()
    admin, _created = User.objects.get_or_create(
        email="bench-admin@bench.invalid", defaults={"role": Role.PROGRAMME_ADMIN}
    )
    if not Authenticator.objects.filter(user=admin, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(admin, generate_totp_secret())
    client = Client(raise_request_exception=True)
    client.force_login(admin)
    url = reverse("reporting:programme_dashboard")

    def get():
        response = client.get(url)
        if response.status_code != 200:
            sys.exit(f"{url} answered {response.status_code}: the dashboard is not ready.")
        return response

    for _ in range(args.warmup):
        get()
    with CaptureQueriesContext(connection) as queries:
        page = get()
    query_count = len(queries)  # now: the next request clears the log it reads
    view_ms = []
    for _ in range(args.requests):
        started = time.perf_counter()
        get()
        view_ms.append((time.perf_counter() - started) * 1000)
    selector_ms = []
    for _ in range(args.requests):
        started = time.perf_counter()
        selectors.programme_dashboard_data()
        selector_ms.append((time.perf_counter() - started) * 1000)
    learners = SummaryCount.objects.filter(
        scope_partner_id=None, metric=Metric.LEARNERS, dimension=Dimension.TOTAL
    ).values_list("value", flat=True)
    json.dump(
        {
            "view_ms": view_ms,
            "selector_ms": selector_ms,
            "queries": query_count,
            "page_bytes": len(page.content),
            "learners": learners.first() or 0,
        },
        sys.stdout,
    )


if __name__ == "__main__":
    main()
