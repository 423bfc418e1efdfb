"""No placeholder address is ever shown (issue 15, item 5).

Learners who signed up with a phone number, or were registered in person without an address,
have an internal `…@no-email.invalid` address (settings.NO_EMAIL_DOMAIN). In the permission-matrix
world with every learner made phone-only, every page and export their data appears on — the
portal's own pages (each URL of the matrix), allauth's account pages, the Django admin, the
partner API, the credential (page, OB 3.0 JSON, PDF), the learner's data export, and the e-mails
a decision sends — is fetched as every role, and no body holds the placeholder domain.
"""

import io
import json
import zipfile

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.test import Client
from django.urls import reverse

from learners.services.data_rights import learner_data_collect
from partners.services.api_keys import api_key_create
from partners.services.applications import Decision, application_decide
from portal.models import User
from tests.portal.conftest import give_totp
from tests.portal.factories import OperatorFactory
from tests.portal.urlwalk import walk_urls

from .test_admin_matrix import EXPECTED as ADMIN_MODELS
from .urls import KWARGS, url_for
from .world import ROLES, build_world

pytestmark = pytest.mark.django_db

PHONES = ["+962791230001", "+962791230002", "+962791230003"]


def body_of(response) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def placeholder_in(body: bytes | str) -> bool:
    text = body.decode("utf-8", errors="replace") if isinstance(body, bytes) else body
    return settings.NO_EMAIL_DOMAIN.lower() in text.lower() or "no-email.invalid" in text.lower()


@pytest.fixture
def world(db, settings, tmp_path):
    from django.core.files.storage import storages

    from partners.models import EvidenceDocument

    configured = {alias: dict(config) for alias, config in settings.STORAGES.items()}
    configured["private"]["OPTIONS"] = dict(
        configured["private"]["OPTIONS"], location=str(tmp_path)
    )
    settings.STORAGES = configured
    field = EvidenceDocument.file.field
    original = field.storage
    field.storage = storages["private"]
    world = build_world()
    learners = [world.users["learner_a"], world.users["learner_b"], world.assisted_learner]
    for index, (learner, phone) in enumerate(zip(learners, PHONES, strict=True)):
        # As phone sign-up makes them (portal.adapters.AccountAdapter.save_user).
        learner.email = f"phone-{index:016x}@{settings.NO_EMAIL_DOMAIN}"
        learner.phone = phone
        learner.phone_verified = True
        learner.save(update_fields=["email", "phone", "phone_verified"])
        EmailAddress.objects.filter(user=learner).delete()
    world.assisted_learner.login_code = "MATRIX23"
    world.assisted_learner.save(update_fields=["login_code"])
    operator = OperatorFactory()
    give_totp(operator)
    world.users["operator"] = operator
    yield world
    field.storage = original


def client_for(world, role: str) -> Client:
    client = Client()
    if world.users.get(role) is not None:
        client.force_login(world.users[role])
    return client


def test_every_portal_page_as_every_role_shows_no_placeholder(world):
    shown = []
    fetched = 0
    for role in [*ROLES, "operator"]:
        client = client_for(world, role)
        for name in sorted(KWARGS):
            url = url_for(name, world)
            response = client.get(url)
            fetched += 1
            if placeholder_in(body_of(response)):
                shown.append((role, url))
    assert not shown, shown
    assert fetched == len(KWARGS) * (len(ROLES) + 1)


def test_allauth_pages_of_a_phone_only_learner_show_no_placeholder(world):
    learner = world.users["learner_a"]
    client = client_for(world, "learner_a")
    pages = [u.path for u in walk_urls() if u.path.startswith("/accounts/")]
    assert "/accounts/email/" in pages
    shown = []
    for url in pages:
        response = client.get(url, follow=True)
        if placeholder_in(body_of(response)):
            shown.append(url)
    assert not shown, shown
    # The e-mail page lists no address at all: the placeholder is not one (it offers to add one).
    email_page = client.get("/accounts/email/").content.decode()
    assert learner.email not in email_page
    assert not EmailAddress.objects.filter(user=learner).exists()


