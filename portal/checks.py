"""Deployment checks of our own, shown by `manage.py check --deploy`."""

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def portal_deploy_checks(app_configs, **kwargs):
    problems = []
    if not settings.FIELD_ENCRYPTION_KEY:
        problems.append(
            Warning(
                "FIELD_ENCRYPTION_KEY is not set: identifiers are encrypted with a key derived "
                "from SECRET_KEY.",
                hint="Set FIELD_ENCRYPTION_KEY to a Fernet key (see README).",
                id="portal.W001",
            )
        )
    if not settings.REDIS_URL:
        problems.append(
            Warning(
                "REDIS_URL is not set: rate limits are counted per process, not shared.",
                hint="Point REDIS_URL at the Redis server shared by all web processes.",
                id="portal.W002",
            )
        )
    if settings.CELERY_TASK_ALWAYS_EAGER:
        problems.append(
            Warning(
                "No Celery broker: background jobs run inside web requests.",
                hint="Set CELERY_BROKER_URL (or REDIS_URL) and run a worker and beat.",
                id="portal.W003",
            )
        )
    if settings.EMAIL_BACKEND.endswith(("console.EmailBackend", "locmem.EmailBackend")):
        problems.append(
            Warning(
                "E-mail is not delivered (console or memory backend).",
                hint="Set EMAIL_URL, e.g. smtp+tls://user:password@smtp.example.org:587.",
                id="portal.W004",
            )
        )
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        problems.append(
            Warning(
                "The database is not PostgreSQL.",
                hint="Set DATABASE_URL=postgres://...; SQLite is for trying the portal only.",
                id="portal.W005",
            )
        )
    return problems
