"""The audit log is append-only and read-only in the admin."""

import pytest
from django.contrib.admin.sites import site

from portal.models import AuditEvent
from portal.services import audit_record


@pytest.mark.django_db
def test_audit_record_stores_who_did_what_to_which_object(learner, admin_with_mfa):
    event = audit_record(
        actor=admin_with_mfa, action="user.viewed", target=learner, partner_id=7, data={"n": 1}
    )
    event.refresh_from_db()
    assert event.actor == admin_with_mfa
    assert (event.action, event.object_type, event.object_id) == (
        "user.viewed",
        "portal.user",
        str(learner.pk),
    )
    assert event.partner_id == 7
    assert event.created_at is not None


@pytest.mark.django_db
def test_audit_events_cannot_be_changed_or_deleted(learner):
    event = audit_record(actor=learner, action="x.done")
    event.action = "x.undone"
    with pytest.raises(TypeError):
        event.save()
    with pytest.raises(TypeError):
        event.delete()
    with pytest.raises(TypeError):
        AuditEvent.objects.filter(pk=event.pk).update(action="x.undone")
    with pytest.raises(TypeError):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.get(pk=event.pk).action == "x.done"


@pytest.mark.django_db
def test_erasing_an_account_keeps_its_audit_events_without_the_link(learner):
    event = audit_record(actor=learner, action="x.done")
    learner.delete()
    event = AuditEvent.objects.get(pk=event.pk)
    assert event.actor is None


@pytest.mark.django_db
def test_audit_log_is_read_only_in_the_admin(client, admin_with_mfa, rf):
    event = audit_record(actor=admin_with_mfa, action="x.done")
    client.force_login(admin_with_mfa)
    assert client.get("/admin/portal/auditevent/").status_code == 200
    assert client.get(f"/admin/portal/auditevent/{event.pk}/change/").status_code == 200
    assert client.get("/admin/portal/auditevent/add/").status_code == 403
    assert client.post(f"/admin/portal/auditevent/{event.pk}/delete/").status_code == 403
    model_admin = site._registry[AuditEvent]
    request = rf.get("/")
    request.user = admin_with_mfa
    assert not model_admin.has_change_permission(request, event)


@pytest.mark.django_db
def test_staff_sign_in_is_audited_but_a_learners_is_not(client):
    from .factories import PASSWORD, LearnerFactory

    learner = LearnerFactory(email="quiet@example.org")
    client.post("/accounts/login/", {"login": "quiet@example.org", "password": PASSWORD})
    assert not AuditEvent.objects.filter(actor=learner).exists()


@pytest.mark.django_db
def test_staff_sign_in_and_authenticator_changes_are_audited(
    client, django_capture_on_commit_callbacks
):
    import time

    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    from .factories import PASSWORD, PartnerStaffFactory

    staff = PartnerStaffFactory(email="audited@example.org")
    client.post("/accounts/login/", {"login": "audited@example.org", "password": PASSWORD})
    client.post("/accounts/reauthenticate/", {"password": PASSWORD})
    page = client.get("/accounts/2fa/totp/activate/")
    secret = page.context["form"].secret
    code = format_hotp_value(hotp_value(secret, int(time.time()) // 30))
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/accounts/2fa/totp/activate/", {"code": code})
    assert Authenticator.objects.filter(user=staff, type="totp").exists()
    actions = set(AuditEvent.objects.filter(actor=staff).values_list("action", flat=True))
    assert {"account.signed_in", "mfa.authenticator_added"} <= actions


@pytest.mark.django_db
def test_expired_sessions_are_cleared_by_the_periodic_job(client, learner):
    from django.conf import settings
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    from portal.tasks import sessions_clear_expired_task

    client.force_login(learner)
    Session.objects.update(expire_date=timezone.now() - timezone.timedelta(seconds=1))
    sessions_clear_expired_task.delay()
    assert not Session.objects.exists()
    assert "portal.tasks.sessions_clear_expired_task" in {
        entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()
    }
