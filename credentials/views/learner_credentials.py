"""A learner's own credentials (/learn/credentials/...): the list with the links to share and
download each one, and hiding one from (or showing it again on) the public page.

Learners only: for staff and programme admins these pages do not exist (404), as for every
learner page; another learner's credential is a 404 too.
"""

from functools import wraps

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ..errors import CredentialNotAllowed
from ..forms.credentials import CredentialVisibilityForm
from ..selectors import credential_get_for_learner_or_404, credentials_of_learner
from ..services.issuance import credential_visibility_set


def _learner_only(view):
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs):
        if not getattr(request.user, "is_learner", False):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapped


@require_GET
@_learner_only
def credential_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "credentials/learner/credentials.html",
        {"credentials": credentials_of_learner(request.user)},
    )


@require_POST
@_learner_only
def credential_visibility(request: HttpRequest, pk: int) -> HttpResponse:
    credential = credential_get_for_learner_or_404(request.user, pk)
    form = CredentialVisibilityForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Nothing was changed: please use the buttons on this page."))
        return redirect("learner_credentials:list")
    public = form.cleaned_data["public"]
    try:
        credential_visibility_set(credential=credential, learner=request.user, public=public)
    except CredentialNotAllowed as error:
        messages.error(request, " ".join(error.messages))
    else:
        if public:
            message = _("Your credential for %(course)s is shown on the public page again.")
        else:
            message = _(
                "Your credential for %(course)s is hidden: its link now shows “not found” to "
                "everyone else."
            )
        messages.success(request, message % {"course": credential.course.title})
    return redirect("learner_credentials:list")
