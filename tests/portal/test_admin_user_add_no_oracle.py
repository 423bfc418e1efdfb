"""Adding a user in the Django admin says nothing about accounts the admin cannot see
(docs/decisions/0015): for an address of a learner (of a partner, of none, or as another
address of their account) the admin sees exactly what they see for a new address, nothing is
created or changed, and the owner is told instead. Only staff and admin accounts already in the
admin's own user list are refused as taken."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.contrib.admin.models import LogEntry
from django.test import Client

from learners.services.data_rights import CREDENTIALS_KEEP, learner_account_erase
from portal.models import AuditEvent, Role, User
from portal.notify import ACCOUNT_NOTICE_ACTION
from tests.credentials.conftest import verified_learner
from tests.partners.factories import PartnerFactory
from tests.portal.factories import LearnerFactory, PartnerStaffFactory, ProgrammeAdminFactory

from .conftest import give_totp

ADD_URL = "/admin/portal/user/add/"
ADDRESS = "Someone@Example.org"
FREE_ADDRESS = "Nobody.Yet@Example.org"

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client():
    admin = ProgrammeAdminFactory(email="admin@programme.example")
    give_totp(admin)
    client = Client()
    client.force_login(admin)
    client.admin = admin
    return client


def make_state(state: str) -> User | None:
    email = ADDRESS.lower()
    if state == "no_account":
        return None
    if state == "learner_of_a_partner":
        return verified_learner(PartnerFactory(countries=["JO"]), email=email)
    if state == "learner_of_no_partner":
        return LearnerFactory(email=email)
    if state == "secondary_address_of_a_learner":
        owner = LearnerFactory(email="primary@example.org")
        EmailAddress.objects.create(user=owner, email=email, verified=True, primary=False)
        return owner
    if state == "erased":
        learner = verified_learner(PartnerFactory(countries=["JO"]), email=email)
        learner_account_erase(user=learner, credentials=CREDENTIALS_KEEP, acting_user=learner)
        return None
    raise AssertionError(state)  # pragma: no cover


def add(client, address: str, capture, role=Role.PARTNER_STAFF):
    """What the admin sees: the response to the form, and the page it leads to."""
    with capture(execute=True):
        response = client.post(ADD_URL, {"email": address, "role": role, "_save": "Save"})
    page = client.get(response["Location"]) if response.status_code == 302 else response

    def masked(text):
        text = re.sub(re.escape(address), "<ADDRESS>", text, flags=re.I)
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "csrf", text)

    return (
        response.status_code,
        response.get("Location"),
        masked(response.content.decode()),
        masked(page.content.decode()),
    )


STATES = [
    "no_account",
    "learner_of_a_partner",
    "learner_of_no_partner",
    "secondary_address_of_a_learner",
    "erased",
]


@pytest.mark.parametrize("state", STATES)
def test_the_admin_sees_the_same_for_every_address_they_cannot_see(
    state, admin_client, mailoutbox, django_capture_on_commit_callbacks
):
    owner = make_state(state)
    expected = add(admin_client, FREE_ADDRESS, django_capture_on_commit_callbacks)
    assert expected[:2] == (302, ADD_URL)
    assert "If <ADDRESS> had no account" in expected[3]
    assert User.objects.filter(email__iexact=FREE_ADDRESS).exists()
    mailoutbox.clear()
    users = User.objects.count()
    if owner is not None:
        before = User.objects.filter(pk=owner.pk).values().get()
    log_entries = LogEntry.objects.count()

    assert add(admin_client, ADDRESS, django_capture_on_commit_callbacks) == expected

    if owner is None:  # no account uses the address (never, or no longer): created
        created = User.objects.get(email__iexact=ADDRESS)
        assert created.role == Role.PARTNER_STAFF and not created.has_usable_password()
        assert mailoutbox == []
        return
    # An existing account: nothing created or changed, no admin log entry, its owner told.
    assert User.objects.count() == users
    assert User.objects.filter(pk=owner.pk).values().get() == before
    assert LogEntry.objects.count() == log_entries
    assert not AuditEvent.objects.filter(action="user.created_in_admin", object_id=str(owner.pk))
    [notice] = mailoutbox
    assert notice.to == [owner.email]
    assert "tried to create a staff account" in notice.body
    event = AuditEvent.objects.get(action=ACCOUNT_NOTICE_ACTION)
    assert (event.object_id, event.actor) == (str(owner.pk), admin_client.admin)
    assert event.data == {"reason": "staff_account", "channel": "email"}


def test_the_owner_is_told_at_most_once_a_day(
    admin_client, mailoutbox, django_capture_on_commit_callbacks
):
    owner = LearnerFactory(email=ADDRESS.lower())
    for _attempt in range(3):
        add(admin_client, ADDRESS, django_capture_on_commit_callbacks)
    assert [m.to for m in mailoutbox] == [[owner.email]]
    assert User.objects.filter(email__iexact=ADDRESS).count() == 1


@pytest.mark.parametrize("role", [Role.PARTNER_STAFF, Role.PROGRAMME_ADMIN])
def test_a_staff_or_admin_account_in_the_admins_list_is_refused_as_taken(
    role, admin_client, mailoutbox, django_capture_on_commit_callbacks
):
    factory = PartnerStaffFactory if role == Role.PARTNER_STAFF else ProgrammeAdminFactory
    factory(email=ADDRESS.lower())
    status, _location, page, _after = add(admin_client, ADDRESS, django_capture_on_commit_callbacks)
    assert status == 200
    assert "A staff or admin account already uses this e-mail address." in page
    assert User.objects.filter(email__iexact=ADDRESS).count() == 1
    assert mailoutbox == []


def test_the_operators_account_is_not_named_to_a_programme_admin(
    admin_client, mailoutbox, django_capture_on_commit_callbacks
):
    """The operator (a superuser) is not in a programme admin's user list: treated like any
    account they cannot see."""
    expected = add(admin_client, FREE_ADDRESS, django_capture_on_commit_callbacks)
    operator = User.objects.create_superuser(email=ADDRESS.lower(), password=None)
    users = User.objects.count()
    assert add(admin_client, ADDRESS, django_capture_on_commit_callbacks) == expected
    assert User.objects.count() == users
    operator.refresh_from_db()
    assert operator.is_superuser and operator.role == Role.OPERATOR
