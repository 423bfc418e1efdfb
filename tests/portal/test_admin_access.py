"""Programme admins are not superusers (docs/decisions/0014): their group and its permissions,
the migration that demoted the superusers, the operator's account, the break-glass command, and
the deploy check that warns about superuser programme admins."""

import io
import os
import sys
import uuid

import psycopg2
import pytest
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client

from portal.admin_access import (
    PROGRAMME_ADMIN_GROUP,
    PROGRAMME_ADMIN_PERMISSIONS,
    programme_admin_group,
)
from portal.checks import portal_deploy_checks
from portal.models import AuditEvent, Role, User
from tests.partners.factories import ApplicationFactory

from .conftest import give_totp
from .factories import (
    PASSWORD,
    LearnerFactory,
    OperatorFactory,
    PartnerStaffFactory,
    ProgrammeAdminFactory,
)
from .test_security import PRODUCTION_ENV, run_check_deploy

NEW_PASSWORD = "a-new-long-passphrase-for-break-glass-7"


# --- the group -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_group_holds_exactly_the_listed_permissions():
    group = Group.objects.get(name=PROGRAMME_ADMIN_GROUP)
    held = {
        f"{app}.{codename}"
        for app, codename in group.permissions.values_list("content_type__app_label", "codename")
    }
    assert held == PROGRAMME_ADMIN_PERMISSIONS
    assert len(held) == 46  # every one of them exists: none silently missing


@pytest.mark.django_db
def test_a_programme_admin_has_only_the_groups_permissions_and_none_that_shows_a_learner():
    admin = ProgrammeAdminFactory()
    assert not admin.is_superuser
    assert admin.get_all_permissions() == PROGRAMME_ADMIN_PERMISSIONS
    for refused in [
        "learners.view_learnerprofile",
        "partners.view_application",
        "partners.view_evidencedocument",
        "credentials.view_enrolment",
        "account.view_emailaddress",
        "usersessions.view_usersession",
        "mfa.view_authenticator",
        "auth.change_group",
        "auth.change_permission",
        "portal.delete_user",
        "portal.change_auditevent",
        "credentials.change_credential",
    ]:
        assert not admin.has_perm(refused), refused
    # What the work needs.
    for needed in [
        "credentials.change_provider",
        "credentials.add_course",
        "credentials.view_seatallocation",
        "credentials.delete_accesscode",
        "django_celery_beat.change_periodictask",
        "reporting.view_exportjob",
        "partners.change_partner",
    ]:
        assert admin.has_perm(needed), needed


@pytest.mark.django_db(transaction=True)
def test_the_group_is_back_after_a_flush_with_its_permissions():
    programme_admin_group().delete()
    call_command("flush", interactive=False, verbosity=0)
    group = Group.objects.get(name=PROGRAMME_ADMIN_GROUP)
    assert group.permissions.count() == len(PROGRAMME_ADMIN_PERMISSIONS)


# --- accounts made in the admin ------------------------------------------------------------------


