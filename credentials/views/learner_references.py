"""A learner's choice to share their e-mail address with one provider (POST, from their course
card on /learn/): learners only, and only at a provider where they have a reference (others:
404). Works without JavaScript: a form with one button, then back to the dashboard."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ..errors import EnrolmentNotAllowed
from ..forms.credentials import ShareEmailForm
from ..selectors import learner_reference_get_for_learner_or_404
from ..services.references import learner_reference_share_email_set
from .learner_credentials import _learner_only


@require_POST
@_learner_only
def share_email(request: HttpRequest, provider_id: int) -> HttpResponse:
    reference = learner_reference_get_for_learner_or_404(request.user, provider_id)
    form = ShareEmailForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Nothing was changed: please use the buttons on this page."))
        return redirect("learners:dashboard")
    share = form.cleaned_data["share"]
    try:
        learner_reference_share_email_set(
            learner=request.user, provider_id=provider_id, share=share, acting_user=request.user
        )
    except EnrolmentNotAllowed as error:
        if error.code == "not_found":
            raise Http404 from error
        messages.error(request, " ".join(error.messages))
        return redirect("learners:dashboard")
    provider = reference.provider.name
    if share:
        message = _(
            "%(provider)s will be given your e-mail address the next time you are enrolled there."
        )
    else:
        message = _("%(provider)s will not be given your e-mail address.")
    messages.success(request, message % {"provider": provider})
    return redirect("learners:dashboard")
