"""The course catalogue (public) and enrolling (verified learners).

Thin: a selector or a service, a template. Anyone may browse; only learners enrol (others get
404), and the service decides whether they may (verified, not enrolled yet, a seat or the
waiting list).
"""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ..errors import EnrolmentNotAllowed
from ..forms.catalogue import CatalogueFilterForm
from ..models import EnrolmentStatus
from ..permissions import can_enrol, learner_may_enrol_now
from ..selectors import (
    catalogue_cached,
    catalogue_page,
    catalogue_providers,
    catalogue_subjects,
    course_get_public_or_404,
    enrolment_live_for_learner,
)
from ..services.enrolments import enrolment_request


@login_not_required
@require_GET
def catalogue(request: HttpRequest) -> HttpResponse:
    def results() -> str:
        form = CatalogueFilterForm(
            request.GET or None, subjects=catalogue_subjects(), providers=catalogue_providers()
        )
        filters = form.filters()
        page = catalogue_page(filters, request.GET.get("page"))
        return render_to_string(
            "credentials/partials/catalogue_results.html",
            {"form": form, "page": page, "is_filtered": any(filters.__dict__.values())},
            request=request,
        )

    # The same for every visitor: cached by language and query (see catalogue_cached).
    query = urlencode(sorted(request.GET.lists()), doseq=True)
    html = catalogue_cached(f"{get_language()}?{query}", results)
    return render(request, "credentials/catalogue/catalogue.html", {"results": mark_safe(html)})  # noqa: S308 — our own rendered template


@login_not_required
@require_GET
def course_detail(request: HttpRequest, pk: int) -> HttpResponse:
    course = course_get_public_or_404(pk)
    is_learner = can_enrol(request.user)
    enrolment = enrolment_live_for_learner(request.user, course) if is_learner else None
    return render(
        request,
        "credentials/catalogue/course.html",
        {
            "course": course,
            "is_learner": is_learner,
            "enrolment": enrolment,
            "may_enrol": is_learner and enrolment is None and learner_may_enrol_now(request.user),
        },
    )


@require_POST
def course_enrol(request: HttpRequest, pk: int) -> HttpResponse:
    if not can_enrol(request.user):
        raise Http404
    course = course_get_public_or_404(pk)
    try:
        enrolment = enrolment_request(learner=request.user, course=course, acting_user=request.user)
    except EnrolmentNotAllowed as error:
        messages.error(request, " ".join(error.messages))
        return redirect("courses:course", pk=course.pk)
    if enrolment.status == EnrolmentStatus.WAITLISTED:
        messages.info(
            request,
            _(
                "All the seats of your partner organisation for %(course)s are taken, so you are "
                "on the waiting list. You will get a place as soon as one is free."
            )
            % {"course": course.title},
        )
    else:
        messages.success(
            request,
            _(
                "You have a place in %(course)s. Your access is being set up: the instructions "
                "appear below as soon as they are ready."
            )
            % {"course": course.title},
        )
    return redirect("learners:dashboard")
