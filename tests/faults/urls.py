"""The portal's URLs and error handlers, plus views that fail on purpose (error page tests)."""

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.urls import path

from config.urls import handler400, handler403, handler404, handler500, urlpatterns

__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]


@login_not_required
def crash(request):
    raise RuntimeError("internal detail: postgres://portal:db-password@db/portal")


@login_not_required
def forbidden(request):
    raise PermissionDenied("internal reason")


urlpatterns = [
    path("test-faults/crash/", crash),
    path("api/test-faults/crash/", crash),
    path("test-faults/forbidden/", forbidden),
    *urlpatterns,
]
