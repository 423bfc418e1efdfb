"""Staff cannot tell whether an e-mail address or a phone number has an account.

The rule (docs/decisions/0015-no-account-oracle.md): in every staff path that takes an address or
a number — in-person registration, bulk learner invitations, bulk enrolment, staff invitations —
the staff member gets a byte-identical answer (page, CSV error report, status) apart from the
input itself, whether the address has no account, belongs to a learner of another partner, of
no partner, of this partner (where staff may not know it either), to a staff member or an admin,
or to an erased account. The owner of an existing account gets exactly one message, in their
own language, and nothing is created or changed for them.
"""

import csv
import io
import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import get_language

import portal.notify as notify
from credentials.models import Enrolment, ImportJob
from learners.models import LearnerProfile, PendingRegistration
from learners.services.assisted_contact import pending_registration_code_matches
from learners.services.data_rights import CREDENTIALS_KEEP, learner_account_erase
from partners.models import Application, InvitationRow, StaffInvitation, StaffRole
from portal.models import AuditEvent, User
from portal.notify import ACCOUNT_NOTICE_ACTION, account_notice_send
from tests.credentials.conftest import staff_of, verified_learner, voucher_course
from tests.partners.factories import PartnerFactory
from tests.portal.factories import LearnerFactory, PartnerStaffFactory, ProgrammeAdminFactory
from tests.portal.fake_sms_gateway import FakeSMSGateway

pytestmark = pytest.mark.django_db

ADDRESS = "Person.Asked@Example.org"
OWNER_LANGUAGE = "uk"

# Every state an address can be in. "ours" is a learner this partner verified; "ours_expired"
# one whose verification by this partner has run out.
NOT_OURS = [
    "no_account",
    "learner_of_other_partner",
    "learner_of_no_partner",
    "ours_expired",
    "staff_of_other_partner",
    "staff_of_this_partner",
    "programme_admin",
    "secondary_address_of_a_learner",
    "erased",
]
ALL_STATES = [*NOT_OURS, "ours"]
# States in which someone owns the address now (an erased account no longer does).
OWNED = {s for s in ALL_STATES if s not in ("no_account", "erased")}


@pytest.fixture
def partner(db):
    return PartnerFactory(slug="hope", name="Hope Org", countries=["JO"])


@pytest.fixture
def other_partner(db):
    return PartnerFactory(slug="elsewhere", name="Elsewhere Org", countries=["JO"])


def make_state(state: str, *, partner, other_partner) -> User | None:
    """Puts ADDRESS (lower-cased, as allauth stores it) in `state`; returns its owner."""
    email = ADDRESS.lower()
    if state == "no_account":
        return None
    if state == "learner_of_other_partner":
        owner = verified_learner(other_partner, email=email)
    elif state == "learner_of_no_partner":
        owner = LearnerFactory(email=email)
    elif state == "ours":
        owner = verified_learner(partner, email=email)
    elif state == "ours_expired":
        owner = verified_learner(partner, email=email, valid_days=-1)
    elif state == "staff_of_other_partner":
        owner = staff_of(other_partner, StaffRole.REVIEWER, email=email)
    elif state == "staff_of_this_partner":
        owner = staff_of(partner, StaffRole.REVIEWER, email=email)
    elif state == "programme_admin":
        owner = ProgrammeAdminFactory(email=email)
    elif state == "secondary_address_of_a_learner":
        from allauth.account.models import EmailAddress

        owner = verified_learner(other_partner, email="primary@example.org")
        EmailAddress.objects.create(user=owner, email=email, verified=True, primary=False)
    elif state == "erased":
        learner = verified_learner(other_partner, email=email)
        learner_account_erase(user=learner, credentials=CREDENTIALS_KEEP, acting_user=learner)
        return None
    else:  # pragma: no cover
        raise AssertionError(state)
    owner.language = OWNER_LANGUAGE
    owner.save(update_fields=["language"])
    return owner


