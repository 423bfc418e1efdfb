"""Exports and report deliveries in the Django admin: read-only, for oversight. The files
themselves are never offered here: only the person who asked downloads an export."""

from django.contrib import admin

from portal.admin_base import ReadOnlyAdmin

from .models import ExportJob, ReportDelivery


@admin.register(ExportJob)
class ExportJobAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "kind", "requested_by", "partner", "status", "rows", "expires_at"]
    list_filter = ["kind", "status"]
    list_select_related = ["requested_by", "partner"]
    date_hierarchy = "created_at"
    exclude = ["file_name"]


@admin.register(ReportDelivery)
class ReportDeliveryAdmin(ReadOnlyAdmin):
    list_display = ["month", "report", "partner", "recipients", "sent_at"]
    list_filter = ["report", "month"]
    list_select_related = ["partner"]
