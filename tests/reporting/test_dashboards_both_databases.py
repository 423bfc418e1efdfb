"""Both dashboards answer with their figures on whichever database the suite runs: PostgreSQL in
`make test`, SQLite (the README's default, where a UNION with ORDER BY in its parts once answered
500) in `make test-default`; also after "Recalculate the figures now". And the figures say, in a
date no one can misread, when they were calculated."""

import re

import pytest
from django.db import connection

from reporting.models import Metric, RefreshState

from .test_dashboards import (
    PROGRAMME,
    REFRESH,
    admin,  # noqa: F401 — fixture
    headline,
    page,
    partner_url,
    programme,  # noqa: F401 — fixture
    published,
    shown,
    staff_of,
    visible_text,
)

pytestmark = pytest.mark.django_db

# "5 Dec 2026, 14:05": day, month name, year, 24-hour time.
AS_OF = re.compile(r"Figures as of (\d{1,2} [A-Z][a-z]{2} \d{4}, \d{2}:\d{2}) \(UTC\)")


def assert_figures_as_of_the_last_refresh(doc) -> None:
    match = AS_OF.search(visible_text(doc))
    assert match, visible_text(doc)[:300]
    refreshed_at = RefreshState.objects.get(pk=1).refreshed_at  # TIME_ZONE is UTC
    assert match.group(1) == f"{refreshed_at.day} {refreshed_at:%b %Y, %H:%M}"


def learners(partner=None) -> str:
    return shown(published(partner.pk if partner else None, Metric.LEARNERS))


def test_programme_dashboard_answers_with_its_figures(client, admin, programme):  # noqa: F811
    client.force_login(admin)
    doc = page(client, PROGRAMME)  # asserts 200
    assert headline(doc, "learners") == learners() != "<5", connection.vendor
    text = visible_text(doc)
    # Partner and provider names come from one UNION query.
    for name in ("Alpha Refugee Aid", "Beta Support", "Alpha Academy", "Beta Institute"):
        assert name in text
    assert_figures_as_of_the_last_refresh(doc)


def test_partner_dashboard_answers_with_its_figures(client, programme):  # noqa: F811
    client.force_login(staff_of(programme["a"]))
    doc = page(client, partner_url(programme["a"]))
    assert headline(doc, "learners") == learners(programme["a"]) != "<5", connection.vendor
    assert "Alpha Academy" in visible_text(doc)
    assert_figures_as_of_the_last_refresh(doc)


def test_both_dashboards_answer_after_recalculating_the_figures(
    client,
    admin,  # noqa: F811
    programme,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    client.force_login(admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(REFRESH)  # "Recalculate the figures now": runs in-process here
    assert response.status_code == 302
    assert RefreshState.objects.get(pk=1).requested_at is None  # the recalculation ran
    doc = page(client, PROGRAMME)
    assert headline(doc, "learners") == learners() != "<5"
    assert_figures_as_of_the_last_refresh(doc)

    client.force_login(staff_of(programme["a"]))
    doc = page(client, partner_url(programme["a"]))
    assert headline(doc, "learners") == learners(programme["a"]) != "<5"
    assert_figures_as_of_the_last_refresh(doc)
