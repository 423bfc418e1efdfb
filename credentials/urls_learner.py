"""A learner's own credentials (/learn/credentials/...): learners only (others: 404)."""

from django.urls import path

from .views import learner_credentials

app_name = "learner_credentials"

urlpatterns = [
    path("", learner_credentials.credential_list, name="list"),
    path("<int:pk>/visibility/", learner_credentials.credential_visibility, name="visibility"),
]
