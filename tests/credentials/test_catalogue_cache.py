"""The catalogue is rendered once per catalogue version, language and query (see
docs/decisions/0011-performance.md): a change shows at once, and without Redis it still works."""

import socket

import pytest
from django.urls import reverse

from .factories import CourseFactory

pytestmark = pytest.mark.django_db

CATALOGUE = reverse("courses:catalogue")


def unreachable_redis() -> str:
    with socket.socket() as probe:  # a port nothing listens on: connections are refused
        probe.bind(("127.0.0.1", 0))
        return f"redis://127.0.0.1:{probe.getsockname()[1]}/0"


def test_a_second_visit_is_served_from_the_cache(client, django_assert_num_queries):
    CourseFactory(title="Arabic writing")
    client.get(CATALOGUE)
    with django_assert_num_queries(0):
        response = client.get(CATALOGUE)
    assert "Arabic writing" in response.content.decode()


def test_a_changed_or_new_course_shows_at_once(client):
    course = CourseFactory(title="Arabic writing")
    assert "Arabic writing" in client.get(CATALOGUE).content.decode()
    course.title = "Arabic calligraphy"
    course.save()
    CourseFactory(title="Business basics")
    html = client.get(CATALOGUE).content.decode()
    assert "Arabic calligraphy" in html
    assert "Business basics" in html
    assert "Arabic writing" not in html


def test_each_language_and_query_gets_its_own_page(client):
    CourseFactory(title="Arabic writing", language="ar")
    CourseFactory(title="Business basics", language="en")
    assert "Business basics" not in client.get(CATALOGUE, {"language": "ar"}).content.decode()
    assert "Business basics" in client.get(CATALOGUE).content.decode()
    client.cookies["django_language"] = "ar"
    assert 'lang="ar"' in client.get(CATALOGUE).content.decode()[:200]


def test_the_catalogue_works_when_redis_is_down(client, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": unreachable_redis(),
            "OPTIONS": {"socket_timeout": 1, "socket_connect_timeout": 1},
        }
    }
    course = CourseFactory(title="Arabic writing")  # its change cannot reach the cache either
    response = client.get(CATALOGUE)
    assert response.status_code == 200
    assert "Arabic writing" in response.content.decode()
    course.delete()
    assert client.get(CATALOGUE).status_code == 200
