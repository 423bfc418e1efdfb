"""A small programme with known numbers, for the export and scheduled report tests, and helpers to
read the CSV files back."""

import csv
import io
from dataclasses import dataclass, field
from datetime import timedelta

from django.utils import timezone

from credentials.models import EnrolmentStatus
from credentials.services.issuance import credential_issue
from partners.models import ApplicationStatus, DisplacementStatus, Partner, StaffRole
from partners.services.applications import case_number_hash
from portal.crypto import encrypt_text
from portal.models import User
from reporting.refresh import rollups_refresh
from reporting.suppression import BASE, MAX_ERROR, SMALL_SHOWN
from tests.credentials.factories import CourseFactory, EnrolmentFactory, ProviderFactory
from tests.learners.factories import LearnerProfileFactory
from tests.partners.factories import ApplicationFactory, MembershipFactory, PartnerFactory
from tests.portal.conftest import give_totp
from tests.portal.factories import LearnerFactory, PartnerStaffFactory, ProgrammeAdminFactory

CASE_NUMBER = "UNHCR-945-00271836"
SMALL = {"1", "2", "3", "4"}


def staff_of(partner: Partner, role: str = StaffRole.COORDINATOR, **kwargs) -> User:
    user = PartnerStaffFactory(**kwargs)
    give_totp(user)
    MembershipFactory(user=user, partner=partner, role=role)
    return user


def programme_admin(**kwargs) -> User:
    user = ProgrammeAdminFactory(**kwargs)
    give_totp(user)
    return user


def learner_of(
    partner: Partner | None,
    *,
    residence: str = "JO",
    origin: str = "SY",
    status: str = ApplicationStatus.APPROVED,
    signed_up=None,
    name: str = "",
) -> User:
    """A learner with a profile and (with a partner) an application carrying everything an export
    must never show: e-mail, name, case number, displacement status."""
    signed_up = signed_up or timezone.now()
    learner = LearnerFactory()
    LearnerProfileFactory(
        user=learner,
        display_name=name or f"Amina Learner {learner.pk}",
        country_of_residence=residence,
        country_of_origin=origin,
        created_at=signed_up,
    )
    if partner is not None:
        approved = status == ApplicationStatus.APPROVED
        ApplicationFactory(
            learner=learner,
            partner=partner,
            status=status,
            displacement_status=DisplacementStatus.ASYLUM_SEEKER,
            country_of_residence=residence,
            case_number_encrypted=encrypt_text(CASE_NUMBER),
            case_number_hash=case_number_hash(CASE_NUMBER),
            submitted_at=signed_up,
            decided_at=signed_up + timedelta(hours=5) if approved else None,
            verified_until=timezone.localdate() + timedelta(days=300) if approved else None,
        )
    return learner


@dataclass
class Programme:
    partner_a: Partner
    partner_b: Partner
    provider: object
    learners_a: list = field(default_factory=list)
    learners_b: list = field(default_factory=list)
    unattached: list = field(default_factory=list)


def build_programme() -> Programme:
    """Partner A: 7 verified learners living in Jordan (6 enrolled, 2 of them completed with a
    credential) and 3 applicants living in Lebanon who signed up 40 days ago. Partner B: 5
    verified learners in Jordan from Iraq. Two learners have not applied yet."""
    partner_a = PartnerFactory(name="Hope Amman", slug="hope-amman", countries=["JO", "LB"])
    partner_b = PartnerFactory(name="Bridge Beirut", slug="bridge-beirut", countries=["JO"])
    provider = ProviderFactory(name="Open Courses")
    course = CourseFactory(provider=provider)
    programme = Programme(partner_a=partner_a, partner_b=partner_b, provider=provider)
    earlier = timezone.now() - timedelta(days=40)
    for index in range(7):
        learner = learner_of(partner_a)
        programme.learners_a.append(learner)
        if index < 6:
            completed = index < 2
            enrolment = EnrolmentFactory(
                learner=learner,
                course=course,
                partner=partner_a,
                status=EnrolmentStatus.COMPLETED if completed else EnrolmentStatus.ACTIVE,
                activated_at=timezone.now(),
                completed_at=timezone.now() if completed else None,
            )
            if completed:
                credential_issue(enrolment_id=enrolment.pk)
    for _index in range(3):
        programme.learners_a.append(
            learner_of(
                partner_a, residence="LB", status=ApplicationStatus.SUBMITTED, signed_up=earlier
            )
        )
    for _index in range(5):
        programme.learners_b.append(learner_of(partner_b, origin="IQ"))
    programme.unattached = [learner_of(None), learner_of(None)]
    rollups_refresh()
    return programme


# --- reading the CSV files back ------------------------------------------------------------------


@dataclass
class CsvTable:
    title: str
    header: list[str]
    rows: list[list[str]]

    def value(self, label: str, column: str) -> str:
        """A row's value, or "<5" when the row is not listed (all its protected counts are 0)."""
        if any(row[0] == label for row in self.rows):
            return self.row(label)[column]
        return "<5"

    def row(self, label: str) -> dict[str, str]:
        for row in self.rows:
            if row[0] == label:
                return dict(zip(self.header[1:], row[1:], strict=True))
        raise KeyError(label)


def parse_aggregates(text: str) -> tuple[str, dict[str, CsvTable]]:
    """The comment line and the tables (by title) of an aggregate CSV."""
    lines = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    scope_line = lines[0][0]
    tables: dict[str, CsvTable] = {}
    current = None
    for line in lines[1:]:
        if not line:
            current = None
        elif line[0].startswith("# "):
            current = CsvTable(title=line[0][2:], header=[], rows=[])
            tables[current.title] = current
        elif not current.header:
            current.header = line
        else:
            current.rows.append(line)
    return scope_line, tables


def shown_counts(tables: dict[str, CsvTable]) -> list[str]:
    return [cell for table in tables.values() for row in table.rows for cell in row[1:]]


def protected_number(shown: str) -> int:
    """A printed protected count as a number ("<5" is a rounded 0)."""
    return 0 if shown == SMALL_SHOWN else int(shown.replace(",", ""))


def assert_safely_shown(shown: str, value: int, *, pieces: int = 1) -> None:
    """A published cell: a multiple of 5 ("<5" for 0), never a count from 1 to 4, within 4 of the
    true count for each rounded piece it adds up (learners: not yet verified + verified...)."""
    assert shown not in SMALL, (shown, value)
    number = protected_number(shown)
    assert number % BASE == 0, (shown, value)
    assert abs(number - value) <= MAX_ERROR * pieces, (shown, value, pieces)
