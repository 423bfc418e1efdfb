"""Pages of the portal core: landing, privacy notice, the signed-in home, health check."""

from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .navigation import account_links
from .privacy import PRIVACY_NOTICE_VERSION


@login_not_required
@require_GET
def landing(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("portal:home")
    return render(request, "portal/landing.html")


@login_not_required
@require_GET
def privacy(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/privacy.html", {"version": PRIVACY_NOTICE_VERSION})


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """Where "home" is depends on the role: learners and staff have their own start pages."""
    if request.user.is_learner:
        return redirect("learners:dashboard")
    if request.user.is_partner_staff:
        return redirect("staff:home")
    return render(request, "portal/home.html", {"account_links": account_links(request.user)})


@login_not_required
@never_cache
@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    """For load balancers: the process is up and reaches its database."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
