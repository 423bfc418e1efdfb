"""Staff review pages (/staff/...): a partner's queue, an application, decisions, documents.

Every page resolves the partner with `partner_get_for_staff_or_404`, so staff of another partner,
learners and programme admins get 404; applications and documents are then looked up within
that partner only.
"""

from dataclasses import dataclass, replace
from urllib.parse import urlencode

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ..errors import TransitionNotAllowed
from ..forms.review import ALL_STATUSES, DECISION_FORMS, DecisionForm, QueueFilterForm
from ..models import Application, ApplicationStatus, DocumentKind, Partner
from ..permissions import can_coordinate, membership_for
from ..selectors import (
    QueueFilters,
    application_get_for_reviewer_or_404,
    application_queue,
    document_get_for_download_or_404,
    partner_get_for_staff_or_404,
    partners_for_staff,
)
from ..services.applications import (
    Decision,
    application_decide,
    application_viewed,
    case_number_reveal,
)
from ..services.digest import membership_digest_set
from ..services.documents import document_download_record

DOCUMENT_TYPES = {
    DocumentKind.PDF: ("application/pdf", "pdf"),
    DocumentKind.JPEG: ("image/jpeg", "jpg"),
    DocumentKind.PNG: ("image/png", "png"),
}


# --- staff home ---------------------------------------------------------------------------------


@never_cache
@require_GET
def staff_home(request: HttpRequest) -> HttpResponse:
    """The partners the staff member works for; with only one, straight to its queue."""
    if not request.user.is_partner_staff:
        raise Http404
    partners = list(partners_for_staff(request.user))
    if len(partners) == 1:
        return redirect("partners:queue", slug=partners[0].slug)
    return render(request, "partners/review/home.html", {"partners": partners})


# --- the queue ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueRow:
    application: Application
    age_days: int


@dataclass(frozen=True)
class StatusTab:
    value: str
    label: str
    count: int
    active: bool
    query: str


def _filter_params(filters: QueueFilters) -> dict[str, str]:
    """The non-secret filters, as they travel in links and hidden fields (never the search)."""
    params = {"status": filters.status or ALL_STATUSES}
    if filters.country:
        params["country"] = filters.country
    if filters.older_than_days:
        params["age"] = str(filters.older_than_days)
    return params


def _status_tabs(filters: QueueFilters, counts: dict[str, int]) -> list[StatusTab]:
    params = _filter_params(filters)
    tabs = [
        StatusTab(
            value=ALL_STATUSES,
            label=_("All"),
            count=sum(counts.values()),
            active=not filters.status,
            query=urlencode({**params, "status": ALL_STATUSES}),
        )
    ]
    for value, label in ApplicationStatus.choices:
        tabs.append(
            StatusTab(
                value=value,
                label=str(label),
                count=counts.get(value, 0),
                active=filters.status == value,
                query=urlencode({**params, "status": value}),
            )
        )
    return tabs


@never_cache
@require_http_methods(["GET", "POST"])
def queue(request: HttpRequest, slug: str) -> HttpResponse:
    """Oldest first, one page at a time. Browsing is GET; a search is POST so the case number
    or e-mail typed never appears in a URL (history, access logs, a login redirect)."""
    partner = partner_get_for_staff_or_404(request.user, slug)
    searching = request.method == "POST"
    data = request.POST if searching else request.GET
    form = QueueFilterForm(data, partner=partner)
    form.is_valid()
    filters = form.filters()
    if not searching:
        filters = replace(filters, search="")
    elif not filters.search:
        # Nothing to search for: back to the plain, linkable queue.
        return redirect(f"{reverse('partners:queue', args=[partner.slug])}?{_query(filters)}")
    page = application_queue(partner=partner, filters=filters, cursor=data.get("cursor", ""))
    today = timezone.localdate()
    rows = [
        QueueRow(application=a, age_days=(today - timezone.localdate(a.submitted_at)).days)
        for a in page.applications
    ]
    context = {
        "partner": partner,
        "is_coordinator": can_coordinate(request.user, partner),
        "form": form,
        "filters": filters,
        "filter_params": _filter_params(filters),
        "filter_query": _query(filters),
        "searching": searching,
        "rows": rows,
        "tabs": _status_tabs(filters, page.counts),
        "next_cursor": page.next_cursor,
        "next_query": _query(filters, cursor=page.next_cursor) if page.next_cursor else "",
        "first_page": not data.get("cursor"),
        "digest_enabled": membership_for(request.user, partner).digest_enabled,
    }
    return render(request, "partners/review/queue.html", context)


