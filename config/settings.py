"""The portal's one settings module, driven by environment variables.

Defaults serve a newcomer on a laptop: SQLite, tasks run in-process, e-mail printed to the
console, DEBUG off unless asked for. Production sets DATABASE_URL, CELERY_BROKER_URL/REDIS_URL,
SECRET_KEY, ALLOWED_HOSTS, EMAIL_URL, FIELD_ENCRYPTION_KEY and HTTPS_ONLY=1 (see README.md).
"""

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# A developer may keep local settings in .env; production passes real environment variables.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env(
    "SECRET_KEY",
    default="django-insecure-local-development-key-never-use-in-production-4f9c2b7e",
)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# The portal's one public origin (scheme, host, port): every link that leaves a page is built on
# it (portal.origin.site_url): e-mails, share links, QR codes, PDF certificates and the ids signed
# into credentials. `make run` sets it to the address it serves (HOST, PORT); a deployment must set
# it to its https:// address, one of ALLOWED_HOSTS (`check --deploy` errors otherwise, portal.E001).
SITE_URL_DEFAULT = "http://127.0.0.1:8000"
SITE_URL = env("SITE_URL", default="") or SITE_URL_DEFAULT
SITE_URL_IS_SET = bool(env("SITE_URL", default=""))

INSTALLED_APPS = [
    "django.contrib.admin",
    # Before django.contrib.auth: of two apps with a management command of the same name, Django
    # runs the one listed first, and this app's `changepassword` refuses (it is not audited;
    # `account_password_set` is the break-glass path, docs/decisions/0014).
    "portal.command_overrides",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_countries",
    "rest_framework",
    "drf_spectacular",
    "django_celery_beat",
    "portal",
    "partners",
    "credentials",
    "learners",
    "reporting",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.gzip.GZipMiddleware",
    "csp.middleware.CSPMiddleware",
    "portal.headers.NoStoreMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "portal.middleware.SessionLimitsMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "portal.middleware.StaffMFARequiredMiddleware",
    "portal.middleware.TemporaryPasswordMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # allauth's activity tracking, written at most once a minute (portal/activity.py).
    "portal.activity.UserSessionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "portal.context_processors.navigation",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and sessions -----------------------------------------------------------------------
# Rate limits must be shared by every web process, so production uses Redis.
REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env("CACHE_KEY_PREFIX", default="portal"),
            "OPTIONS": {"socket_timeout": 5, "socket_connect_timeout": 5},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Sessions live in the database, so any web process can serve any request.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
# Every session ends 12 hours after sign-in, however active (enforced by SessionLimitsMiddleware).
SESSION_MAX_AGE = timedelta(hours=12)
SESSION_COOKIE_AGE = int(SESSION_MAX_AGE.total_seconds())
# Staff and programme admins are signed out after 30 minutes without a request.
STAFF_SESSION_IDLE_TIMEOUT = timedelta(minutes=env.int("STAFF_SESSION_IDLE_MINUTES", default=30))

# Fernet key(s) for identifiers and TOTP secrets at rest; comma-separated, newest first.
FIELD_ENCRYPTION_KEY = env("FIELD_ENCRYPTION_KEY", default="")

# --- Credentials ------------------------------------------------------------------------------
# The issuer named in every credential.
PROGRAMME_NAME = env("PROGRAMME_NAME", default="Open Learning Access Programme")
# Ed25519 private key (32-byte seed, base64) credentials are signed with; `manage.py
# credential_key_generate` makes one. Without it a key is generated once and kept encrypted in
# the database (development only; `check --deploy` warns). Changing it keeps earlier credentials
# verifiable: each names its own did:key, and the portal remembers every public key it used.
CREDENTIAL_SIGNING_KEY = env("CREDENTIAL_SIGNING_KEY", default="")
# The issuer's DID (docs/decisions/0025-issuer-identity.md). Empty: did:web of SITE_URL when it is
# https on a real domain (the document at /.well-known/did.json, or <path>/did.json), otherwise
# the did:key of the signing key (a developer's machine, the demo). "did:web:..." names it
# explicitly (its document must then be published where did:web says); "did:key" forces did:key.
CREDENTIAL_ISSUER_DID = env("CREDENTIAL_ISSUER_DID", default="")

# Learners registered in person without an e-mail address get <login code>@NO_EMAIL_DOMAIN
# (a reserved domain that cannot receive mail); nothing is ever sent there.
NO_EMAIL_DOMAIN = "no-email.invalid"

# --- Authentication ---------------------------------------------------------------------------
AUTH_USER_MODEL = "portal.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "portal:home"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_HASHERS = env.list(
    "PASSWORD_HASHERS",
    default=[
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    ],
)

