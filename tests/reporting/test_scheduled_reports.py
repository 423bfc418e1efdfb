"""Monthly reports: each partner's coordinators and the programme admins get a summary e-mail in
their own language with the suppressed CSV attached, once a month, on a schedule admins can edit
(django-celery-beat)."""

import json
from datetime import date

import pytest
from celery.schedules import crontab
from django.conf import settings
from django.core import mail
from django.test import Client
from django.utils import formats, translation
from django_celery_beat.models import CrontabSchedule, PeriodicTask
from django_celery_beat.schedulers import DatabaseScheduler

from config.celery import app as celery_app
from partners.models import StaffRole
from portal.emails import email_from_payload, email_to_payload
from portal.models import AuditEvent
from reporting.models import ReportDelivery
from reporting.services import month_label, previous_month
from reporting.tasks import partner_reports_send_task, programme_report_send_task

from .export_data import (
    SMALL,
    assert_safely_shown,
    build_programme,
    parse_aggregates,
    programme_admin,
    protected_number,
    shown_counts,
    staff_of,
)

pytestmark = pytest.mark.django_db

MONTHLY = ("partner-reports-send", "programme-report-send")


@pytest.fixture
def programme(db):
    return build_programme()


def run(task, capture) -> list:
    """Run a periodic task as beat would; e-mails leave once its transactions commit."""
    before = len(mail.outbox)
    with capture(execute=True):
        task()
    return mail.outbox[before:]


def attachment_text(message) -> tuple[str, str, str]:
    ((filename, content, mimetype),) = message.attachments
    text = content.decode("utf-8") if isinstance(content, bytes) else content
    return filename, text, mimetype


def test_each_coordinator_gets_their_partners_report_in_their_language(
    programme, django_capture_on_commit_callbacks
):
    english = staff_of(programme.partner_a, email="amal@hope.example", language="en")
    arabic = staff_of(programme.partner_a, email="omar@hope.example", language="ar")
    staff_of(programme.partner_a, StaffRole.REVIEWER, email="reviewer@hope.example")
    other = staff_of(programme.partner_b, email="lina@bridge.example", language="fr")
    month = previous_month()

    sent = run(partner_reports_send_task, django_capture_on_commit_callbacks)

    assert sorted(m.to[0] for m in sent) == sorted([english.email, arabic.email, other.email])
    by_recipient = {m.to[0]: m for m in sent}
    for user, partner in ((english, programme.partner_a), (arabic, programme.partner_a)):
        message = by_recipient[user.email]
        with translation.override(user.language):
            label = formats.date_format(date(*map(int, month.split("-")), 1), "YEAR_MONTH_FORMAT")
        assert label in message.subject and label in message.body
        assert partner.name in message.subject
        filename, text, mimetype = attachment_text(message)
        assert (filename, mimetype) == (f"hope-amman-{month}.csv", "text/csv")
        scope_line, tables = parse_aggregates(text)
        assert "Hope Amman" in scope_line
        assert not SMALL & set(shown_counts(tables))
        assert "Bridge Beirut" not in text
    with translation.override("ar"):
        arabic_label = month_label(month)
    with translation.override("en"):
        assert arabic_label != month_label(month)

    message = by_recipient[english.email]
    _filename, text, _mimetype = attachment_text(message)
    _scope, tables = parse_aggregates(text)
    residence = tables["By country of residence"]
    assert_safely_shown(residence.value("Lebanon (LB)", "Learners"), 3)
    assert_safely_shown(residence.row("Jordan (JO)")["Learners"], 7)
    # The headline numbers are the CSV's protected numbers.
    totals = tables["By month"].row("Total")
    assert_safely_shown(totals["Learners"], 10, pieces=2)
    assert_safely_shown(totals["Completions"], 2)
    for column in ("Learners", "Completions", "Credentials"):
        assert f"{column}: {totals[column]} in all" in message.body
    for small in SMALL:
        assert f": {small} in all" not in message.body
        assert f", {small} in " not in message.body
    assert "/reports/partners/hope-amman/" in message.body

    # Partner B's coordinator: their own partner's figures only.
    _filename, text, _mimetype = attachment_text(by_recipient[other.email])
    assert "Bridge Beirut" in text and "Hope Amman" not in text

    deliveries = ReportDelivery.objects.order_by("partner_id")
    assert [(d.partner, d.month, d.recipients) for d in deliveries] == [
        (programme.partner_a, month, 2),
        (programme.partner_b, month, 1),
    ]
    assert AuditEvent.objects.filter(action="report.sent").count() == 2


