"""A learner's data rights: download their data, delete their account (learners only)."""

from django.contrib.auth import logout
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from portal.storage import private_storage

from .forms_data import ErasureForm, confirmation_word
from .selectors import data_export_in_progress, data_export_is_downloadable, data_export_latest
from .services.data_rights import (
    learner_account_erase,
    learner_data_export_downloaded,
    learner_data_export_request,
)
from .views import learner_only


@learner_only
@require_http_methods(["GET", "POST"])
def data(request: HttpRequest) -> HttpResponse:
    """The learner's data page: ask for a copy, follow it being prepared, download it."""
    if request.method == "POST":
        learner_data_export_request(acting_user=request.user)
        return redirect("learners:data")
    export = data_export_latest(request.user)
    return render(
        request,
        "learners/data/data.html",
        {
            "export": export,
            "running": data_export_in_progress(export),
            "downloadable": data_export_is_downloadable(export),
            "expired": export is not None
            and not data_export_is_downloadable(export)
            and bool(export.expires_at and export.expires_at <= timezone.now()),
        },
    )


@learner_only
@require_GET
def data_download(request: HttpRequest) -> FileResponse:
    """The learner's own latest copy, for 24 hours; there is no way to name anyone else's."""
    export = data_export_latest(request.user)
    if not data_export_is_downloadable(export):
        raise Http404
    try:
        handle = private_storage().open(export.file_name, "rb")
    except FileNotFoundError as error:
        raise Http404 from error
    learner_data_export_downloaded(export=export, acting_user=request.user)
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=f"my-data-{export.created_at:%Y-%m-%d}.json",
        content_type="application/json",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@learner_only
@require_http_methods(["GET", "POST"])
def data_delete(request: HttpRequest) -> HttpResponse:
    form = ErasureForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = request.user
        try:
            learner_account_erase(
                user=user, credentials=form.cleaned_data["credentials"], acting_user=user
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            choice = form.cleaned_data["credentials"]
            logout(request)
            # Rendered here rather than after a redirect: the visitor is signed out now.
            return render(request, "learners/data/deleted.html", {"choice": choice})
    return render(request, "learners/data/delete.html", {"form": form, "word": confirmation_word()})
