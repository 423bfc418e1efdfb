from django.conf import settings
from django.utils.translation import get_language, get_language_bidi

from .navigation import main_links


def navigation(request):
    """Navigation by role, and the language switcher's choices."""
    return {
        "main_links": main_links(request.user) if hasattr(request, "user") else [],
        "languages": settings.LANGUAGES,
        "current_language": get_language(),
        "is_rtl": get_language_bidi(),
    }
