"""Provider API URLs (/api/v1/completions/). They authenticate by a provider's API key, not by
session, so they are exempt from the sign-in redirect; the view checks the key itself (401
without a valid one)."""

from django.contrib.auth.decorators import login_not_required
from django.urls import path

from . import api

app_name = "credentials_api"

urlpatterns = [
    path(
        "v1/completions/",
        login_not_required(api.CompletionsView.as_view()),
        name="completions",
    ),
]
