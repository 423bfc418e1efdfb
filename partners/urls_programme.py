"""Partner organisations, for programme admins (/staff/partners/..., namespace ``programme``,
composed in config/urls_staff.py). Everyone else gets 404.
"""

from django.urls import path

from .views import manage

urlpatterns = [
    path("", manage.partner_list, name="partner_list"),
    path("new/", manage.partner_create, name="partner_create"),
    path("<slug:slug>/edit/", manage.partner_edit, name="partner_edit"),
    path(
        "<slug:slug>/invite-coordinator/",
        manage.partner_invite_coordinator,
        name="partner_invite_coordinator",
    ),
]
