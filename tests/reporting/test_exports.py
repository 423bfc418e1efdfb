"""Exports (/reports/exports/): asked for on a page, built by Celery, downloaded by the person who
asked for 24 hours, audited; aggregate files only, with protected counts (the row-level list of
learners was withdrawn: docs/decisions/0014)."""

import importlib
import io
import os
import time
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from partners.models import StaffRole
from portal.models import AuditEvent
from portal.storage import private_storage
from reporting import exports
from reporting.models import ExportJob, ExportKind, Metric, SummaryCount
from reporting.services import export_build, export_request
from reporting.suppression import MAX_ERROR
from reporting.tasks import export_build_task, exports_expire_task
from tests.partners.factories import PartnerFactory
from tests.portal.factories import LearnerFactory

from .export_data import (
    SMALL,
    assert_safely_shown,
    build_programme,
    learner_of,
    parse_aggregates,
    programme_admin,
    protected_number,
    shown_counts,
    staff_of,
)

pytestmark = pytest.mark.django_db

EXPORTS = "/reports/exports/"


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    """Exports are written under this test's own private folder."""
    stores = {alias: dict(config) for alias, config in settings.STORAGES.items()}
    root = tmp_path / "private"
    stores["private"]["OPTIONS"] = {**stores["private"]["OPTIONS"], "location": str(root)}
    settings.STORAGES = stores
    return root


@pytest.fixture
def programme(db):
    return build_programme()


@pytest.fixture
def admin(db):
    return programme_admin(email="admin@programme.example")


@pytest.fixture
def coordinator_a(programme):
    return staff_of(programme.partner_a, email="coordinator@hope.example")


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def ask(client, django_capture_on_commit_callbacks, **data):
    """POST the export form; the build task runs (eagerly) once the request's transaction
    commits, as it would on a worker."""
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(EXPORTS, data)


def download_text(client, job: ExportJob) -> str:
    response = client.get(f"{EXPORTS}{job.pk}/download/")
    assert response.status_code == 200
    return b"".join(response.streaming_content).decode("utf-8")


# --- end to end ----------------------------------------------------------------------------------


def test_admin_asks_for_programme_figures_and_downloads_them(
    programme, admin, django_capture_on_commit_callbacks
):
    client = client_of(admin)
    assert client.get(EXPORTS).status_code == 200

    response = ask(client, django_capture_on_commit_callbacks, kind="programme_aggregates")

    job = ExportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{EXPORTS}{job.pk}/"
    assert (job.kind, job.partner, job.requested_by) == (
        ExportKind.PROGRAMME_AGGREGATES,
        None,
        admin,
    )
    assert job.status == ExportJob.Status.READY
    assert job.percent == 100 and job.processed == job.total == 5
    assert job.file_name.startswith("exports/") and job.file_name.endswith(".csv")
    assert private_storage().exists(job.file_name)
    assert timedelta(hours=23, minutes=59) < job.expires_at - timezone.now() <= timedelta(hours=24)

    page = client.get(f"{EXPORTS}{job.pk}/").content.decode()
    assert 'http-equiv="refresh"' not in page
    assert f'href="{EXPORTS}{job.pk}/download/"' in page

    response = client.get(f"{EXPORTS}{job.pk}/download/")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Cache-Control"] == "private, no-store"
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    text = b"".join(response.streaming_content).decode("utf-8")

    scope_line, tables = parse_aggregates(text)
    assert scope_line.startswith("# Programme figures: all partners · figures as of ")
    assert list(tables) == [
        "By month",
        "By country of residence",
        "By country of origin",
        "By course provider",
        "By partner",
    ]
    assert not SMALL & set(shown_counts(tables))
    partners = tables["By partner"]
    # Listed when a protected count is above 0 (the two learners without a partner round to 0 or 5).
    assert [row[0] for row in partners.rows] in (
        ["Bridge Beirut", "Hope Amman", "No partner yet", "Total"],
        ["Bridge Beirut", "Hope Amman", "Total"],
    )
    # Each unit's learners are two rounded pieces (not yet verified, verified); the programme's
    # total adds up the units' (A: 3 + 7, B: 0 + 5, no partner: 2 + 0).
    assert partners.row("Bridge Beirut")["Learners"] == "5"  # 5 verified: a multiple of 5
    assert_safely_shown(partners.row("Hope Amman")["Learners"], 10, pieces=2)
    assert_safely_shown(partners.value("No partner yet", "Learners"), 2)
    assert_safely_shown(partners.row("Total")["Learners"], 17, pieces=3)
    total = sum(protected_number(row[1]) for row in partners.rows[:-1])
    assert protected_number(partners.row("Total")["Learners"]) == total
    assert partners.row("Total") == {
        column: tables["By month"].row("Total")[column] for column in partners.row("Total")
    }

    actions = list(
        AuditEvent.objects.filter(action__startswith="export.")
        .order_by("pk")
        .values_list("action", "actor", "object_id")
    )
    assert actions == [
        ("export.requested", admin.pk, str(job.pk)),
        ("export.downloaded", admin.pk, str(job.pk)),
    ]


