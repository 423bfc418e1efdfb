"""The rows of the bulk demo data, drawn from one seeded random generator.

Pure Python, no database: given the catalogue (partners and courses already in the database), the
first free ids and a seed, it yields the same rows every time. Rows are tuples in the column
order of the COLUMNS below; timestamps are text ("2025-03-01 10:00:00+00") that both PostgreSQL's
COPY and Django's fields accept.

The story of one learner: signs up (more each month: the programme grows), most apply to a partner
serving their country of residence, the partner decides after hours to weeks (most approve), a
verified learner enrols in a few distinct courses, many complete them, and most completions carry
a credential. Nothing happens after the anchor (midnight today, UTC): recent learners are simply
further behind in that story.
"""

import math
import random
import time
from bisect import bisect
from dataclasses import dataclass, field
from itertools import accumulate

from credentials.models import EnrolmentFailureCause, EnrolmentRevokeCause
from portal.privacy import PRIVACY_NOTICE_VERSION

from . import data

HOUR = 3600
DAY = 24 * HOUR
SPAN = 3 * 365 * DAY
# Sign-ups grow exponentially: e**GROWTH times more a day now than three years ago.
GROWTH = 1.4

APPLY_SHARE = 0.9
# How an application ends (open ones only while the decision is still to come).
OUTCOMES = {"approved": 80, "rejected": 9, "withdrawn": 4, "info_requested": 3}
REAPPLY_SHARE = 0.35
MEDIAN_DECISION_HOURS = 40
# Share of learners whose latest application is approved or expired, measured on this generator
# (it turns "enrolments per learner" into enrolments per verified learner).
VERIFIED_SHARE = 0.77
ENROLMENT_FAILED = 0.03
ENROLMENT_REVOKED = 0.04
COMPLETION_SHARE = 0.6
MEDIAN_COMPLETION_DAYS = 40
CREDENTIAL_REVOKED = 0.005

USER_COLUMNS = (
    "id", "password", "last_login", "is_superuser", "is_staff", "is_active", "date_joined",
    "email", "role", "language", "login_code", "password_is_temporary", "phone", "phone_verified",
    "message_channel",
)  # fmt: skip
PROFILE_COLUMNS = (
    "id", "user_id", "display_name", "country_of_residence", "country_of_origin",
    "phone_encrypted", "consent_version", "consent_at", "created_at", "updated_at",
)  # fmt: skip
APPLICATION_COLUMNS = (
    "id", "learner_id", "partner_id", "status", "displacement_status", "case_number_encrypted",
    "case_number_hash", "country_of_residence", "note", "info_request_message",
    "rejection_reason", "decision_note", "created_at", "submitted_at", "decided_at",
    "decided_by_id", "verified_until", "expiry_reminder_sent_at", "assisted",
)  # fmt: skip
ENROLMENT_COLUMNS = (
    "id", "learner_id", "course_id", "partner_id", "status", "holds_seat", "access_link",
    "provider_reference", "failure_reason", "failure_cause", "revoke_reason", "revoke_cause",
    "attempts", "requested_at", "waitlisted_at", "activated_at", "completed_at", "grade",
    "updated_at",
)  # fmt: skip
CREDENTIAL_COLUMNS = (
    "id", "code", "enrolment_id", "learner_id", "course_id", "subject_name", "document",
    "issuer_key_id", "status_list_id", "status_index", "status", "issued_at", "is_public",
    "revoked_at", "revocation_reason", "revoked_by_id",
)  # fmt: skip


def day(seconds: float) -> str:
    return time.strftime("%Y-%m-%d", time.gmtime(seconds))


class Weighted:
    """A weighted choice, quicker than random.choices for repeated draws from one table."""

    def __init__(self, weights: dict):
        self.items = list(weights)
        self.cumulative = list(accumulate(weights.values()))
        self.total = self.cumulative[-1]

    def pick(self, rng: random.Random):
        return self.items[bisect(self.cumulative, rng.random() * self.total)]


@dataclass(frozen=True)
class PartnerInfo:
    id: int
    countries: tuple[str, ...]
    validity_days: int
    # Decision time relative to the programme's median (some partners are quicker).
    speed: float


@dataclass(frozen=True)
class CourseInfo:
    id: int
    seats: bool  # whether enrolling takes one of the partner's seats at the provider
    link: str
    weight: float


@dataclass
class Catalogue:
    partners: list[PartnerInfo]
    courses: list[CourseInfo]
    serving: dict[str, list[PartnerInfo]] = field(init=False)
    everywhere: list[PartnerInfo] = field(init=False)
    course_choice: Weighted = field(init=False)

    def __post_init__(self):
        self.serving = {}
        for partner in self.partners:
            for country in partner.countries:
                self.serving.setdefault(country, []).append(partner)
        widest = max(len(p.countries) for p in self.partners)
        self.everywhere = [p for p in self.partners if len(p.countries) == widest]
        self.course_choice = Weighted({c: c.weight for c in self.courses})


