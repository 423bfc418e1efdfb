"""The seat pages (/staff/...), reporting's because they show protected figures. config/urls.py
mounts them in the `seats` namespace, before credentials' staff pages (credentials/urls_staff.py):
programme/seats/ comes first, so it wins over <slug>/seats/.
"""

from django.urls import path

from .views import seats

urlpatterns = [
    # Programme admins (everyone else: 404)
    path("programme/seats/", seats.allocations, name="allocations"),
    # Coordinators of the partner (reviewers, other partners' staff, learners, admins: 404)
    path("<slug:slug>/seats/", seats.seat_usage, name="usage"),
]