@require_POST
def digest_toggle(request: HttpRequest, slug: str) -> HttpResponse:
    """The staff member turns their own daily summary e-mail for this partner on or off."""
    partner = partner_get_for_staff_or_404(request.user, slug)
    enabled = request.POST.get("enabled") == "1"
    membership_digest_set(user=request.user, partner_id=partner.pk, enabled=enabled)
    messages.success(
        request,
        _("You will receive the daily summary.")
        if enabled
        else _("You will no longer receive the daily summary."),
    )
    return redirect("partners:queue", slug=partner.slug)


def _query(filters: QueueFilters, **extra: str) -> str:
    return urlencode({**_filter_params(filters), **extra})


# --- one application ----------------------------------------------------------------------------


def _render_application(
    request: HttpRequest,
    partner: Partner,
    application: Application,
    *,
    bound: DecisionForm | None = None,
    status: int = 200,
) -> HttpResponse:
    # Every time the record is shown, the audit log says who saw it and when.
    application_viewed(application=application, acting_user=request.user)
    decision_forms = {value: form_class() for value, form_class in DECISION_FORMS.items()}
    if bound is not None:
        decision_forms[bound.decision_value] = bound
    documents = list(application.documents.all())
    documents_checking = any(d.is_checking for d in documents)
    context = {
        "partner": partner,
        "application": application,
        "case_number": case_number_reveal(application),
        "documents": documents,
        "documents_checking": documents_checking,
        "can_decide": application.status == ApplicationStatus.SUBMITTED,
        # No verification on evidence the reviewer cannot open yet (application_decide refuses
        # it); asking for more information or not verifying can be done meanwhile.
        "can_approve": application.status == ApplicationStatus.SUBMITTED and not documents_checking,
        "decision_forms": decision_forms,
    }
    return render(request, "partners/review/application.html", context, status=status)


@never_cache
@require_GET
def application_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    partner = partner_get_for_staff_or_404(request.user, slug)
    application = application_get_for_reviewer_or_404(request.user, pk, partner)
    return _render_application(request, partner, application)


def _success_message(decision: str) -> str:
    if decision == Decision.APPROVE:
        return _("Application %(id)s is verified. The learner has been told.")
    if decision == Decision.REQUEST_INFO:
        return _("The learner has been asked for more information about application %(id)s.")
    return _("Application %(id)s is not verified. The learner has been told.")


@never_cache
@require_POST
def decide(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    partner = partner_get_for_staff_or_404(request.user, slug)
    application = application_get_for_reviewer_or_404(request.user, pk, partner)
    form_class = DECISION_FORMS.get(request.POST.get("decision", ""))
    if form_class is None:
        messages.error(request, _("Unknown decision. Please choose one of the buttons below."))
        return _render_application(request, partner, application, status=400)
    form = form_class(request.POST)
    if not form.is_valid():
        return _render_application(request, partner, application, bound=form, status=400)
    try:
        application_decide(
            application=application,
            decision=form.decision_value,
            acting_user=request.user,
            **form.service_arguments(),
        )
    except TransitionNotAllowed as error:
        messages.error(request, " ".join(error.messages))
        return _render_application(request, partner, application, bound=form, status=409)
    messages.success(request, _success_message(form.decision_value) % {"id": application.pk})
    return redirect("partners:queue", slug=partner.slug)


# --- documents ----------------------------------------------------------------------------------


@require_GET
def document_download(request: HttpRequest, slug: str, pk: int) -> FileResponse:
    """A document, as a download only: never shown inline, never cached, never sniffed."""
    partner = partner_get_for_staff_or_404(request.user, slug)
    document = document_get_for_download_or_404(request.user, pk)
    if document.application.partner_id != partner.pk or not document.is_ready:
        raise Http404
    try:
        handle = document.file.storage.open(document.file.name, "rb")
    except FileNotFoundError as error:
        raise Http404 from error
    content_type, extension = DOCUMENT_TYPES[document.kind]
    document_download_record(document=document, partner_id=partner.pk, acting_user=request.user)
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=f"document-{document.pk}.{extension}",
        content_type=content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
