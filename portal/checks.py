"""Deployment checks of our own, shown by `manage.py check --deploy`."""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.http.request import validate_host


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
    problems.extend(_sms_problems())
    problems.extend(_superuser_admin_problems())
    problems.extend(site_url_problems())
    return problems


def site_url_problems() -> list[Error]:
    """SITE_URL is signed into every credential (ids, issuer, status list) and sent in every
    e-mail: a deployment that leaves it to the local default, on http, or on a host the portal
    does not answer for would hand out links that never work, some of them signed forever. An
    error, not a warning: `check --deploy` fails. Development (DEBUG on) is left alone."""
    if settings.DEBUG:
        return []
    hint = "Set SITE_URL to the portal's public address, e.g. https://learn.example.org."
    if not settings.SITE_URL_IS_SET:
        return [
            Error(
                f"SITE_URL is not set: links in e-mails and credentials would point to "
                f"{settings.SITE_URL}.",
                hint=hint,
                id="portal.E001",
            )
        ]
    parts = urlsplit(settings.SITE_URL)
    problems = []
    if parts.scheme != "https":
        problems.append(
            Error(
                f"SITE_URL ({settings.SITE_URL}) is not an https:// address.",
                hint=hint,
                id="portal.E002",
            )
        )
    if not parts.hostname or not validate_host(parts.hostname, settings.ALLOWED_HOSTS):
        problems.append(
            Error(
                f"The host of SITE_URL ({parts.hostname or settings.SITE_URL}) is not in "
                "ALLOWED_HOSTS: the portal would not answer the links it sends.",
                hint="Add it to ALLOWED_HOSTS, or correct SITE_URL.",
                id="portal.E003",
            )
        )
    return problems


def _superuser_admin_problems() -> list[Warning]:
    """Only the operator's account is a superuser (docs/decisions/0014): a superuser sees every
    page of the Django admin, so a programme admin, a partner's staff member or a learner who is
    one is warned about. Reads the database, so it says nothing when the database is
    unreachable or not migrated yet (`check` runs before `migrate` in a deployment)."""
    from django.db import DatabaseError, transaction
    from django.db.models import Count
    from django.utils import translation

    from .models import Role, User

    try:
        # A savepoint, so that a failed query does not break a surrounding transaction.
        with transaction.atomic():
            counts = dict(
                User.objects.filter(is_superuser=True)
                .exclude(role=Role.OPERATOR)
                .values_list("role")
                .annotate(n=Count("id"))
                .order_by()
            )
    except DatabaseError:
        return []
    if not counts:
        return []
    with translation.override("en"):
        labels = {value: str(label).lower() for value, label in Role.choices}
    shown = ", ".join(f"{n} {labels.get(role, role)}" for role, n in sorted(counts.items()))
    return [
        Warning(
            f"{sum(counts.values())} account(s) other than the operator's are superusers "
            f"({shown}): they can see every page of the Django admin.",
            hint="Only the operator's account (createsuperuser) is a superuser. Run "
            "`manage.py migrate` (it demotes programme admins into the Programme admins "
            "group); clear the others' superuser status from the command line "
            "(`manage.py shell`), as the admin does not change it.",
            id="portal.W014",
        )
    ]


def _sms_problems() -> list[Warning]:
    """Phone-only learners sign in with codes sent by SMS: a deployment must really send them."""
    backend = settings.SMS_BACKEND.rsplit(".", 1)[-1]
    if backend == "ConsoleBackend":
        return [
            Warning(
                "SMS is not delivered (console backend): learners who sign up with a phone "
                "number never receive their code.",
                hint="Set SMS_BACKEND=portal.sms.HttpGatewayBackend and SMS_GATEWAY_URL.",
                id="portal.W006",
            )
        ]
    if backend == "HttpGatewayBackend" and not settings.SMS_GATEWAY_URL.startswith(
        ("https://", "http://")
    ):
        return [
            Warning(
                "SMS_GATEWAY_URL is not an http(s) URL: every SMS would fail.",
                hint="Set SMS_GATEWAY_URL to the gateway's https:// address.",
                id="portal.W007",
            )
        ]
    return []
