"""Seats, enrolments and imports for partner staff and programme admins (/staff/...).

Mounted before partners' /staff/ URLs: every pattern here starts with a fixed segment
("programme/") or has a fixed second segment (<slug>/seats/, <slug>/enrolments/), and there is
never a bare <slug>/ pattern. The programme/ paths come first, so they win over <slug>/... ones.
config/urls.py mounts them in the `seats` namespace after the two seat pages, which are
reporting's (reporting/urls_seats.py: programme/seats/ and <slug>/seats/).
"""

from django.urls import path

from .views import credentials_admin, imports, staff

app_name = "seats"

urlpatterns = [
    # Programme admins (everyone else: 404)
    path("programme/codes/", staff.codes, name="codes"),
    # Coordinators of the partner (reviewers, other partners' staff, learners, admins: 404)
    path("<slug:slug>/enrolments/", staff.enrolments, name="enrolments"),
    path(
        "<slug:slug>/enrolments/<int:pk>/revoke/",
        staff.enrolment_revoke_view,
        name="revoke",
    ),
    # --- imports (bulk enrolment, completions) ---
    # Programme admins (everyone else: 404); a completion file's rows: only its uploader.
    path("programme/provider-keys/", imports.provider_keys, name="provider_keys"),
    path("programme/provider-keys/new/", imports.provider_key_create, name="provider_key_create"),
    path(
        "programme/provider-keys/<int:key_id>/revoke/",
        imports.provider_key_revoke,
        name="provider_key_revoke",
    ),
    path("programme/completions/", imports.completions_import, name="completions_import"),
    path("programme/completions/<int:job_id>/", imports.completions_job, name="completions_job"),
    path(
        "programme/completions/<int:job_id>/errors.csv",
        imports.completions_errors,
        name="completions_errors",
    ),
    # --- issued credentials: programme admins (everyone else: 404) ---
    path("programme/credentials/", credentials_admin.credential_list, name="credentials"),
    path(
        "programme/credentials/<int:pk>/revoke/",
        credentials_admin.credential_revoke,
        name="credential_revoke",
    ),
    # Coordinators of the partner (reviewers, other partners' staff, learners, admins: 404)
    path("<slug:slug>/enrolments/bulk/", imports.bulk_enrolment, name="bulk_enrolment"),
    path(
        "<slug:slug>/enrolments/bulk/<int:job_id>/",
        imports.bulk_enrolment_job,
        name="bulk_enrolment_job",
    ),
    path(
        "<slug:slug>/enrolments/bulk/<int:job_id>/errors.csv",
        imports.bulk_enrolment_errors,
        name="bulk_enrolment_errors",
    ),
]
