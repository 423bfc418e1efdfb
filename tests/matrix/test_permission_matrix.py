"""Every portal URL by every role, including staff of another partner.

Codes: a number is the status; "login" is a redirect to sign in; "→/path" a redirect there.
POST-only URLs answer a GET with 405 for everyone; what matters there is the POST matrix below,
where everyone but the rightful role gets 404 (or is sent to sign in) and nothing changes.
allauth's and the Django admin's URLs are walked in tests/portal/test_url_permissions.py.
"""

import pytest
from django.test import Client

from credentials.models import (
    Credential,
    Enrolment,
    LearnerReference,
    ProviderApiKey,
    SeatAllocation,
)
from partners.models import Application, Membership, PartnerApiKey, StaffInvitation
from reporting.models import ExportJob
from tests.portal.urlwalk import walk_urls

from .urls import KWARGS, url_for
from .world import ROLES, build_world

R = ROLES  # anonymous, learner_a, learner_b, reviewer_a, reviewer_b, coordinator_a, admin


def row(*codes):
    assert len(codes) == len(ROLES)
    return dict(zip(ROLES, codes, strict=True))


LEARNER_ONLY = row("login", 200, 200, 404, 404, 404, 404)
ADMIN_ONLY = row("login", 404, 404, 404, 404, 404, 200)
COORDINATOR_A_ONLY = row("login", 404, 404, 404, 404, 200, 404)
STAFF_OF_A = row("login", 404, 404, 200, 404, 200, 404)
POST_ONLY = row("login", 405, 405, 405, 405, 405, 405)
API_KEY_ONLY = row(401, 401, 401, 401, 401, 401, 401)
PUBLIC = row(200, 200, 200, 200, 200, 200, 200)

