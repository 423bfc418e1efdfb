"""Partner API URLs (/api/...). They authenticate by API key, not by session, so they are exempt
from the sign-in redirect; each view checks the key itself (401 without a valid one)."""

from django.contrib.auth.decorators import login_not_required
from django.urls import path

from . import api

app_name = "api"

urlpatterns = [
    path(
        "v1/applications/",
        login_not_required(api.ApplicationListView.as_view()),
        name="applications",
    ),
    path(
        "v1/applications/<int:pk>/",
        login_not_required(api.ApplicationDetailView.as_view()),
        name="application_detail",
    ),
    path(
        "v1/applications/<int:pk>/decision/",
        login_not_required(api.ApplicationDecisionView.as_view()),
        name="application_decision",
    ),
    path("schema/", login_not_required(api.PartnerApiSchemaView.as_view()), name="schema"),
]