ACCOUNT_ADAPTER = "portal.adapters.AccountAdapter"
ACCOUNT_FORMS = {
    "login": "portal.forms.LoginForm",
    "signup": "portal.forms.SignupForm",
    "request_login_code": "portal.forms.RequestLoginCodeForm",
    "confirm_login_code": "portal.forms.ConfirmLoginCodeForm",
    "verify_phone": "portal.forms.VerifyPhoneForm",
}
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
# Never a placeholder address (NO_EMAIL_DOMAIN): the phone number or login code instead.
ACCOUNT_USER_DISPLAY = "portal.accounts.account_display"
# Learners sign up and sign in with an e-mail address or a phone number (staff use e-mail).
ACCOUNT_LOGIN_METHODS = {"email", "phone"}
# "email*" keeps allauth's checks content with mandatory e-mail verification; the sign-up form
# (portal.forms.SignupForm) accepts a phone number instead: one of the two is required.
ACCOUNT_SIGNUP_FIELDS = ["email*", "phone", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_EMAIL_SUBJECT_PREFIX = ""
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if env.bool("HTTPS_ONLY", default=False) else "http"
# --- Phone numbers and codes by SMS (portal/sms.py) ---
# A number given at sign-up is confirmed with a code sent by SMS before the first sign-in.
ACCOUNT_PHONE_VERIFICATION_ENABLED = True
ACCOUNT_PHONE_VERIFICATION_SUPPORTS_RESEND = 3  # "request new code", at most this many times
# Six digits: easy to type on any phone keypad (also used for sign-in codes sent by SMS).
ACCOUNT_PHONE_VERIFICATION_CODE_FORMAT = {"numeric": True, "length": 6, "dashed": False}
# "Send me a sign-in code": by SMS to a phone number, or by e-mail.
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
ACCOUNT_LOGIN_BY_CODE_SUPPORTS_RESEND = 3
# Numbers written without a country code are read as numbers of this country (ISO 3166 code,
# e.g. JO), or of the country given for the page's language (e.g. "uk=UA,fa=AF"); without
# either, a number must start with its country code.
PHONE_DEFAULT_REGION = env("PHONE_DEFAULT_REGION", default="")
PHONE_REGIONS_BY_LANGUAGE = env.dict("PHONE_REGIONS_BY_LANGUAGE", default={})
# portal.sms.ConsoleBackend (development: printed, number masked) or
# portal.sms.HttpGatewayBackend (POST {"to", "message"} JSON to SMS_GATEWAY_URL, Bearer token).
SMS_BACKEND = env("SMS_BACKEND", default="portal.sms.ConsoleBackend")
SMS_GATEWAY_URL = env("SMS_GATEWAY_URL", default="")
SMS_GATEWAY_TOKEN = env("SMS_GATEWAY_TOKEN", default="")
SMS_GATEWAY_TIMEOUT_SECONDS = env.float("SMS_GATEWAY_TIMEOUT_SECONDS", default=10)
# allauth's defaults, written out so they are visible; they count in the (Redis) cache.
# "key" is the e-mail address or phone number; "send_sms" is the portal's own limit on texts
# to one number, whatever asked for them (sign-up, new code, sign-in by code).
ACCOUNT_RATE_LIMITS = {
    "change_password": "5/m/user",
    "change_phone": "1/m/user",
    "manage_email": "10/m/user",
    "reset_password": "20/m/ip,5/m/key",
    "reauthenticate": "10/m/user",
    "reset_password_from_key": "20/m/ip",
    "signup": "20/m/ip",
    "send_email": "5/m/key",
    "confirm_email": "1/3m/key",
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "request_login_code": "20/m/ip,3/m/key",
    "verify_phone": "1/30s/key,3/m/ip",
    "send_sms": env("SMS_RATE_PER_NUMBER", default="5/h/key,10/d/key"),
}
MFA_ADAPTER = "portal.adapters.MFAAdapter"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = env("MFA_TOTP_ISSUER", default="Refugee Learner Access Portal")
USERSESSIONS_TRACK_ACTIVITY = True

# --- Internationalisation ---------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", "English"),
    ("ar", "العربية"),
    ("fa", "فارسی"),
    ("fr", "Français"),
    ("es", "Español"),
    ("uk", "Українська"),
]
RTL_LANGUAGES = {"ar", "fa"}
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["portal.formats"]  # dates with the month as a word: "5 Dec 2026"
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"
LANGUAGE_COOKIE_AGE = 365 * 24 * 60 * 60
LANGUAGE_COOKIE_SAMESITE = "Lax"

