"""Everything under /staff/, composed in one place.

- ``programme:`` the programme admins' pages: /staff/programme/... (seats, codes, provider keys,
  completions, credentials) and /staff/partners/... (partner organisations);
- ``staff:`` the pages that name no partner: /staff/ and /staff/invitations/<token>/;
- one ``<slug>/`` include for a partner's own pages, whatever app they come from:
  ``partners:`` (queue, applications, team, API keys, bulk invitations), ``seats:`` (seat usage —
  reporting's — enrolments, bulk enrolment) and ``assisted:`` (assisted registration).

The fixed first segments ("programme", "partners", "invitations") are reserved partner slugs
(partners/services/partners.py RESERVED_SLUGS) and come first, so they never clash with <slug>/.
"""

from django.urls import include, path

from credentials import urls_programme as credentials_programme_urls
from credentials import urls_staff as credentials_staff_urls
from reporting import urls_seats as reporting_seat_urls

programme_patterns = (
    [
        path(
            "programme/",
            include(
                reporting_seat_urls.programme_urlpatterns + credentials_programme_urls.urlpatterns
            ),
        ),
        path("partners/", include("partners.urls_programme")),
    ],
    "programme",
)

partner_patterns = [
    path("", include("partners.urls")),
    path(
        "",
        include(
            (
                reporting_seat_urls.partner_urlpatterns + credentials_staff_urls.urlpatterns,
                credentials_staff_urls.app_name,
            )
        ),
    ),
    path("", include("learners.urls_assisted")),
]

urlpatterns = [
    path("", include(programme_patterns)),
    path("", include("partners.urls_staff")),
    path("<slug:slug>/", include(partner_patterns)),
]
