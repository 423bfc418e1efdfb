"""Every Django admin URL, walked as each role (docs/decisions/0014).

For every registered model: the list, the add page, and the change, delete and history pages of
one object; the admin index and each app's index; the password-change URL; list filters, search
and raw-id popups of the user list; lookups through relations; autocomplete. Asserted: the status
each role gets, and that no response body holds a learner's e-mail, phone number, login code,
name, IP address or browser, case number (or its hash), or the name on a credential the learner
hid — for every role, the operator's superuser included.
"""

from dataclasses import dataclass
from datetime import timedelta

import pytest
from allauth.usersessions.models import UserSession
from django.contrib import admin
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import (
    ClockedSchedule,
    CrontabSchedule,
    IntervalSchedule,
    PeriodicTask,
    SolarSchedule,
)

from credentials.models import AccessCode, Credential, IssuerKey, SeatAllocation, StatusList
from learners.models import LearnerProfile
from partners.services.applications import case_number_hash
from portal.admin_access import learner_reference, programme_admin_group, record_reference
from portal.crypto import encrypt_text
from portal.models import AuditEvent, OutboxMessage
from portal.outbox import outbox_message_add
from portal.services import audit_record
from reporting.models import ReportDelivery
from tests.portal.conftest import give_totp
from tests.portal.factories import OperatorFactory

from .world import build_world

pytestmark = pytest.mark.django_db

CASE_NUMBER = "UNHCR-777-00112233"
LEARNER_PHONE = "+962791230077"
LEARNER_IP = "203.0.113.77"
LEARNER_AGENT = "MatrixPhoneBrowser/7.7"
LOGIN_CODE = "MTRX7CODE"
HIDDEN_NAME = "Zaynab Hiddenname"
LEARNER_NAME = "Amina Matrixlearner"

# What each registered model offers: (programme admin: view, add, delete), (operator: add,
# delete). The operator views everything registered. A model registered without a line here
# fails the test: someone must decide what it shows, and to whom.
EXPECTED = {
    "auth.group": ((False, False, False), (True, True)),
    "portal.user": ((True, True, False), (True, False)),
    "portal.auditevent": ((True, False, False), (False, False)),
    "portal.outboxmessage": ((True, False, False), (False, False)),
    "partners.partner": ((True, True, False), (True, False)),
    "partners.membership": ((True, False, False), (False, False)),
    "partners.staffinvitation": ((True, False, False), (False, False)),
    "partners.partnerapikey": ((True, False, False), (False, False)),
    "partners.invitationbatch": ((True, False, False), (False, False)),
    "credentials.provider": ((True, True, False), (True, False)),
    "credentials.course": ((True, True, False), (True, False)),
    "credentials.seatallocation": ((True, False, False), (False, False)),
    "credentials.accesscode": ((True, True, True), (True, True)),
    "credentials.credential": ((True, False, False), (False, False)),
    "credentials.issuerkey": ((True, False, False), (False, False)),
    "credentials.statuslist": ((True, False, False), (False, False)),
    "django_celery_beat.periodictask": ((True, False, False), (True, True)),
    "django_celery_beat.crontabschedule": ((True, True, True), (True, True)),
    "django_celery_beat.intervalschedule": ((True, True, True), (True, True)),
    "django_celery_beat.solarschedule": ((True, True, True), (True, True)),
    "django_celery_beat.clockedschedule": ((True, True, True), (True, True)),
    "reporting.exportjob": ((True, False, False), (False, False)),
    "reporting.reportdelivery": ((True, False, False), (False, False)),
}
ROLES = ["anonymous", "learner", "partner_staff", "programme_admin", "operator"]


@dataclass
class AdminWorld:
    users: dict
    objects: dict  # model label -> one object of it
    learners: list
    secrets: list[str]  # strings no admin response may contain


