"""Django admin for programme staff: partners and their staff set-up, read-mostly.

Deliberately NOT registered: Application and EvidenceDocument. Programme admins must never see
individual applicants (refugee data can put lives at risk); only a partner's own staff see
them, through the permission-checked and audited review pages. Do not add them here.

Writes that have rules (who may join, the last coordinator, keys shown once, invitations
e-mailed) go through services and the /staff/ pages, so those models are read-only here.
"""

from django.contrib import admin

from portal.admin_base import StrictAdmin

from .forms.manage import PartnerForm
from .models import InvitationBatch, Membership, Partner, PartnerApiKey, StaffInvitation
from .services.partners import partner_create, partner_update


class ReadOnlyAdmin(StrictAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Partner)
class PartnerAdmin(StrictAdmin):
    list_display = ["name", "slug", "is_active", "verification_validity_days", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["name", "slug"]
    readonly_fields = ["created_at"]
    fields = [
        "name",
        "slug",
        "countries",
        "contact_email",
        "contact_phone",
        "contact_details",
        "description",
        "verification_validity_days",
        "is_active",
        "created_at",
    ]

    # The same form as /staff/partners/: it refuses reserved slugs with a clear message.
    form = PartnerForm

    def save_model(self, request, obj, form, change):
        # Through the services, so the audit log applies here too.
        values = form.service_kwargs()
        if change:
            saved = partner_update(
                partner=Partner.objects.get(pk=obj.pk), acting_user=request.user, **values
            )
        else:
            saved = partner_create(acting_user=request.user, **values)
        obj.pk = saved.pk

    def has_delete_permission(self, request, obj=None):
        # Applications point at their partner (PROTECT); deactivate a partner instead.
        return False


@admin.register(Membership)
class MembershipAdmin(ReadOnlyAdmin):
    """Memberships are made by accepting an invitation and changed by coordinators."""

    list_display = ["user", "partner", "role", "created_at"]
    list_filter = ["role", "partner"]
    search_fields = ["user__email", "partner__name"]
    list_select_related = ["user", "partner"]

    def has_delete_permission(self, request, obj=None):
        return False  # the last-coordinator rule lives in partners.services.staff


@admin.register(StaffInvitation)
class StaffInvitationAdmin(ReadOnlyAdmin):
    list_display = [
        "email",
        "partner",
        "role",
        "created_at",
        "expires_at",
        "accepted_at",
        "revoked_at",
    ]
    list_filter = ["role", "partner"]
    search_fields = ["email", "partner__name"]
    list_select_related = ["partner"]
    # Only the token's hash is stored; the link itself went out by e-mail and cannot be shown.
    exclude = ["token_hash"]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PartnerApiKey)
class PartnerApiKeyAdmin(ReadOnlyAdmin):
    """Keys are created by a partner's coordinator and shown to them once; here only the
    prefix, hash and dates can be seen."""

    list_display = ["name", "partner", "prefix", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["partner"]
    search_fields = ["name", "prefix", "partner__name"]
    list_select_related = ["partner"]
    readonly_fields = [
        "partner",
        "name",
        "prefix",
        "key_hash",
        "created_by",
        "created_at",
        "last_used_at",
        "revoked_at",
    ]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(InvitationBatch)
class InvitationBatchAdmin(ReadOnlyAdmin):
    """Uploads of learner invitations: counts and status only (the rows hold prospective
    learners' addresses and are shown to the partner's coordinators only)."""

    list_display = ["pk", "partner", "created_at", "status", "total"]
    list_filter = ["status", "partner"]
    list_select_related = ["partner"]
    fields = ["partner", "created_by", "created_at", "status", "total"]
    readonly_fields = fields

    def has_delete_permission(self, request, obj=None):
        return False