def test_signing_in_by_phone_says_who_without_the_placeholder(world):
    learner = world.users["learner_a"]
    learner.set_password("river-lantern-orchard-7")
    learner.save(update_fields=["password"])
    client = Client()
    response = client.post(
        reverse("account_login"),
        {"login": learner.phone, "password": "river-lantern-orchard-7"},
        follow=True,
    )
    assert response.wsgi_request.user == learner
    page = response.content.decode()
    assert not placeholder_in(page)
    assert learner.phone in page  # "Successfully signed in as +962…"


def test_admin_pages_show_no_placeholder(world):
    objects = {
        "partners.partner": world.partner_a,
        "partners.membership": world.membership_reviewer_a,
        "credentials.course": world.course,
        "credentials.credential": world.credential_a,
        "credentials.provider": world.course.provider,
        "reporting.exportjob": world.export_admin,
    }
    shown = []
    for role in ("admin", "operator"):
        client = client_for(world, role)
        urls = ["/admin/", "/admin/portal/user/?q=invalid", "/admin/portal/auditevent/"]
        urls += [f"/admin/{label.replace('.', '/')}/" for label in ADMIN_MODELS]
        urls += [
            f"/admin/{label.replace('.', '/')}/{obj.pk}/change/" for label, obj in objects.items()
        ]
        for learner in (world.users["learner_a"], world.assisted_learner):
            urls.append(f"/admin/portal/user/{learner.pk}/change/")
        for url in urls:
            response = client.get(url, follow=True)
            assert response.status_code in (200, 403, 404), url
            if placeholder_in(body_of(response)):
                shown.append((role, url))
    assert not shown, shown


def test_credential_page_json_and_pdf_show_no_placeholder(world):
    from pypdf import PdfReader

    code = world.credential_a.code
    for name in ("verify:credential", "verify:credential_json", "verify:credential_pdf"):
        response = Client().get(reverse(name, kwargs={"code": code}))
        assert response.status_code == 200, name
        assert not placeholder_in(body_of(response)), name
    # The certificate's page streams are compressed: its text, as a reader sees it.
    pdf = body_of(Client().get(reverse("verify:credential_pdf", args=[code])))
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert world.credential_a.subject_name.split()[0] in text  # the text was read
    assert not placeholder_in(text)


def test_partner_api_shows_no_placeholder(world):
    _key, secret = api_key_create(
        partner=world.partner_a, name="case system", acting_user=world.users["coordinator_a"]
    )
    client = Client(HTTP_AUTHORIZATION=f"Api-Key {secret}")
    for url in (
        reverse("api:applications"),
        reverse("api:application_detail", args=[world.application_a.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert not placeholder_in(body_of(response)), url


def test_the_learners_data_export_shows_no_placeholder(world):
    # A row allauth may add again for `user.email` on some of its paths (sync_user_email_address).
    EmailAddress.objects.create(user=world.assisted_learner, email=world.assisted_learner.email)
    for learner in (world.users["learner_a"], world.assisted_learner):
        data = learner_data_collect(learner)
        assert not placeholder_in(json.dumps(data, default=str))
        assert data["account"]["email"] is None


def test_a_learners_data_download_holds_no_placeholder(world, django_capture_on_commit_callbacks):
    client = client_for(world, "learner_a")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("learners:data"))
    response = client.get(reverse("learners:data_download"))
    assert response.status_code == 200
    body = body_of(response)
    if body[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            body = b"".join(archive.read(name) for name in archive.namelist())
    assert not placeholder_in(body)


def test_a_decision_for_a_phone_only_learner_sends_no_mail_to_or_about_the_placeholder(
    world, mailoutbox, django_capture_on_commit_callbacks
):
    learner = world.users["learner_b"]
    from tests.partners.factories import ApplicationFactory

    application = ApplicationFactory(learner=learner, partner=world.partner_a)
    with django_capture_on_commit_callbacks(execute=True):
        application_decide(
            application=application,
            decision=Decision.APPROVE,
            reason="",
            acting_user=world.users["reviewer_a"],
        )
    for message in mailoutbox:
        assert not any(placeholder_in(to) for to in message.to)
        assert not placeholder_in(message.body)
        for alternative, _type in getattr(message, "alternatives", []):
            assert not placeholder_in(alternative)


def test_str_of_an_account_never_gives_the_placeholder(world):
    learner = User.objects.get(pk=world.users["learner_a"].pk)
    assert not placeholder_in(str(learner))
    assert learner.email_shown == ""
    staff = world.users["reviewer_a"]
    assert str(staff) == staff.email == staff.email_shown