def _admin_world() -> AdminWorld:
    world = build_world()
    learner_a = world.users["learner_a"]
    learner_b = world.users["learner_b"]
    assisted = world.assisted_learner
    learner_a.phone = LEARNER_PHONE
    learner_a.save(update_fields=["phone"])
    assisted.login_code = LOGIN_CODE
    assisted.save(update_fields=["login_code"])
    LearnerProfile.objects.filter(user=learner_a).update(display_name=LEARNER_NAME)
    application = world.application_a
    application.case_number_encrypted = encrypt_text(CASE_NUMBER)
    application.case_number_hash = case_number_hash(CASE_NUMBER)
    application.save(update_fields=["case_number_encrypted", "case_number_hash"])
    UserSession.objects.create(
        user=learner_a, ip=LEARNER_IP, user_agent=LEARNER_AGENT, session_key="matrix-session"
    )
    Credential.objects.filter(pk=world.credential_a.pk).update(
        subject_name=HIDDEN_NAME, is_public=False
    )
    # Audit rows about learners: their own actions, staff decisions with a free-text reason.
    audit_record(actor=learner_a, action="learner.profile_saved", target=learner_a)
    audit_record(
        actor=world.users["reviewer_a"],
        action="application.decided",
        target=application,
        partner_id=world.partner_a.pk,
        data={"decision": "info_requested", "reason": f"{LEARNER_NAME}: the card is expired"},
    )
    event = audit_record(actor=learner_b, action="account.signed_in", target=learner_b)
    # Messages to learners: the outbox admin shows neither the address, nor the number, nor
    # the text (which names the person).
    outbox_message_add(
        channel="email",
        recipient=learner_b.email,
        content={"subject": f"Hello {LEARNER_NAME}", "body": LEARNER_NAME, "to": [learner_b.email]},
        user=learner_b,
        kind="matrix.email",
    )
    sms = outbox_message_add(
        channel="sms",
        recipient=LEARNER_PHONE,
        content={"to": LEARNER_PHONE, "message": f"{LEARNER_NAME}, your code: {LOGIN_CODE}"},
        user=learner_a,
        kind="matrix.sms",
    )
    OutboxMessage.objects.filter(pk=sms.pk).update(
        status=OutboxMessage.Status.FAILED, attempts=8, last_error="SMS gateway answered 503"
    )

    operator = OperatorFactory()
    give_totp(operator)
    provider = world.course.provider
    interval = IntervalSchedule.objects.create(every=10, period=IntervalSchedule.SECONDS)
    objects = {
        "auth.group": programme_admin_group(),
        "portal.user": world.users["reviewer_a"],
        "portal.auditevent": event,
        "portal.outboxmessage": OutboxMessage.objects.get(pk=sms.pk),
        "partners.partner": world.partner_a,
        "partners.membership": world.membership_reviewer_a,
        "partners.staffinvitation": world.invitation_a,
        "partners.partnerapikey": world.api_key_a,
        "partners.invitationbatch": world.batch_a,
        "credentials.provider": provider,
        "credentials.course": world.course,
        "credentials.seatallocation": SeatAllocation.objects.create(
            partner=world.partner_a, provider=provider, total=10
        ),
        "credentials.accesscode": AccessCode.objects.create(provider=provider, code="MX-1"),
        "credentials.credential": Credential.objects.get(pk=world.credential_a.pk),
        "credentials.issuerkey": IssuerKey.objects.first(),
        "credentials.statuslist": StatusList.objects.first(),
        "django_celery_beat.periodictask": PeriodicTask.objects.create(
            name="matrix", task="portal.tasks.nothing", interval=interval
        ),
        "django_celery_beat.crontabschedule": CrontabSchedule.objects.create(minute="5"),
        "django_celery_beat.intervalschedule": interval,
        "django_celery_beat.solarschedule": SolarSchedule.objects.create(
            event="sunrise", latitude=31.9, longitude=35.9
        ),
        "django_celery_beat.clockedschedule": ClockedSchedule.objects.create(
            clocked_time=timezone.now() + timedelta(days=1)
        ),
        "reporting.exportjob": world.export_admin,
        "reporting.reportdelivery": ReportDelivery.objects.create(
            report=ReportDelivery.Report.PARTNER,
            partner=world.partner_a,
            month="2026-01",
            recipients=2,
        ),
    }
    learners = [learner_a, learner_b, assisted]
    secrets = [
        *(learner.email for learner in learners),
        LEARNER_PHONE,
        LOGIN_CODE,
        LEARNER_NAME,
        LEARNER_IP,
        LEARNER_AGENT,
        CASE_NUMBER,
        application.case_number_hash,
        HIDDEN_NAME,
    ]
    return AdminWorld(
        users={
            "anonymous": None,
            "learner": learner_a,
            "partner_staff": world.users["coordinator_a"],
            "programme_admin": world.users["admin"],
            "operator": operator,
        },
        objects=objects,
        learners=learners,
        secrets=secrets,
    )


