"""Programme admins: issued credentials and revocation (/staff/programme/credentials/...).

Thin: authorise through a selector (404 for everyone but programme admins), call a service,
render. The list shows no learner at all (no name, e-mail or partner): admins do not browse
refugees' identities. The name on a credential appears only on its own revocation page, where
the admin checks they are revoking the right one.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from ..forms.credentials import CredentialRevokeForm, CredentialSearchForm
from ..models import CredentialStatus
from ..selectors import credential_get_for_admin_or_404, credentials_for_admin
from ..services.issuance import credential_revoke as credential_revoke_service


@require_GET
def credential_list(request: HttpRequest) -> HttpResponse:
    form = CredentialSearchForm(request.GET)
    form.is_valid()  # keeps the fields that are valid: a wrong status alone shows them all
    status = form.cleaned_data.get("status", "")
    code = form.cleaned_data.get("q", "")
    listing = credentials_for_admin(
        request.user, status=status, code=code, page_number=request.GET.get("page")
    )
    return render(
        request,
        "credentials/programme/credentials.html",
        {
            "form": form,
            "status": status,
            "code": code,
            # A search that could not be understood shows no rows rather than all of them.
            "search_failed": "q" in form.errors,
            "listing": listing,
            "page": listing.page,
            "tabs": [{"value": value, "label": label} for value, label in CredentialStatus.choices],
            "section": "credentials",
        },
    )


@require_http_methods(["GET", "POST"])
def credential_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    credential = credential_get_for_admin_or_404(request.user, pk)
    form = CredentialRevokeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            credential_revoke_service(
                credential=credential,
                reason=form.cleaned_data["reason"],
                acting_user=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request, _("Credential revoked: the public page now shows it as revoked.")
            )
            return redirect("programme:credentials")
    return render(
        request,
        "credentials/programme/revoke.html",
        {
            "credential": credential,
            "form": form,
            "is_revoked": credential.status == CredentialStatus.REVOKED,
            "section": "credentials",
        },
    )
