"""Fixtures for the partner tests: private storage in a temporary folder, partners and staff."""

import io

import pytest
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from partners.models import EvidenceDocument, StaffRole
from tests.portal.conftest import give_totp
from tests.portal.factories import LearnerFactory, PartnerStaffFactory, ProgrammeAdminFactory

from .factories import MembershipFactory, PartnerFactory
from .hostile_documents import simple_pdf

# A real one-page PDF (PDFium renders it), written by hand: every upload is rebuilt from pixels.
PDF_BYTES = simple_pdf()


@pytest.fixture(autouse=True)
def private_storage_root(settings, tmp_path, monkeypatch):
    """Evidence documents go to a folder of this test's own, never to the developer's."""
    root = tmp_path / "private-media"
    configured = {alias: dict(config) for alias, config in settings.STORAGES.items()}
    configured["private"] = {
        **configured["private"],
        "OPTIONS": {**configured["private"].get("OPTIONS", {}), "location": str(root)},
    }
    # Reassigning the setting sends setting_changed, which resets django's `storages`.
    settings.STORAGES = configured
    # A FileField calls its storage callable once, at import: point the field at the new one too.
    monkeypatch.setattr(EvidenceDocument._meta.get_field("file"), "storage", storages["private"])
    return root


def pdf_upload(name: str = "evidence.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF_BYTES, content_type="application/pdf")


def png_upload(name: str = "photo.png") -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(out, format="PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


def staff_of(partner, role: str = StaffRole.REVIEWER):
    """A staff member of the partner, with an authenticator so the MFA rule lets them in."""
    user = PartnerStaffFactory()
    give_totp(user)
    MembershipFactory(user=user, partner=partner, role=role)
    return user


@pytest.fixture
def partner(db):
    return PartnerFactory(name="Refuge Jordan", slug="refuge-jordan", countries=["JO", "LB"])


@pytest.fixture
def other_partner(db):
    return PartnerFactory(name="Other Help", slug="other-help", countries=["JO"])


@pytest.fixture
def reviewer(partner):
    return staff_of(partner)


@pytest.fixture
def coordinator(partner):
    return staff_of(partner, StaffRole.COORDINATOR)


@pytest.fixture
def other_reviewer(other_partner):
    return staff_of(other_partner)


@pytest.fixture
def applicant(db):
    return LearnerFactory(email="amal@example.org")


@pytest.fixture
def learner(db):
    return LearnerFactory()


@pytest.fixture
def programme_admin(db):
    user = ProgrammeAdminFactory()
    give_totp(user)
    return user
