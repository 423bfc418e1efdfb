import pytest
from django.core.files.storage import storages

from partners.models import EvidenceDocument

# The roles' fixtures live with the portal's tests; learner tests use them too.
from tests.portal.conftest import admin_with_mfa, learner, staff_with_mfa  # noqa: F401

from .factories import LearnerProfileFactory


@pytest.fixture
def private_storage_dir(settings, tmp_path, monkeypatch):
    """Evidence documents go to a temporary folder for the test, never to the real one."""
    root = tmp_path / "private"
    stores = {alias: dict(config) for alias, config in settings.STORAGES.items()}
    stores["private"]["OPTIONS"] = {**stores["private"]["OPTIONS"], "location": str(root)}
    settings.STORAGES = stores  # the setting_changed signal resets django's storages handler
    # The model field resolved its storage once, at import: point it at the temporary one.
    monkeypatch.setattr(EvidenceDocument._meta.get_field("file"), "storage", storages["private"])
    return root


@pytest.fixture
def learner_with_profile(db):
    return LearnerProfileFactory().user
