"""Course catalogue and enrolment for learners (/courses/...).

The catalogue and course pages are public; enrolling is for signed-in learners (others: 404).
"""

from django.urls import path

from .views import catalogue

app_name = "courses"

urlpatterns = [
    path("", catalogue.catalogue, name="catalogue"),
    path("<int:pk>/", catalogue.course_detail, name="course"),
    path("<int:pk>/enrol/", catalogue.course_enrol, name="enrol"),
]
