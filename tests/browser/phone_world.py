"""The permission matrix's world (tests/matrix/world.py) with the data that makes pages wide.

Real programmes have partners with long official names, courses with long titles, learners whose
e-mail addresses are longer than a phone is wide, and lists with many rows. Every page of the
matrix is checked with this data on a 360 px screen, so a layout that only fits short test
strings fails. The matrix's own users and records are kept (the same URLs answer 200 to the same
roles); what is added is more rows around them and longer names on them.
"""

from datetime import timedelta

from allauth.account.models import EmailAddress
from django.contrib.messages import constants
from django.contrib.messages.storage.base import Message
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.files.base import ContentFile
from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.translation import gettext

from credentials.models import (
    AccessCode,
    EnrolmentStatus,
    ImportJob,
    ImportRow,
    ProviderApiKey,
    SeatAllocation,
)
from credentials.services.imports import BulkEnrolmentResult, CompletionResult
from credentials.services.issuance import credential_issue
from partners.models import (
    ApplicationStatus,
    InvitationRow,
    PartnerApiKey,
    StaffInvitation,
    StaffRole,
)
from partners.services.staff import invitation_token_hash
from portal.storage import private_storage
from reporting.models import ExportJob, ExportKind
from reporting.refresh import rollups_refresh
from tests.credentials.factories import CourseFactory, ProviderFactory, VerifiedEnrolmentFactory
from tests.learners.factories import LearnerProfileFactory
from tests.matrix.world import World, build_world
from tests.partners.factories import ApplicationFactory
from tests.portal.factories import LearnerFactory

LONG_EMAIL = "very.long.address.of.a.learner@some-partner-organisation.example.org"
PARTNER_A_NAME = "Jordan Refugee Education and Livelihoods Partnership (Amman, Irbid and Mafraq)"
PARTNER_B_NAME = "Association pour l'Accompagnement Universitaire des Personnes Déplacées"
PROVIDER_NAME = "International Open University Consortium for Professional Development"
COURSE_TITLES = [
    "Introduction to Spreadsheet-based Data Analysis for Humanitarian Programme Monitoring",
    "Kommunikationswissenschaftliche Grundlagen: Interkulturelle Gesprächsführung",
    "Foundations of Community Health Work in Displacement Settings (Arabic subtitles)",
]
# An e-mail address with no dot or hyphen to break at, as long as the longest real ones.
UNBROKEN_EMAIL = "abdulrahmanmohammedalkhatibhaddad1998@organisationpartenaire.example"


def long_email(n: int) -> str:
    return f"learner.with.a.long.name.{n}@humanitarian-partner-organisation.example.org"


def _rename(user, email: str) -> None:
    user.email = email
    user.save(update_fields=["email"])
    EmailAddress.objects.filter(user=user).update(email=email)


def build_phone_world() -> World:
    world = build_world()
    a, b = world.partner_a, world.partner_b
    a.name, a.contact_email = (
        PARTNER_A_NAME,
        "admissions.and.verification@jordan-refugee-edu.example.org",
    )
    a.save(update_fields=["name", "contact_email"])
    b.name = PARTNER_B_NAME
    b.save(update_fields=["name"])
    learner_a = world.users["learner_a"]
    _rename(learner_a, LONG_EMAIL)
    learner_a.learner_profile.display_name = "Mohammed Abdulrahman Al-Khatib Haddad"
    learner_a.learner_profile.save(update_fields=["display_name"])
    _rename(
        world.users["reviewer_a"],
        "case.worker.for.verification.reviews@jordan-refugee-edu.example.org",
    )
    _rename(world.users["admin"], UNBROKEN_EMAIL.replace("1998", "admin"))

    provider = world.course.provider
    provider.name, provider.website = (
        PROVIDER_NAME,
        "https://learning.international-open-university.example/",
    )
    provider.save(update_fields=["name", "website"])
    world.course.title = COURSE_TITLES[0]
    world.course.save(update_fields=["title"])
    # Learner A's credential is for the second course.
    completed = world.credential_a.course
    completed.title = COURSE_TITLES[1]
    completed.save(update_fields=["title"])
    courses = [world.course, completed, CourseFactory(provider=provider, title=COURSE_TITLES[2])]

    _applicants(a)
    _enrolments(a, courses)
    _seats_and_codes(a, b, provider)
    _team_and_keys(world)
    _imports(world)
    _exports(world)
    rollups_refresh()
    return world


