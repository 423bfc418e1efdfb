from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

from partners.views.help import help_page
from portal import views, views_accounts

# The Django admin signs people in through allauth, so MFA and rate limits apply there too.
admin.autodiscover()
admin.site.login = secure_admin_login(admin.site.login)
admin.site.site_header = "Refugee Learner Access Portal"

portal_patterns = (
    [
        path("", views.landing, name="landing"),
        path("privacy/", views.privacy, name="privacy"),
        path("help/", help_page, name="help"),
        path("home/", views.home, name="home"),
    ],
    "portal",
)

urlpatterns = [
    path("", include(portal_patterns)),
    path("learn/credentials/", include("credentials.urls_learner")),
    path("", include("learners.urls")),
    path("verify/", include("credentials.urls_verify")),
    path("", include("credentials.urls_did")),
    # OpenID4VCI: the issuer metadata (/.well-known/...) and the wallet's endpoints (/oid4vci/...).
    path("", include("credentials.urls_wallet")),
    path("courses/", include("credentials.urls")),
    path("staff/", include("config.urls_staff")),
    path("reports/", include("reporting.urls")),
    path("api/", include("partners.urls_api")),
    path("api/", include("credentials.urls_api")),
    # Before allauth's own: its e-mail page without placeholder addresses (NO_EMAIL_DOMAIN).
    path("accounts/email/", views_accounts.email, name="account_email"),
    path("accounts/", include("allauth.urls")),
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("healthz", views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
]

# Error pages that need no database, session or user (portal/errors.py).
handler400 = "portal.errors.bad_request"
handler403 = "portal.errors.permission_denied"
handler404 = "portal.errors.page_not_found"
handler500 = "portal.errors.server_error"