def test_a_second_run_in_the_same_month_sends_nothing(
    programme, django_capture_on_commit_callbacks
):
    staff_of(programme.partner_a, email="amal@hope.example")
    programme_admin(email="director@programme.example")
    assert len(run(partner_reports_send_task, django_capture_on_commit_callbacks)) == 1
    assert len(run(programme_report_send_task, django_capture_on_commit_callbacks)) == 1

    assert run(partner_reports_send_task, django_capture_on_commit_callbacks) == []
    assert run(programme_report_send_task, django_capture_on_commit_callbacks) == []
    assert ReportDelivery.objects.count() == 2


def test_inactive_partners_and_partners_without_coordinators_get_nothing(
    programme, django_capture_on_commit_callbacks
):
    staff_of(programme.partner_b, StaffRole.REVIEWER)
    staff_of(programme.partner_a, email="amal@hope.example")
    programme.partner_a.is_active = False
    programme.partner_a.save(update_fields=["is_active"])
    assert run(partner_reports_send_task, django_capture_on_commit_callbacks) == []
    assert not ReportDelivery.objects.exists()


def test_programme_admins_get_the_programme_summary_suppressed(
    programme, django_capture_on_commit_callbacks
):
    director = programme_admin(email="director@programme.example", language="en")
    french = programme_admin(email="directrice@programme.example", language="fr")
    staff_of(programme.partner_a, email="amal@hope.example")
    month = previous_month()

    sent = run(programme_report_send_task, django_capture_on_commit_callbacks)

    assert sorted(m.to[0] for m in sent) == sorted([director.email, french.email])
    message, in_french = sorted(sent, key=lambda m: m.to[0] != director.email)
    with translation.override("fr"):
        assert month_label(month) in in_french.subject
    filename, text, mimetype = attachment_text(message)
    assert (filename, mimetype) == (f"programme-{month}.csv", "text/csv")
    _scope, tables = parse_aggregates(text)
    assert not SMALL & set(shown_counts(tables))
    assert_safely_shown(tables["By partner"].value("No partner yet", "Learners"), 2)
    learners = tables["By month"].row("Total")["Learners"]
    assert_safely_shown(learners, 17, pieces=3)
    assert learners == tables["By partner"].row("Total")["Learners"]
    assert f"Learners: {learners} in all" in message.body
    assert "2 active partners" in message.body
    # Countries where the protected count of learners is above 0 (Lebanon's 3 may round to 0).
    residence = tables["By country of residence"]
    countries = sum(protected_number(row[1]) > 0 for row in residence.rows[:-1])
    assert countries in (1, 2)
    assert (
        "Learners in 2 countries" if countries == 2 else "Learners in 1 country"
    ) in message.body
    assert "/reports/programme/" in message.body
    delivery = ReportDelivery.objects.get()
    assert (delivery.report, delivery.partner, delivery.month) == ("programme", None, month)


def test_report_emails_leave_through_the_mail_task_with_their_attachment():
    from django.core.mail import EmailMultiAlternatives

    message = EmailMultiAlternatives("Figures", "body", "from@example.org", ["to@example.org"])
    message.attach("figures.csv", "\ufeffMonth,Learners\r\n2026-03,<5\r\n".encode(), "text/csv")
    payload = json.loads(json.dumps(email_to_payload(message)))
    again = email_from_payload(payload)
    ((filename, content, mimetype),) = again.attachments
    assert (filename, mimetype) == ("figures.csv", "text/csv")
    assert content == "\ufeffMonth,Learners\r\n2026-03,<5\r\n"


def test_previous_month_is_the_month_reported_on():
    assert previous_month(date(2026, 1, 1)) == "2025-12"
    assert previous_month(date(2026, 3, 1)) == "2026-02"
    assert previous_month(date(2026, 3, 31)) == "2026-02"


# --- the schedule ---------------------------------------------------------------------------------