@pytest.fixture
def languages_of_notices(monkeypatch):
    """The language active whenever a notice's sentences are written (the locale files of a
    branch do not hold the new sentences yet, so the text alone cannot show it)."""
    seen: list[str] = []
    real = notify._

    def recording(message):
        seen.append(get_language())
        return real(message)

    monkeypatch.setattr(notify, "_", recording)
    return seen


FREE_ADDRESS = "Nobody.Yet@Example.org"


class _RolledBack(Exception):
    pass


def answer_for_a_free_address(ask) -> str | tuple:
    """What staff see for an address that has no account, asked in a transaction that is then
    rolled back (so the real question below starts from the same database)."""
    answer = None
    try:
        with transaction.atomic():
            answer = ask(FREE_ADDRESS)
            raise _RolledBack
    except _RolledBack:
        pass
    return answer


def normalised(text: str, address: str) -> str:
    """What the staff member sees, minus the input itself and per-request noise."""
    if address:
        text = re.sub(re.escape(address), "<ADDRESS>", text, flags=re.I)
    text = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "csrf", text)
    # Upload times (the two questions may straddle a minute).
    text = re.sub(
        r"\d{1,2}/\d{1,2}/\d{4} (\d{1,2}(:\d{2})? [ap]\.m\.|noon|midnight)", "<WHEN>", text
    )
    return re.sub(r"/(\d+)/", "/<ID>/", text)


def owner_snapshot(owner):
    if owner is None:
        return None
    owner.refresh_from_db()
    return (
        owner.email,
        owner.password,
        owner.language,
        owner.role,
        owner.is_active,
        owner.login_code,
        list(Application.objects.filter(learner=owner).values_list("pk", "status")),
        list(Enrolment.objects.filter(learner=owner).values_list("pk", "status")),
        list(LearnerProfile.objects.filter(user=owner).values_list("pk", "updated_at")),
    )


def in_owner_language(msgid: str, **values) -> str:
    """A notice's sentence as the owner reads it (the tests' owners write in OWNER_LANGUAGE)."""
    with translation.override(OWNER_LANGUAGE):
        text = translation.gettext(msgid)
    return text % values if values else text


NOTICE_SUBJECT = "You already have an account on the Learner Access Portal"


def notices(mailoutbox):
    return [m for m in mailoutbox if m.subject == in_owner_language(NOTICE_SUBJECT)]


# --- in-person registration ---------------------------------------------------------------------


@pytest.fixture
def reviewer(partner):
    return staff_of(partner, StaffRole.REVIEWER, email="reviewer@hope.example")


def registration_asker(client, partner, capture, **overrides):
    def ask(address):
        data = {
            "display_name": "Amal Haddad",
            "language": "ar",
            "country_of_residence": "JO",
            "displacement_status": "refugee",
            "email": address,
            "phone": "",
            "case_number": "",
            "consent": "on",
        }
        data.update(overrides)
        with capture(execute=True):
            response = client.post(reverse("assisted:register", args=[partner.slug]), data)
        page = client.get(response["Location"]) if response.status_code == 302 else response
        text = page.content.decode()
        if response.get("Location") == reverse("assisted:contacted", args=[partner.slug]):
            # A confirmation code for every address, of the same shape (random, so masked).
            [code] = CONFIRMATION_CODE_RE.findall(text)
            shown_codes.append(code)
            text = text.replace(code, "<CODE>")
        return (response.status_code, response.get("Location"), normalised(text, address))

    shown_codes = []
    ask.codes = shown_codes
    return ask


CONFIRMATION_CODE_RE = re.compile(r'data-testid="confirmation-code">([A-Z2-9]{4}-[A-Z2-9]{4})<')


