"""E-mails go out in the recipient's language, whatever language the person who caused them uses.

Each kind of e-mail the portal sends is triggered for a recipient whose language is Arabic (and
French), while the code runs in English. The check reads the e-mail's own templates: at least one
of their messages must be in the text translated, and none may be there in English (unless the
translation is the same).
"""

import re
from datetime import date, timedelta

import pytest
from django.core import mail
from django.template.loader import get_template
from django.utils import translation
from django.utils.translation import gettext

from credentials.models import EnrolmentStatus
from partners.models import ApplicationStatus, StaffRole
from tests.credentials.factories import EnrolmentFactory, SeatAllocationFactory
from tests.partners.factories import ApplicationFactory, MembershipFactory, PartnerFactory
from tests.portal.conftest import give_totp
from tests.portal.factories import LearnerFactory, PartnerStaffFactory, ProgrammeAdminFactory

pytestmark = pytest.mark.django_db

TRANSLATE = re.compile(r"""{%\s*trans(?:late)?\s+(?:"([^"]*)"|'([^']*)')(?![^%]*\bcontext\b)""")
BLOCK = re.compile(
    r"{%\s*blocktrans(?:late)?\b(?P<args>[^%]*)%}(?P<body>.*?){%\s*endblocktrans(?:late)?\s*%}",
    re.S,
)
VARIABLE = re.compile(r"{{\s*(\w+)\s*}}")
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


def template_messages(name: str) -> list[str]:
    """The msgids that a template's `{% translate %}` and `{% blocktranslate %}` tags produce."""
    source = get_template(name).template.source
    messages = [double or single for double, single in TRANSLATE.findall(source)]
    for block in BLOCK.finditer(source):
        body, args = block.group("body"), block.group("args")
        if "{% plural" in body or "context" in args:
            continue
        msgid = VARIABLE.sub(r"%(\1)s", body.replace("%", "%%"))
        if "trimmed" in args:
            msgid = translation.trim_whitespace(msgid)
        messages.append(msgid)
    return [m for m in messages if re.search(r"[^\W\d_]", m)]


def pieces(text: str) -> list[str]:
    """The literal parts of a message (between its placeholders) that have letters."""
    parts = (p.replace("%%", "%").strip() for p in PLACEHOLDER.split(text))
    return [p for p in parts if re.search(r"[^\W\d_]{2}", p)]


def shown(message: str, text: str) -> bool:
    parts = pieces(message)
    return bool(parts) and all(part in text for part in parts)


def assert_in_language(text: str, templates: list[str], language: str) -> None:
    messages = [m for name in templates for m in template_messages(name)]
    assert messages, f"no translatable message found in {templates}"
    with translation.override(language):
        translated = {m: gettext(m) for m in messages}
    assert any(shown(translated[m], text) for m in messages), (
        f"none of the messages of {templates} is in the e-mail in {language}:\n{text}"
    )
    english = [m for m in messages if translated[m] != m and shown(m, text)]
    assert not english, f"in English instead of {language}: {english}\n{text}"


def assert_email_in(message, template: str, language: str) -> None:
    assert_in_language(message.subject, [f"{template}_subject.txt"], language)
    assert_in_language(message.body, [f"{template}_message.txt"], language)


def sent(capture, action) -> list:
    before = len(mail.outbox)
    with translation.override("en"), capture(execute=True):
        action()
    return mail.outbox[before:]


@pytest.fixture
def learner_in():
    def make(language):
        return LearnerFactory(language=language)

    return make


# --- The helper itself ----------------------------------------------------------------------


def test_template_messages_reads_translate_and_blocktranslate():
    messages = template_messages("partners/email/application_approved_subject.txt")
    assert messages == ["%(partner)s has approved your application"]
    assert pieces(messages[0]) == ["has approved your application"]


# --- Learners -------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["ar", "fr"])
@pytest.mark.parametrize(
    ("event", "status", "template"),
    [
        ("approve", ApplicationStatus.APPROVED, "partners/email/application_approved"),
        (
            "request_info",
            ApplicationStatus.INFO_REQUESTED,
            "partners/email/application_info_requested",
        ),
        ("reject", ApplicationStatus.REJECTED, "partners/email/application_rejected"),
        ("expired", ApplicationStatus.EXPIRED, "partners/email/verification_expired"),
        ("reminder", ApplicationStatus.APPROVED, "partners/email/verification_reminder"),
    ],
)
def test_application_e_mails_are_in_the_learners_language(
    django_capture_on_commit_callbacks, learner_in, language, event, status, template
):
    from partners.services.notifications import application_notify_learner

    extra = {"verified_until": date.today() + timedelta(days=30)} if status == "approved" else {}
    application = ApplicationFactory(learner=learner_in(language), status=status, **extra)
    (message,) = sent(
        django_capture_on_commit_callbacks,
        lambda: application_notify_learner(application_id=application.pk, event=event),
    )
    assert_email_in(message, template, language)