def test_beat_schedule_runs_the_reports_monthly_and_the_expiry_hourly():
    schedule = settings.CELERY_BEAT_SCHEDULE
    for name in MONTHLY:
        entry = schedule[name]
        assert entry["schedule"] == crontab(day_of_month="1", hour="6", minute="0")
    assert schedule["partner-reports-send"]["task"] == ("reporting.tasks.partner_reports_send_task")
    assert schedule["programme-report-send"]["task"] == (
        "reporting.tasks.programme_report_send_task"
    )
    assert schedule["exports-expire"]["task"] == "reporting.tasks.exports_expire_task"
    assert schedule["exports-expire"]["schedule"].total_seconds() == 3600
    for name in (*MONTHLY, "exports-expire"):
        assert schedule[name]["task"] in celery_app.tasks


@pytest.mark.django_db(transaction=True)  # the scheduler closes and reopens connections
def test_beat_copies_the_monthly_reports_into_its_editable_tables():
    DatabaseScheduler(app=celery_app)  # what `celery beat` does when it starts

    for name in MONTHLY:
        task = PeriodicTask.objects.select_related("crontab").get(name=name)
        assert task.enabled
        assert (
            task.crontab.minute,
            task.crontab.hour,
            task.crontab.day_of_month,
            task.crontab.month_of_year,
            task.crontab.day_of_week,
        ) == ("0", "6", "1", "*", "*")
    assert PeriodicTask.objects.get(name="exports-expire").interval.every == 3600


@pytest.mark.django_db(transaction=True)
def test_admins_can_edit_the_schedule_in_the_django_admin():
    DatabaseScheduler(app=celery_app)
    admin = programme_admin()
    client = Client()
    client.force_login(admin)
    assert client.get("/admin/django_celery_beat/periodictask/").status_code == 200
    task = PeriodicTask.objects.get(name="partner-reports-send")
    page = client.get(f"/admin/django_celery_beat/periodictask/{task.pk}/change/")
    assert page.status_code == 200
    assert "partner_reports_send_task" in page.content.decode()


@pytest.mark.django_db(transaction=True)
def test_admins_change_when_a_job_runs_but_never_which_job_or_its_arguments():
    """django_celery_beat's own page would let a programme admin point a task at any registered
    job with any arguments (e-mail or SMS anyone as the portal) or run it at once."""
    DatabaseScheduler(app=celery_app)
    client = Client()
    client.force_login(programme_admin())
    task = PeriodicTask.objects.get(name="partner-reports-send")
    other_crontab = CrontabSchedule.objects.create(minute="30", hour="7")
    url = f"/admin/django_celery_beat/periodictask/{task.pk}/change/"
    page = client.get(url).content.decode()
    assert 'name="regtask"' not in page and 'name="task"' not in page
    assert 'name="args"' not in page and 'name="kwargs"' not in page
    before = (task.name, task.task, task.args, task.kwargs, task.queue)

    response = client.post(
        url,
        {
            "name": "hijacked",
            "regtask": "portal.tasks.email_send_task",
            "task": "portal.tasks.email_send_task",
            "args": '["attacker payload"]',
            "kwargs": '{"to": "someone@example.org"}',
            "queue": "elsewhere",
            "enabled": "on",
            "crontab": other_crontab.pk,
        },
    )
    assert response.status_code == 302
    task.refresh_from_db()
    assert (task.name, task.task, task.args, task.kwargs, task.queue) == before
    assert task.crontab_id == other_crontab.pk  # the schedule itself is theirs to change

    # Neither new tasks, nor deleting them, nor running them by hand.
    assert client.get("/admin/django_celery_beat/periodictask/add/").status_code == 403
    assert client.get(f"{url.removesuffix('change/')}delete/").status_code == 403
    changelist = client.get("/admin/django_celery_beat/periodictask/").content.decode()
    assert 'value="run_tasks"' not in changelist
    assert 'value="disable_tasks"' in changelist
    sent = client.post(
        "/admin/django_celery_beat/periodictask/",
        {"action": "run_tasks", "_selected_action": [task.pk]},
        follow=True,
    )
    assert "successfully run" not in sent.content.decode()
    assert mail.outbox == []
