"""Staff pages that name no partner (namespace ``staff``): /staff/ sends a member of staff to
their partner's queue; /staff/invitations/<token>/ is where the person invited to a partner's
staff accepts.

"invitations", "partners" and "programme" are reserved partner slugs
(partners/services/partners.py RESERVED_SLUGS), so they never clash with /staff/<slug>/... pages.
"""

from django.urls import path

from .views import manage, review

app_name = "staff"

urlpatterns = [
    path("", review.staff_home, name="home"),
    path("invitations/<str:token>/", manage.invitation_accept, name="invitation_accept"),
]
