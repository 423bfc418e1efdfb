"""Programme and partner reporting (/reports/...). The first segment is always fixed, so nothing
here can clash with a partner's slug.

- programme/ ...: programme admins (everyone else: 404)
- partners/<slug>/: the partner's coordinators (reviewers, other partners' staff, admins: 404)
- exports/ ...: admins and coordinators; an export is only ever seen by the person who asked
"""

from django.urls import path

from .views import dashboards, exports

app_name = "reporting"

urlpatterns = [
    path("programme/", dashboards.programme_dashboard, name="programme_dashboard"),
    path("programme/refresh/", dashboards.rollups_refresh_view, name="refresh"),
    path("partners/<slug:slug>/", dashboards.partner_dashboard, name="partner_dashboard"),
    path("exports/", exports.export_list, name="exports"),
    path("exports/<int:pk>/", exports.export_detail, name="export"),
    path("exports/<int:pk>/download/", exports.export_download, name="export_download"),
]
