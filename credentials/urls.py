"""Course catalogue and enrolment for learners (/courses/...)."""

app_name = "courses"

urlpatterns: list = []
