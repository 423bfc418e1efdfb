"""Partner API URLs (/api/...). They authenticate by API key, not by session, so they are exempt
from the sign-in redirect; each view checks the key itself (401 without a valid one)."""

from django.contrib.auth.decorators import login_not_required
from django.urls import path

from .api import schema, views

app_name = "api"

urlpatterns = [
    path(
        "v1/applications/",
        login_not_required(views.ApplicationListView.as_view()),
        name="applications",
    ),
    path(
        "v1/applications/<int:pk>/",
        login_not_required(views.ApplicationDetailView.as_view()),
        name="application_detail",
    ),
    path(
        "v1/applications/<int:pk>/decision/",
        login_not_required(views.ApplicationDecisionView.as_view()),
        name="application_decision",
    ),
    path("schema/", login_not_required(schema.PartnerApiSchemaView.as_view()), name="schema"),
]
