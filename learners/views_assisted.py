"""Assisted registration pages (/staff/<slug>/register/...), for a partner's reviewers and
coordinators who register a learner in person and print their access slip."""

from urllib.parse import urlsplit

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from partners.errors import TransitionNotAllowed
from partners.models import Partner
from partners.selectors import partner_get_for_staff_or_404
from portal.models import User
from portal.origin import site_url

from .forms_assisted import AssistedRegistrationForm
from .services.assisted import (
    assisted_learner_get_for_staff_or_404,
    learner_password_resettable,
    learner_register_assisted,
    learner_register_assisted_confirm,
    learner_reset_one_time_password,
    login_code_display,
)
from .services.assisted_contact import confirmation_code_display, pending_registration_for_token

# The slip's one-time password waits in the staff member's session until it is shown once.
SLIP_PASSWORD_KEY = "assisted_slip_password"  # noqa: S105 (a session key name)
# Which learner the slip is for; kept, so a reload can offer to issue a new password.
SLIP_LEARNER_KEY = "assisted_slip_learner"
# The confirmation code of a registration with an e-mail address, shown once on the "sent" page.
CONFIRMATION_CODE_KEY = "assisted_confirmation_code"


def _remember_for_slip(request: HttpRequest, partner: Partner, learner: User, password: str):
    request.session[SLIP_LEARNER_KEY] = {"partner_id": partner.pk, "user_id": learner.pk}
    request.session[SLIP_PASSWORD_KEY] = {"user_id": learner.pk, "password": password}


@never_cache
@require_http_methods(["GET", "POST"])
def register(request: HttpRequest, slug: str) -> HttpResponse:
    partner = partner_get_for_staff_or_404(request.user, slug)
    data = request.POST if request.method == "POST" else None
    form = AssistedRegistrationForm(data, partner=partner)
    if request.method == "POST" and form.is_valid():
        try:
            learner, password = learner_register_assisted(
                partner=partner, acting_user=request.user, **form.service_arguments()
            )
        except ValidationError as error:  # includes TransitionNotAllowed
            form.add_error(None, error)
        else:
            if learner is None:
                # An e-mail address was given: the person is contacted there, and the page says
                # the same whether or not the address had an account (docs/decisions/0015);
                # `password` is then the confirmation code to hand them, drawn for every address.
                request.session[CONFIRMATION_CODE_KEY] = {
                    "partner_id": partner.pk,
                    "code": password,
                }
                return redirect("assisted:contacted", slug=partner.slug)
            _remember_for_slip(request, partner, learner, password)
            messages.success(request, _("The learner is registered and verified."))
            return redirect("assisted:slip", slug=partner.slug)
    return render(request, "learners/assisted/register.html", {"partner": partner, "form": form})


@never_cache
@require_GET
def contacted(request: HttpRequest, slug: str) -> HttpResponse:
    """After a registration with an e-mail address: one page for every outcome, with the
    confirmation code to hand the person (shown once)."""
    partner = partner_get_for_staff_or_404(request.user, slug)
    remembered = request.session.pop(CONFIRMATION_CODE_KEY, None)
    code = remembered["code"] if remembered and remembered.get("partner_id") == partner.pk else ""
    context = {"partner": partner, "code": confirmation_code_display(code)}
    return render(request, "learners/assisted/contacted.html", context)


@never_cache
@require_GET
def slip(request: HttpRequest, slug: str) -> HttpResponse:
    partner = partner_get_for_staff_or_404(request.user, slug)
    remembered = request.session.get(SLIP_LEARNER_KEY)
    if not remembered or remembered.get("partner_id") != partner.pk:
        return render(request, "learners/assisted/slip_none.html", {"partner": partner})
    try:
        learner = assisted_learner_get_for_staff_or_404(
            user=request.user, partner=partner, learner_id=remembered["user_id"]
        )
    except Http404:
        request.session.pop(SLIP_LEARNER_KEY, None)
        return render(request, "learners/assisted/slip_none.html", {"partner": partner})
    secret = request.session.pop(SLIP_PASSWORD_KEY, None)
    password = secret["password"] if secret and secret.get("user_id") == learner.pk else None
    site = site_url()
    context = {
        "partner": partner,
        "learner": learner,
        "login_code": login_code_display(learner.login_code or ""),
        "password": password,
        "can_issue_password": learner_password_resettable(learner),
        "site_url": site,
        "site_host": urlsplit(site).netloc or site,
    }
    return render(request, "learners/assisted/slip.html", context)


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    """The link e-mailed to someone registered in person with an address: entering the
    confirmation code staff handed them creates their account (a GET alone changes nothing: mail
    scanners open links; the link alone changes nothing either: the address may be mistyped) and
    shows them, once, a one-time password to sign in with; they then choose their own."""
    context: dict = {"token": token}
    if request.user.is_authenticated:
        context["state"] = "signed_in"
        return render(request, "learners/assisted/confirm.html", context)
    if request.method == "GET":
        pending = pending_registration_for_token(token)
        context["state"] = "ready" if pending else "invalid"
        context["partner"] = pending.partner if pending else None
        return render(request, "learners/assisted/confirm.html", context)
    outcome, password = learner_register_assisted_confirm(
        token=token, code=request.POST.get("code", "")
    )
    if outcome == "wrong_code":
        pending = pending_registration_for_token(token)
        context.update(state="ready", partner=pending.partner if pending else None)
        context["code_error"] = _(
            "This is not the confirmation code. Check the code the organisation gave you and "
            "try again; after a few wrong tries the link stops working."
        )
        return render(request, "learners/assisted/confirm.html", context, status=400)
    context.update(state=outcome, password=password)
    return render(request, "learners/assisted/confirm.html", context)


@require_POST
def new_password(request: HttpRequest, slug: str, user_id: int) -> HttpResponse:
    partner = partner_get_for_staff_or_404(request.user, slug)
    learner = assisted_learner_get_for_staff_or_404(
        user=request.user, partner=partner, learner_id=user_id
    )
    try:
        password = learner_reset_one_time_password(
            learner=learner, partner=partner, acting_user=request.user
        )
    except TransitionNotAllowed as error:
        raise Http404 from error
    _remember_for_slip(request, partner, learner, password)
    messages.success(request, _("A new one-time password was issued; the old one no longer works."))
    return redirect("assisted:slip", slug=partner.slug)
