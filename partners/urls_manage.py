"""Management pages under /staff/: partners (programme admins); a partner's team, API keys and
bulk invitations (its coordinators); accepting a staff invitation (the invited person).

The fixed first segments here ("partners", "invitations") are reserved partner slugs
(partners/services/partners.py RESERVED_SLUGS), so they never clash with /staff/<slug>/... pages.
"""

from django.urls import path

from .views import manage

urlpatterns = [
    # Programme admins
    path("partners/", manage.partner_list, name="partner_list"),
    path("partners/new/", manage.partner_create, name="partner_create"),
    path("partners/<slug:slug>/edit/", manage.partner_edit, name="partner_edit"),
    path(
        "partners/<slug:slug>/invite-coordinator/",
        manage.partner_invite_coordinator,
        name="partner_invite_coordinator",
    ),
    # The person invited to a partner's staff
    path("invitations/<str:token>/", manage.invitation_accept, name="invitation_accept"),
    # Coordinators of the partner
    path("<slug:slug>/team/", manage.team, name="team"),
    path("<slug:slug>/team/invite/", manage.staff_invite, name="staff_invite"),
    path("<slug:slug>/team/<int:membership_id>/remove/", manage.staff_remove, name="staff_remove"),
    path(
        "<slug:slug>/team/<int:membership_id>/role/",
        manage.staff_role_change,
        name="staff_role_change",
    ),
    path(
        "<slug:slug>/team/invitations/<int:invitation_id>/revoke/",
        manage.staff_invitation_revoke_view,
        name="staff_invitation_revoke",
    ),
    path("<slug:slug>/api-keys/", manage.api_keys, name="api_keys"),
    path("<slug:slug>/api-keys/new/", manage.api_key_create, name="api_key_create"),
    path("<slug:slug>/api-keys/<int:key_id>/revoke/", manage.api_key_revoke, name="api_key_revoke"),
    path("<slug:slug>/invitations/", manage.bulk_invitations, name="bulk_invitations"),
    path(
        "<slug:slug>/invitations/<int:batch_id>/",
        manage.bulk_invitation_detail,
        name="bulk_invitation_detail",
    ),
]
