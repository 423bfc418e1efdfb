"""Staff pages (/staff/...): the review queue and the partner's own management pages."""

from .urls_manage import urlpatterns as manage_patterns
from .urls_review import urlpatterns as review_patterns

app_name = "partners"

# Fixed paths (partners/, invitations/) come before the <slug>/... patterns.
urlpatterns = [*manage_patterns, *review_patterns]