def test_partner_figures_are_the_protected_rollups(
    programme, coordinator_a, django_capture_on_commit_callbacks
):
    client = client_of(coordinator_a)
    ask(
        client,
        django_capture_on_commit_callbacks,
        kind="partner_aggregates",
        partner=programme.partner_a.pk,
    )
    job = ExportJob.objects.get()
    assert (job.status, job.partner) == (ExportJob.Status.READY, programme.partner_a)

    scope_line, tables = parse_aggregates(download_text(client, job))
    assert scope_line.startswith("# Partner figures: Hope Amman · figures as of ")
    assert "By partner" not in tables
    assert "Bridge Beirut" not in download_text(client, job)
    assert not SMALL & set(shown_counts(tables))

    # The numbers known from how the programme was built (partner A only).
    residence = tables["By country of residence"]
    expected = {
        "Jordan (JO)": {"Learners": 7, "Applications": 7, "Verified learners": 7},
        "Lebanon (LB)": {"Learners": 3, "Applications": 3, "Verified learners": 0},
        "Total": {"Learners": 10, "Applications": 10, "Verified learners": 7},
    }
    rows = {row[0] for row in residence.rows}
    for label, counts in expected.items():
        if label not in rows:  # every protected count of the row is 0: not listed
            assert all(v <= MAX_ERROR for v in counts.values())
            continue
        for column, value in counts.items():
            # Learners: the not yet verified and the verified learners, each rounded.
            pieces = 2 if column == "Learners" else 1
            assert_safely_shown(residence.row(label)[column], value, pieces=pieces)
    # The Jordanians are all verified: one piece of 7, so 5 or 10.
    assert residence.row("Jordan (JO)")["Verified learners"] in ("5", "10")

    month = tables["By month"]
    truth = {
        "Learners": 10,
        "Applications": 10,
        "Verified learners": 7,
        "Enrolments": 6,
        "Completions": 2,
        "Credentials": 2,
    }
    for column, value in truth.items():
        pieces = 2 if column in ("Learners", "Enrolments") else 1
        assert_safely_shown(month.row("Total")[column], value, pieces=pieces)
    # Every table adds up to the same totals.
    for table in (residence, tables["By country of origin"]):
        for column, shown in table.row("Total").items():
            assert shown == month.row("Total")[column]
    provider = tables["By course provider"]
    assert provider.header == ["Course provider", "Enrolments", "Completions", "Credentials"]

    # Every shown count is the roll-up's protected number, within its rounding of the true one.
    rollup = {
        (key, metric): (value, published)
        for key, metric, value, published in SummaryCount.objects.filter(
            scope_partner_id=programme.partner_a.pk, dimension="month"
        ).values_list("key", "metric", "value", "published")
    }
    labels = {str(m.label): m.value for m in Metric}
    for row in month.rows[:-1]:
        for column, shown in zip(month.header[1:], row[1:], strict=True):
            value, published = rollup.get((row[0], labels[column]), (0, 0))
            assert protected_number(shown) == published
            pieces = 2 if column in ("Learners", "Enrolments") else 1
            assert_safely_shown(shown, value, pieces=pieces)


