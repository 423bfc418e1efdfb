"""The country a phone number typed without its country code belongs to, as the learners' pages
know it (registered with portal.phones from LearnersConfig.ready)."""

from django.http import HttpRequest

from portal.phones import phone_region_hint

from .selectors import partner_active_by_slug, profile_get_for_user


def phone_region_of_residence(request: HttpRequest) -> str | None:
    """A learner who gave their country of residence dials as people do there."""
    user = getattr(request, "user", None)
    if user is None or not getattr(user, "is_learner", False):
        return None
    profile = profile_get_for_user(user)
    return profile.country_of_residence.code if profile and profile.country_of_residence else None


def phone_region_of_joined_partner(request: HttpRequest) -> str | None:
    """Someone who came by a partner's join link most likely lives where the partner works: its
    country (the page language's one, if the partner serves several and that is among them)."""
    from .views import JOIN_SESSION_KEY

    slug = request.session.get(JOIN_SESSION_KEY) if hasattr(request, "session") else None
    partner = partner_active_by_slug(slug) if slug else None
    if partner is None:
        return None
    served = [country.code for country in partner.countries]
    if not served:
        return None
    hint = phone_region_hint()
    return hint if hint in served else served[0]