@pytest.mark.parametrize("state", ALL_STATES)
def test_in_person_registration_answers_byte_identically_and_creates_nothing_for_an_owner(
    state,
    client,
    partner,
    other_partner,
    reviewer,
    mailoutbox,
    django_capture_on_commit_callbacks,
    languages_of_notices,
):
    owner = make_state(state, partner=partner, other_partner=other_partner)
    client.force_login(reviewer)
    ask = registration_asker(client, partner, django_capture_on_commit_callbacks)
    expected = answer_for_a_free_address(ask)
    assert expected[:2] == (302, reverse("assisted:contacted", args=[partner.slug]))
    assert "If they have no account yet, the e-mail holds a link to create it" in expected[2]
    mailoutbox.clear()
    languages_of_notices.clear()
    before = owner_snapshot(owner)
    counts = (User.objects.count(), Application.objects.count(), LearnerProfile.objects.count())

    assert ask(ADDRESS) == expected
    # The staff member's act is in the audit log, the same for every address.
    assert list(
        AuditEvent.objects.filter(action="learner.registration_emailed").values_list(
            "actor", "partner_id", "object_id", "data"
        )
    ) == [(reviewer.pk, partner.pk, "", {"has_phone": False})]

    if owner is None:  # free (never used, or erased): a link to create the account, nothing yet
        assert not User.objects.filter(email=ADDRESS.lower()).exists()
        pending = PendingRegistration.objects.get()
        assert pending.email == ADDRESS.lower()
        assert pending_registration_code_matches(pending, ask.codes[-1])
        assert [m.to for m in mailoutbox if "/welcome/" in m.body] == [[ADDRESS.lower()]]
        assert notices(mailoutbox) == []
        return
    assert not PendingRegistration.objects.exists()
    assert (
        User.objects.count(),
        Application.objects.count(),
        LearnerProfile.objects.count(),
    ) == counts
    assert owner_snapshot(owner) == before
    [notice] = mailoutbox
    assert notice.to == [owner.email]
    assert notice.subject == in_owner_language(NOTICE_SUBJECT)
    assert "Hope Org" in notice.body
    assert set(languages_of_notices) == {OWNER_LANGUAGE}
    event = AuditEvent.objects.get(action=ACCOUNT_NOTICE_ACTION)
    assert (event.object_id, event.partner_id, event.actor) == (str(owner.pk), partner.pk, reviewer)
    assert event.data == {"reason": "registered", "channel": "email"}


@pytest.mark.parametrize("state", ALL_STATES)
def test_in_person_registration_does_the_same_costly_work_for_every_address(
    state, client, partner, other_partner, reviewer, django_capture_on_commit_callbacks, monkeypatch
):
    """The same work for every address: a registration is rehearsed (and rolled back) whatever
    the address, so one password hash — most of a request's time — either way, and the same
    form errors."""
    import portal.models

    make_state(state, partner=partner, other_partner=other_partner)
    client.force_login(reviewer)
    calls = []
    from django.contrib.auth import base_user

    real = base_user.make_password

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(base_user, "make_password", counting)
    assert portal.models.User.set_password is base_user.AbstractBaseUser.set_password
    registration_asker(client, partner, django_capture_on_commit_callbacks)(ADDRESS)
    assert len(calls) == 1


@pytest.mark.parametrize("domain", ["no-email.invalid", "erased.invalid"])
def test_placeholder_addresses_are_refused_the_same_way_whether_or_not_they_exist(
    domain, client, partner, reviewer, mailoutbox, django_capture_on_commit_callbacks
):
    LearnerFactory(email=f"abcd2345@{domain}")
    client.force_login(reviewer)
    ask = registration_asker(client, partner, django_capture_on_commit_callbacks)
    taken, free = ask(f"abcd2345@{domain}"), ask(f"wxyz6789@{domain}")
    assert taken == free
    assert taken[0] == 200 and "This is not a valid e-mail address." in taken[2]
    assert mailoutbox == []


# --- phone numbers ------------------------------------------------------------------------------

PHONE = "+962791234567"
SLIP_SECRET = re.compile(r'<dd class="slip-secret">[^<]+</dd>')


@pytest.fixture
def gateway(settings):
    server = FakeSMSGateway().start()
    settings.SMS_BACKEND = "portal.sms.HttpGatewayBackend"
    settings.SMS_GATEWAY_URL = server.url
    settings.SMS_GATEWAY_TOKEN = "test-token"
    yield server
    server.stop()


