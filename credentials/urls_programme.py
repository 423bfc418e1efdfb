"""Programme admins' pages for seats, codes, provider keys, completions and issued credentials
(/staff/programme/..., namespace ``programme``, composed in config/urls_staff.py).

Who may open them: programme admins; everyone else gets 404. A completion file's rows: only its
uploader.
"""

from django.urls import path

from .views import credentials_admin, imports, staff

urlpatterns = [
    path("codes/", staff.codes, name="codes"),
    path("provider-keys/", imports.provider_keys, name="provider_keys"),
    path("provider-keys/new/", imports.provider_key_create, name="provider_key_create"),
    path(
        "provider-keys/<int:key_id>/revoke/",
        imports.provider_key_revoke,
        name="provider_key_revoke",
    ),
    path("completions/", imports.completions_import, name="completions_import"),
    path("completions/<int:job_id>/", imports.completions_job, name="completions_job"),
    path(
        "completions/<int:job_id>/errors.csv",
        imports.completions_errors,
        name="completions_errors",
    ),
    path("credentials/", credentials_admin.credential_list, name="credentials"),
    path(
        "credentials/<int:pk>/revoke/",
        credentials_admin.credential_revoke,
        name="credential_revoke",
    ),
]
