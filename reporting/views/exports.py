"""Exports (/reports/exports/...): programme admins and coordinators ask for a CSV, watch it being
built (a page that refreshes itself, no JavaScript), and download it for 24 hours. An export is
only ever seen by the person who asked: anybody else, another admin too, gets 404."""

from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from portal.storage import private_storage

from ..forms import KIND_HELP, ExportRequestForm
from ..models import ExportJob
from ..selectors_exports import (
    can_request_exports,
    export_get_for_requester_or_404,
    export_is_downloadable,
    export_is_expired,
    export_percent,
    exports_of_user,
)
from ..services import export_downloaded, export_request

RUNNING = (ExportJob.Status.PENDING, ExportJob.Status.RUNNING)


def _file_name(job: ExportJob) -> str:
    scope = f"{job.partner.slug}-" if job.partner else ""
    return f"{job.kind.replace('_', '-')}-{scope}{job.created_at:%Y%m%d}-{job.pk}.csv"


def _exports_page(request: HttpRequest, form: ExportRequestForm) -> HttpResponse:
    jobs = exports_of_user(request.user)
    return render(
        request,
        "reporting/exports.html",
        {
            "form": form,
            "kind_help": {str(kind): text for kind, text in KIND_HELP.items()},
            "jobs": [
                (job, export_percent(job), export_is_downloadable(job), export_is_expired(job))
                for job in jobs
            ],
        },
    )


@never_cache
@require_http_methods(["GET", "POST"])
def export_list(request: HttpRequest) -> HttpResponse:
    if not can_request_exports(request.user):
        raise Http404
    if request.method == "GET":
        return _exports_page(request, ExportRequestForm(user=request.user))
    form = ExportRequestForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            job = export_request(
                kind=form.cleaned_data["kind"],
                partner=form.cleaned_data["partner"],
                acting_user=request.user,
            )
        except PermissionDenied:
            form.add_error(None, _("You cannot export these figures."))
        else:
            # No "being prepared" message: the export's own page says where it stands, and a
            # quick build is already ready when that page opens.
            return redirect("reporting:export", pk=job.pk)
    return _exports_page(request, form)


@never_cache
@require_http_methods(["GET"])
def export_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = export_get_for_requester_or_404(request.user, pk)
    return render(
        request,
        "reporting/exports_detail.html",
        {
            "job": job,
            "running": job.status in RUNNING,
            "percent": export_percent(job),
            "downloadable": export_is_downloadable(job),
            "expired": export_is_expired(job),
        },
    )


@require_http_methods(["GET"])
def export_download(request: HttpRequest, pk: int) -> HttpResponse:
    job = export_get_for_requester_or_404(request.user, pk)
    if export_is_expired(job):
        return render(request, "reporting/exports_expired.html", {"job": job}, status=410)
    if not export_is_downloadable(job):
        return redirect("reporting:export", pk=job.pk)
    try:
        handle = private_storage().open(job.file_name, "rb")
    except FileNotFoundError:
        return render(request, "reporting/exports_expired.html", {"job": job}, status=410)
    export_downloaded(job=job, acting_user=request.user)
    response = FileResponse(
        handle, as_attachment=True, filename=_file_name(job), content_type="text/csv; charset=utf-8"
    )
    response["Cache-Control"] = "private, no-store"
    return response