def _applicants(partner) -> None:
    """A queue of several applicants, in each state a reviewer sees."""
    states = [
        ApplicationStatus.SUBMITTED,
        ApplicationStatus.SUBMITTED,
        ApplicationStatus.INFO_REQUESTED,
        ApplicationStatus.APPROVED,
        ApplicationStatus.REJECTED,
    ]
    for n, status in enumerate(states):
        learner = LearnerFactory(email=UNBROKEN_EMAIL if n == 0 else long_email(n))
        LearnerProfileFactory(user=learner, display_name=f"Fatima Abdulkarim Al-Hassan {n}")
        decided = status in (ApplicationStatus.APPROVED, ApplicationStatus.REJECTED)
        ApplicationFactory(
            learner=learner,
            partner=partner,
            status=status,
            submitted_at=timezone.now() - timedelta(days=3 * n),
            decided_at=timezone.now() if decided else None,
            verified_until=timezone.localdate() + timedelta(days=365)
            if status == ApplicationStatus.APPROVED
            else None,
        )


def _enrolments(partner, courses) -> None:
    """Learners verified by partner A in every enrolment state, and several credentials."""
    states = [
        EnrolmentStatus.ACTIVE,
        EnrolmentStatus.WAITLISTED,
        EnrolmentStatus.FAILED,
        EnrolmentStatus.COMPLETED,
        EnrolmentStatus.COMPLETED,
    ]
    for n, status in enumerate(states, start=10):
        learner = LearnerFactory(email=long_email(n))
        LearnerProfileFactory(user=learner, display_name=f"Yousef Ibrahim Abu-Ghazaleh {n}")
        completed = status == EnrolmentStatus.COMPLETED
        enrolment = VerifiedEnrolmentFactory(
            learner=learner,
            course=courses[n % len(courses)],
            partner=partner,
            status=status,
            activated_at=timezone.now(),
            completed_at=timezone.now() if completed else None,
            failure_reason="The provider's enrolment service answered with an error "
            "(HTTP 503 Service Unavailable) after 8 attempts."
            if status == EnrolmentStatus.FAILED
            else "",
        )
        if completed:
            credential_issue(enrolment_id=enrolment.pk)


def _seats_and_codes(a, b, provider) -> None:
    other = ProviderFactory(name="Université Numérique Francophone pour les Réfugiés")
    SeatAllocation.objects.create(partner=a, provider=provider, total=250, used=3)
    SeatAllocation.objects.create(partner=a, provider=other, total=1200, used=1199)
    SeatAllocation.objects.create(partner=b, provider=provider, total=40, used=0)
    for n in range(4):
        AccessCode.objects.create(
            provider=provider, code=f"IOUC-2026-SPRING-VOUCHER-{n:04d}-XK7Q9ZP2LM4T8R"
        )