def test_export_cells_that_look_like_formulas_are_neutralised(
    admin, django_capture_on_commit_callbacks
):
    partner = PartnerFactory(name='=HYPERLINK("http://evil.example","x")', slug="evil")
    for _index in range(6):
        learner_of(partner)
    from reporting.refresh import rollups_refresh

    rollups_refresh()
    client = client_of(admin)
    ask(client, django_capture_on_commit_callbacks, kind="programme_aggregates")
    aggregates = ExportJob.objects.get()

    _scope, tables = parse_aggregates(download_text(client, aggregates))
    assert tables["By partner"].rows[0][0] == "'" + partner.name
    assert exports.csv_cell("+1") == "'+1"
    assert exports.csv_cell("-2") == "'-2"
    assert exports.csv_cell("@SUM(A1)") == "'@SUM(A1)"
    assert exports.csv_cell("Hope") == "Hope"


# --- the withdrawn list of learners ------------------------------------------------------------


def test_admin_is_not_offered_the_list_of_learners(admin):
    page = client_of(admin).get(EXPORTS).content.decode()
    assert 'value="programme_aggregates"' in page and 'value="partner_aggregates"' in page
    assert 'value="learners"' not in page and "List of learners" not in page


def test_an_old_bookmark_or_crafted_post_for_the_list_of_learners_is_refused(
    programme, admin, django_capture_on_commit_callbacks
):
    client = client_of(admin)
    assert client.get(EXPORTS, {"kind": "learners"}).status_code == 200  # just the form
    response = ask(client, django_capture_on_commit_callbacks, kind="learners")
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not ExportJob.objects.exists()
    assert not AuditEvent.objects.filter(action="export.requested").exists()
    with pytest.raises(PermissionDenied):
        export_request(kind="learners", partner=None, acting_user=admin)
    with pytest.raises(ValueError):
        exports.write_export(io.StringIO(), kind="learners", partner=None)


def test_a_leftover_learner_list_job_is_404_for_its_requester(admin):
    """Migration 0004 deletes them; should one survive, nobody can open or download it."""
    job = ExportJob.objects.create(
        kind="learners",
        requested_by=admin,
        status=ExportJob.Status.READY,
        file_name=private_storage().save("exports/old.csv", io.BytesIO(b"Partner\r\n")),
        finished_at=timezone.now(),
        expires_at=timezone.now() + timedelta(hours=1),
    )
    client = client_of(admin)
    assert client.get(f"{EXPORTS}{job.pk}/").status_code == 404
    assert client.get(f"{EXPORTS}{job.pk}/download/").status_code == 404


def test_migration_deletes_old_learner_lists_and_their_files(admin):
    """The forward function of reporting/0004: every job of the withdrawn kind goes, with its file
    (one row per learner); a file already gone is no error; other exports are untouched."""
    from django.apps import apps

    withdraw = importlib.import_module("reporting.migrations.0004_withdraw_learner_list")
    storage = private_storage()

    def job(kind, file_name="", status=ExportJob.Status.READY):
        return ExportJob.objects.create(
            kind=kind, requested_by=admin, status=status, file_name=file_name
        )

    old_list = storage.save("exports/list.csv", io.BytesIO(b"Partner\r\nHope\r\n"))
    figures = storage.save("exports/figures.csv", io.BytesIO(b"Month,Learners\r\n"))
    job("learners", old_list)
    job("learners", "exports/already-gone.csv")
    job("learners", status=ExportJob.Status.EXPIRED)
    kept = job("programme_aggregates", figures)

    withdraw.learner_lists_delete(apps, None)

    assert list(ExportJob.objects.all()) == [kept]
    assert not storage.exists(old_list)
    assert storage.exists(figures)
    withdraw.learner_lists_delete(apps, None)  # running it again changes nothing
    assert list(ExportJob.objects.all()) == [kept]


