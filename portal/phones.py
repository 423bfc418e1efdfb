"""Which country a phone number written without its country code belongs to.

A number as people dial it at home (Jordan: 079 123 4567) means nothing without its country. The
country is known from the page (a partner's join link, the learner's country of residence; higher
apps register those with `phone_region_source_register`, since the core cannot import them), or
chosen by the person in the list beside the field, which starts at the page language's country
(PHONE_REGIONS_BY_LANGUAGE) or the programme's (PHONE_DEFAULT_REGION).
"""

from collections.abc import Callable
from functools import lru_cache

import phonenumbers
from django.conf import settings
from django.http import HttpRequest
from django.utils import translation

RegionSource = Callable[[HttpRequest], str | None]

_REGION_SOURCES: list[RegionSource] = []


def phone_region_source_register(source: RegionSource) -> RegionSource:
    """A callable (request → ISO 3166 code or None) that knows the country for this request;
    the first that answers wins. Registered once, from an app's ready()."""
    if source not in _REGION_SOURCES:
        _REGION_SOURCES.append(source)
    return source


def phone_region_hint(language: str | None = None) -> str | None:
    """The country assumed for numbers written without a country code, or None.

    A per-language choice (PHONE_REGIONS_BY_LANGUAGE, e.g. {"uk": "UA"}) wins over the portal's
    PHONE_DEFAULT_REGION (e.g. "JO" for a programme run in Jordan).
    """
    language = (language or translation.get_language() or "").split("-")[0]
    region = settings.PHONE_REGIONS_BY_LANGUAGE.get(language) or settings.PHONE_DEFAULT_REGION
    return region.upper() or None


def phone_region_known(request: HttpRequest | None) -> str | None:
    """The country this request already tells (join link, country of residence), or None."""
    if request is None:
        return None
    for source in _REGION_SOURCES:
        region = source(request)
        if region and phone_region_valid(region):
            return region.upper()
    return None


def phone_region_default(request: HttpRequest | None) -> str | None:
    """Where the country list beside a phone field starts: what the page knows, else the
    language's or the programme's country, else nothing ("choose")."""
    return phone_region_known(request) or phone_region_hint()


def phone_region_valid(region: str) -> bool:
    return phonenumbers.country_code_for_region(region.upper()) != 0


def phone_country_choices() -> list[tuple[str, str]]:
    """("JO", "Jordan (+962)"), … in the page's language, sorted by name: one option per country
    that has a calling code (about 240)."""
    return list(_choices_for(translation.get_language() or settings.LANGUAGE_CODE))


@lru_cache(maxsize=16)
def _choices_for(language: str) -> tuple[tuple[str, str], ...]:
    from django_countries import countries

    with translation.override(language):
        return tuple(
            (code, f"{name} (+{calling})")
            for code, name in countries
            if (calling := phonenumbers.country_code_for_region(code))
        )
