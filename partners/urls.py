"""Staff pages (/staff/...): the review queue and the partner's own management pages."""

from .urls_manage import urlpatterns as manage_patterns
from .urls_review import urlpatterns as review_patterns

app_name = "partners"

urlpatterns = [*review_patterns, *manage_patterns]
