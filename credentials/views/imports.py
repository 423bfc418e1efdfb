"""Provider API keys and completion files (programme admins, /staff/programme/...) and bulk
enrolment files (a partner's coordinators, /staff/<slug>/enrolments/bulk/...).

Thin: authorise through a selector (404 for anyone else), call a service, render. A completion
file's rows are shown only to the admin who uploaded it; a bulk enrolment file's rows to the
partner's coordinators.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from partners.permissions import is_programme_admin
from portal.csv_upload import csv_download, csv_upload_view, upload_results_context

from ..forms.imports import BulkEnrolmentUploadForm, CompletionUploadForm, ProviderApiKeyCreateForm
from ..models import ImportJob
from ..selectors import partner_get_for_coordinator_or_404
from ..selectors_imports import (
    bulk_enrolment_courses,
    bulk_job_get_for_coordinator_or_404,
    bulk_jobs_of_partner,
    completion_job_get_for_admin_or_404,
    completion_jobs_for_admin,
    import_problem_rows,
    import_result_counts,
    import_rows_page,
    provider_api_key_get_for_admin_or_404,
    provider_api_keys_for_admin,
)
from ..services.imports import (
    COMPLETION_COLUMNS,
    bulk_enrolment_create,
    completion_import_create,
    reason_text,
    result_label,
)
from ..services.provider_keys import provider_api_key_create, provider_api_key_revoke


def _admin_only(request: HttpRequest) -> None:
    if not is_programme_admin(request.user):
        raise Http404


# --- provider API keys (programme admins) -------------------------------------------------------


def _provider_keys_page(request, form, new_key=None, plaintext="") -> HttpResponse:
    return render(
        request,
        "credentials/imports/provider_keys.html",
        {
            "keys": list(provider_api_keys_for_admin(request.user)),
            "form": form,
            "new_key": new_key,
            "plaintext": plaintext,
            "api_path": reverse("credentials_api:completions"),
            "section": "provider_keys",
        },
    )


@require_http_methods(["GET"])
def provider_keys(request: HttpRequest) -> HttpResponse:
    _admin_only(request)
    return _provider_keys_page(request, ProviderApiKeyCreateForm())


@never_cache
@require_POST
def provider_key_create(request: HttpRequest) -> HttpResponse:
    _admin_only(request)
    form = ProviderApiKeyCreateForm(request.POST)
    if form.is_valid():
        try:
            key, plaintext = provider_api_key_create(
                provider=form.cleaned_data["provider"],
                name=form.cleaned_data["name"],
                acting_user=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            # Shown in this response only; the portal keeps nothing but its hash.
            return _provider_keys_page(request, ProviderApiKeyCreateForm(), key, plaintext)
    return _provider_keys_page(request, form)


@require_POST
def provider_key_revoke(request: HttpRequest, key_id: int) -> HttpResponse:
    key = provider_api_key_get_for_admin_or_404(request.user, key_id)
    try:
        provider_api_key_revoke(key=key, acting_user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("The key “%(name)s” was revoked; systems using it are now refused.")
            % {"name": key.name},
        )
    return redirect("programme:provider_keys")


# --- results pages and error reports (both kinds) -----------------------------------------------


def _job_page(request, template: str, job: ImportJob, errors_url: str, extra: dict) -> HttpResponse:
    return render(
        request,
        template,
        {
            "job": job,
            **upload_results_context(
                upload=job,
                processed=job.processed,
                counts=import_result_counts(job),
                page=import_rows_page(job, request.GET.get("page")),
                cells_heading=_("E-mail, course and reason"),
                errors_url=errors_url,
            ),
            **extra,
        },
    )


def _problem_report(job: ImportJob, columns: tuple[str, ...], filename: str) -> HttpResponse:
    return csv_download(
        filename,
        ["line", *columns, "result", "reason"],
        (
            [
                row.line,
                *(row.values.get(column, "") for column in columns),
                result_label(job.kind, row.result),
                reason_text(row.message),
            ]
            for row in import_problem_rows(job)
        ),
    )


# --- completion files (programme admins) --------------------------------------------------------


@require_http_methods(["GET", "POST"])
def completions_import(request: HttpRequest) -> HttpResponse:
    _admin_only(request)
    return csv_upload_view(
        request,
        form=CompletionUploadForm(request.POST or None, request.FILES or None),
        create=lambda data: completion_import_create(
            provider=data["provider"], csv_file=data["csv_file"], acting_user=request.user
        ),
        done=lambda job: (
            _("The file was read: %(total)d lines. They are being recorded.")
            % {"total": job.total},
            reverse("programme:completions_job", kwargs={"job_id": job.pk}),
        ),
        template="credentials/imports/completions.html",
        context=lambda: {"jobs": completion_jobs_for_admin(request.user), "section": "completions"},
    )


@never_cache
@require_http_methods(["GET"])
def completions_job(request: HttpRequest, job_id: int) -> HttpResponse:
    job = completion_job_get_for_admin_or_404(request.user, job_id)
    return _job_page(
        request,
        "credentials/imports/completions_job.html",
        job,
        reverse("programme:completions_errors", kwargs={"job_id": job.pk}),
        {"section": "completions"},
    )


@require_http_methods(["GET"])
def completions_errors(request: HttpRequest, job_id: int) -> HttpResponse:
    job = completion_job_get_for_admin_or_404(request.user, job_id)
    return _problem_report(job, COMPLETION_COLUMNS, f"completions-{job.pk}-problems.csv")


# --- bulk enrolment files (a partner's coordinators) --------------------------------------------


@require_http_methods(["GET", "POST"])
def bulk_enrolment(request: HttpRequest, slug: str) -> HttpResponse:
    partner = partner_get_for_coordinator_or_404(request.user, slug)
    return csv_upload_view(
        request,
        form=BulkEnrolmentUploadForm(request.POST or None, request.FILES or None),
        create=lambda data: bulk_enrolment_create(
            partner=partner, csv_file=data["csv_file"], acting_user=request.user
        ),
        done=lambda job: (
            _("The file was read: %(total)d lines. The learners are being enrolled.")
            % {"total": job.total},
            reverse("seats:bulk_enrolment_job", kwargs={"slug": partner.slug, "job_id": job.pk}),
        ),
        template="credentials/imports/bulk_enrolment.html",
        context=lambda: {
            "partner": partner,
            "jobs": bulk_jobs_of_partner(partner),
            "courses": list(bulk_enrolment_courses(partner)),
            "section": "bulk_enrolment",
        },
    )


@never_cache
@require_http_methods(["GET"])
def bulk_enrolment_job(request: HttpRequest, slug: str, job_id: int) -> HttpResponse:
    partner = partner_get_for_coordinator_or_404(request.user, slug)
    job = bulk_job_get_for_coordinator_or_404(request.user, partner, job_id)
    return _job_page(
        request,
        "credentials/imports/bulk_enrolment_job.html",
        job,
        reverse("seats:bulk_enrolment_errors", kwargs={"slug": partner.slug, "job_id": job.pk}),
        {"partner": partner, "section": "bulk_enrolment"},
    )


@require_http_methods(["GET"])
def bulk_enrolment_errors(request: HttpRequest, slug: str, job_id: int) -> HttpResponse:
    partner = partner_get_for_coordinator_or_404(request.user, slug)
    job = bulk_job_get_for_coordinator_or_404(request.user, partner, job_id)
    return _problem_report(job, ("email", "course"), f"bulk-enrolment-{job.pk}-problems.csv")