@pytest.mark.parametrize("state", ["no_account", "phone_learner", "phone_learner_of_this_partner"])
def test_a_phone_number_with_an_account_gets_the_same_slip_and_its_owner_one_text(
    state,
    client,
    partner,
    reviewer,
    gateway,
    mailoutbox,
    django_capture_on_commit_callbacks,
    languages_of_notices,
):
    """A phone number typed at an in-person registration is a contact number (families share
    one): never refused. The slip looks the same either way; the account that signs in with the
    number gets one text message in its owner's language, and is not changed."""
    owner = None
    if state == "phone_learner":
        owner = LearnerFactory(email="phone-0a1b2c3d@no-email.invalid")
    elif state == "phone_learner_of_this_partner":
        owner = verified_learner(partner, email="phone-0a1b2c3d@no-email.invalid")
    if owner is not None:
        owner.phone, owner.phone_verified, owner.language = PHONE, True, OWNER_LANGUAGE
        owner.save(update_fields=["phone", "phone_verified", "language"])
    client.force_login(reviewer)
    ask = registration_asker(client, partner, django_capture_on_commit_callbacks, email="")

    def slip_for(phone_typed):
        def ask_phone(_address):
            ask_with = registration_asker(
                client, partner, django_capture_on_commit_callbacks, email="", phone=phone_typed
            )
            status, location, page = ask_with("")
            page = SLIP_SECRET.sub("<SECRET>", page)
            return status, location, re.sub(r"[A-Z0-9]{4}-[A-Z0-9]{4}", "<CODE>", page)

        return ask_phone

    del ask
    expected = answer_for_a_free_address(slip_for("+962 79 765 4321"))
    assert expected[1] == reverse("assisted:slip", args=[partner.slug])
    languages_of_notices.clear()
    before = owner_snapshot(owner)

    seen = slip_for("+962 79 123 4567")(None)
    assert seen[:2] == expected[:2]
    assert seen[2].replace("+962 79 123 4567", "<PHONE>") == expected[2].replace(
        "+962 79 765 4321", "<PHONE>"
    )
    assert owner_snapshot(owner) == before
    texts = [m for m in gateway.received if m.to == PHONE]
    if owner is None:
        assert texts == []
        return
    assert len(texts) == 1
    assert "Hope Org" in texts[0].message
    assert set(languages_of_notices) == {OWNER_LANGUAGE}
    assert mailoutbox == [] or all(m.to != [owner.email] for m in mailoutbox)


# --- bulk learner invitations -------------------------------------------------------------------


@pytest.fixture
def coordinator(partner):
    return staff_of(partner, StaffRole.COORDINATOR, email="coordinator@hope.example")


def invitation_asker(client, partner, capture):
    def ask(address):
        upload = SimpleUploadedFile(
            "people.csv", f"email,name,language\n{address},Amal,fr\n".encode(), "text/csv"
        )
        with capture(execute=True):
            response = client.post(
                reverse("partners:bulk_invitations", kwargs={"slug": partner.slug}),
                {"csv_file": upload},
            )
        page = client.get(response["Location"]).content.decode()
        row = InvitationRow.objects.filter(email=address).latest("pk")
        return (
            response.status_code,
            normalised(response["Location"], address),
            normalised(page, address),
            (row.result, row.error),
        )

    return ask


@pytest.mark.parametrize("state", ALL_STATES)
def test_bulk_invitation_results_are_byte_identical_for_each_state(
    state,
    client,
    partner,
    other_partner,
    coordinator,
    mailoutbox,
    django_capture_on_commit_callbacks,
    languages_of_notices,
):
    owner = make_state(state, partner=partner, other_partner=other_partner)
    client.force_login(coordinator)
    ask = invitation_asker(client, partner, django_capture_on_commit_callbacks)
    expected = answer_for_a_free_address(ask)
    assert expected[3] == (InvitationRow.Result.SENT, "")
    mailoutbox.clear()
    languages_of_notices.clear()
    before = owner_snapshot(owner)
    users = User.objects.count()

    assert ask(ADDRESS) == expected

    assert User.objects.count() == users
    assert owner_snapshot(owner) == before
    if owner is None:
        [invitation] = mailoutbox
        assert invitation.to == [ADDRESS] and "/join/hope/" in invitation.body
        assert languages_of_notices == []
    else:
        [notice] = mailoutbox
        assert notice.to == [owner.email]
        invited = in_owner_language(
            "%(partner)s invited you to join the Learner Access Portal.", partner="Hope Org"
        )
        assert invited in notice.body and "/join/" not in notice.body
        assert set(languages_of_notices) == {OWNER_LANGUAGE}