@pytest.mark.parametrize("kind", ["learners", "programme_aggregates"])
def test_coordinator_cannot_ask_for_programme_wide_exports(
    programme, coordinator_a, kind, django_capture_on_commit_callbacks
):
    response = ask(client_of(coordinator_a), django_capture_on_commit_callbacks, kind=kind)
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not ExportJob.objects.exists()
    with pytest.raises(PermissionDenied):
        export_request(kind=kind, partner=None, acting_user=coordinator_a)


def test_coordinator_cannot_ask_for_another_partners_figures(
    programme, coordinator_a, django_capture_on_commit_callbacks
):
    response = ask(
        client_of(coordinator_a),
        django_capture_on_commit_callbacks,
        kind="partner_aggregates",
        partner=programme.partner_b.pk,
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not ExportJob.objects.exists()
    with pytest.raises(PermissionDenied):
        export_request(
            kind="partner_aggregates", partner=programme.partner_b, acting_user=coordinator_a
        )


def test_partner_export_needs_a_partner(programme, admin, django_capture_on_commit_callbacks):
    response = ask(client_of(admin), django_capture_on_commit_callbacks, kind="partner_aggregates")
    assert "Choose the partner whose figures you want." in response.content.decode()
    assert not ExportJob.objects.exists()


def test_admin_may_export_any_partners_figures(
    programme, admin, django_capture_on_commit_callbacks
):
    ask(
        client_of(admin),
        django_capture_on_commit_callbacks,
        kind="partner_aggregates",
        partner=programme.partner_b.pk,
    )
    job = ExportJob.objects.get()
    assert (job.partner, job.status) == (programme.partner_b, "ready")
    audit = AuditEvent.objects.get(action="export.requested")
    assert (audit.partner_id, audit.data) == (
        programme.partner_b.pk,
        {"kind": "partner_aggregates"},
    )


def test_coordinator_form_offers_only_their_partners(programme, coordinator_a):
    page = client_of(coordinator_a).get(EXPORTS).content.decode()
    assert "Hope Amman" in page
    assert "Bridge Beirut" not in page
    assert 'value="learners"' not in page
    assert 'value="programme_aggregates"' not in page


@pytest.mark.parametrize("role", ["learner", "reviewer"])
def test_learners_and_reviewers_get_404_on_exports(programme, role):
    user = (
        LearnerFactory() if role == "learner" else staff_of(programme.partner_a, StaffRole.REVIEWER)
    )
    client = client_of(user)
    assert client.get(EXPORTS).status_code == 404
    assert client.post(EXPORTS, {"kind": "partner_aggregates"}).status_code == 404
    assert not ExportJob.objects.exists()


# --- only the requester, only for 24 hours -------------------------------------------------------


def test_nobody_but_the_requester_sees_an_export(
    programme, admin, coordinator_a, django_capture_on_commit_callbacks
):
    ask(client_of(admin), django_capture_on_commit_callbacks, kind="programme_aggregates")
    job = ExportJob.objects.get()
    other_admin = programme_admin()
    for user in (other_admin, coordinator_a):
        client = client_of(user)
        assert client.get(f"{EXPORTS}{job.pk}/").status_code == 404
        assert client.get(f"{EXPORTS}{job.pk}/download/").status_code == 404
        assert f"{EXPORTS}{job.pk}/" not in client.get(EXPORTS).content.decode()
    assert not AuditEvent.objects.filter(action="export.downloaded").exists()


def test_a_coordinator_who_lost_the_role_can_no_longer_download(
    programme, coordinator_a, django_capture_on_commit_callbacks
):
    client = client_of(coordinator_a)
    ask(
        client,
        django_capture_on_commit_callbacks,
        kind="partner_aggregates",
        partner=programme.partner_a.pk,
    )
    job = ExportJob.objects.get()
    coordinator_a.memberships.update(role=StaffRole.REVIEWER)
    assert client.get(f"{EXPORTS}{job.pk}/download/").status_code == 404


def test_export_expires_after_24_hours_and_its_file_is_deleted(
    programme, admin, django_capture_on_commit_callbacks
):
    client = client_of(admin)
    ask(client, django_capture_on_commit_callbacks, kind="programme_aggregates")
    job = ExportJob.objects.get()
    name = job.file_name
    assert private_storage().exists(name)

    # 24 hours later (the clock is moved by moving the expiry into the past).
    ExportJob.objects.filter(pk=job.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = client.get(f"{EXPORTS}{job.pk}/download/")
    assert response.status_code == 410
    assert "This export has expired" in response.content.decode()
    page = client.get(f"{EXPORTS}{job.pk}/").content.decode()
    assert "/download/" not in page

    exports_expire_task()

    job.refresh_from_db()
    assert (job.status, job.file_name) == (ExportJob.Status.EXPIRED, "")
    assert not private_storage().exists(name)
    assert client.get(f"{EXPORTS}{job.pk}/download/").status_code == 410
    listing = client.get(EXPORTS).content.decode()
    assert "Expired" in listing and "/download/" not in listing
    assert AuditEvent.objects.filter(action="export.downloaded").count() == 0


def test_expiry_leaves_exports_within_their_24_hours(
    programme, admin, django_capture_on_commit_callbacks
):
    ask(client_of(admin), django_capture_on_commit_callbacks, kind="programme_aggregates")
    exports_expire_task()
    job = ExportJob.objects.get()
    assert job.status == ExportJob.Status.READY
    assert private_storage().exists(job.file_name)


# --- progress ------------------------------------------------------------------------------------


def test_progress_page_refreshes_itself_while_the_export_is_built(programme, admin):
    client = client_of(admin)
    job = export_request(kind="programme_aggregates", partner=None, acting_user=admin)  # not built
    page = client.get(f"{EXPORTS}{job.pk}/").content.decode()
    # It refreshes itself only when asked to (a reload takes a screen reader back to the top).
    assert 'http-equiv="refresh"' not in page and "?auto=1" in page
    page = client.get(f"{EXPORTS}{job.pk}/?auto=1").content.decode()
    assert '<meta http-equiv="refresh" content="3">' in page
    assert "<progress" in page and "0% done" in page
    assert "/download/" not in page
    # Not ready: the download link sends back to the progress page.
    response = client.get(f"{EXPORTS}{job.pk}/download/")
    assert response.status_code == 302 and response["Location"] == f"{EXPORTS}{job.pk}/"

    ExportJob.objects.filter(pk=job.pk).update(status="running", processed=8, total=17)
    page = client.get(f"{EXPORTS}{job.pk}/?auto=1").content.decode()
    assert 'http-equiv="refresh"' in page and "47% done" in page
    assert 'value="47"' in page
    listing = client.get(EXPORTS).content.decode()
    assert "(47%)" in listing

    ExportJob.objects.filter(pk=job.pk).update(status="pending")
    export_build(job_id=job.pk)
    page = client.get(f"{EXPORTS}{job.pk}/").content.decode()
    assert 'http-equiv="refresh"' not in page
    assert "Download the CSV file" in page


def test_building_twice_builds_once(programme, admin):
    job = export_request(kind="programme_aggregates", partner=None, acting_user=admin)
    export_build_task(job.pk)
    job.refresh_from_db()
    first = (job.file_name, job.finished_at)
    assert export_build(job_id=job.pk) is None
    job.refresh_from_db()
    assert (job.file_name, job.finished_at) == first
    assert len(os.listdir(private_storage().path("exports"))) == 1


def test_a_failed_build_says_so_and_leaves_no_file(programme, admin, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(exports, "write_export", broken)
    job = export_request(kind="programme_aggregates", partner=None, acting_user=admin)
    export_build(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == ExportJob.Status.FAILED
    assert job.error == "RuntimeError: disk on fire"
    assert job.file_name == ""
    page = client_of(admin).get(f"{EXPORTS}{job.pk}/").content.decode()
    assert "could not be prepared" in page and 'http-equiv="refresh"' not in page


def test_reconciler_sends_again_an_export_whose_enqueue_was_lost(programme, admin):
    job = export_request(kind="programme_aggregates", partner=None, acting_user=admin)
    exports_expire_task()  # too recent to be called lost
    assert ExportJob.objects.get().status == ExportJob.Status.PENDING
    ExportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(minutes=11))
    exports_expire_task()
    assert ExportJob.objects.get().status == ExportJob.Status.READY


def test_exports_list_shows_my_exports_newest_first_in_constant_queries(programme, admin):
    client = client_of(admin)
    first = export_request(kind="programme_aggregates", partner=None, acting_user=admin)
    export_build(job_id=first.pk)
    export_request(kind="partner_aggregates", partner=programme.partner_b, acting_user=admin)
    export_request(
        kind="partner_aggregates", partner=programme.partner_a, acting_user=programme_admin()
    )
    page = client.get(EXPORTS).content.decode()
    listing = page.split("Your exports")[1]
    assert listing.index("Partner figures (counts)") < listing.index("Programme figures (counts)")
    assert "Hope Amman" not in listing  # another admin's export
    assert listing.count("/download/") == 1

    with CaptureQueriesContext(connection) as few:
        client.get(EXPORTS)
    for _index in range(10):
        job = export_request(
            kind="partner_aggregates", partner=programme.partner_b, acting_user=admin
        )
        export_build(job_id=job.pk)
    with CaptureQueriesContext(connection) as many:
        assert client.get(EXPORTS).content.decode().count("/download/") == 11
    assert len(many) == len(few)


def test_export_admin_is_read_only(admin):
    client = client_of(admin)
    job = export_request(kind="programme_aggregates", partner=None, acting_user=admin)
    assert client.get("/admin/reporting/exportjob/").status_code == 200
    assert client.get(f"/admin/reporting/exportjob/{job.pk}/change/").status_code == 200
    assert client.get("/admin/reporting/exportjob/add/").status_code == 403
    assert client.get(f"/admin/reporting/exportjob/{job.pk}/delete/").status_code == 403
    assert client.get("/admin/reporting/reportdelivery/").status_code == 200


# --- a real worker -------------------------------------------------------------------------------


@pytest.fixture
def worker_private_media(monkeypatch, private_media):
    """The worker process writes exports where this test reads them."""
    monkeypatch.setenv("PRIVATE_MEDIA_ROOT", str(private_media))
    return private_media


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_an_export_is_built_by_a_real_worker(worker_private_media, celery_worker):
    programme = build_programme()
    admin = programme_admin()
    job = export_request(
        kind="partner_aggregates", partner=programme.partner_a, acting_user=admin
    )  # committed at once (no test transaction): the worker receives it through Redis
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.status in (ExportJob.Status.READY, ExportJob.Status.FAILED):
            break
        time.sleep(0.2)
    assert job.status == ExportJob.Status.READY, job.error
    assert job.file_name.startswith("exports/")
    assert (worker_private_media / job.file_name).exists()
    text = download_text(client_of(admin), job)
    _scope, tables = parse_aggregates(text)
    assert_safely_shown(tables["By country of residence"].value("Lebanon (LB)", "Learners"), 3)
    assert not SMALL & set(shown_counts(tables))
