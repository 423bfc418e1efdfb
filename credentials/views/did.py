"""The issuer's DID document (did:web), public: verifiers resolve the issuer of a credential to it.

Served at /.well-known/did.json (did:web:<host>) and at /did.json (did:web:<host>:<path> when the
portal lives under a path of its domain, behind a proxy that strips it). 404 where the issuer is a
did:key (no domain: the demo, a developer's machine). Short-lived in caches: after a rotation,
credentials signed with the new key verify once verifiers see the new document.
"""

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_safe

from ..services.signing_keys import did_document_current

DID_DOCUMENT_MAX_AGE = 60


@login_not_required
@require_safe
def did_document(request: HttpRequest) -> HttpResponse:
    document = did_document_current()
    if document is None:
        return JsonResponse({"error": "not_found"}, status=404)
    response = JsonResponse(document, content_type="application/did+json")
    response["Access-Control-Allow-Origin"] = "*"
    patch_cache_control(response, public=True, max_age=DID_DOCUMENT_MAX_AGE)
    return response