GET_MATRIX = {
    "portal:landing": row(200, "→/home/", "→/home/", "→/home/", "→/home/", "→/home/", "→/home/"),
    "portal:privacy": PUBLIC,
    "portal:help": PUBLIC,
    "portal:home": row("login", "→/learn/", "→/learn/", "→/staff/", "→/staff/", "→/staff/", 200),
    "healthz": PUBLIC,
    "set_language": row("→/", "→/", "→/", "→/", "→/", "→/", "→/"),
    "learners:dashboard": LEARNER_ONLY,
    "learners:profile": LEARNER_ONLY,
    "learners:message_channel": LEARNER_ONLY,
    # learner_a already has an application in progress, so they are sent to their dashboard.
    "learners:choose_partner": row("login", "→/learn/", 200, 404, 404, 404, 404),
    "learners:apply": row("login", "→/learn/", 200, 404, 404, 404, 404),
    # Only the owner; the application is not waiting for information, so back to the dashboard.
    "learners:application_edit": row("login", "→/learn/", 404, 404, 404, 404, 404),
    "learners:application_withdraw": row("login", 200, 404, 404, 404, 404, 404),
    "learners:document_download": row("login", 200, 404, 404, 404, 404, 404),
    # Only the owner, while the application waits for the partner.
    "learners:documents_add": row("login", 200, 404, 404, 404, 404, 404),
    "learners:join": PUBLIC,
    "learners:assisted_confirm": PUBLIC,
    # A learner's own data: nobody else's can be named (no export is ready in this world).
    "learners:data": LEARNER_ONLY,
    "learners:data_download": row("login", 404, 404, 404, 404, 404, 404),
    "learners:data_delete": LEARNER_ONLY,
    "programme:partner_list": ADMIN_ONLY,
    "programme:partner_create": ADMIN_ONLY,
    "programme:partner_edit": ADMIN_ONLY,
    "programme:partner_invite_coordinator": POST_ONLY,
    # Any signed-in person may open an invitation link; it is checked against their e-mail.
    "staff:invitation_accept": row("login", 200, 200, 200, 200, 200, 200),
    "partners:team": COORDINATOR_A_ONLY,
    "partners:staff_invite": POST_ONLY,
    "partners:staff_remove": POST_ONLY,
    "partners:staff_role_change": POST_ONLY,
    "partners:staff_invitation_revoke": POST_ONLY,
    "partners:api_keys": COORDINATOR_A_ONLY,
    "partners:api_key_create": POST_ONLY,
    "partners:api_key_revoke": POST_ONLY,
    "partners:bulk_invitations": COORDINATOR_A_ONLY,
    "partners:bulk_invitation_detail": COORDINATOR_A_ONLY,
    "staff:home": row(
        "login",
        404,
        404,
        "→/staff/partner-a/applications/",
        "→/staff/partner-b/applications/",
        "→/staff/partner-a/applications/",
        404,
    ),
    "partners:queue": STAFF_OF_A,
    "partners:application": STAFF_OF_A,
    "partners:decide": POST_ONLY,
    "partners:digest_toggle": POST_ONLY,
    "partners:document_download": STAFF_OF_A,
    "assisted:register": STAFF_OF_A,
    "assisted:slip": STAFF_OF_A,
    "assisted:contacted": STAFF_OF_A,
    "assisted:new_password": POST_ONLY,
    # Machine clients: sessions count for nothing, only a partner API key.
    "api:applications": API_KEY_ONLY,
    "api:application_detail": API_KEY_ONLY,
    "api:application_decision": API_KEY_ONLY,
    "api:schema": PUBLIC,
    "courses:catalogue": PUBLIC,
    "courses:course": PUBLIC,
    "courses:enrol": POST_ONLY,
    "programme:allocations": ADMIN_ONLY,
    "programme:codes": ADMIN_ONLY,
    "seats:usage": COORDINATOR_A_ONLY,
    "seats:enrolments": COORDINATOR_A_ONLY,
    "seats:revoke": COORDINATOR_A_ONLY,
    "programme:provider_keys": ADMIN_ONLY,
    "programme:provider_key_create": POST_ONLY,
    "programme:provider_key_revoke": POST_ONLY,
    "programme:completions_import": ADMIN_ONLY,
    "programme:completions_job": ADMIN_ONLY,
    "programme:completions_errors": ADMIN_ONLY,
    "seats:bulk_enrolment": COORDINATOR_A_ONLY,
    "seats:bulk_enrolment_job": COORDINATOR_A_ONLY,
    "seats:bulk_enrolment_errors": COORDINATOR_A_ONLY,
    "credentials_api:completions": API_KEY_ONLY,
    "programme:credentials": ADMIN_ONLY,
    "programme:credential_revoke": ADMIN_ONLY,
    # Learner B has no credential: their list is empty, but it is their page.
    "learner_credentials:list": LEARNER_ONLY,
    "learner_credentials:visibility": POST_ONLY,
    "learner_credentials:wallet_offer": POST_ONLY,
    # OpenID4VCI (decision 0026): metadata for anyone; the wallet's endpoints answer POST only,
    # with no session (a wallet app has none).
    "wallet:issuer_metadata": PUBLIC,
    "wallet:authorization_server_metadata": PUBLIC,
    # An offer by reference answers only while its code is live: a made-up one is 404.
    "wallet:offer": row(404, 404, 404, 404, 404, 404, 404),
    "wallet:token": row(405, 405, 405, 405, 405, 405, 405),
    "wallet:nonce": row(405, 405, 405, 405, 405, 405, 405),
    "wallet:credential": row(405, 405, 405, 405, 405, 405, 405),
    "learner_credentials:share_email": POST_ONLY,
    # Public verification of learner A's credential: anyone holding the link, signed in or not.
    "verify:status_list": PUBLIC,
    "verify:credential": PUBLIC,
    "verify:credential_json": PUBLIC,
    "verify:credential_qr": PUBLIC,
    "verify:credential_pdf": PUBLIC,
    # The issuer's DID document (did:web): public, for any verifier.
    "did:document": PUBLIC,
    "did:document_at_path": PUBLIC,
    # Reporting: the programme's figures for admins, a partner's for its coordinators only.
    "reporting:programme_dashboard": ADMIN_ONLY,
    "reporting:refresh": POST_ONLY,
    "reporting:partner_dashboard": COORDINATOR_A_ONLY,
    # Exports: admins and coordinators (not reviewers); an export only for the one who asked.
    "reporting:exports": row("login", 404, 404, 404, 404, 200, 200),
    "reporting:export": ADMIN_ONLY,
    "reporting:export_download": ADMIN_ONLY,
}

# Who may POST to each POST-only URL; everyone else must get 404 (anonymous: sign in).
POST_ALLOWED = {
    "programme:partner_invite_coordinator": {"admin"},
    "partners:staff_invite": {"coordinator_a"},
    "partners:staff_remove": {"coordinator_a"},
    "partners:staff_role_change": {"coordinator_a"},
    "partners:staff_invitation_revoke": {"coordinator_a"},
    "partners:api_key_create": {"coordinator_a"},
    "partners:api_key_revoke": {"coordinator_a"},
    "partners:decide": {"reviewer_a", "coordinator_a"},
    "partners:digest_toggle": {"reviewer_a", "coordinator_a"},
    "assisted:new_password": {"reviewer_a", "coordinator_a"},
    "learners:application_withdraw": {"learner_a"},
    "learners:documents_add": {"learner_a"},
    "partners:bulk_invitations": {"coordinator_a"},
    "programme:partner_create": {"admin"},
    "programme:partner_edit": {"admin"},
    "learners:apply": {"learner_a", "learner_b"},
    "learners:profile": {"learner_a", "learner_b"},
    "learners:message_channel": {"learner_a", "learner_b"},
    # Each learner asks for their own export; erasure needs the typed confirmation (the POST
    # below lacks it, so nothing is erased).
    "learners:data": {"learner_a", "learner_b"},
    "learners:data_delete": {"learner_a", "learner_b"},
    "assisted:register": {"reviewer_a", "coordinator_a"},
    "courses:enrol": {"learner_a", "learner_b"},
    "seats:revoke": {"coordinator_a"},
    "programme:allocations": {"admin"},
    "programme:codes": {"admin"},
    "programme:provider_key_create": {"admin"},
    "programme:provider_key_revoke": {"admin"},
    "programme:completions_import": {"admin"},
    "seats:bulk_enrolment": {"coordinator_a"},
    "programme:credential_revoke": {"admin"},
    # Only learner A, whose credential it is; learner B gets 404 like everyone else.
    "learner_credentials:visibility": {"learner_a"},
    # Only learner A may ask for an offer of their credential.
    "learner_credentials:wallet_offer": {"learner_a"},
    # Only learner A has a reference at the world's provider; learner B gets 404 too.
    "learner_credentials:share_email": {"learner_a"},
    "reporting:refresh": {"admin"},
    "reporting:exports": {"coordinator_a", "admin"},
}

