"""A small world with every role, for the permission matrix."""

from dataclasses import dataclass
from datetime import timedelta

from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core.files.base import ContentFile
from django.utils import timezone

from credentials.models import (
    Credential,
    EnrolmentStatus,
    ImportJob,
    LearnerReference,
    ProviderApiKey,
)
from credentials.services.issuance import credential_issue
from partners.models import (
    EvidenceDocument,
    InvitationBatch,
    Membership,
    Partner,
    PartnerApiKey,
    StaffInvitation,
    StaffRole,
)
from partners.services.staff import invitation_token_hash
from portal.models import User
from portal.storage import private_storage
from reporting.models import ExportJob, ExportKind
from tests.credentials.factories import CourseFactory, EnrolmentFactory, ProviderFactory
from tests.learners.factories import LearnerProfileFactory
from tests.partners.factories import ApplicationFactory, MembershipFactory, PartnerFactory
from tests.portal.factories import LearnerFactory, PartnerStaffFactory, ProgrammeAdminFactory

ROLES = [
    "anonymous",
    "learner_a",
    "learner_b",
    "reviewer_a",
    "reviewer_b",
    "coordinator_a",
    "admin",
]
INVITATION_TOKEN = "matrix-invitation-token-for-partner-a"


@dataclass
class World:
    partner_a: Partner
    partner_b: Partner
    users: dict[str, User | None]
    application_a: object
    document_a: EvidenceDocument
    membership_reviewer_a: Membership
    invitation_a: StaffInvitation
    api_key_a: PartnerApiKey
    batch_a: InvitationBatch
    assisted_learner: User
    course: object
    enrolment_a: object
    provider_key: object
    completions_job: object
    bulk_job_a: object
    credential_a: Credential
    export_admin: ExportJob


def _staff(partner: Partner, role: str) -> User:
    user = PartnerStaffFactory()
    TOTP.activate(user, generate_totp_secret())
    MembershipFactory(user=user, partner=partner, role=role)
    return user


def build_world() -> World:
    partner_a = PartnerFactory(slug="partner-a", countries=["JO"])
    partner_b = PartnerFactory(slug="partner-b", countries=["JO"])
    learner_a = LearnerFactory()
    LearnerProfileFactory(user=learner_a, country_of_residence="JO")
    learner_b = LearnerFactory()
    LearnerProfileFactory(user=learner_b, country_of_residence="JO")
    application_a = ApplicationFactory(learner=learner_a, partner=partner_a)
    # A rebuilt document (only those can be downloaded).
    document = EvidenceDocument(application=application_a, kind="pdf", size=10, state="ready")
    document.file.save("evidence", ContentFile(b"%PDF-1.4\n%%EOF\n"), save=False)
    document.save()
    reviewer_a = _staff(partner_a, StaffRole.REVIEWER)
    reviewer_b = _staff(partner_b, StaffRole.REVIEWER)
    coordinator_a = _staff(partner_a, StaffRole.COORDINATOR)
    admin = ProgrammeAdminFactory()
    TOTP.activate(admin, generate_totp_secret())
    invitation = StaffInvitation.objects.create(
        partner=partner_a,
        email="invited@example.org",
        role=StaffRole.REVIEWER,
        token_hash=invitation_token_hash(INVITATION_TOKEN),
        invited_by=coordinator_a,
    )
    api_key = PartnerApiKey.objects.create(
        partner=partner_a, name="case system", prefix="abcd1234", key_hash="0" * 64
    )
    batch = InvitationBatch.objects.create(partner=partner_a, created_by=coordinator_a)
    assisted = LearnerFactory()
    ApplicationFactory(learner=assisted, partner=partner_a, assisted=True)
    provider = ProviderFactory()
    course = CourseFactory(provider=provider)
    enrolment_a = EnrolmentFactory(learner=learner_a, course=course, partner=partner_a)
    # Learner A's reference at the provider (made when access is given).
    LearnerReference.objects.create(learner=learner_a, provider=provider, reference="K7QM3XW9PA2D")
    provider_key = ProviderApiKey.objects.create(
        provider=provider, name="lms", prefix="prov1234", key_hash="0" * 64
    )
    completions_job = ImportJob.objects.create(
        kind=ImportJob.Kind.COMPLETIONS, provider=provider, created_by=admin
    )
    bulk_job_a = ImportJob.objects.create(
        kind=ImportJob.Kind.BULK_ENROLMENT, partner=partner_a, created_by=coordinator_a
    )
    # Learner A completed another course and holds its credential.
    completed_a = EnrolmentFactory(
        learner=learner_a,
        course=CourseFactory(provider=provider),
        partner=partner_a,
        status=EnrolmentStatus.COMPLETED,
        completed_at=timezone.now(),
    )
    credential_a = credential_issue(enrolment_id=completed_a.pk)
    # The admin's ready export (its file in the private storage), which only the admin may see.
    export_admin = ExportJob.objects.create(
        kind=ExportKind.PROGRAMME_AGGREGATES,
        requested_by=admin,
        status=ExportJob.Status.READY,
        file_name=private_storage().save("exports/matrix.csv", ContentFile(b"Month,Learners\r\n")),
        finished_at=timezone.now(),
        expires_at=timezone.now() + timedelta(hours=24),
    )
    return World(
        partner_a=partner_a,
        partner_b=partner_b,
        users={
            "anonymous": None,
            "learner_a": learner_a,
            "learner_b": learner_b,
            "reviewer_a": reviewer_a,
            "reviewer_b": reviewer_b,
            "coordinator_a": coordinator_a,
            "admin": admin,
        },
        application_a=application_a,
        document_a=document,
        membership_reviewer_a=Membership.objects.get(user=reviewer_a),
        invitation_a=invitation,
        api_key_a=api_key,
        batch_a=batch,
        assisted_learner=assisted,
        course=course,
        enrolment_a=enrolment_a,
        provider_key=provider_key,
        completions_job=completions_job,
        bulk_job_a=bulk_job_a,
        credential_a=credential_a,
        export_admin=export_admin,
    )