@pytest.mark.django_db
def test_an_admin_made_in_the_user_admin_is_in_the_group_and_has_no_password():
    admin = ProgrammeAdminFactory()
    give_totp(admin)
    client = Client()
    client.force_login(admin)
    response = client.post(
        "/admin/portal/user/add/",
        {"email": "new-admin@example.org", "role": Role.PROGRAMME_ADMIN, "_save": "Save"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    created = User.objects.get(email="new-admin@example.org")
    assert created.is_staff and not created.is_superuser
    assert list(created.groups.values_list("name", flat=True)) == [PROGRAMME_ADMIN_GROUP]
    assert not created.has_usable_password()  # its owner sets it through the reset e-mail
    assert AuditEvent.objects.filter(action="user.created_in_admin", actor=admin).exists()


@pytest.mark.django_db
def test_the_user_admin_cannot_make_a_learner_or_a_superuser():
    admin = ProgrammeAdminFactory()
    give_totp(admin)
    staff = PartnerStaffFactory()
    client = Client()
    client.force_login(admin)
    add = client.post("/admin/portal/user/add/", {"email": "x@example.org", "role": Role.LEARNER})
    assert add.status_code == 200  # the form refuses the choice
    assert not User.objects.filter(email="x@example.org").exists()
    change = client.post(
        f"/admin/portal/user/{staff.pk}/change/",
        {
            "email": "mine@example.org",
            "role": Role.PROGRAMME_ADMIN,
            "is_active": "on",
            "is_staff": "on",
            "is_superuser": "on",
            "groups": [programme_admin_group().pk],
            "_save": "Save",
        },
    )
    assert change.status_code == 302  # saved: the fields it may not change are ignored
    staff.refresh_from_db()
    assert not staff.is_superuser and not staff.is_staff
    assert staff.role == Role.PARTNER_STAFF
    assert staff.email != "mine@example.org"
    assert not staff.groups.exists()


@pytest.mark.django_db
def test_a_programme_admin_cannot_open_or_change_the_operators_account():
    admin = ProgrammeAdminFactory()
    give_totp(admin)
    operator = OperatorFactory()
    client = Client()
    client.force_login(admin)
    assert operator.email not in client.get("/admin/portal/user/").content.decode()
    response = client.get(f"/admin/portal/user/{operator.pk}/change/", follow=True)
    assert operator.email not in response.content.decode()


# --- the operator --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_createsuperuser_makes_the_operator_not_a_programme_admin():
    call_command("createsuperuser", email="ops@example.org", interactive=False, verbosity=0)
    operator = User.objects.get(email="ops@example.org")
    assert operator.is_superuser and operator.is_staff
    assert operator.role == Role.OPERATOR
    assert not operator.is_programme_admin
    assert operator.must_use_mfa
    assert "portal.W014" not in {problem.id for problem in portal_deploy_checks(None)}


# --- the migration -------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_migration_demotes_superuser_programme_admins_into_the_group():
    executor = MigrationExecutor(connection)
    before = [("portal", "0004_user_email_upper_index")]
    after = [("portal", "0005_operator_role_and_programme_admins_group")]
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    OldUser = old.get_model("portal", "User")
    superuser_admin = OldUser.objects.create(
        email="old-admin@example.org", role="programme_admin", is_staff=True, is_superuser=True
    )
    plain_admin = OldUser.objects.create(
        email="plain-admin@example.org", role="programme_admin", is_staff=True
    )
    learner = OldUser.objects.create(email="l@example.org", role="learner")
    try:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(after)
    finally:
        MigrationExecutor(connection).migrate(
            MigrationExecutor(connection).loader.graph.leaf_nodes()
        )

    demoted = User.objects.get(pk=superuser_admin.pk)
    assert not demoted.is_superuser and demoted.is_staff
    assert demoted.get_all_permissions() == PROGRAMME_ADMIN_PERMISSIONS
    assert User.objects.get(pk=plain_admin.pk).groups.filter(name=PROGRAMME_ADMIN_GROUP).exists()
    assert not User.objects.get(pk=learner.pk).groups.exists()
    (event,) = AuditEvent.objects.filter(action="user.superuser_removed")
    assert event.object_id == str(demoted.pk) and event.actor is None
    assert "@" not in str(event.data)


# --- break glass ---------------------------------------------------------------------------------


def _set_password(email: str, password: str = NEW_PASSWORD, monkeypatch=None) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(password + "\n"))
    call_command("account_password_set", email, "--stdin")


@pytest.mark.django_db
def test_break_glass_sets_a_staff_password_ends_its_sessions_and_is_audited(monkeypatch):
    staff = PartnerStaffFactory(email="locked-out@example.org")
    give_totp(staff)
    client = Client()
    client.force_login(staff)
    assert client.get("/staff/").status_code == 200
    _set_password("LOCKED-OUT@example.org", monkeypatch=monkeypatch)
    staff.refresh_from_db()
    assert staff.check_password(NEW_PASSWORD)
    # The old session no longer signs anyone in (the password changed under it).
    assert client.get("/staff/").status_code == 302
    (event,) = AuditEvent.objects.filter(action="user.password_set_by_operator")
    assert (event.object_id, event.actor) == (str(staff.pk), None)
    assert "locked-out" not in str(event.data) and NEW_PASSWORD not in str(event.data)


@pytest.mark.django_db
def test_break_glass_refuses_a_learner_with_a_partner(monkeypatch):
    learner = LearnerFactory()
    ApplicationFactory(learner=learner)
    with pytest.raises(CommandError, match="has a partner"):
        _set_password(learner.email, monkeypatch=monkeypatch)
    learner.refresh_from_db()
    assert learner.check_password(PASSWORD)
    assert not AuditEvent.objects.filter(action="user.password_set_by_operator").exists()


@pytest.mark.django_db
def test_break_glass_refuses_an_assisted_learner(monkeypatch):
    """Learners registered in person always have an application with their partner."""
    learner = LearnerFactory()
    ApplicationFactory(learner=learner, assisted=True, status="withdrawn")
    with pytest.raises(CommandError, match="has a partner"):
        _set_password(learner.email, monkeypatch=monkeypatch)


@pytest.mark.django_db
def test_break_glass_helps_a_learner_without_a_partner_and_checks_the_password(monkeypatch):
    learner = LearnerFactory()
    with pytest.raises(CommandError):
        _set_password(learner.email, password="short", monkeypatch=monkeypatch)
    _set_password(learner.email, monkeypatch=monkeypatch)
    learner.refresh_from_db()
    assert learner.check_password(NEW_PASSWORD)
    with pytest.raises(CommandError, match="No account"):
        _set_password("nobody@example.org", monkeypatch=monkeypatch)


# --- the deploy check ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_deploy_check_warns_when_a_programme_admin_is_a_superuser():
    admin = ProgrammeAdminFactory()
    OperatorFactory()
    assert "portal.W014" not in {problem.id for problem in portal_deploy_checks(None)}
    User.objects.filter(pk=admin.pk).update(is_superuser=True)
    (warning,) = [p for p in portal_deploy_checks(None) if p.id == "portal.W014"]
    assert "1 programme admin" in warning.msg
    assert admin.email not in warning.msg + warning.hint


@pytest.mark.django_db
def test_deploy_check_warns_about_every_superuser_but_the_operator():
    """Any role but the operator's: partner staff and learners too, counted by role."""
    OperatorFactory()
    OperatorFactory()  # several operators are fine
    assert "portal.W014" not in {problem.id for problem in portal_deploy_checks(None)}
    staff = PartnerStaffFactory(is_superuser=True)
    learners = [LearnerFactory(is_superuser=True) for _ in range(2)]
    (warning,) = [p for p in portal_deploy_checks(None) if p.id == "portal.W014"]
    assert "3 account(s) other than the operator's" in warning.msg
    assert "2 learner" in warning.msg and "1 partner staff" in warning.msg
    for user in [staff, *learners]:
        assert user.email not in warning.msg + warning.hint


# --- the user admin: no superuser, group or permission set from the web ---------------------------


def _operator_client() -> Client:
    operator = OperatorFactory()
    give_totp(operator)
    client = Client()
    client.force_login(operator)
    return client


@pytest.mark.django_db
def test_not_even_the_operator_makes_a_superuser_or_hands_out_permissions_in_the_admin():
    from django.contrib.auth.models import Permission

    client = _operator_client()
    staff = PartnerStaffFactory()
    url = f"/admin/portal/user/{staff.pk}/change/"
    page = client.get(url).content.decode()
    for field in ("is_superuser", "groups", "user_permissions"):
        assert f'name="{field}"' not in page  # shown read-only, not as an input
    # Neither a learner nor an operator can be chosen as a role.
    assert 'value="learner"' not in page and 'value="operator"' not in page
    anything = Permission.objects.get(codename="view_learnerprofile")
    response = client.post(
        url,
        {
            "role": Role.PARTNER_STAFF,
            "is_active": "on",
            "is_superuser": "on",
            "groups": [programme_admin_group().pk],
            "user_permissions": [anything.pk],
            "_save": "Save",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    staff.refresh_from_db()
    assert not staff.is_superuser
    assert not staff.groups.exists()
    assert not staff.user_permissions.exists()
    for role in (Role.OPERATOR, Role.LEARNER):
        refused = client.post(url, {"role": role, "is_active": "on", "_save": "Save"})
        assert refused.status_code == 200  # the form refuses the choice
        staff.refresh_from_db()
        assert staff.role == Role.PARTNER_STAFF and not staff.is_superuser


@pytest.mark.django_db
def test_an_admin_whose_role_changes_leaves_the_group_and_the_admin():
    client = _operator_client()
    admin = ProgrammeAdminFactory()
    assert admin.is_staff and admin.groups.filter(name=PROGRAMME_ADMIN_GROUP).exists()
    url = f"/admin/portal/user/{admin.pk}/change/"
    response = client.post(
        url, {"role": Role.PARTNER_STAFF, "is_active": "on", "is_staff": "on", "_save": "Save"}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    admin.refresh_from_db()
    assert admin.role == Role.PARTNER_STAFF
    assert not admin.is_staff and not admin.is_superuser
    assert not admin.groups.exists() and not admin.user_permissions.exists()
    assert not admin.has_perm("portal.view_user")
    assert AuditEvent.objects.filter(
        action="user.programme_admin_revoked", object_id=str(admin.pk)
    ).exists()
    # Made a programme admin again: back in the group, staff.
    client.post(url, {"role": Role.PROGRAMME_ADMIN, "is_active": "on", "_save": "Save"})
    admin.refresh_from_db()
    assert admin.is_staff and admin.groups.filter(name=PROGRAMME_ADMIN_GROUP).exists()


# --- Django's changepassword is switched off --------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("factory", [PartnerStaffFactory, LearnerFactory, ProgrammeAdminFactory])
def test_changepassword_refuses_and_points_to_the_break_glass_command(factory, monkeypatch):
    from django.core.management import get_commands

    assert get_commands()["changepassword"] == "portal.command_overrides"
    user = factory()
    monkeypatch.setattr(sys, "stdin", io.StringIO(NEW_PASSWORD + "\n" + NEW_PASSWORD + "\n"))
    with pytest.raises(CommandError, match="account_password_set"):
        call_command("changepassword", user.email)
    with pytest.raises(CommandError, match="account_password_set"):
        call_command("changepassword")
    user.refresh_from_db()
    assert user.check_password(PASSWORD) and not user.check_password(NEW_PASSWORD)


@pytest.mark.parametrize("state", ["unreachable", "not migrated"])
def test_deploy_check_does_not_crash_without_a_usable_database(state):
    name = f"portal_check_{uuid.uuid4().hex[:8]}"
    dsn = os.environ.get("DATABASE_URL", PRODUCTION_ENV["DATABASE_URL"]).rsplit("/", 1)[0]
    if state == "not migrated":
        admin_connection = psycopg2.connect(f"{dsn}/postgres")
        admin_connection.autocommit = True
        admin_connection.cursor().execute(f'CREATE DATABASE "{name}"')
    try:
        url = f"{dsn}/{name}" if state == "not migrated" else "postgres://nobody@127.0.0.1:1/x"
        result = run_check_deploy(dict(PRODUCTION_ENV, DATABASE_URL=url))
        assert result.returncode == 0, result.stdout + result.stderr
        assert "portal.W014" not in result.stdout + result.stderr
    finally:
        if state == "not migrated":
            admin_connection.cursor().execute(f'DROP DATABASE IF EXISTS "{name}"')
            admin_connection.close()


@pytest.mark.django_db
def test_the_demo_admin_is_a_programme_admin_in_the_group_not_a_superuser():
    call_command("seed_demo", stdout=io.StringIO())
    admin = User.objects.get(email="admin@demo.example.org")
    assert admin.is_staff and not admin.is_superuser
    assert admin.get_all_permissions() == PROGRAMME_ADMIN_PERMISSIONS
    assert not User.objects.filter(is_superuser=True).exists()
