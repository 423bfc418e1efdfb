"""The review queue's "All" tab, on whichever database the suite runs: PostgreSQL in `make test`,
SQLite (the README's default) in `make test-default`. It reads each status's next page through one
UNION ALL (partners/selectors.py), which must be valid SQL on both."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from partners.models import ApplicationStatus
from partners.selectors import QueueFilters, application_queue

from .factories import ApplicationFactory
from .test_review import QUEUE_QUERIES, listed_ids, queue_url

pytestmark = pytest.mark.django_db

EVERY_STATUS = QueueFilters(status="")


@pytest.fixture
def signed_in(client, reviewer):
    client.force_login(reviewer)
    return client


def applications_of_every_status(partner, per_status: int) -> list:
    """`per_status` applications of each status, their submission times interleaved across the
    statuses (so no status's page is the oldest on its own)."""
    now = timezone.now()
    made = []
    for n in range(per_status):
        for i, status in enumerate(ApplicationStatus.values):
            made.append(
                ApplicationFactory(
                    partner=partner,
                    status=status,
                    submitted_at=now - timedelta(hours=n * 10 + i),
                    verified_until=timezone.localdate() + timedelta(days=30),
                )
            )
    return sorted(made, key=lambda a: (a.submitted_at, a.pk))


def test_all_tab_answers_with_every_status_oldest_first(signed_in, partner, other_partner):
    made = applications_of_every_status(partner, 2)
    ApplicationFactory(partner=other_partner)  # another partner's: never listed

    response = signed_in.get(queue_url(partner), {"status": "all"})

    assert response.status_code == 200, connection.vendor
    assert listed_ids(response) == [a.pk for a in made]


def test_all_tab_pages_neither_repeat_nor_miss_across_statuses(partner):
    made = applications_of_every_status(partner, 3)
    seen, cursor = [], ""
    while True:
        page = application_queue(partner=partner, filters=EVERY_STATUS, cursor=cursor, page_size=4)
        seen.extend(a.pk for a in page.applications)
        if not page.next_cursor:
            break
        cursor = page.next_cursor
    assert seen == [a.pk for a in made]


@pytest.mark.parametrize("per_status", [1, 12])
def test_all_tab_costs_the_same_queries_whatever_the_queue_size(
    signed_in, partner, per_status, django_assert_num_queries
):
    applications_of_every_status(partner, per_status)
    signed_in.get(queue_url(partner), {"status": "all"})  # counts the tabs (then cached)
    # The plain queue's queries and the UNION ALL of each status's next page.
    with django_assert_num_queries(QUEUE_QUERIES + 1):
        response = signed_in.get(queue_url(partner), {"status": "all"})
    assert response.status_code == 200
    assert len(listed_ids(response)) == min(per_status * len(ApplicationStatus.values), 25)