# --- bulk enrolment -----------------------------------------------------------------------------


def enrolment_asker(client, partner, capture, course_number):
    def ask(address):
        upload = SimpleUploadedFile(
            "enrol.csv", f"email,course\n{address},{course_number}\n".encode(), "text/csv"
        )
        with capture(execute=True):
            response = client.post(
                reverse("seats:bulk_enrolment", kwargs={"slug": partner.slug}),
                {"csv_file": upload},
            )
        job = ImportJob.objects.latest("pk")
        page = client.get(response["Location"]).content.decode()
        report = client.get(
            reverse("seats:bulk_enrolment_errors", kwargs={"slug": partner.slug, "job_id": job.pk})
        )
        rows = list(csv.reader(io.StringIO(report.content.decode("utf-8-sig"))))
        return (
            [(r.result, r.message) for r in job.rows.all()],
            normalised(page, address),
            report.status_code,
            [[normalised(cell, address) for cell in row] for row in rows],
        )

    return ask


@pytest.mark.parametrize("real_course", [True, False])
@pytest.mark.parametrize("state", NOT_OURS)
def test_bulk_enrolment_results_and_error_report_are_byte_identical_for_each_state(
    state,
    real_course,
    client,
    partner,
    other_partner,
    coordinator,
    django_capture_on_commit_callbacks,
):
    course = voucher_course(partner, seats=5, codes=5)
    owner = make_state(state, partner=partner, other_partner=other_partner)
    client.force_login(coordinator)
    ask = enrolment_asker(
        client, partner, django_capture_on_commit_callbacks, course.pk if real_course else 999999
    )
    expected = answer_for_a_free_address(ask)
    assert expected[0] == [
        ("not_verified", "not_verified") if real_course else ("unknown_course", "unknown_course")
    ]
    before = owner_snapshot(owner)

    assert ask(ADDRESS) == expected

    assert not Enrolment.objects.exists()
    assert owner_snapshot(owner) == before


def test_bulk_enrolment_still_enrols_this_partners_own_learners(
    client, partner, other_partner, coordinator, django_capture_on_commit_callbacks
):
    course = voucher_course(partner, seats=5, codes=5)
    ours = make_state("ours", partner=partner, other_partner=other_partner)
    client.force_login(coordinator)
    ask = enrolment_asker(client, partner, django_capture_on_commit_callbacks, course.pk)
    assert ask(ADDRESS)[0] == [("enrolled", "enrolled")]
    assert Enrolment.objects.get().learner == ours


# --- staff invitations --------------------------------------------------------------------------


@pytest.mark.parametrize("state", [s for s in ALL_STATES if s != "staff_of_this_partner"])
def test_staff_invitation_answers_the_same_for_each_state(
    state,
    client,
    partner,
    other_partner,
    coordinator,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    """Inviting someone to the staff says nothing about their account: the invitation goes to
    the address whatever it is (only "already on your staff" differs, which staff know)."""
    make_state(state, partner=partner, other_partner=other_partner)
    client.force_login(coordinator)

    def ask(address):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                reverse("partners:staff_invite", kwargs={"slug": partner.slug}),
                {"email": address, "role": StaffRole.REVIEWER},
            )
        page = client.get(response["Location"]).content.decode()
        return response.status_code, response["Location"], normalised(page, address)

    expected = answer_for_a_free_address(ask)
    mailoutbox.clear()
    assert ask(ADDRESS) == expected
    assert StaffInvitation.objects.get().email == ADDRESS
    assert [m.to for m in mailoutbox] == [[ADDRESS]]


