"""The export page says only what is true: never "being prepared" next to "Ready"."""

import pytest
from django.test import Client

from reporting.models import ExportJob
from reporting.services import export_request

from .export_data import programme_admin

pytestmark = pytest.mark.django_db

EXPORTS = "/reports/exports/"


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    stores = {alias: dict(config) for alias, config in settings.STORAGES.items()}
    stores["private"]["OPTIONS"] = {
        **stores["private"]["OPTIONS"],
        "location": str(tmp_path / "private"),
    }
    settings.STORAGES = stores


@pytest.fixture
def admin_client():
    admin = programme_admin()
    client = Client()
    client.force_login(admin)
    client.admin = admin
    return client


def test_an_export_built_at_once_says_ready_and_nothing_about_being_prepared(
    admin_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(EXPORTS, {"kind": "programme_aggregates"})
    # In-process jobs (make run) build it as the request's transaction commits.
    assert ExportJob.objects.get().status == ExportJob.Status.READY
    page = admin_client.get(response["Location"]).content.decode()
    assert "Ready" in page and "Download the CSV file" in page
    assert "being prepared" not in page


def test_an_export_still_being_built_says_so_and_not_ready(admin_client):
    job = export_request(kind="programme_aggregates", partner=None, acting_user=admin_client.admin)
    page = admin_client.get(f"{EXPORTS}{job.pk}/").content.decode()
    assert "The file is being prepared in the background." in page
    assert "Download the CSV file" not in page
    assert ">Ready<" not in page
