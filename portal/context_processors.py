from django.conf import settings
from django.utils.translation import get_language, get_language_bidi

from .navigation import current_link, main_links


def navigation(request):
    """Navigation by role, and the language switcher's choices."""
    links = main_links(request.user) if hasattr(request, "user") else []
    return {
        "main_links": links,
        "current_link": current_link(links, request.path),
        "languages": settings.LANGUAGES,
        "current_language": get_language(),
        "is_rtl": get_language_bidi(),
    }