def _model_urls(label: str, pk) -> dict[str, str]:
    app, model = label.split(".")
    base = f"/admin/{app}/{model}/"
    return {
        "changelist": base,
        "add": f"{base}add/",
        "change": f"{base}{pk}/change/",
        "delete": f"{base}{pk}/delete/",
        "history": f"{base}{pk}/history/",
    }


def _expected_status(role: str, label: str, page: str) -> int:
    if role in ("anonymous", "learner", "partner_staff"):
        return 302  # to the sign-in page: the admin is for staff accounts only
    if role == "operator":
        _admin, (can_add, can_delete) = EXPECTED[label]
        allowed = {"add": can_add, "delete": can_delete}.get(page, True)
    else:
        (can_view, can_add, can_delete), _operator = EXPECTED[label]
        allowed = can_view and {"add": can_add, "delete": can_delete}.get(page, True)
    return 200 if allowed else 403


def _client_for(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _assert_nothing_about_learners(response, url: str, secrets: list[str]) -> None:
    body = response.content.decode(errors="replace")
    found = [secret for secret in secrets if secret.lower() in body.lower()]
    assert not found, f"{url} shows {found}"


def test_every_registered_model_has_a_decided_expectation():
    registered = {model._meta.label_lower for model in admin.site._registry}
    assert registered == set(EXPECTED)


@pytest.mark.parametrize("role", ROLES)
def test_every_admin_url_gives_the_expected_status_and_nothing_about_learners(role):
    world = _admin_world()
    client = _client_for(world.users[role])
    failures = []
    visited = 0
    pages = ["/admin/"] + [f"/admin/{app}/" for app in {label.split(".")[0] for label in EXPECTED}]
    for url in pages:
        response = client.get(url)
        expected = 302 if role in ("anonymous", "learner", "partner_staff") else None
        if expected and response.status_code != expected:
            failures.append((url, response.status_code, expected))
        _assert_nothing_about_learners(response, url, world.secrets)
        visited += 1
    for label, obj in world.objects.items():
        for page, url in _model_urls(label, obj.pk).items():
            response = client.get(url)
            expected = _expected_status(role, label, page)
            if response.status_code != expected:
                failures.append((url, response.status_code, expected))
            if expected == 302:
                assert "/login/" in response["Location"], url
            _assert_nothing_about_learners(response, url, world.secrets)
            visited += 1
    assert not failures, failures
    assert visited == len(pages) + 5 * len(EXPECTED)


@pytest.mark.parametrize("role", ["programme_admin", "operator"])
def test_no_admin_page_reaches_a_learner_account(role):
    """Lists, filters, search, raw-id popups, each learner's change, history, delete and
    password pages: learners are not there, for the operator neither."""
    world = _admin_world()
    client = _client_for(world.users[role])
    urls = [
        "/admin/portal/user/",
        "/admin/portal/user/?role__exact=learner",
        "/admin/portal/user/?q=example.org",
        "/admin/portal/user/?_popup=1&_to_field=id",
        "/admin/portal/user/?is_staff__exact=0",
    ]
    for learner in world.learners:
        for page in ("change", "history", "delete", "password"):
            urls.append(f"/admin/portal/user/{learner.pk}/{page}/")
    for url in urls:
        response = client.get(url, follow=True)
        assert response.status_code in (200, 403, 404), url
        _assert_nothing_about_learners(response, url, world.secrets)
        assert 'name="password1"' not in response.content.decode(), url
    listing = client.get("/admin/portal/user/?q=example.org").content.decode()
    assert world.users["partner_staff"].email in listing  # staff accounts are managed here


@pytest.mark.parametrize("role", ["programme_admin", "operator"])
def test_nobody_gets_a_password_form_for_another_account(role):
    world = _admin_world()
    client = _client_for(world.users[role])
    staff = world.users["partner_staff"]
    response = client.get(f"/admin/portal/user/{staff.pk}/password/")
    assert response.status_code in (302, 404)
    followed = client.get(f"/admin/portal/user/{staff.pk}/password/", follow=True)
    assert 'name="password1"' not in followed.content.decode()
    change = client.get(f"/admin/portal/user/{staff.pk}/change/").content.decode()
    assert f"{staff.pk}/password/" not in change and "../password/" not in change
    add = client.get("/admin/portal/user/add/").content.decode()
    assert 'name="password1"' not in add and 'name="password2"' not in add
    before = staff.password
    client.post(
        f"/admin/portal/user/{staff.pk}/password/",
        {"password1": "Attacker-chosen-42!", "password2": "Attacker-chosen-42!"},
    )
    staff.refresh_from_db()
    assert staff.password == before


@pytest.mark.parametrize(
    "url",
    [
        "/admin/partners/membership/?user__applications__case_number_hash=x",
        "/admin/partners/membership/?user__email__startswith=a",
        "/admin/credentials/credential/?learner__email__startswith=a",
        "/admin/credentials/credential/?subject_name__startswith=Z",
        "/admin/portal/auditevent/?actor__email__startswith=a",
        "/admin/credentials/accesscode/?enrolment__learner__email__startswith=a",
        "/admin/reporting/exportjob/?requested_by__role=learner",
    ],
)
def test_lookups_through_relations_to_learners_are_refused(url, django_user_model):
    world = _admin_world()
    client = _client_for(world.users["programme_admin"])
    response = client.get(url)
    assert response.status_code == 400, url
    _assert_nothing_about_learners(response, url, world.secrets)


@pytest.mark.parametrize("role", ["programme_admin", "operator"])
def test_autocomplete_offers_no_learner(role):
    """Autocomplete answers from the target's admin list: staff and admin accounts only."""
    world = _admin_world()
    client = _client_for(world.users[role])
    learner_ids = {str(learner.pk) for learner in world.learners}
    for app, model, field in [
        ("partners", "membership", "user"),
        ("credentials", "credential", "learner"),
        ("reporting", "exportjob", "requested_by"),
        ("portal", "auditevent", "actor"),
        ("credentials", "accesscode", "enrolment"),
    ]:
        url = (
            f"/admin/autocomplete/?app_label={app}&model_name={model}&field_name={field}"
            "&term=example"
        )
        response = client.get(url)
        assert response.status_code in (200, 403, 404), url
        _assert_nothing_about_learners(response, url, world.secrets)
        if response.status_code == 200:
            results = response.json()["results"]
            assert results and not {result["id"] for result in results} & learner_ids, url


def test_filtering_by_a_field_that_is_not_a_list_filter_is_refused():
    """Any field of the model itself, for every portal admin: the count of rows found would
    answer a question about it."""
    world = _admin_world()
    client = _client_for(world.users["operator"])
    checked = 0
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label not in ("portal", "partners", "credentials", "reporting"):
            continue
        filters = {item for item in model_admin.list_filter if isinstance(item, str)}
        filters.add(model_admin.date_hierarchy)
        for field in model._meta.concrete_fields:
            if field.name in filters or field.primary_key:
                continue
            url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
            response = client.get(url, {f"{field.name}__isnull": "False"})
            assert response.status_code == 400, (url, field.name)
            checked += 1
    assert checked > 50


def test_audit_log_names_learners_by_a_pseudonymous_reference():
    world = _admin_world()
    client = _client_for(world.users["programme_admin"])
    learner_b = world.users["learner"].__class__.objects.get(pk=world.learners[1].pk)
    event = world.objects["portal.auditevent"]
    listing = client.get("/admin/portal/auditevent/").content.decode()
    detail = client.get(f"/admin/portal/auditevent/{event.pk}/change/").content.decode()
    reference = learner_reference(learner_b.pk)
    assert reference in listing and reference in detail
    assert learner_b.email not in listing + detail
    # Stable, and not the account id or e-mail: another key gives another reference.
    assert learner_reference(learner_b.pk) == reference
    assert str(learner_b.pk) not in reference and learner_b.email not in reference
    # Free text typed by staff is not shown (it may name someone).
    decided = AuditEvent.objects.get(action="application.decided")
    page = client.get(f"/admin/portal/auditevent/{decided.pk}/change/").content.decode()
    assert "info_requested" in page and LEARNER_NAME not in page


def test_audit_log_shows_no_id_of_a_learners_record():
    """An application's, enrolment's or credential's id would open the record (a credential's
    public page names the person): the log shows keyed references, stable per record."""
    world = _admin_world()
    client = _client_for(world.users["programme_admin"])
    decided = AuditEvent.objects.filter(action="application.decided").first()
    assert decided is not None and decided.object_type == "partners.application"
    enrolment_event = AuditEvent.objects.create(
        action="enrolment.revoked",
        object_type="credentials.enrolment",
        object_id="987654",
        data={"application": 876543, "credential": 765432, "status": "revoked"},
    )
    for event in (decided, enrolment_event):
        page = client.get(f"/admin/portal/auditevent/{event.pk}/change/").content.decode()
        assert record_reference(event.object_type, event.object_id) in page
        assert f"{event.object_type} {event.object_id}" not in page
    page = client.get(f"/admin/portal/auditevent/{enrolment_event.pk}/change/").content.decode()
    for raw in ("987654", "876543", "765432"):
        assert raw not in page
    assert record_reference("application", "876543") in page and "revoked" in page
    # A partner is not a person: its id is shown as it is.
    partner_event = AuditEvent.objects.create(
        action="partner.updated", object_type="partners.partner", object_id="4242"
    )
    page = client.get(f"/admin/portal/auditevent/{partner_event.pk}/change/").content.decode()
    assert "partners.partner 4242" in page


def test_audit_reference_changes_with_the_secret_key(settings):
    before = learner_reference(42)
    settings.SECRET_KEY = "another-secret-key-for-this-test-only-0123456789"
    assert learner_reference(42) != before
    assert learner_reference(42).startswith("L-") and len(learner_reference(42)) == 14


def test_a_hidden_credential_shows_neither_its_name_nor_its_course():
    world = _admin_world()
    client = _client_for(world.users["operator"])
    credential = world.objects["credentials.credential"]
    course_title = credential.course.title
    listing = client.get("/admin/credentials/credential/").content.decode()
    detail = client.get(f"/admin/credentials/credential/{credential.pk}/change/").content.decode()
    for page in (listing, detail):
        assert HIDDEN_NAME not in page
        assert course_title not in page
        assert "hidden by the learner" in page
        assert credential.code not in page  # only its prefix: the whole code opens its page
    # Nor does the programme page where admins revoke it (it names public credentials only).
    admin_client = _client_for(world.users["programme_admin"])
    revoke = admin_client.get(reverse("programme:credential_revoke", args=[credential.pk]))
    assert revoke.status_code == 200
    assert HIDDEN_NAME not in revoke.content.decode()
    assert "hidden by the learner" in revoke.content.decode()