@dataclass
class CredentialPlan:
    """A credential to give a completed enrolment: the writer adds its code and status bit."""

    enrolment_id: int
    learner_id: int
    course_id: int
    subject_name: str
    issued_at: str
    revoked_at: str | None


@dataclass
class Batch:
    users: list[tuple] = field(default_factory=list)
    profiles: list[tuple] = field(default_factory=list)
    applications: list[tuple] = field(default_factory=list)
    enrolments: list[tuple] = field(default_factory=list)
    credentials: list[CredentialPlan] = field(default_factory=list)


@dataclass
class NextIds:
    user: int
    profile: int
    application: int
    enrolment: int


class Generator:
    def __init__(
        self,
        *,
        seed: int,
        catalogue: Catalogue,
        anchor: float,
        learners: int,
        enrolments_per_learner: float,
        credential_share: float,
    ):
        self.rng = random.Random(seed)  # noqa: S311 — demo data, reproducible on purpose
        self.catalogue = catalogue
        self.anchor = anchor
        self.anchor_day = day(anchor)
        self.learners = learners
        self.enrolments_mean = enrolments_per_learner / VERIFIED_SHARE
        self.credential_share = credential_share
        self.origins = Weighted({code: o[0] for code, o in data.ORIGINS.items()})
        self.groups = {code: Weighted(o[1]) for code, o in data.ORIGINS.items()}
        self.residences = {code: Weighted(o[3]) for code, o in data.ORIGINS.items()}
        self.outcomes = Weighted(OUTCOMES)
        self.displacement = Weighted(data.DISPLACEMENT)
        self.rejections = Weighted(data.REJECTION_REASONS)
        # Timestamps as text, from two tables (days, times of day): time.strftime for each of
        # ten million timestamps would be a good part of the whole run.
        self.first_day = int(anchor) - SPAN - DAY
        self.days = [day(self.first_day + k * DAY) + " " for k in range(SPAN // DAY + 3)]
        self.clock = [
            f"{h:02d}:{m:02d}:{s:02d}+00" for h in range(24) for m in range(60) for s in range(60)
        ]

    def ts(self, seconds: float) -> str:
        seconds = int(seconds)
        return self.days[(seconds - self.first_day) // DAY] + self.clock[seconds % DAY]

    # --- one batch of learners -------------------------------------------------------------

    def batch(self, *, first: int, count: int, number: int, ids: NextIds) -> Batch:
        """Learners `first`..`first + count - 1` of this run (0-based), numbered from `number`
        in their e-mail addresses; ids are taken from `ids`, which moves on."""
        batch = Batch()
        for position in range(first, first + count):
            self._learner(batch, position, number + position - first, ids)
        return batch

    def _signup_time(self, position: int) -> float:
        # Stratified: learner k of n signs up in the k-th n-quantile of the growth curve, so
        # ids follow sign-up order and every run covers the whole period evenly.
        quantile = (position + self.rng.random()) / self.learners
        share = math.log1p(quantile * math.expm1(GROWTH)) / GROWTH
        return self.anchor - SPAN + share * SPAN

    def _learner(self, batch: Batch, position: int, number: int, ids: NextIds) -> None:
        rng = self.rng
        signed_up = self._signup_time(position)
        origin = self.origins.pick(rng)
        first_names, last_names = data.NAMES[self.groups[origin].pick(rng)]
        name = f"{rng.choice(first_names)} {rng.choice(last_names)}"
        residence = self.residences[origin].pick(rng)
        language = data.ORIGINS[origin][2] if rng.random() < 0.7 else "en"
        if rng.random() < data.NO_ORIGIN_SHARE:
            origin = ""
        user_id = ids.user
        ids.user += 1
        joined = self.ts(signed_up)
        batch.users.append(
            (
                user_id,
                f"!{rng.getrandbits(160):040x}",  # unusable: nobody signs in as a bulk learner
                None,
                False,
                False,
                True,
                joined,
                f"learner{number}@bulk.invalid",
                "learner",
                language,
                None,
                False,
                None,  # no phone number: bulk learners sign in by e-mail
                False,
                "",  # messages on every channel they can receive
            )
        )
        consent = PRIVACY_NOTICE_VERSION
        batch.profiles.append(
            (ids.profile, user_id, name, residence, origin, "", consent, joined, joined, joined)
        )
        ids.profile += 1
        if rng.random() < APPLY_SHARE:
            self._applications(batch, user_id, name, residence, signed_up, ids)

    # --- applications ------------------------------------------------------------------------

    def _partner_for(self, residence: str) -> PartnerInfo:
        local = self.catalogue.serving.get(residence)
        if local and self.rng.random() < 0.8:
            return self.rng.choice(local)
        return self.rng.choice(self.catalogue.everywhere)

    def _applications(self, batch, user_id, name, residence, signed_up, ids) -> None:
        rng = self.rng
        submitted = signed_up + rng.expovariate(1 / (2 * DAY))
        for attempt in range(2):
            if submitted >= self.anchor:
                return
            partner = self._partner_for(residence)
            status = self.outcomes.pick(rng)
            hours = rng.lognormvariate(math.log(MEDIAN_DECISION_HOURS * partner.speed), 1.0)
            decided = submitted + min(max(hours, 0.5), 60 * 24) * HOUR
            verified_until = rejection = info = ""
            until = 0.0
            if decided >= self.anchor:
                status, decided = "submitted", None  # still in the partner's queue
            elif status == "withdrawn":
                decided = None
            elif status == "approved":
                # Valid through the whole of its last day.
                until = (decided // DAY + partner.validity_days + 1) * DAY
                verified_until = day(until - DAY)
                if verified_until < self.anchor_day:
                    status = "expired"
            elif status == "rejected":
                rejection = self.rejections.pick(rng)
            else:
                info = rng.choice(data.INFO_REQUESTS)
            submitted_at = self.ts(submitted)
            batch.applications.append(
                (
                    ids.application,
                    user_id,
                    partner.id,
                    status,
                    self.displacement.pick(rng),
                    "",  # no case number: encrypting one per row would take hours
                    "",
                    residence,
                    "",
                    info,
                    rejection,
                    "",
                    submitted_at,
                    submitted_at,
                    None if decided is None else self.ts(decided),
                    None,
                    verified_until or None,
                    None,
                    rng.random() < 0.08,
                )
            )
            ids.application += 1
            if status in ("approved", "expired"):
                self._enrolments(batch, user_id, name, partner, decided, until, ids)
                return
            if attempt or status not in ("rejected", "withdrawn") or rng.random() > REAPPLY_SHARE:
                return
            submitted = (decided or submitted) + rng.expovariate(1 / (30 * DAY))

    # --- enrolments and credentials ----------------------------------------------------------

    def _courses(self, count: int) -> list[CourseInfo]:
        count = min(count, len(self.catalogue.courses))
        chosen: dict[int, CourseInfo] = {}
        while len(chosen) < count:
            course = self.catalogue.course_choice.pick(self.rng)
            chosen[course.id] = course
        return list(chosen.values())

    def _enrolments(self, batch, user_id, name, partner, verified, until, ids) -> None:
        rng = self.rng
        start = verified + rng.expovariate(1 / (7 * DAY))
        end = min(self.anchor, until)
        if start >= end:
            return
        mean = self.enrolments_mean
        if mean < 1:
            count = 1 if rng.random() < mean else 0
        else:
            count = max(1, round(rng.triangular(1, 2 * mean - 1, mean)))
        window = min(end - start, 240 * DAY)
        for course in self._courses(count):
            requested = start + rng.random() * window
            activated = min(requested + rng.uniform(60, 1800), self.anchor - 1)
            completed = None
            roll = rng.random()
            if roll < ENROLMENT_FAILED:
                status, holds_seat, activated, updated = "failed", False, None, requested + DAY
            elif roll < ENROLMENT_FAILED + ENROLMENT_REVOKED:
                updated = activated + rng.uniform(30, 200) * DAY
                status, holds_seat = "revoked", False
                if updated >= self.anchor:
                    status, holds_seat, updated = "active", course.seats, activated
            else:
                status, holds_seat, updated = "active", course.seats, activated
                if rng.random() < COMPLETION_SHARE:
                    days = rng.lognormvariate(math.log(MEDIAN_COMPLETION_DAYS), 0.6)
                    if activated + days * DAY < self.anchor:
                        completed = updated = activated + days * DAY
                        status = "completed"
            updated = min(updated, self.anchor - 1)
            enrolment_id = ids.enrolment
            ids.enrolment += 1
            batch.enrolments.append(
                (
                    enrolment_id,
                    user_id,
                    course.id,
                    partner.id,
                    status,
                    holds_seat,
                    "" if activated is None else course.link,
                    "",
                    data.FAILURE_REASON if status == "failed" else "",
                    EnrolmentFailureCause.PROVIDER_REFUSED.value if status == "failed" else "",
                    rng.choice(data.REVOKE_REASONS) if status == "revoked" else "",
                    EnrolmentRevokeCause.PARTNER.value if status == "revoked" else "",
                    8 if status == "failed" else 1,
                    self.ts(requested),
                    None,
                    None if activated is None else self.ts(activated),
                    None if completed is None else self.ts(completed),
                    "Pass" if completed else "",
                    self.ts(updated),
                )
            )
            if completed and rng.random() < self.credential_share:
                issued = min(completed + rng.uniform(60, 3600), self.anchor - 1)
                revoked = None
                if rng.random() < CREDENTIAL_REVOKED:
                    when = issued + rng.uniform(1, 90) * DAY
                    revoked = self.ts(when) if when < self.anchor else None
                batch.credentials.append(
                    CredentialPlan(enrolment_id, user_id, course.id, name, self.ts(issued), revoked)
                )
