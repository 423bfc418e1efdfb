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
