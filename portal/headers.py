"""Caching headers for anything personal: no copy of a page with someone's data may be kept by a
browser's back/forward cache, a shared computer's disk cache or a proxy.

Static files never reach this middleware (WhiteNoise answers them first), so they keep their
long immutable caching.
"""

from django.utils.cache import patch_cache_control, patch_vary_headers

# Public pages that show a person's data (the credential's holder's name): anyone with the link
# may see them, but no cache may keep them, so a revocation or the learner hiding it shows at once.
PUBLIC_PERSONAL_VIEWS = frozenset(
    {"verify:credential", "verify:credential_json", "verify:credential_pdf"}
)


def _shows_a_person(request) -> bool:
    match = getattr(request, "resolver_match", None)
    return match is not None and match.view_name in PUBLIC_PERSONAL_VIEWS


class NoStoreMiddleware:
    """`Cache-Control: private, no-store` on every answer to a signed-in person or an API client,
    and on the public pages that show a person's data, unless the view already forbade storing.

    A view that marked its answer `public` holds nothing personal (a QR code of a link its
    viewer already has, a credential status list) and keeps its own caching.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        cache_control = response.get("Cache-Control", "")
        if "no-store" in cache_control:
            # Already as strict as it gets (error pages among them: there the user may not
            # be loadable at all).
            return response
        user = getattr(request, "user", None)
        signed_in = user is not None and user.is_authenticated
        if signed_in:
            patch_vary_headers(response, ["Cookie"])
        # An API client's answers are about learners too.
        api_client = "HTTP_AUTHORIZATION" in request.META
        shows_a_person = _shows_a_person(request)
        if not (signed_in or api_client or shows_a_person):
            return response
        if "public" in cache_control and not shows_a_person:
            return response
        # Added to what the view said (a `no-cache` stays), never instead of it.
        patch_cache_control(response, private=True, no_store=True)
        return response