def _team_and_keys(world: World) -> None:
    a, coordinator = world.partner_a, world.users["coordinator_a"]
    for n in range(3):
        StaffInvitation.objects.create(
            partner=a,
            email=f"new.case.worker.number.{n}@jordan-refugee-education-partnership.example.org",
            role=StaffRole.REVIEWER if n else StaffRole.COORDINATOR,
            token_hash=invitation_token_hash(f"phone-invitation-{n}"),
            invited_by=coordinator,
        )
    for n in range(2):
        PartnerApiKey.objects.create(
            partner=a,
            name=f"Case management system (production, Irbid field office) {n}",
            prefix=f"phone{n:03d}",
            key_hash="0" * 64,
            last_used_at=timezone.now(),
        )
        ProviderApiKey.objects.create(
            provider=world.course.provider,
            name=f"Learning management system completions feed (nightly) {n}",
            prefix=f"phprv{n:03d}",
            key_hash="0" * 64,
        )
    batch = world.batch_a
    batch.total = 4
    batch.status = batch.Status.DONE
    batch.save(update_fields=["total", "status"])
    results = [
        InvitationRow.Result.SENT,
        InvitationRow.Result.SENT,
        InvitationRow.Result.DUPLICATE,
        InvitationRow.Result.INVALID,
    ]
    for line, result in enumerate(results, start=2):
        InvitationRow.objects.create(
            batch=batch,
            line=line,
            email=UNBROKEN_EMAIL if line == 5 else long_email(line + 100),
            name="Hussein Abdelrahman Mahmoud Al-Qudah",
            result=result,
        )


def _imports(world: World) -> None:
    rows = {
        world.completions_job: [
            (CompletionResult.COMPLETED, ""),
            (CompletionResult.NOT_ACTIVE, "not_active"),
            (CompletionResult.INVALID, "invalid_email"),
        ],
        world.bulk_job_a: [
            (BulkEnrolmentResult.ENROLLED, "enrolled"),
            (BulkEnrolmentResult.NOT_VERIFIED, "not_verified"),
            (BulkEnrolmentResult.ALREADY_ENROLLED, "already_enrolled"),
        ],
    }
    for job, results in rows.items():
        job.status, job.total, job.processed = ImportJob.Status.DONE, len(results), len(results)
        job.save(update_fields=["status", "total", "processed"])
        for line, (result, message) in enumerate(results, start=2):
            ImportRow.objects.create(
                job=job,
                line=line,
                values={
                    "email": UNBROKEN_EMAIL if line == 4 else long_email(line + 200),
                    "course_id": "IOUC-DATA-ANALYSIS-HUMANITARIAN-2026",
                    "course": COURSE_TITLES[0],
                },
                result=result,
                message=message,
                processed_at=timezone.now(),
            )


def _exports(world: World) -> None:
    """Exports in each state, for the admin and for partner A's coordinator."""
    now = timezone.now()
    for user, kind, partner in (
        (world.users["admin"], ExportKind.PROGRAMME_AGGREGATES, None),
        (world.users["coordinator_a"], ExportKind.PARTNER_AGGREGATES, world.partner_a),
    ):
        for status in (ExportJob.Status.READY, ExportJob.Status.FAILED, ExportJob.Status.EXPIRED):
            ready = status == ExportJob.Status.READY
            ExportJob.objects.create(
                kind=kind,
                partner=partner,
                requested_by=user,
                status=status,
                file_name=private_storage().save("exports/phone.csv", ContentFile(b"Month\r\n"))
                if ready
                else "",
                error="The figures could not be read." if status == ExportJob.Status.FAILED else "",
                finished_at=now,
                expires_at=now + timedelta(hours=24) if ready else now - timedelta(hours=1),
            )


def messages_cookie(language: str) -> str:
    """Django's messages cookie with two flash messages as the portal words them in `language`,
    naming a long course and long e-mail addresses: the widest messages there are."""
    with translation.override(language):
        messages = [
            Message(
                constants.SUCCESS,
                gettext("The invitation was sent to %(email)s. The link works for 7 days.")
                % {"email": LONG_EMAIL},
            ),
            Message(
                constants.INFO,
                gettext("Access to %(course)s was withdrawn from %(email)s.")
                % {"course": COURSE_TITLES[1], "email": UNBROKEN_EMAIL},
            ),
        ]
    return CookieStorage(HttpRequest())._encode(messages)