OWN_URL_PREFIXES = (
    "portal:",
    "learners:",
    "partners:",
    "assisted:",
    "api:",
    "courses:",
    "seats:",
    "staff:",
    "programme:",
    "credentials_api:",
    "learner_credentials:",
    "verify:",
    "did:",
    "wallet:",
    "reporting:",
)


@pytest.fixture
def world(db, settings, tmp_path):
    from django.core.files.storage import storages

    from partners.models import EvidenceDocument

    configured = {alias: dict(config) for alias, config in settings.STORAGES.items()}
    configured["private"]["OPTIONS"] = dict(
        configured["private"]["OPTIONS"], location=str(tmp_path)
    )
    settings.STORAGES = configured
    # The issuer has a domain, so its DID document is served (without one it is a 404).
    settings.CREDENTIAL_ISSUER_DID = "did:web:learn.example.org"
    field = EvidenceDocument.file.field
    original = field.storage
    field.storage = storages["private"]
    yield build_world()
    field.storage = original


def client_for(world, role: str) -> Client:
    client = Client()
    if world.users[role] is not None:
        client.force_login(world.users[role])
    return client


def outcome(response):
    if response.status_code == 302:
        location = response["Location"]
        return "login" if location.startswith("/accounts/login/") else f"→{location}"
    return response.status_code


def test_matrix_covers_every_portal_url():
    own = {u.name for u in walk_urls() if u.name.startswith(OWN_URL_PREFIXES)}
    own |= {"healthz", "set_language"}
    assert own == set(GET_MATRIX) == set(KWARGS)


@pytest.mark.parametrize("name", sorted(GET_MATRIX))
def test_get_every_url_as_every_role(world, name):
    url = url_for(name, world)
    actual = {role: outcome(client_for(world, role).get(url)) for role in ROLES}
    assert actual == GET_MATRIX[name]


@pytest.mark.parametrize("name", sorted(POST_ALLOWED))
def test_post_is_refused_to_everyone_but_the_rightful_role(world, name):
    url = url_for(name, world)
    before = (
        list(Application.objects.values_list("pk", "status")),
        Membership.objects.count(),
        PartnerApiKey.objects.filter(revoked_at__isnull=True).count(),
        StaffInvitation.objects.filter(revoked_at__isnull=True).count(),
        list(Enrolment.objects.values_list("pk", "status")),
        list(SeatAllocation.objects.values_list("pk", "total")),
        ProviderApiKey.objects.filter(revoked_at__isnull=True).count(),
        list(Credential.objects.values_list("pk", "status", "is_public")),
        ExportJob.objects.count(),
        list(LearnerReference.objects.values_list("pk", "share_email")),
    )
    for role in ROLES:
        if role in POST_ALLOWED[name]:
            continue
        response = client_for(world, role).post(
            url, {"decision": "approve", "name": "x", "public": "0", "reason": "x", "share": "1"}
        )
        expected = "login" if role == "anonymous" else 404
        assert outcome(response) == expected, role
    after = (
        list(Application.objects.values_list("pk", "status")),
        Membership.objects.count(),
        PartnerApiKey.objects.filter(revoked_at__isnull=True).count(),
        StaffInvitation.objects.filter(revoked_at__isnull=True).count(),
        list(Enrolment.objects.values_list("pk", "status")),
        list(SeatAllocation.objects.values_list("pk", "total")),
        ProviderApiKey.objects.filter(revoked_at__isnull=True).count(),
        list(Credential.objects.values_list("pk", "status", "is_public")),
        ExportJob.objects.count(),
        list(LearnerReference.objects.values_list("pk", "share_email")),
    )
    assert after == before
