"""A partner's enrolments, for its coordinators (/staff/<slug>/enrolments/...). config/urls_staff.py
mounts them under the one staff/<slug>/ include, in the `seats` namespace with reporting's
seat-usage page (reporting/urls_seats.py).

Who may open them: coordinators of the partner in the link (reviewers, other partners' staff,
learners, admins: 404).
"""

from django.urls import path

from .views import imports, staff

app_name = "seats"

urlpatterns = [
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
