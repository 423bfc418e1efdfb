"""Each app erases its own part of a learner's data, and only that learner's
(docs/decisions/0017-layout.md): partners' part empties applications, documents and invitation
lines and leaves enrolments, profile and account alone; credentials' part the reverse; the
core's part the account. learners/services/data_rights.py puts them together
(tests/learners/test_data_rights.py)."""

from allauth.account.models import EmailAddress
from allauth.usersessions.models import UserSession

from credentials.models import AccessCode, Credential, Enrolment, ImportRow
from credentials.services import data_rights as credentials_part
from learners.models import LearnerProfile
from partners.models import Application, EvidenceDocument, InvitationRow
from partners.services import data_rights as partners_part
from portal import data_rights as account_part
from portal.models import User
from tests.credentials.conftest import fake_provider  # noqa: F401
from tests.portal.factories import ProgrammeAdminFactory

from .test_data_rights import world  # noqa: F401


def _untouched_outside_partners(planted) -> None:
    user = User.objects.get(pk=planted.user.pk)
    assert user.email == planted.values["email"]
    assert LearnerProfile.objects.get(user=user).display_name == planted.name
    assert Enrolment.objects.filter(learner=user, grade=planted.values["grade"]).exists()
    assert ImportRow.objects.filter(values__email=planted.values["email"]).exists()


def test_partners_part_empties_only_this_learners_applications_documents_and_invitations(
    world,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    amira, bashir = world["amira"], world["bashir"]
    with django_capture_on_commit_callbacks(execute=True):
        deleted = partners_part.learner_applications_erase(
            user=amira.user, email=amira.values["email"]
        )
    assert deleted == 1
    assert not EvidenceDocument.objects.filter(application__learner=amira.user).exists()
    for application in Application.objects.filter(learner=amira.user):
        assert application.note == application.decision_note == ""
        assert application.case_number_hash == application.case_number_encrypted == ""
    assert not InvitationRow.objects.filter(name=amira.values["invited_name"]).exists()
    # What is not partners' is credentials', learners' or the core's to erase.
    _untouched_outside_partners(amira)
    # Nobody else's.
    assert Application.objects.filter(learner=bashir.user, note=bashir.values["note"]).exists()
    assert EvidenceDocument.objects.filter(application__learner=bashir.user).count() == 1
    assert InvitationRow.objects.filter(email=bashir.values["email"]).exists()


def test_credentials_part_empties_only_this_learners_enrolments_codes_and_import_lines(
    world,  # noqa: F811
):
    amira, bashir = world["amira"], world["bashir"]
    credentials_part.learner_enrolments_erase(user=amira.user, email=amira.values["email"])
    released = credentials_part.learner_credentials_release(user=amira.user, revoke=False)

    assert released == 1
    for enrolment in Enrolment.objects.filter(learner=amira.user):
        assert enrolment.access_link == enrolment.provider_reference == enrolment.grade == ""
    assert not AccessCode.objects.filter(code=amira.values["access_code"]).exists()
    assert not ImportRow.objects.filter(values__email=amira.values["email"]).exists()
    # Kept: still verifiable under the name it was issued to, no longer the account's.
    kept = Credential.objects.get(pk=amira.credential.pk)
    assert kept.learner_id is None and kept.subject_name == amira.credential.subject_name
    # Applications are partners' to erase, the profile learners'.
    assert Application.objects.filter(learner=amira.user, note=amira.values["note"]).exists()
    assert LearnerProfile.objects.get(user=amira.user).display_name == amira.name
    # Nobody else's.
    assert Enrolment.objects.filter(learner=bashir.user, grade=bashir.values["grade"]).exists()
    assert AccessCode.objects.filter(code=bashir.values["access_code"]).exists()
    assert Credential.objects.get(pk=bashir.credential.pk).learner_id == bashir.user.pk


def test_the_cores_part_closes_only_this_learners_account(world):  # noqa: F811
    amira, bashir = world["amira"], world["bashir"]
    assert EmailAddress.objects.filter(user=amira.user).exists()
    account_part.account_erase(user=User.objects.get(pk=amira.user.pk))

    erased = User.objects.get(pk=amira.user.pk)
    assert erased.email.endswith(f"@{account_part.ERASED_EMAIL_DOMAIN}")
    assert not erased.is_active and not erased.has_usable_password()
    assert erased.phone is None and erased.login_code is None and erased.last_login is None
    assert not EmailAddress.objects.filter(user=erased).exists()
    assert not UserSession.objects.filter(user=erased).exists()
    # The profile is learners' to empty.
    assert LearnerProfile.objects.get(user=erased).display_name == amira.name
    assert User.objects.get(pk=bashir.user.pk).email == bashir.values["email"]
    assert UserSession.objects.filter(user=bashir.user).exists()


def test_the_export_names_who_acted_by_role_only(world):  # noqa: F811
    amira, staff = world["amira"], world["staff"]
    admin = ProgrammeAdminFactory()
    someone = account_part.someone_for(amira.user, {staff.pk, admin.pk, amira.user.pk})
    assert someone(amira.user.pk) == "you"
    assert someone(staff.pk) == "partner staff"
    assert someone(admin.pk) == "programme staff"
    assert someone(None) == "portal"
    assert someone(world["bashir"].user.pk) == "someone else"
