from django.contrib import admin

from .models import LearnerProfile


@admin.register(LearnerProfile)
class LearnerProfileAdmin(admin.ModelAdmin):
    """Read-only, for programme admins answering support questions.

    The list shows no personal data beyond the name on certificates; the phone number (assisted
    registration) and the country of origin are never shown. Profiles change only through the
    learner's own pages (services), never here.
    """

    list_display = ["display_name", "consent_version", "consent_at", "created_at"]
    list_filter = ["consent_version"]
    search_fields = ["display_name"]
    date_hierarchy = "created_at"
    fields = [
        "display_name",
        "country_of_residence",
        "consent_version",
        "consent_at",
        "created_at",
        "updated_at",
    ]
    readonly_fields = fields
    show_full_result_count = False

    def has_module_permission(self, request):
        return _is_programme_admin(request)

    def has_view_permission(self, request, obj=None):
        return _is_programme_admin(request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def _is_programme_admin(request) -> bool:
    user = request.user
    return user.is_active and user.is_staff and (user.is_programme_admin or user.is_superuser)
