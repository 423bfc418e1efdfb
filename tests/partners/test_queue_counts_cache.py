"""The queue's tab counts are cached per partner until one of its applications changes (see
docs/decisions/0011-performance.md): a decision shows in the counts at once, and without
Redis the queue still works."""

import re

import pytest

from partners.models import ApplicationStatus
from tests.credentials.test_catalogue_cache import unreachable_redis

from .factories import ApplicationFactory
from .test_review import queue_url


@pytest.fixture
def signed_in(client, reviewer):
    client.force_login(reviewer)
    return client


def tab_counts(response) -> dict[str, int]:
    html = response.content.decode()
    return {
        status: int(count)
        for status, count in re.findall(
            r'href="\?status=(\w+)"[^>]*>[^<]*<span class="badge[^"]*">(\d+)</span>', html
        )
    }


@pytest.mark.django_db
def test_a_decision_shows_in_the_counts_at_once(signed_in, partner, django_assert_num_queries):
    applications = ApplicationFactory.create_batch(3, partner=partner)
    assert tab_counts(signed_in.get(queue_url(partner)))["submitted"] == 3
    applications[0].status = ApplicationStatus.WITHDRAWN
    applications[0].save()
    counts = tab_counts(signed_in.get(queue_url(partner)))
    assert counts["submitted"] == 2
    assert counts["withdrawn"] == 1
    assert counts["all"] == 3


@pytest.mark.django_db
def test_another_partners_change_leaves_the_counts_cached(
    signed_in, partner, other_partner, django_assert_num_queries
):
    ApplicationFactory(partner=partner)
    signed_in.get(queue_url(partner))
    with django_assert_num_queries(6):  # no count: see QUEUE_QUERIES in test_review.py
        signed_in.get(queue_url(partner))
    ApplicationFactory(partner=other_partner)
    with django_assert_num_queries(6):
        signed_in.get(queue_url(partner))


@pytest.mark.django_db
def test_the_queue_works_when_redis_is_down(signed_in, partner, settings):
    ApplicationFactory.create_batch(2, partner=partner)
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": unreachable_redis(),
            "OPTIONS": {"socket_timeout": 1, "socket_connect_timeout": 1},
        }
    }
    response = signed_in.get(queue_url(partner))
    assert response.status_code == 200
    assert tab_counts(response)["submitted"] == 2