# --- the notice itself --------------------------------------------------------------------------


def test_an_owner_is_told_at_most_once_a_day_whoever_asks(
    client, partner, other_partner, mailoutbox, django_capture_on_commit_callbacks, monkeypatch
):
    owner = make_state("learner_of_other_partner", partner=partner, other_partner=other_partner)
    third = PartnerFactory(slug="third", name="Third Org", countries=["JO"])
    for org in (partner, third):
        client.force_login(staff_of(org, StaffRole.REVIEWER))
        registration_asker(client, org, django_capture_on_commit_callbacks)(ADDRESS)
        client.force_login(staff_of(org, StaffRole.COORDINATOR))
        invitation_asker(client, org, django_capture_on_commit_callbacks)(ADDRESS)
    assert len(notices(mailoutbox)) == 1
    assert AuditEvent.objects.filter(action=ACCOUNT_NOTICE_ACTION).count() == 1

    later = timezone.now() + timedelta(days=1, minutes=1)
    monkeypatch.setattr(notify.timezone, "now", lambda: later)
    with django_capture_on_commit_callbacks(execute=True):
        assert account_notice_send(
            user_id=owner.pk, channel="email", reason="registered", partner_name="Third Org"
        )
    assert len(notices(mailoutbox)) == 2


@pytest.mark.parametrize(
    "kind", ["inactive", "placeholder_email_only", "sms_without_phone", "unknown_channel"]
)
def test_no_notice_goes_where_it_cannot_or_must_not(
    kind, mailoutbox, django_capture_on_commit_callbacks
):
    channel = "email"
    if kind == "inactive":
        owner = LearnerFactory(is_active=False)
    elif kind == "placeholder_email_only":
        owner = LearnerFactory(email="abcd2345@no-email.invalid")
    elif kind == "sms_without_phone":
        owner, channel = LearnerFactory(), "sms"
    else:
        owner, channel = LearnerFactory(), "carrier-pigeon"
    with django_capture_on_commit_callbacks(execute=True):
        sent = account_notice_send(
            user_id=owner.pk, channel=channel, reason="invited", partner_name="Hope Org"
        )
    assert not sent
    assert mailoutbox == []
    assert not AuditEvent.objects.filter(action=ACCOUNT_NOTICE_ACTION).exists()


def test_the_notice_names_the_organisation_and_says_how_to_sign_in(
    mailoutbox, django_capture_on_commit_callbacks, settings
):
    owner = LearnerFactory(language="en")
    with django_capture_on_commit_callbacks(execute=True):
        account_notice_send(
            user_id=owner.pk, channel="email", reason="invited", partner_name="Hope Org"
        )
    [notice] = mailoutbox
    assert notice.to == [owner.email]
    assert notice.subject == "You already have an account on the Learner Access Portal"
    assert "Hope Org invited you" in notice.body
    assert settings.SITE_URL.rstrip("/") in notice.body
    assert "nothing new was created" in notice.body
    assert "apply to them from your account" in notice.body


def test_accounts_are_found_by_any_spelling_of_the_address_and_by_their_other_addresses():
    staff = PartnerStaffFactory(email="mixed.case@example.org")
    assert notify.account_id_for_email("MIXED.Case@EXAMPLE.org") == staff.pk
    assert notify.account_id_for_email("nobody@example.org") is None


def test_erasing_an_account_deletes_an_unused_registration_link_to_its_address(
    client, partner, other_partner, reviewer, django_capture_on_commit_callbacks
):
    client.force_login(reviewer)
    registration_asker(client, partner, django_capture_on_commit_callbacks)(ADDRESS)
    assert PendingRegistration.objects.exists()
    learner = LearnerFactory(email=ADDRESS.lower())  # signed up by themselves meanwhile
    learner_account_erase(user=learner, credentials=CREDENTIALS_KEEP, acting_user=learner)
    assert not PendingRegistration.objects.exists()
