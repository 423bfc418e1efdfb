"""Learner pages: profile and consent, a partner's join link, choosing a partner, and the
dashboard (applying and the learner's own application: views_applications.py).

Thin: who may come in, a selector or a service, a template. Every page here is for learners
only; anyone else gets 404, as if the page did not exist for them.
"""

from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from partners.models import DocumentKind, Partner
from partners.selectors import (
    document_get_for_download_or_404,
    partner_get_active_or_404,
)
from portal.services import message_channels_offered, user_message_channel_set

from .forms import MessageChannelForm, ProfileForm
from .selectors import (
    learner_dashboard,
    learner_live_application,
    partner_active_by_slug,
    partners_for_learner,
    profile_get_for_user,
)
from .services.profiles import PRIVACY_NOTICE_VERSION, learner_profile_save
from .status import learner_courses

# The partner whose join link the visitor followed; its form opens once they have a profile.
JOIN_SESSION_KEY = "learners_join_partner"

DOWNLOAD_TYPES = {
    DocumentKind.PDF: ("pdf", "application/pdf"),
    DocumentKind.JPEG: ("jpg", "image/jpeg"),
    DocumentKind.PNG: ("png", "image/png"),
}


def learner_only(view):
    """Learner pages do not exist for staff and programme admins: they get 404."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs):
        if not getattr(request.user, "is_learner", False):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapped


def _joined_partner(request: HttpRequest) -> Partner | None:
    slug = request.session.get(JOIN_SESSION_KEY)
    return partner_active_by_slug(slug) if slug else None


# --- profile and consent ------------------------------------------------------------------------


@learner_only
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    user = request.user
    existing = profile_get_for_user(user)
    if existing is not None:
        language = user.language
    else:
        # A newcomer has already picked a language on the way in (cookie or browser).
        current = translation.get_language() or ""
        language = current if current in dict(settings.LANGUAGES) else user.language
    consent_given = existing is not None and existing.consent_version == PRIVACY_NOTICE_VERSION
    form = ProfileForm(
        request.POST or None,
        instance=existing,
        language=language,
        consent_given=consent_given,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            learner_profile_save(
                user=user,
                display_name=data["display_name"],
                language=data["language"],
                country_of_residence=data["country_of_residence"],
                country_of_origin=data.get("country_of_origin") or "",
                consent=data["consent"],
                acting_user=user,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            # The rest of this visit, and every later one, in the language just chosen.
            translation.activate(data["language"])
            request.LANGUAGE_CODE = data["language"]
            messages.success(request, _("Your profile is saved."))
            response = redirect(_after_profile(request, created=existing is None))
            _set_language_cookie(response, data["language"])
            return response
    return render(
        request,
        "learners/profile.html",
        {"form": form, "is_new": existing is None, "privacy_version": PRIVACY_NOTICE_VERSION},
    )


@learner_only
@require_http_methods(["GET", "POST"])
def message_channel(request: HttpRequest) -> HttpResponse:
    """How the learner hears from us: SMS, e-mail or both, among those they can receive."""
    user = request.user
    offered = message_channels_offered(user)
    current = user.message_channels
    initial = "both" if len(current) == 2 else (current[0] if current else "")
    form = MessageChannelForm(request.POST or None, offered=offered, initial_channel=initial)
    if request.method == "POST" and len(offered) > 1 and form.is_valid():
        try:
            user_message_channel_set(
                user=user, channel=form.cleaned_data["channel"], acting_user=user
            )
        except ValidationError as error:
            form.add_error("channel", error)
        else:
            messages.success(request, _("Your choice is saved."))
            return redirect("learners:dashboard")
    return render(
        request,
        "learners/message_channel.html",
        {"form": form, "offered": offered, "current": current},
    )


def _after_profile(request: HttpRequest, *, created: bool) -> str:
    if not created or learner_live_application(request.user) is not None:
        return reverse("learners:dashboard")
    slug = request.session.get(JOIN_SESSION_KEY)
    if slug:
        return reverse("learners:apply", args=[slug])
    return reverse("learners:choose_partner")


def _set_language_cookie(response: HttpResponse, language: str) -> None:
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )


def profile_required(request: HttpRequest):
    profile_ = profile_get_for_user(request.user)
    if profile_ is None:
        messages.info(request, _("First, please tell us a little about yourself."))
    return profile_


# --- choosing a partner and applying ------------------------------------------------------------


@login_not_required
@require_GET
def join(request: HttpRequest, slug: str) -> HttpResponse:
    """A partner's public link: it remembers the partner through sign-up and onboarding."""
    partner = partner_get_active_or_404(slug)
    user = request.user
    is_learner = getattr(user, "is_learner", False)
    if not user.is_authenticated or is_learner:
        request.session[JOIN_SESSION_KEY] = partner.slug
    apply_url = reverse("learners:apply", args=[partner.slug])
    next_query = urlencode({"next": apply_url})
    return render(
        request,
        "learners/join.html",
        {
            "partner": partner,
            "apply_url": apply_url,
            "signup_url": f"{reverse('account_signup')}?{next_query}",
            "login_url": f"{reverse('account_login')}?{next_query}",
            "is_learner": is_learner,
            "live_application": learner_live_application(user) if is_learner else None,
        },
    )


@learner_only
@require_GET
def choose_partner(request: HttpRequest) -> HttpResponse:
    learner_profile = profile_required(request)
    if learner_profile is None:
        return redirect("learners:profile")
    if learner_live_application(request.user) is not None:
        messages.info(request, _("You already have an application. Here is where it stands."))
        return redirect("learners:dashboard")
    partners = partners_for_learner(learner_profile)
    joined = _joined_partner(request)
    if joined is not None and any(p.pk == joined.pk for p in partners):
        partners = [p for p in partners if p.pk != joined.pk]
    return render(
        request,
        "learners/choose_partner.html",
        {"profile": learner_profile, "partners": partners, "joined": joined},
    )


# --- dashboard and documents --------------------------------------------------------------------


@learner_only
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    data = learner_dashboard(request.user)
    if data.profile is None:
        messages.info(request, _("Welcome! First, please tell us a little about yourself."))
        return redirect("learners:profile")
    joined = None if data.has_live_application else _joined_partner(request)
    return render(
        request,
        "learners/dashboard.html",
        {
            "profile": data.profile,
            "application": data.current,
            "past_applications": data.past,
            "has_live_application": data.has_live_application,
            "joined": joined,
            "courses": learner_courses(data.enrolments, data.current),
            "latest_credentials": data.credentials,
        },
    )


@learner_only
@require_GET
def document_download(request: HttpRequest, pk: int) -> FileResponse:
    document = document_get_for_download_or_404(request.user, pk)
    # This is the learner's own page: only their own documents, never through a staff role.
    if document.application.learner_id != request.user.pk or not document.is_ready:
        raise Http404
    extension, content_type = DOWNLOAD_TYPES[document.kind]
    try:
        handle = document.file.storage.open(document.file.name, "rb")
    except FileNotFoundError as error:
        raise Http404 from error
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=f"document-{document.pk}.{extension}",
        content_type=content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