@pytest.mark.parametrize("language", ["ar", "fr"])
@pytest.mark.parametrize(
    ("event", "status"),
    [
        ("active", EnrolmentStatus.ACTIVE),
        ("failed", EnrolmentStatus.FAILED),
        ("revoked", EnrolmentStatus.REVOKED),
    ],
)
def test_enrolment_e_mails_are_in_the_learners_language(
    django_capture_on_commit_callbacks, learner_in, language, event, status
):
    from credentials.services.notifications import enrolment_notify_learner

    enrolment = EnrolmentFactory(learner=learner_in(language), status=status)
    (message,) = sent(
        django_capture_on_commit_callbacks,
        lambda: enrolment_notify_learner(enrolment_id=enrolment.pk, event=event),
    )
    assert_email_in(message, f"credentials/email/enrolment_{event}", language)


@pytest.mark.parametrize("language", ["ar", "fr"])
def test_learner_invitation_is_in_the_language_of_its_line(
    django_capture_on_commit_callbacks, language
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from partners.services.invitations import invitation_batch_create

    partner = PartnerFactory()
    coordinator = PartnerStaffFactory(language="en")
    give_totp(coordinator)
    MembershipFactory(user=coordinator, partner=partner, role=StaffRole.COORDINATOR)
    upload = SimpleUploadedFile(
        "people.csv",
        f"email,name,language\r\namina@example.org,Amina,{language}\r\n".encode(),
        content_type="text/csv",
    )
    (message,) = sent(
        django_capture_on_commit_callbacks,
        lambda: invitation_batch_create(partner=partner, csv_file=upload, acting_user=coordinator),
    )
    assert_email_in(message, "partners/email/learner_invitation", language)


@pytest.mark.parametrize(("language", "browser"), [("ar", "ar"), ("ar", "en"), ("fr", "uk")])
def test_password_reset_is_in_the_learners_language_whatever_the_browser(
    client, django_capture_on_commit_callbacks, learner_in, language, browser
):
    """allauth's e-mails too: the learner's language, even when asked for from another phone."""
    learner = learner_in(language)
    client.cookies["django_language"] = browser
    before = len(mail.outbox)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/accounts/password/reset/", {"email": learner.email})
    assert response.status_code == 302
    (message,) = mail.outbox[before:]
    assert_email_in(message, "account/email/password_reset_key", language)


@pytest.mark.parametrize("language", ["ar", "fr"])
def test_sign_up_confirmation_is_in_the_language_signed_up_in(
    client, django_capture_on_commit_callbacks, language
):
    from portal.models import User

    client.cookies["django_language"] = language
    before = len(mail.outbox)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/accounts/signup/",
            {
                "email": "new@example.org",
                "password1": "a long pass 123",
                "password2": "a long pass 123",
            },
        )
    assert response.status_code == 302
    assert User.objects.get(email="new@example.org").language == language
    (message,) = mail.outbox[before:]
    # allauth's sign-up message includes the plain confirmation message.
    for part, text in (("subject", message.subject), ("message", message.body)):
        assert_in_language(
            text,
            [
                f"account/email/email_confirmation_signup_{part}.txt",
                f"account/email/email_confirmation_{part}.txt",
            ],
            language,
        )


# --- Staff ----------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["ar", "fr"])
def test_seat_threshold_warning_is_in_each_coordinators_language(
    django_capture_on_commit_callbacks, language
):
    from credentials.services.notifications import seat_threshold_notify

    allocation = SeatAllocationFactory()
    coordinator = PartnerStaffFactory(language=language)
    MembershipFactory(user=coordinator, partner=allocation.partner, role=StaffRole.COORDINATOR)
    (message,) = sent(
        django_capture_on_commit_callbacks,
        lambda: seat_threshold_notify(allocation_id=allocation.pk, level=90),
    )
    assert_email_in(message, "credentials/email/seats_threshold", language)


@pytest.mark.parametrize("language", ["ar", "fr"])
def test_monthly_reports_are_in_each_recipients_language(
    django_capture_on_commit_callbacks, language
):
    from reporting.services import partner_reports_send, programme_report_send

    partner = PartnerFactory()
    coordinator = PartnerStaffFactory(language=language)
    MembershipFactory(user=coordinator, partner=partner, role=StaffRole.COORDINATOR)
    ProgrammeAdminFactory(language=language)
    (partner_report,) = sent(django_capture_on_commit_callbacks, partner_reports_send)
    assert_email_in(partner_report, "reporting/email/partner_report", language)
    (programme_report,) = sent(django_capture_on_commit_callbacks, programme_report_send)
    assert_email_in(programme_report, "reporting/email/programme_report", language)


def test_staff_invitation_is_in_the_language_the_inviter_uses(
    django_capture_on_commit_callbacks,
):
    """The invitee may have no account, hence no language yet: the inviter's language is used."""
    from partners.services.staff import staff_invitation_create

    partner = PartnerFactory()
    coordinator = PartnerStaffFactory(language="ar")
    give_totp(coordinator)
    MembershipFactory(user=coordinator, partner=partner, role=StaffRole.COORDINATOR)
    before = len(mail.outbox)
    with translation.override("ar"), django_capture_on_commit_callbacks(execute=True):
        staff_invitation_create(
            partner=partner,
            email="new@example.org",
            role=StaffRole.REVIEWER,
            acting_user=coordinator,
        )
    (message,) = mail.outbox[before:]
    assert_email_in(message, "partners/email/staff_invitation", "ar")
