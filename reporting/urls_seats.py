"""The seat pages, reporting's because they show protected figures (the suppression engine's
rounded counts). config/urls_staff.py mounts them: `programme_urlpatterns` as
/staff/programme/seats/ in the `programme` namespace, `partner_urlpatterns` as
/staff/<slug>/seats/ in the `seats` namespace beside credentials' enrolment pages.
"""

from django.urls import path

from .views import seats

# Programme admins (everyone else: 404)
programme_urlpatterns = [
    path("seats/", seats.allocations, name="allocations"),
]

# Coordinators of the partner (reviewers, other partners' staff, learners, admins: 404)
partner_urlpatterns = [
    path("seats/", seats.seat_usage, name="usage"),
]
