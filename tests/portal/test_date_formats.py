"""Dates that cannot be misread: the month is a word in every language (never 12/05/2026, which
is 12 May in Amman and December 5 in New York), on staff pages as on learners' pages."""

import importlib
from datetime import UTC, date, datetime

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import formats, translation

from partners.models import Application
from tests.partners.factories import ApplicationFactory, MembershipFactory, PartnerFactory

from .conftest import give_totp
from .factories import PartnerStaffFactory

MOMENT = datetime(2026, 12, 5, 14, 5, tzinfo=UTC)

EXPECTED = {
    "en": ("5 Dec 2026", "5 Dec 2026, 14:05"),
    "ar": ("5 ديسمبر 2026", "5 ديسمبر 2026، 14:05"),
    "fa": ("5 دسامبر 2026", "5 دسامبر 2026، 14:05"),
    "fr": ("5 décembre 2026", "5 décembre 2026, 14:05"),
    "es": ("5 de diciembre de 2026", "5 de diciembre de 2026, 14:05"),
    "uk": ("5 грудня 2026", "5 грудня 2026, 14:05"),
}


def test_every_language_of_the_portal_has_its_formats():
    assert set(EXPECTED) == {code for code, _name in settings.LANGUAGES}


@pytest.mark.parametrize("language", sorted(EXPECTED))
def test_dates_and_times_name_the_month_in_every_language(language):
    day, moment = EXPECTED[language]
    with translation.override(language):
        for name in ("DATE_FORMAT", "SHORT_DATE_FORMAT"):
            assert formats.date_format(MOMENT.date(), name) == day
        for name in ("DATETIME_FORMAT", "SHORT_DATETIME_FORMAT"):
            assert formats.date_format(MOMENT, name) == moment


@pytest.mark.parametrize("language", ["fr", "uk"])
def test_typed_dates_are_still_read_with_djangos_locale_formats(language):
    # Only how dates are shown is the portal's own; what people type is read as before.
    django_formats = importlib.import_module(f"django.conf.locale.{language}.formats")
    with translation.override(language):
        read = formats.get_format("DATE_INPUT_FORMATS")
    assert read[: len(django_formats.DATE_INPUT_FORMATS)] == django_formats.DATE_INPUT_FORMATS


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "ar"])
def test_review_queue_shows_unambiguous_dates(client, language):
    partner = PartnerFactory()
    reviewer = PartnerStaffFactory(language=language)
    give_totp(reviewer)
    MembershipFactory(user=reviewer, partner=partner, role="reviewer")
    application = ApplicationFactory(partner=partner)
    Application.objects.filter(pk=application.pk).update(submitted_at=MOMENT)
    client.force_login(reviewer)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    html = client.get(reverse("partners:queue", args=[partner.slug])).content.decode()
    assert EXPECTED[language][0] in html
    assert "12/05/2026" not in html and "05/12/2026" not in html


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "ar"])
def test_learners_page_shows_unambiguous_dates(client, language):
    from partners.models import ApplicationStatus
    from tests.learners.factories import LearnerProfileFactory

    learner = LearnerProfileFactory().user
    ApplicationFactory(
        learner=learner, status=ApplicationStatus.APPROVED, verified_until=date(2026, 12, 5)
    )
    client.force_login(learner)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    html = client.get(reverse("learners:dashboard")).content.decode()
    assert EXPECTED[language][0] in html
