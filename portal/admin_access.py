"""Who may do what in the Django admin (docs/decisions/0014).

Programme admins are not superusers. They belong to one group, "Programme admins", holding an
explicit, minimal list of model permissions: what their work needs (partners, providers, courses,
seats, codes, schedules, exports and reports, the audit log, staff and admin accounts) and
nothing that shows an individual learner. The group is created and kept in step with
PROGRAMME_ADMIN_PERMISSIONS by data migrations; `programme_admin_access_grant` puts an account
in it.

Only the operator (Role.OPERATOR, created with `manage.py createsuperuser`) is a superuser.
"""

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.db.models import Q
from django.utils.crypto import salted_hmac

from .models import Role, User
from .services import audit_record

PROGRAMME_ADMIN_GROUP = "Programme admins"

_VIEW = ("view",)
_EDIT = ("view", "add", "change")
_ALL = ("view", "add", "change", "delete")

# (app label, model, actions). Revocation of credentials with a reason and seat changes are done
# on /staff/programme/ pages, which check the programme-admin role; here they only look.
PROGRAMME_ADMIN_MODEL_ACTIONS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("partners", "partner", _EDIT),
    ("partners", "membership", _VIEW),
    ("partners", "staffinvitation", _VIEW),
    ("partners", "partnerapikey", _VIEW),
    ("partners", "invitationbatch", _VIEW),
    ("credentials", "provider", _EDIT),
    ("credentials", "course", _EDIT),
    ("credentials", "seatallocation", _VIEW),
    ("credentials", "accesscode", _ALL),
    ("credentials", "credential", _VIEW),
    ("credentials", "issuerkey", _VIEW),
    ("credentials", "statuslist", _VIEW),
    # Schedules only: which task runs, with what, is the operator's (portal/admin.py).
    ("django_celery_beat", "periodictask", ("view", "change")),
    ("django_celery_beat", "crontabschedule", _ALL),
    ("django_celery_beat", "intervalschedule", _ALL),
    ("django_celery_beat", "solarschedule", _ALL),
    ("django_celery_beat", "clockedschedule", _ALL),
    ("reporting", "exportjob", _VIEW),
    ("reporting", "reportdelivery", _VIEW),
    ("portal", "auditevent", _VIEW),
    # Which messages failed and why; recipients masked, contents never shown.
    ("portal", "outboxmessage", _VIEW),
    # Staff and admin accounts only: the user admin never lists learners, never sets a
    # password, and only the operator changes groups, permissions or superuser status.
    ("portal", "user", _EDIT),
)

PROGRAMME_ADMIN_PERMISSIONS: frozenset[str] = frozenset(
    f"{app}.{action}_{model}"
    for app, model, actions in PROGRAMME_ADMIN_MODEL_ACTIONS
    for action in actions
)


def _permission_filter() -> Q:
    query = Q(pk__in=[])
    for app, model, actions in PROGRAMME_ADMIN_MODEL_ACTIONS:
        query |= Q(
            content_type__app_label=app,
            codename__in=[f"{action}_{model}" for action in actions],
        )
    return query


def programme_admin_group_sync(*, group_model=Group, permission_model=Permission) -> Group:
    """Create the group if needed and give it exactly PROGRAMME_ADMIN_PERMISSIONS. Called by the
    data migrations (with their historical models) and by tests."""
    group, _created = group_model.objects.get_or_create(name=PROGRAMME_ADMIN_GROUP)
    group.permissions.set(permission_model.objects.filter(_permission_filter()))
    return group


def programme_admin_group() -> Group:
    group = Group.objects.filter(name=PROGRAMME_ADMIN_GROUP).first()
    return group if group is not None else programme_admin_group_sync()


@transaction.atomic
def programme_admin_access_grant(*, user: User, acting_user: User | None) -> User:
    """Make `user` a programme admin who may open the Django admin: staff, never superuser, in
    the group. Audited."""
    user.role = Role.PROGRAMME_ADMIN
    user.is_staff = True
    user.is_superuser = False
    user.save(update_fields=["role", "is_staff", "is_superuser"])
    user.user_permissions.clear()
    user.groups.add(programme_admin_group())
    audit_record(actor=acting_user, action="user.programme_admin_granted", target=user)
    return user


@transaction.atomic
def programme_admin_access_revoke(*, user: User, acting_user: User | None) -> User:
    """`user` is no longer a programme admin (its role was changed): out of the group, no
    permissions of its own, and no Django admin unless it is the operator. Audited."""
    user.groups.remove(programme_admin_group())
    user.user_permissions.clear()
    if user.role != Role.OPERATOR and user.is_staff:
        user.is_staff = False
        user.save(update_fields=["is_staff"])
    audit_record(
        actor=acting_user,
        action="user.programme_admin_revoked",
        target=user,
        data={"role": user.role},
    )
    return user


@transaction.atomic
def user_save_in_admin(
    *, user: User, changed_fields: list[str], created: bool, was_admin: bool, acting_user: User
) -> User:
    """A staff or admin account created or changed in the Django admin: saved, put in (or taken
    out of) the programme admins' group when its role changed, and audited."""
    role_changed = created or "role" in changed_fields
    user.save()
    if role_changed and user.role == Role.PROGRAMME_ADMIN and not user.is_superuser:
        programme_admin_access_grant(user=user, acting_user=acting_user)
    elif role_changed and was_admin and user.role != Role.PROGRAMME_ADMIN:
        programme_admin_access_revoke(user=user, acting_user=acting_user)
    audit_record(
        actor=acting_user,
        action="user.created_in_admin" if created else "user.changed_in_admin",
        target=user,
        data={"fields": sorted(changed_fields)},
    )
    return user


def learner_reference(user_id: int | None) -> str:
    """The pseudonym naming a learner wherever an admin may read the audit log: an HMAC of the
    account id with a key derived from SECRET_KEY. Stable, not reversible without the key, and
    not the e-mail address."""
    if user_id is None:
        return ""
    digest = salted_hmac("portal.audit.learner-reference", str(user_id)).hexdigest()
    return f"L-{digest[:12]}"


def record_reference(kind: str, record_id: str) -> str:
    """The same for a learner's record (an application, an enrolment, a credential): stable per
    record, so one record's events can be followed, but no id to open the record with."""
    digest = salted_hmac(f"portal.audit.record-reference.{kind}", record_id).hexdigest()
    return f"R-{digest[:12]}"
