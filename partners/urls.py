"""A partner's staff pages (/staff/<slug>/...; mounted under the one staff/<slug>/ include in
config/urls_staff.py): the review queue and applications (its reviewers and coordinators), its
team, API keys and bulk invitations (its coordinators). Anyone else gets 404.
"""

from django.urls import path

from .views import manage, review

app_name = "partners"

urlpatterns = [
    # Reviewers and coordinators of the partner
    path("applications/", review.queue, name="queue"),
    path("applications/<int:pk>/", review.application_detail, name="application"),
    path("applications/<int:pk>/decide/", review.decide, name="decide"),
    path("documents/<int:pk>/", review.document_download, name="document_download"),
    path("summary/", review.digest_toggle, name="digest_toggle"),
    # Coordinators of the partner
    path("team/", manage.team, name="team"),
    path("team/invite/", manage.staff_invite, name="staff_invite"),
    path("team/<int:membership_id>/remove/", manage.staff_remove, name="staff_remove"),
    path("team/<int:membership_id>/role/", manage.staff_role_change, name="staff_role_change"),
    path(
        "team/invitations/<int:invitation_id>/revoke/",
        manage.staff_invitation_revoke_view,
        name="staff_invitation_revoke",
    ),
    path("api-keys/", manage.api_keys, name="api_keys"),
    path("api-keys/new/", manage.api_key_create, name="api_key_create"),
    path("api-keys/<int:key_id>/revoke/", manage.api_key_revoke, name="api_key_revoke"),
    path("invitations/", manage.bulk_invitations, name="bulk_invitations"),
    path(
        "invitations/<int:batch_id>/",
        manage.bulk_invitation_detail,
        name="bulk_invitation_detail",
    ),
]
