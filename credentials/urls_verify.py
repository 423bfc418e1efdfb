"""Public credential verification (/verify/...): no sign-in, for anyone holding a link."""

from django.urls import path

from .views import verify

app_name = "verify"

urlpatterns = [
    # The revocation status lists (signed BitstringStatusListCredentials), at stable URLs.
    path("status-lists/<int:number>/", verify.status_list, name="status_list"),
    path("<str:code>/", verify.credential_page, name="credential"),
    path("<str:code>/credential.json", verify.credential_json, name="credential_json"),
    path("<str:code>/qr.svg", verify.credential_qr, name="credential_qr"),
    path("<str:code>/certificate.pdf", verify.credential_pdf, name="credential_pdf"),
]
