"""A partner's seats and enrolments, for its coordinators (/staff/<slug>/seats/,
/staff/<slug>/enrolments/...; mounted under the one staff/<slug>/ include in config/urls_staff.py).

Who may open them: coordinators of the partner in the link (reviewers, other partners' staff,
learners, admins: 404).
"""

from django.urls import path

from .views import imports, staff

app_name = "seats"

urlpatterns = [
    path("seats/", staff.seat_usage, name="usage"),
    path("enrolments/", staff.enrolments, name="enrolments"),
    path("enrolments/<int:pk>/revoke/", staff.enrolment_revoke_view, name="revoke"),
    path("enrolments/bulk/", imports.bulk_enrolment, name="bulk_enrolment"),
    path(
        "enrolments/bulk/<int:job_id>/",
        imports.bulk_enrolment_job,
        name="bulk_enrolment_job",
    ),
    path(
        "enrolments/bulk/<int:job_id>/errors.csv",
        imports.bulk_enrolment_errors,
        name="bulk_enrolment_errors",
    ),
]
