"""Learner pages (/learn/..., /join/<slug>/)."""

app_name = "learners"

urlpatterns: list = []
