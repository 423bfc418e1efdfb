"""What the fuzzers found, pinned as plain examples."""

import base64
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from credentials.models import AccessCode
from credentials.services.provider_keys import provider_api_key_create
from partners.models import InvitationRow, StaffRole
from partners.services.api_keys import api_key_create
from tests.credentials.factories import ProviderFactory
from tests.partners.factories import ApplicationFactory, MembershipFactory, PartnerFactory
from tests.portal.conftest import give_totp
from tests.portal.factories import PartnerStaffFactory, ProgrammeAdminFactory

LIST_URL = "/api/v1/applications/"


@pytest.fixture
def partner_client(db):
    partner = PartnerFactory()
    coordinator = MembershipFactory(partner=partner, role=StaffRole.COORDINATOR).user
    ApplicationFactory.create_batch(2, partner=partner)
    key = api_key_create(partner=partner, name="cms", acting_user=coordinator)[1]
    return Client(headers={"Authorization": f"Api-Key {key}"})


@pytest.mark.parametrize(
    "params",
    [
        {"page_size": "many"},
        {"page_size": "0"},
        {"page_size": "201"},
        {"page_size": "٣"},  # Arabic-Indic 3: int() takes it, the schema's integer does not
        {"status": ""},
        {"stauts": "submitted"},  # a misspelt filter is not quietly ignored
    ],
)
def test_partner_api_refuses_query_parameters_outside_its_schema(partner_client, params):
    response = partner_client.get(LIST_URL, params)
    assert response.status_code == 400
    assert response.json()


def test_partner_api_page_size_within_bounds_is_honoured(partner_client):
    response = partner_client.get(LIST_URL, {"page_size": "1"})
    assert response.status_code == 200
    assert len(response.json()["results"]) == 1


def test_a_forged_cursor_is_404_not_a_server_error(partner_client):
    cursor = base64.b64encode(b"p=not-a-date&o=0").decode()
    response = partner_client.get(LIST_URL, {"cursor": cursor})
    assert response.status_code == 404


def test_completions_without_a_body_is_400(db):
    admin = ProgrammeAdminFactory()
    key = provider_api_key_create(provider=ProviderFactory(), name="Feed", acting_user=admin)[1]
    client = Client(headers={"Authorization": f"Api-Key {key}"})
    response = client.post("/api/v1/completions/", "", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["detail"]
    response = client.post(
        "/api/v1/completions/?debug=1", json.dumps({}), content_type="application/json"
    )
    assert response.status_code == 400


def test_decision_body_schema_says_what_each_decision_requires(client):
    schema = client.get("/api/schema/", {"format": "json"}).json()
    body = schema["paths"]["/api/v1/applications/{id}/decision/"]["post"]["requestBody"]
    assert body["required"] is True
    components = schema["components"]["schemas"]
    assert "reason" in components["RejectDecision"]["required"]
    assert "message" in components["RequestInfoDecision"]["required"]


def test_a_nul_in_an_invitation_file_is_a_clear_error_not_a_server_error(db):
    partner = PartnerFactory()
    coordinator = PartnerStaffFactory()
    give_totp(coordinator)
    MembershipFactory(user=coordinator, partner=partner, role=StaffRole.COORDINATOR)
    client = Client()
    client.force_login(coordinator)
    content = b"email,name\r\na@example.org,Nul\x00Name\r\n"
    response = client.post(
        reverse("partners:bulk_invitations", kwargs={"slug": partner.slug}),
        {"csv_file": SimpleUploadedFile("people.csv", content, content_type="text/csv")},
    )
    assert response.status_code == 200
    assert "UTF-8" in str(response.context["form"].errors["csv_file"])
    assert not InvitationRow.objects.exists()


def test_a_nul_in_a_voucher_code_file_is_a_clear_error_not_a_server_error(db):
    admin = ProgrammeAdminFactory()
    give_totp(admin)
    provider = ProviderFactory()
    client = Client()
    client.force_login(admin)
    response = client.post(
        reverse("programme:codes"),
        {
            "provider": provider.slug,
            "csv_file": SimpleUploadedFile("codes.csv", b"AB12\nCD\x0034\n"),
        },
    )
    assert response.status_code == 200
    assert "UTF-8" in str(response.context["form"].errors["csv_file"])
    assert not AccessCode.objects.exists()
