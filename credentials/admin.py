"""Django admin for programme staff: providers and their catalogue, voucher codes, and a
read-only view of seat allocations.

Deliberately NOT registered: Enrolment. It ties a learner to a partner (and so to their
verification); programme admins never see individual learners. Coordinators see their own
partner's enrolments on /staff/<slug>/enrolments/.

Seats are set on /staff/programme/seats/, through the service that also enrols waiting learners;
codes are imported in bulk on /staff/programme/codes/.

Credentials, signing keys and status lists are read-only here: credentials are issued by the
completion flow and revoked on /staff/programme/credentials/ (which re-signs the status list).
The credential pages show no learner name, and no course for a credential its learner hid; a
signing key's private part is never shown.
"""

from django.contrib import admin
from django.db import models
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from portal.admin_base import ReadOnlyAdmin, StrictAdmin

from .forms.staff import ProviderAdminForm
from .models import AccessCode, Course, Credential, IssuerKey, Provider, SeatAllocation, StatusList
from .services.providers import provider_save_in_admin


@admin.register(Provider)
class ProviderAdmin(StrictAdmin):
    form = ProviderAdminForm
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ["name", "slug", "access_method", "has_api_token", "is_active"]
    list_filter = ["access_method", "is_active"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    fieldsets = [
        (None, {"fields": ["name", "slug", "website", "access_method", "is_active"]}),
        (
            _("Provider API"),
            {"fields": ["api_enrolment_url", "api_token", "clear_api_token", "requires_email"]},
        ),
    ]

    @admin.display(boolean=True, description=_("API token stored"))
    def has_api_token(self, obj: Provider) -> bool:
        return bool(obj.api_token_encrypted)

    def save_model(self, request, obj, form, change):
        provider_save_in_admin(
            provider=obj,
            changed_fields=list(form.changed_data),
            created=not change,
            acting_user=request.user,
        )

    def has_delete_permission(self, request, obj=None):
        # Courses and enrolments point at their provider; deactivate a provider instead.
        return False


@admin.register(Course)
class CourseAdmin(StrictAdmin):
    list_display = ["title", "provider", "subject", "language", "level", "is_active"]
    list_filter = ["is_active", "language", "level", "provider"]
    search_fields = ["title", "external_id", "subject"]
    list_select_related = ["provider"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    fields = [
        "provider",
        "external_id",
        "title",
        "description",
        "subject",
        "language",
        "level",
        "link",
        "is_active",
    ]

    def has_delete_permission(self, request, obj=None):
        # Enrolments point at their course; deactivate a course to hide it instead.
        return False


@admin.register(SeatAllocation)
class SeatAllocationAdmin(StrictAdmin):
    """Read-only: seats change on /staff/programme/seats/, which also enrols waiting learners.
    The seats used (people) are not shown: that page shows them protected, like every count of
    people (reporting/suppression.py)."""

    list_display = ["partner", "provider", "total", "updated_at"]
    list_filter = ["provider"]
    search_fields = ["partner__name", "provider__name"]
    list_select_related = ["partner", "provider"]
    fields = ["partner", "provider", "total", "updated_at"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AccessCode)
class AccessCodeAdmin(StrictAdmin):
    """Codes are shown (admins manage them); who received one is not (that is a learner), nor
    whether or when one was given out: a filter or column of that counts enrolments exactly, with
    their times. The codes page says whether any code is left."""

    list_display = ["code", "provider", "imported_at"]
    list_filter = ["provider"]
    search_fields = ["=code"]
    list_select_related = ["provider"]
    fields = ["provider", "code", "imported_at"]
    readonly_fields = ["imported_at"]
    show_full_result_count = False

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.enrolment_id is not None:
            return self.fields  # a code given to a learner stays as it was
        return super().get_readonly_fields(request, obj)

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or obj.enrolment_id is None)

    def get_deleted_objects(self, objs, request):
        # Bulk deletion from the list: only unused codes may go.
        used = [obj for obj in objs if obj.enrolment_id is not None]
        deleted, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        if used:
            protected = [*protected, *used]
        return deleted, model_count, perms_needed, protected

    def delete_queryset(self, request, queryset):
        queryset.filter(enrolment__isnull=True).delete()


@admin.register(Credential)
class CredentialAdmin(ReadOnlyAdmin):
    """Issued credentials, read-only. Revoke on the staff page (it re-signs the status list).

    Never the learner, their name (subject_name) or the enrolment (which names the partner); the
    code only as a prefix (the whole code opens the public page). A credential its learner hid
    from the public page shows no course either: only that it exists and its status.
    """

    list_display = ["code_prefix", "course_shown", "status", "issued_at"]
    list_filter = ["status"]
    search_fields = ["=code"]
    list_select_related = ["course"]
    show_full_result_count = False
    fields = [
        "code_prefix",
        "course_shown",
        "status",
        "issued_at",
        "is_public",
        "revoked_at",
        "revocation_reason",
        "status_list",
        "status_index",
        "revoke_link",
    ]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).defer("document", "subject_name")

    @admin.display(description=_("code"))
    def code_prefix(self, obj: Credential) -> str:
        return f"{obj.code[:8]}…"

    @admin.display(description=_("course"))
    def course_shown(self, obj: Credential) -> str:
        if not obj.is_public:
            return str(_("(hidden by the learner)"))
        return obj.course.title

    @admin.display(description=_("revoke"))
    def revoke_link(self, obj: Credential) -> str:
        return format_html(
            '<a href="{}">{}</a>',
            reverse("programme:credential_revoke", args=[obj.pk]),
            _("Revoke or see the revocation on the staff page"),
        )


@admin.register(IssuerKey)
class IssuerKeyAdmin(ReadOnlyAdmin):
    """The keys credentials are (or were) signed with: public parts only."""

    list_display = ["key_id", "did", "created_at", "retired_at", "compromised_since"]
    fields = [
        "key_id",
        "did",
        "public_key_multibase",
        "generated",
        "created_at",
        "retired_at",
        "compromised_since",
    ]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).defer("private_key_encrypted")


@admin.register(StatusList)
class StatusListAdmin(ReadOnlyAdmin):
    list_display = ["number", "length", "used", "updated_at"]
    fields = ["number", "length", "used", "updated_at"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).defer("document")