# --- learners in every lifecycle state across the two partners (partners/reach.py) ---------------

# Which partner's staff may reach each learner now: the partner of their current (latest)
# application, whatever its state; nobody once the account is erased.
LIFECYCLE = {
    # Registered in person by A (verification since expired), then verified by B.
    "moved_to_b": "b",
    # Registered in person by A, verification expired, nothing since, never signed in.
    "expired_a": "a",
    # Registered in person by A, still verified, and has signed in and chosen a password.
    "signed_in_a": "a",
    # Verified by A, expired, then applied to B (waiting for B's decision).
    "expired_a_then_b": "b",
    "withdrawn_a": "a",
    "rejected_a": "a",
    "rejected_a_then_b": "b",
    # Verified by A, then erased their account.
    "erased": None,
}


@dataclass
class LifecycleLearner:
    name: str
    reach: str | None
    user: User
    application_a: object
    document_a: EvidenceDocument | None
    application_b: object | None
    enrolment_a: object | None


@dataclass
class Lifecycle:
    learners: dict[str, LifecycleLearner]
    staff: dict[str, User]  # reviewer_a, coordinator_a, reviewer_b, coordinator_b
    api_keys: dict[str, str]  # "a", "b": the full key text


def _days_ago(days: int):
    return timezone.now() - timedelta(days=days)


def _application(learner, partner, status, *, days_ago, assisted=False, verified_days=None):
    from partners.models import ApplicationStatus

    when = _days_ago(days_ago)
    fields = {"created_at": when, "submitted_at": when, "assisted": assisted, "status": status}
    if status in (
        ApplicationStatus.APPROVED,
        ApplicationStatus.EXPIRED,
        ApplicationStatus.REJECTED,
    ):
        fields["decided_at"] = when
    if status in (ApplicationStatus.APPROVED, ApplicationStatus.EXPIRED):
        fields["verified_until"] = timezone.localdate() + timedelta(days=verified_days or 0)
    return ApplicationFactory(learner=learner, partner=partner, **fields)


def build_lifecycle(world: World) -> Lifecycle:
    from credentials.models import Enrolment
    from learners.services.data_rights import learner_account_erase
    from partners.models import ApplicationStatus as S
    from partners.services.api_keys import api_key_create

    a, b = world.partner_a, world.partner_b
    coordinator_b = _staff(b, StaffRole.COORDINATOR)
    learners = {}
    for name, reach in LIFECYCLE.items():
        assisted = name in ("moved_to_b", "expired_a", "signed_in_a")
        never_signed_in = name == "expired_a"
        user = LearnerFactory(
            password_is_temporary=never_signed_in,
            last_login=None if never_signed_in else timezone.now(),
        )
        LearnerProfileFactory(user=user, country_of_residence="JO")
        status_a = {
            "signed_in_a": S.APPROVED,
            "withdrawn_a": S.WITHDRAWN,
            "rejected_a": S.REJECTED,
            "rejected_a_then_b": S.REJECTED,
            "erased": S.APPROVED,
        }.get(name, S.EXPIRED)
        application_a = _application(
            user,
            a,
            status_a,
            days_ago=400,
            assisted=assisted,
            verified_days=300 if status_a == S.APPROVED else -35,
        )
        document_a = EvidenceDocument(application=application_a, kind="pdf", size=10, state="ready")
        document_a.file.save("evidence", ContentFile(b"%PDF-1.4\n%%EOF\n"), save=False)
        document_a.save()
        application_b = None
        if reach == "b":
            status_b = S.SUBMITTED if name == "expired_a_then_b" else S.APPROVED
            application_b = _application(user, b, status_b, days_ago=10, verified_days=355)
        enrolment_a = None
        if status_a in (S.APPROVED, S.EXPIRED):
            enrolment_a = EnrolmentFactory(
                learner=user, course=CourseFactory(), partner=a, status=EnrolmentStatus.ACTIVE
            )
        if name == "erased":
            learner_account_erase(user=user, credentials="keep", acting_user=user)
            user.refresh_from_db()
            document_a = None  # erasure deletes the documents
            enrolment_a = Enrolment.objects.get(pk=enrolment_a.pk)
        learners[name] = LifecycleLearner(
            name=name,
            reach=reach,
            user=user,
            application_a=application_a,
            document_a=document_a,
            application_b=application_b,
            enrolment_a=enrolment_a,
        )
    coordinator_a = world.users["coordinator_a"]
    keys = {
        "a": api_key_create(partner=a, name="case system a", acting_user=coordinator_a)[1],
        "b": api_key_create(partner=b, name="case system b", acting_user=coordinator_b)[1],
    }
    return Lifecycle(
        learners=learners,
        staff={
            "reviewer_a": world.users["reviewer_a"],
            "coordinator_a": coordinator_a,
            "reviewer_b": world.users["reviewer_b"],
            "coordinator_b": coordinator_b,
        },
        api_keys=keys,
    )