# --- Static files -----------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Evidence documents: never served directly, only through a permission-checked view.
    "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {
            "location": env("PRIVATE_MEDIA_ROOT", default=str(BASE_DIR / "private-media")),
            "base_url": "/no-public-url/",
            "file_permissions_mode": 0o600,
            "directory_permissions_mode": 0o700,
        },
    },
    # Hashed names and pre-compressed gzip + brotli copies, served with far-future caching.
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
WHITENOISE_MAX_AGE = 365 * 24 * 60 * 60
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(BASE_DIR / "media")))

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- E-mail -----------------------------------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Learner Portal <no-reply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_TIMEOUT = 20

# --- The outbox (portal/outbox.py, docs/decisions/0021-outbox.md) ---
# Every e-mail and SMS is a row written with the event that causes it; a job sent after commit
# delivers it, and a sweep (every minute) delivers what that job did not: Redis was down, a
# worker died, a retry is due. A row waits OUTBOX_SWEEP_AFTER_SECONDS for its own job before
# the sweep takes it; a sender holds a row for OUTBOX_LEASE_SECONDS (longer than EMAIL_TIMEOUT
# and SMS_GATEWAY_TIMEOUT_SECONDS) before another may send it again, with the same key.
OUTBOX_SWEEP_AFTER_SECONDS = env.int("OUTBOX_SWEEP_AFTER_SECONDS", default=60)
OUTBOX_LEASE_SECONDS = env.int("OUTBOX_LEASE_SECONDS", default=300)
# Temporary errors (SMTP 4xx, timeouts, gateway 5xx/429): tried again after 1, 2, 4 ... minutes
# (at most OUTBOX_RETRY_MAX_SECONDS), then "failed" after OUTBOX_MAX_ATTEMPTS attempts.
OUTBOX_RETRY_BASE_SECONDS = env.int("OUTBOX_RETRY_BASE_SECONDS", default=60)
OUTBOX_RETRY_MAX_SECONDS = env.int("OUTBOX_RETRY_MAX_SECONDS", default=3600)
OUTBOX_MAX_ATTEMPTS = env.int("OUTBOX_MAX_ATTEMPTS", default=8)
# One sweep sends at most this many messages and stops taking new ones after this long.
OUTBOX_SWEEP_BATCH = env.int("OUTBOX_SWEEP_BATCH", default=500)
OUTBOX_SWEEP_SECONDS = env.int("OUTBOX_SWEEP_SECONDS", default=50)
# Rows hold addresses and messages (encrypted): sent ones are deleted after this many days,
# failed ones (staff look into them) later.
OUTBOX_KEEP_SENT_DAYS = env.int("OUTBOX_KEEP_SENT_DAYS", default=30)
OUTBOX_KEEP_FAILED_DAYS = env.int("OUTBOX_KEEP_FAILED_DAYS", default=90)

