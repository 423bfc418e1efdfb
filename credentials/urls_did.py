"""The issuer's DID document (did:web), public."""

from django.urls import path

from .views import did

app_name = "did"

urlpatterns = [
    path(".well-known/did.json", did.did_document, name="document"),
    path("did.json", did.did_document, name="document_at_path"),
]
