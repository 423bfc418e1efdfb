"""Sign in the people whose pages the bench loads, in one bench database (run by bench/pages.py in
a process of its own, with DATABASE_URL naming that database; prints one JSON object).

- a learner of the bulk data with a profile, an approved application and enrolments;
- a reviewer (two-factor authentication set up, as the middleware requires) of the partner with
  the longest queue; the bench adds closed applications to that queue when it holds fewer than
  `--depth` (so the deep page exists), once: later runs find them.

Each gets a real session (in the portal's session store), whose cookie wrk then sends.
"""

import argparse
import json
import os
import sys


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--depth", type=int, default=100_000)
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
    from django.conf import settings
    from django.db.models import Count
    from django.test import Client
    from django.urls import reverse

    from credentials.models import Enrolment
    from learners.models import LearnerProfile
    from partners.models import Application, ApplicationStatus, Membership, Partner, StaffRole
    from partners.selectors import _encode_cursor
    from portal.models import Role, User

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]

    def session_cookie(user) -> str:
        client = Client()
        client.force_login(user)
        return client.cookies[settings.SESSION_COOKIE_NAME].value

    # The learner: the first bulk learner with a profile, an approved application and enrolments.
    learner_id = (
        Enrolment.objects.filter(
            learner__role=Role.LEARNER,
            learner__applications__status=ApplicationStatus.APPROVED,
            learner__in=LearnerProfile.objects.values("user"),
        )
        .order_by("learner_id")
        .values_list("learner_id", flat=True)
        .first()
    )
    if learner_id is None:
        sys.exit("no learner with a profile, an approved application and enrolments")
    learner = User.objects.get(pk=learner_id)

    # The reviewer, of the partner with the most applications.
    biggest = (
        Application.objects.values("partner")
        .annotate(n=Count("id"))
        .order_by("-n", "partner")
        .first()
    )
    partner = Partner.objects.get(pk=biggest["partner"])
    reviewer, _created = User.objects.get_or_create(
        email="bench-reviewer@bench.invalid", defaults={"role": Role.PARTNER_STAFF}
    )
    Membership.objects.get_or_create(
        user=reviewer, partner=partner, defaults={"role": StaffRole.REVIEWER}
    )
    if not Authenticator.objects.filter(user=reviewer, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(reviewer, generate_totp_secret())

    queue_url = reverse("partners:queue", args=[partner.slug])
    queue_size = biggest["n"]
    while queue_size < args.depth + 50:
        queue_size += _deepen(partner, args.depth + 50 - queue_size)
    ordered = Application.objects.filter(partner=partner).order_by("submitted_at", "pk")
    deep = ordered[args.depth - 1]
    json.dump(
        {
            "learner_cookie": session_cookie(learner),
            "reviewer_cookie": session_cookie(reviewer),
            "cookie_name": settings.SESSION_COOKIE_NAME,
            "dashboard": reverse("learners:dashboard"),
            "catalogue": reverse("courses:catalogue"),
            "queue": queue_url,
            "queue_first": f"{queue_url}?status=all",
            "queue_deep": f"{queue_url}?status=all&cursor={_encode_cursor(deep)}",
            "queue_size": queue_size,
            "partner": partner.slug,
        },
        sys.stdout,
    )


def _deepen(partner, missing: int) -> int:
    """Copy `missing` closed (withdrawn) applications of other partners' learners into this
    partner's queue, in one INSERT ... SELECT: a queue of the wanted depth without touching the
    open applications (a learner has at most one open)."""
    from django.db import connection

    from partners.models import Application, ApplicationStatus

    table = Application._meta.db_table
    columns = [
        f.column
        for f in Application._meta.concrete_fields
        if f.column not in {"id", "partner_id", "status"}
    ]
    listed = ", ".join(f'"{c}"' for c in columns)
    with connection.cursor() as cursor:
        cursor.execute(
            f'INSERT INTO "{table}" ({listed}, "partner_id", "status") '  # noqa: S608
            f'SELECT {listed}, %s, %s FROM "{table}" WHERE "partner_id" <> %s '
            'ORDER BY "id" LIMIT %s',
            [partner.pk, ApplicationStatus.WITHDRAWN, partner.pk, missing],
        )
        added = cursor.rowcount
        cursor.execute(f'ANALYZE "{table}"')
    return added


if __name__ == "__main__":
    main()