# --- Celery -----------------------------------------------------------------------------------
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL)
# With no broker, jobs run in-process so `make run` needs nothing else.
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
# How long a task taken by a worker that died stays invisible before Redis hands it out again
# (tests that kill workers shorten it).
CELERY_BROKER_VISIBILITY_TIMEOUT = env.int("CELERY_BROKER_VISIBILITY_TIMEOUT", default=3600)
# Hard limit well below the visibility timeout, so Redis never re-delivers a task still running.
CELERY_TASK_TIME_LIMIT = 15 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 14 * 60
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": CELERY_BROKER_VISIBILITY_TIMEOUT,
    "socket_timeout": 10,
    # Redis is on the local network: a connection not made in 2 s will not be made.
    "socket_connect_timeout": 2,
    "retry_on_timeout": True,
    "health_check_interval": 30,
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_TIMEOUT = 2
# Sending a job from a request: one quick retry (a pooled connection may be stale after a Redis
# restart), then give up. config.celery.Task logs and drops the job; the reconcilers send it again.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
CELERY_REDIS_SOCKET_TIMEOUT = 10
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = 5
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_QUEUE", default="portal")
# Evidence documents are rebuilt on a queue of their own, by workers of their own (Procfile
# `documents`): up to a minute of rendering each must never delay the e-mails and SMS that carry
# sign-in codes, on the default queue. config.celery.route_task reads this name when it routes.
CELERY_DOCUMENTS_QUEUE = env("CELERY_DOCUMENTS_QUEUE", default="documents")
CELERY_TASK_ROUTES = ("config.celery.route_task",)
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Periodic jobs defined in code; beat copies them into its table, where admins can see them.
CELERY_BEAT_SCHEDULE = {
    "outbox-sweep": {
        "task": "portal.tasks.outbox_sweep_task",
        "schedule": timedelta(minutes=1),
    },
    "outbox-purge": {
        "task": "portal.tasks.outbox_purge_task",
        "schedule": timedelta(days=1),
    },
    "sessions-clear-expired": {
        "task": "portal.tasks.sessions_clear_expired_task",
        "schedule": timedelta(days=1),
    },
    "learner-data-exports-expire": {
        "task": "learners.tasks.learner_data_exports_expire_task",
        "schedule": timedelta(hours=1),
    },
    "pending-registrations-purge": {
        "task": "learners.tasks.pending_registrations_purge_task",
        "schedule": timedelta(hours=1),
    },
    "enrolment-provider-notices-reconcile": {
        "task": "learners.tasks.enrolment_provider_notices_reconcile_task",
        "schedule": timedelta(hours=1),
    },
    "verifications-expire": {
        "task": "partners.tasks.verifications_expire_task",
        "schedule": timedelta(hours=6),
    },
    "verification-reminders": {
        "task": "partners.tasks.verification_reminders_task",
        "schedule": timedelta(hours=6),
    },
    # Daily at 07:00 (TIME_ZONE): the staff's summary of their queue (partners/services/digest.py).
    "staff-digests-send": {
        "task": "partners.tasks.staff_digests_task",
        "schedule": crontab(hour="7", minute="0"),
    },
    "invitation-batches-reconcile": {
        "task": "partners.tasks_manage.invitation_batches_reconcile_task",
        "schedule": timedelta(minutes=10),
    },
    "enrolments-reconcile": {
        "task": "credentials.tasks.enrolments_reconcile_task",
        "schedule": timedelta(minutes=5),
    },
    "rollups-refresh": {
        "task": "reporting.tasks.rollups_refresh_task",
        "schedule": timedelta(minutes=15),
    },
    # OpenID4VCI offers, codes and tokens an hour after they expired (decision 0026).
    "wallet-offers-purge": {
        "task": "credentials.tasks.wallet_offers_purge_task",
        "schedule": timedelta(hours=1),
    },
    "credentials-reconcile": {
        "task": "credentials.tasks.credentials_reconcile_task",
        "schedule": timedelta(minutes=10),
    },
    "import-jobs-reconcile": {
        "task": "credentials.tasks_imports.import_jobs_reconcile_task",
        "schedule": timedelta(minutes=10),
    },
    "documents-rebuild-reconcile": {
        "task": "partners.tasks.documents_rebuild_reconcile_task",
        "schedule": timedelta(minutes=5),
    },
    "documents-purge": {
        "task": "partners.tasks.documents_purge_task",
        "schedule": timedelta(hours=6),
    },
    "exports-expire": {
        "task": "reporting.tasks.exports_expire_task",
        "schedule": timedelta(hours=1),
    },
    # Monthly, on the 1st at 06:00 (TIME_ZONE); admins can change it in the admin (Periodic tasks).
    "partner-reports-send": {
        "task": "reporting.tasks.partner_reports_send_task",
        "schedule": crontab(day_of_month="1", hour="6", minute="0"),
    },
    "programme-report-send": {
        "task": "reporting.tasks.programme_report_send_task",
        "schedule": crontab(day_of_month="1", hour="6", minute="0"),
    },
}
# Course providers: how often a failing enrolment is retried, and the first wait (doubling).
PROVIDER_MAX_RETRIES = env.int("PROVIDER_MAX_RETRIES", default=8)
PROVIDER_RETRY_BASE_SECONDS = env.int("PROVIDER_RETRY_BASE_SECONDS", default=30)
PROVIDER_TIMEOUT_SECONDS = env.float("PROVIDER_TIMEOUT_SECONDS", default=10)
# A provider that insists on an e-mail address gets <learner reference>@<this domain> for a
# learner who did not choose to share theirs (docs/decisions/0022-learner-references.md). A
# domain the programme controls (mail to it may simply be dropped), e.g. learners.example.org.
PROVIDER_EMAIL_DOMAIN = env("PROVIDER_EMAIL_DOMAIN", default="")
# Evidence documents are deleted this many days after the decision on their application.
EVIDENCE_RETENTION_DAYS = env.int("EVIDENCE_RETENTION_DAYS", default=30)
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# --- API (Django REST framework) -----------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # Machine clients authenticate with API keys, view by view; no session or basic auth.
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_THROTTLE_RATES": {
        "partner_api": env("PARTNER_API_RATE", default="120/min"),
        "provider_api": env("PROVIDER_API_RATE", default="120/min"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Refugee Learner Access Portal API",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
}

# --- Security ---------------------------------------------------------------------------------
# Behind TLS in production: HTTPS_ONLY=1 turns on the redirect, HSTS and secure cookies.
HTTPS_ONLY = env.bool("HTTPS_ONLY", default=False)
SECURE_SSL_REDIRECT = HTTPS_ONLY
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000 if HTTPS_ONLY else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS_ONLY
SECURE_HSTS_PRELOAD = HTTPS_ONLY
SESSION_COOKIE_SECURE = HTTPS_ONLY
CSRF_COOKIE_SECURE = HTTPS_ONLY
LANGUAGE_COOKIE_SECURE = HTTPS_ONLY
if env.bool("BEHIND_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# A rejected form gets a page in the portal's look and language (portal/errors.py).
CSRF_FAILURE_VIEW = "portal.errors.csrf_failure"

# Content Security Policy: no inline script, nothing from other origins.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
    }
}

# --- Logging ----------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        # Request logs carry URLs and bodies; keep them at warning so nothing personal is logged.
        "django.request": {"level": "WARNING"},
        "django.server": {"level": "WARNING" if not DEBUG else "INFO"},
    },
}
