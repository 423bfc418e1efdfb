"""Admin building blocks shared by the apps."""

from django.contrib import admin
from django.db.models.constants import LOOKUP_SEP


class StrictLookupsMixin:
    """Filtering by URL parameters only through the list's own filters and date hierarchy.

    Django lets a URL filter a list by any field of the model itself (`?subject_name__startswith=
    Z`, `?data__reason__icontains=...`): the number of rows found would answer questions about
    fields that no page shows (docs/decisions/0014). Here every other parameter is refused (400).
    """

    def lookup_allowed(self, lookup, value, request=None):
        names = set()
        filters = self.get_list_filter(request) if request is not None else self.list_filter
        for item in filters:
            if isinstance(item, str):
                names.add(item)
            elif isinstance(item, (tuple, list)):
                names.add(item[0])
            elif getattr(item, "parameter_name", None):
                names.add(item.parameter_name)
        if self.date_hierarchy:
            names.add(self.date_hierarchy)
        if not any(lookup == name or lookup.startswith(name + LOOKUP_SEP) for name in names):
            return False
        return super().lookup_allowed(lookup, value, request)


class StrictAdmin(StrictLookupsMixin, admin.ModelAdmin):
    """The base of the portal's model admins."""


class ReadOnlyAdmin(StrictAdmin):
    """For records the admin may look at but never add, change or delete (audit events, issued
    credentials, exports): their changes go through the services that keep their rules."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
