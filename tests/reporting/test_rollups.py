"""Roll-ups equal the live data, on random data, after inserts, updates and deletions.

Every daily table is compared twice: with its `live_*_counts()` query, and with counts made here
in plain Python over the model objects. The summaries (what dashboards read) are compared with
an independent Python computation of every metric x dimension x scope, the funnel with each
learner's furthest stage, decision times with `statistics.median`. Last, the refresh is one
transaction: a second refresh waits for the first, and readers see the old numbers, never empty
tables, until the new ones are committed.

Hypothesis runs many examples inside one test (and one database transaction): each example
starts by deleting the data the previous one left.
"""

import itertools
import statistics
import threading
import uuid
from collections import Counter, defaultdict
from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, connections, transaction
from django.db.models import Sum
from django.utils import timezone
from hypothesis import HealthCheck, currently_in_test_context, event, given, settings
from hypothesis import strategies as st

from credentials.models import (
    AccessMethod,
    Course,
    CourseLevel,
    Credential,
    CredentialStatus,
    Enrolment,
    EnrolmentStatus,
    IssuerKey,
    Provider,
    SeatAllocation,
    StatusList,
)
from credentials.services.issuance import credential_issue
from learners.models import LearnerProfile
from partners.models import Application, ApplicationStatus, DisplacementStatus, Partner
from portal.models import Role, User
from reporting import refresh
from reporting.models import (
    ApplicationDaily,
    CredentialDaily,
    DecisionTime,
    EnrolmentDaily,
    LearnerDaily,
    SeatUsage,
    SummaryCount,
)
from reporting.refresh import (
    live_application_counts,
    live_credential_counts,
    live_enrolment_counts,
    live_learner_counts,
    rollups_refresh,
)
from reporting.suppression import protect_counts

RESIDENCES = ["JO", "LB", "TR"]
ORIGINS = ["SY", "AF", ""]
PARTNERS = 3
COURSES = 4  # over two providers

# --- random programmes ----------------------------------------------------------------------------

applications = st.fixed_dictionaries(
    {
        "partner": st.integers(0, PARTNERS - 1),
        "status": st.sampled_from(ApplicationStatus.values),
        # Recent, or older than the decision-time window (365 days), never near its edge.
        "age_days": st.one_of(st.integers(0, 60), st.integers(0, 60), st.integers(400, 450)),
        "decided_after_hours": st.integers(1, 400),
        "country": st.sampled_from(RESIDENCES),
    }
)
enrolments = st.fixed_dictionaries(
    {
        "course": st.integers(0, COURSES - 1),
        "partner": st.integers(0, PARTNERS - 1),
        "status": st.sampled_from(EnrolmentStatus.values),
        "age_days": st.integers(0, 60),
        "was_active": st.booleans(),  # a revoked enrolment may or may not have had access
        "credential": st.sampled_from(
            [None, None, CredentialStatus.ISSUED, CredentialStatus.REVOKED]
        ),
    }
)
learners = st.fixed_dictionaries(
    {
        "residence": st.sampled_from(RESIDENCES),
        "origin": st.sampled_from(ORIGINS),
        "age_days": st.integers(0, 90),
        "has_profile": st.sampled_from([True, True, True, True, False]),
        "applications": st.lists(applications, max_size=3),
        "enrolments": st.lists(enrolments, max_size=3),
    }
)
seats = st.lists(
    st.tuples(
        st.integers(0, PARTNERS - 1), st.integers(0, 1), st.integers(0, 20), st.integers(0, 20)
    ),
    max_size=4,
)
index = st.integers(0, 1000)  # which object an update touches (modulo how many there are)
updates = st.lists(
    st.one_of(
        st.tuples(st.just("application_status"), index, st.sampled_from(ApplicationStatus.values)),
        st.tuples(st.just("application_partner"), index, st.integers(0, PARTNERS - 1)),
        st.tuples(st.just("enrolment_status"), index, st.sampled_from(EnrolmentStatus.values)),
        st.tuples(st.just("enrolment_partner"), index, st.integers(0, PARTNERS - 1)),
        st.tuples(st.just("profile_country"), index, st.sampled_from(RESIDENCES)),
        st.tuples(st.just("credential_revoke"), index),
        st.tuples(st.just("delete_learner"), index),
        st.tuples(st.just("delete_profile"), index),
        st.tuples(st.just("delete_application"), index),
        st.tuples(st.just("delete_enrolment"), index),
        st.tuples(st.just("add_learner"), learners),
    ),
    max_size=10,
)


class World:
    """The fixed part of a random programme: partners, providers, courses, a signing key."""

    def __init__(self, now):
        tag = uuid.uuid4().hex[:8]
        self.now = now
        self.partners = [
            Partner.objects.create(name=f"Partner {k}", slug=f"partner-{tag}-{k}")
            for k in range(PARTNERS)
        ]
        providers = [
            Provider.objects.create(
                name=f"Provider {k}", slug=f"provider-{tag}-{k}", access_method=AccessMethod.API
            )
            for k in range(2)
        ]
        self.providers = providers
        self.courses = [
            Course.objects.create(
                provider=providers[k % 2],
                external_id=f"course-{k}",
                title=f"Course {k}",
                language="en",
                subject="Computing",
                level=CourseLevel.BEGINNER,
                link="https://provider.example/course",
            )
            for k in range(COURSES)
        ]
        # Retired: a world never signs, and only one key may be current.
        self.issuer_key = IssuerKey.objects.create(
            key_id=f"key-{tag}",
            did=f"did:key:z{tag}",
            public_key_multibase=f"z{tag}",
            retired_at=timezone.now(),
        )
        self.status_list = StatusList.objects.create(number=1, length=131072)
        self.status_bits = itertools.count()


def learner_add(world: World, spec: dict) -> None:
    now = world.now
    user = User.objects.create(email=f"{uuid.uuid4().hex}@example.org", role=Role.LEARNER)
    if spec["has_profile"]:
        LearnerProfile.objects.create(
            user=user,
            display_name="A learner",
            country_of_residence=spec["residence"],
            country_of_origin=spec["origin"],
            consent_version="1",
            consent_at=now,
            created_at=now - timedelta(days=spec["age_days"], minutes=7),
        )
    for app in spec["applications"]:
        submitted = now - timedelta(days=app["age_days"], hours=3)
        decided = app["status"] not in (ApplicationStatus.SUBMITTED, ApplicationStatus.WITHDRAWN)
        try:
            with transaction.atomic():  # one live application per learner: others are skipped
                Application.objects.create(
                    learner=user,
                    partner=world.partners[app["partner"]],
                    status=app["status"],
                    displacement_status=DisplacementStatus.REFUGEE,
                    country_of_residence=app["country"],
                    submitted_at=submitted,
                    decided_at=submitted + timedelta(hours=app["decided_after_hours"])
                    if decided
                    else None,
                    verified_until=(now + timedelta(days=300)).date(),
                )
        except IntegrityError:
            pass
    for enrolment in spec["enrolments"]:
        requested = now - timedelta(days=enrolment["age_days"], hours=5)
        status = enrolment["status"]
        try:
            with transaction.atomic():  # one live enrolment per course
                row = Enrolment.objects.create(
                    learner=user,
                    course=world.courses[enrolment["course"]],
                    partner=world.partners[enrolment["partner"]],
                    status=status,
                    requested_at=requested,
                    **_access_dates(status, enrolment["was_active"], requested),
                )
        except IntegrityError:
            continue
        if status == EnrolmentStatus.COMPLETED and enrolment["credential"]:
            credential_add(world, row, enrolment["credential"])


def _access_dates(status: str, was_active: bool, requested) -> dict:
    """activated_at / completed_at as the enrolment services set them."""
    active = status in (EnrolmentStatus.ACTIVE, EnrolmentStatus.COMPLETED) or (
        status == EnrolmentStatus.REVOKED and was_active
    )
    return {
        "activated_at": requested + timedelta(hours=1) if active else None,
        "completed_at": requested + timedelta(days=1)
        if status == EnrolmentStatus.COMPLETED
        else None,
    }


def credential_add(world: World, enrolment: Enrolment, status: str) -> None:
    """A credential row with a placeholder document (signing is tested in credentials/)."""
    issued = enrolment.completed_at + timedelta(hours=2)
    Credential.objects.create(
        code=uuid.uuid4().hex,
        enrolment=enrolment,
        learner=enrolment.learner,
        course=enrolment.course,
        subject_name="A learner",
        document="{}",
        issuer_key=world.issuer_key,
        status_list=world.status_list,
        status_index=next(world.status_bits),
        status=status,
        issued_at=issued,
        revoked_at=issued + timedelta(days=1) if status == CredentialStatus.REVOKED else None,
    )


def programme_reset() -> None:
    """Remove what an earlier example left (all inside the test's transaction)."""
    for model in (
        Credential,
        Enrolment,
        Application,
        LearnerProfile,
        SeatAllocation,
        Course,
        Provider,
        Partner,
        StatusList,
        IssuerKey,
    ):
        model.objects.all().delete()
    User.objects.filter(role=Role.LEARNER).delete()


def programme_create(learner_specs, seat_specs) -> World:
    programme_reset()
    world = World(timezone.now())
    for spec in learner_specs:
        learner_add(world, spec)
    for partner, provider, total, used in seat_specs:
        SeatAllocation.objects.get_or_create(
            partner=world.partners[partner],
            provider=world.providers[provider],
            defaults={"total": max(total, used), "used": used},
        )
    return world


def _pick(queryset, k: int):
    rows = list(queryset.order_by("pk"))
    return rows[k % len(rows)] if rows else None


def update_apply(world: World, update: tuple) -> None:
    """One random change to the live data; changes that break a constraint are skipped."""
    kind, *args = update
    if kind == "add_learner":
        learner_add(world, args[0])
        return
    try:
        with transaction.atomic():
            _update(world, kind, *args)
    except IntegrityError:
        pass


def _update(world: World, kind: str, k: int, *args) -> None:
    if kind.startswith("application"):
        application = _pick(Application.objects.all(), k)
        if application is None:
            return
        if kind == "application_status":
            application.status = args[0]
            if args[0] != ApplicationStatus.SUBMITTED and application.decided_at is None:
                application.decided_at = application.submitted_at + timedelta(hours=k % 50 + 1)
        else:
            application.partner = world.partners[args[0]]
        application.save()
    elif kind.startswith("enrolment"):
        enrolment = _pick(Enrolment.objects.all(), k)
        if enrolment is None:
            return
        if kind == "enrolment_status":
            enrolment.status = args[0]
            for field, value in _access_dates(args[0], k % 2 == 0, enrolment.requested_at).items():
                setattr(enrolment, field, value)
        else:
            enrolment.partner = world.partners[args[0]]
        enrolment.save()
    elif kind == "profile_country":
        profile = _pick(LearnerProfile.objects.all(), k)
        if profile is not None:
            profile.country_of_residence = args[0]
            profile.save()
    elif kind == "credential_revoke":
        credential = _pick(Credential.objects.filter(status=CredentialStatus.ISSUED), k)
        if credential is not None:
            credential.status = CredentialStatus.REVOKED
            credential.revoked_at = world.now
            credential.save()
    else:
        model = {
            "delete_learner": User.objects.filter(role=Role.LEARNER),
            "delete_profile": LearnerProfile.objects.all(),
            "delete_application": Application.objects.all(),
            "delete_enrolment": Enrolment.objects.all(),
        }[kind]
        row = _pick(model, k)
        if row is not None:
            row.delete()


# --- the truth, counted in Python -----------------------------------------------------------------


def day_of(moment):
    return timezone.localtime(moment).date()


def furthest_stage(user_id, applications_of, enrolments_of, credentialed) -> int:
    if user_id in credentialed:
        return 6
    got_access = [e for e in enrolments_of[user_id] if e.activated_at is not None]
    if any(e.status == EnrolmentStatus.COMPLETED for e in got_access):
        return 5
    if got_access:
        return 4
    applied = applications_of[user_id]
    if any(a.status in (ApplicationStatus.APPROVED, ApplicationStatus.EXPIRED) for a in applied):
        return 3
    return 2 if applied else 1


def python_records() -> dict[str, list[dict]]:
    """One record per learner, application, enrolment and credential, with the roll-up keys."""
    profiles = {p.user_id: p for p in LearnerProfile.objects.all()}
    all_applications = list(Application.objects.all())
    all_enrolments = list(Enrolment.objects.select_related("course"))
    all_credentials = list(Credential.objects.select_related("course", "enrolment"))
    applications_of, enrolments_of = defaultdict(list), defaultdict(list)
    for a in all_applications:
        applications_of[a.learner_id].append(a)
    for e in all_enrolments:
        enrolments_of[e.learner_id].append(e)
    credentialed = {c.learner_id for c in all_credentials}

    def latest_partner(user_id):
        mine = sorted(applications_of[user_id], key=lambda a: (a.submitted_at, a.id))
        return mine[-1].partner_id if mine else None

    return {
        "learner": [
            {
                "day": day_of(p.created_at),
                "partner": latest_partner(user_id),
                "residence": str(p.country_of_residence),
                "origin": str(p.country_of_origin or ""),
                "stage": furthest_stage(user_id, applications_of, enrolments_of, credentialed),
            }
            for user_id, p in profiles.items()
        ],
        "application": [
            {
                "day": day_of(a.submitted_at),
                "partner": a.partner_id,
                "residence": str(a.country_of_residence),
                "origin": str(profiles[a.learner_id].country_of_origin)
                if a.learner_id in profiles
                else "",
                "status": a.status,
            }
            for a in all_applications
        ],
        "enrolment": [
            {
                "day": day_of(e.requested_at),
                "partner": e.partner_id,
                "provider": e.course.provider_id,
                "course": e.course_id,
                "status": e.status,
            }
            for e in all_enrolments
        ],
        "credential": [
            {
                "day": day_of(c.issued_at),
                "partner": c.enrolment.partner_id if c.enrolment else None,
                "provider": c.course.provider_id,
                "course": c.course_id,
                "status": c.status,
            }
            for c in all_credentials
        ],
    }


# The daily tables' key columns, in the same order as the records' keys.
DAILY_KEYS = {
    "learner": (
        LearnerDaily,
        ["day", "partner_id", "country_of_residence", "country_of_origin", "stage"],
        ["day", "partner", "residence", "origin", "stage"],
    ),
    "application": (
        ApplicationDaily,
        ["day", "partner_id", "country_of_residence", "country_of_origin", "status"],
        ["day", "partner", "residence", "origin", "status"],
    ),
    "enrolment": (
        EnrolmentDaily,
        ["day", "partner_id", "provider_id", "course_id", "status"],
        ["day", "partner", "provider", "course", "status"],
    ),
    "credential": (
        CredentialDaily,
        ["day", "partner_id", "provider_id", "course_id", "status"],
        ["day", "partner", "provider", "course", "status"],
    ),
}
LIVE = {
    "learner": live_learner_counts,
    "application": live_application_counts,
    "enrolment": live_enrolment_counts,
    "credential": live_credential_counts,
}

# What each metric counts (the issue's definitions, written independently of refresh.SOURCES).
METRICS = {
    "learners": ("learner", lambda r: True),
    "verified": ("learner", lambda r: r["stage"] >= 3),
    "applications": ("application", lambda r: True),
    "enrolments": ("enrolment", lambda r: r["status"] in ("active", "completed", "revoked")),
    "completions": ("enrolment", lambda r: r["status"] == "completed"),
    "credentials": ("credential", lambda r: True),
}
DIMENSIONS = {
    "learner": ["total", "month", "partner", "residence", "origin", "stage"],
    "application": ["total", "month", "partner", "residence", "origin"],
    "enrolment": ["total", "month", "partner", "provider", "course"],
    "credential": ["total", "month", "partner", "provider", "course"],
}


def dimension_key(dimension: str, record: dict) -> str:
    if dimension == "total":
        return ""
    if dimension == "month":
        return record["day"].strftime("%Y-%m")
    value = record[dimension]
    return "" if value is None else str(value)


def expected_summaries(records) -> Counter:
    expected = Counter()
    for metric, (source, counted) in METRICS.items():
        expected[None, metric, "total", ""] += 0  # the programme total is there even when 0
        for record in filter(counted, records[source]):
            for dimension in DIMENSIONS[source]:
                key = dimension_key(dimension, record)
                expected[None, metric, dimension, key] += 1
                if dimension != "partner" and record["partner"] is not None:
                    expected[record["partner"], metric, dimension, key] += 1
    return expected


def assert_rollups_equal_live(world: World) -> None:
    records = python_records()
    if currently_in_test_context():  # what the random data covered: --hypothesis-show-statistics
        for source, rows in records.items():
            event(f"{source} records: {'some' if rows else 'none'}")
        no_partner = {s: any(r["partner"] is None for r in records[s]) for s in records}
        event(f"funnel stages present: {len({r['stage'] for r in records['learner']})}")
        event(f"credential without partner: {no_partner['credential']}")
        event(f"learner without application: {no_partner['learner']}")

    # Daily level: the table == its live query == the Python count.
    for source, (model, columns, fields) in DAILY_KEYS.items():
        table = Counter()
        for *key, count in model.objects.values_list(*columns, "count"):
            assert count > 0
            table[tuple(key)] += count
        assert model.objects.count() == len(table), f"{source}: a key appears twice"
        live = Counter()
        for row in LIVE[source]():
            *key, count = row.values()
            live[tuple(key)] += count
        python = Counter(tuple(r[f] for f in fields) for r in records[source])
        assert table == live, source
        assert table == python, source

    # Summary level: every metric x dimension x scope, from the Python records.
    rows = list(SummaryCount.objects.values_list("scope_partner_id", "metric", "dimension", "key"))
    assert len(rows) == len(set(rows)), "a summary number appears twice"
    actual = {
        (s.scope_partner_id, s.metric, s.dimension, s.key): s.value
        for s in SummaryCount.objects.all()
    }
    assert actual == dict(expected_summaries(records))
    # What every output shows: the engine's protection of exactly these counts.
    published = {
        (s.scope_partner_id, s.metric, s.dimension, s.key): s.published
        for s in SummaryCount.objects.all()
    }
    assert published == protect_counts(actual)

    # Summary totals == sums of the daily tables, per scope.
    for (metric, daily, filters), scope in itertools.product(
        refresh.SOURCES, [None, *(p.pk for p in world.partners)]
    ):
        rows = daily.objects.filter(**filters)
        if scope is not None:
            rows = rows.filter(partner_id=scope)
        total = rows.aggregate(n=Sum("count"))["n"]
        assert actual.get((scope, metric, "total", ""), 0) == (total or 0), (metric, scope)

    # The funnel: learners whose furthest stage is at least k, per scope.
    for scope in [None, *(p.pk for p in world.partners)]:
        mine = [r for r in records["learner"] if scope is None or r["partner"] == scope]
        for k in range(1, 7):
            funnel = sum(actual.get((scope, "learners", "stage", str(s)), 0) for s in range(k, 7))
            assert funnel == sum(r["stage"] >= k for r in mine), (scope, k)
        assert actual.get((scope, "verified", "total", ""), 0) == sum(r["stage"] >= 3 for r in mine)

    # Median time to a decision per partner, over the last 365 days.
    since = timezone.now() - timedelta(days=365)
    hours = defaultdict(list)
    for a in Application.objects.filter(decided_at__isnull=False):
        if a.decided_at >= since:
            hours[a.partner_id].append((a.decided_at - a.submitted_at).total_seconds() / 3600)
    decision_times = {d.partner_id: d for d in DecisionTime.objects.all()}
    assert set(decision_times) == set(hours)
    for partner_id, values in hours.items():
        assert decision_times[partner_id].decisions == len(values)
        assert decision_times[partner_id].median_hours == pytest.approx(statistics.median(values))

    assert sorted(SeatUsage.objects.values_list("partner_id", "provider_id", "total", "used")) == (
        sorted(SeatAllocation.objects.values_list("partner_id", "provider_id", "total", "used"))
    )


@pytest.mark.django_db
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(st.lists(learners, max_size=12), seats, updates)
def test_rollups_equal_live_queries_after_inserts_updates_and_deletions(specs, seat_specs, changes):
    world = programme_create(specs, seat_specs)
    rollups_refresh()
    assert_rollups_equal_live(world)
    for change in changes:
        update_apply(world, change)
    rollups_refresh()
    assert_rollups_equal_live(world)


@pytest.mark.django_db
def test_an_empty_programme_has_zero_totals():
    programme_reset()
    rollups_refresh()
    assert LearnerDaily.objects.count() == 0
    totals = dict(SummaryCount.objects.filter(dimension="total").values_list("metric", "value"))
    assert totals == dict.fromkeys(METRICS, 0)


@pytest.mark.django_db
def test_real_credentials_are_counted_and_outlive_the_learner():
    """Credentials issued (and signed) by the real service; erasing a learner keeps the
    credential in the counts, with no partner."""
    world = programme_create([], [])
    spec = {
        "residence": "JO",
        "origin": "SY",
        "age_days": 3,
        "has_profile": True,
        "applications": [
            {
                "partner": 1,
                "status": ApplicationStatus.APPROVED,
                "age_days": 2,
                "decided_after_hours": 5,
                "country": "JO",
            }
        ],
        "enrolments": [
            {
                "course": k,
                "partner": 1,
                "status": EnrolmentStatus.COMPLETED,
                "age_days": 1,
                "was_active": True,
                "credential": None,
            }
            for k in range(2)
        ],
    }
    learner_add(world, spec)
    learner_add(world, spec | {"residence": "LB"})
    for enrolment in Enrolment.objects.all()[:3]:
        assert credential_issue(enrolment_id=enrolment.pk) is not None
    rollups_refresh()
    assert_rollups_equal_live(world)
    partner = world.partners[1].pk
    totals = SummaryCount.objects.filter(dimension="total")
    assert totals.get(scope_partner_id=None, metric="credentials").value == 3
    assert totals.get(scope_partner_id=partner, metric="credentials").value == 3

    Credential.objects.first().learner.delete()  # erasure: enrolments go, credentials stay
    rollups_refresh()
    assert_rollups_equal_live(world)
    assert totals.get(scope_partner_id=None, metric="credentials").value == 3
    assert totals.filter(scope_partner_id=partner, metric="credentials").get().value < 3
    assert (
        SummaryCount.objects.get(
            scope_partner_id=None, metric="credentials", dimension="partner", key=""
        ).value
        > 0
    )


# --- one transaction ---------------------------------------------------------------------------


def _in_thread(target, results: dict, name: str) -> threading.Thread:
    def run():
        try:
            results[name] = target()
        except Exception as error:  # reported by the test below
            results[name] = error
        finally:
            connections.close_all()

    thread = threading.Thread(target=run, name=name)
    thread.start()
    return thread


def _backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def _waits_for_a_lock(pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [pid])
        row = cursor.fetchone()
    return row is not None and row[0] == "Lock"


def _programme_total(metric: str = "learners") -> int | None:
    row = SummaryCount.objects.filter(
        scope_partner_id=None, metric=metric, dimension="total"
    ).first()
    return row.value if row else None


@pytest.mark.postgres_only  # concurrent transactions: row locks and readers during a write
@pytest.mark.django_db(transaction=True)
def test_refresh_is_one_transaction_and_a_second_refresh_waits(monkeypatch):
    assert connection.vendor == "postgresql"
    learner = {
        "residence": "JO",
        "origin": "SY",
        "age_days": 3,
        "has_profile": True,
        "applications": [],
        "enrolments": [],
    }
    world = programme_create([learner] * 3, [(0, 0, 10, 4)])
    rollups_refresh()
    assert _programme_total() == 3
    summary_rows = SummaryCount.objects.count()
    for _ in range(2):
        learner_add(world, learner)

    # The first refresh stops, its work done but not committed, until the test lets it go.
    inside, release = threading.Event(), threading.Event()
    original = refresh._refresh_summaries
    paused = []

    def refresh_summaries_then_wait():
        original()
        if not paused:
            paused.append(True)
            inside.set()
            release.wait(timeout=60)

    monkeypatch.setattr(refresh, "_refresh_summaries", refresh_summaries_then_wait)
    results, finished = {}, []

    def first():
        state = rollups_refresh()
        finished.append("first")
        return state

    second_pid = []

    def second():
        second_pid.append(_backend_pid())
        state = rollups_refresh()
        finished.append("second")
        return state

    thread_one = _in_thread(first, results, "first")
    try:
        assert inside.wait(timeout=60)
        # Readers see the old numbers, not the half-built (here: rebuilt, uncommitted) tables.
        assert _programme_total() == 3
        assert SummaryCount.objects.count() == summary_rows
        assert LearnerDaily.objects.exists()

        thread_two = _in_thread(second, results, "second")
        for _ in range(600):  # the second refresh waits on the first one's lock
            if second_pid and _waits_for_a_lock(second_pid[0]):
                break
            threading.Event().wait(0.05)
        assert second_pid and _waits_for_a_lock(second_pid[0])
        assert finished == []
    finally:
        release.set()
        thread_one.join(timeout=60)
    thread_two.join(timeout=60)
    assert not isinstance(results.get("first"), Exception), results
    assert not isinstance(results.get("second"), Exception), results
    assert finished == ["first", "second"]
    assert _programme_total() == 5
    assert results["second"].refreshed_at >= results["first"].refreshed_at


@pytest.mark.postgres_only  # concurrent transactions: row locks and readers during a write
@pytest.mark.django_db(transaction=True)
def test_readers_never_see_empty_roll_ups_during_refreshes():
    learner = {
        "residence": "LB",
        "origin": "AF",
        "age_days": 10,
        "has_profile": True,
        "applications": [
            {
                "partner": 0,
                "status": ApplicationStatus.SUBMITTED,
                "age_days": 1,
                "decided_after_hours": 1,
                "country": "LB",
            }
        ],
        "enrolments": [],
    }
    programme_create([learner] * 4, [])
    rollups_refresh()
    stop = threading.Event()
    results = {}

    def refresh_repeatedly():
        for _ in range(5):
            rollups_refresh()
        stop.set()
        return True

    thread = _in_thread(refresh_repeatedly, results, "refresher")
    seen = []
    while not seen or (thread.is_alive() and not stop.is_set()):
        seen.append(
            (SummaryCount.objects.count(), _programme_total(), LearnerDaily.objects.count())
        )
    thread.join(timeout=120)
    assert results["refresher"] is True
    assert seen, "the reader read nothing"
    assert all(count > 0 and total == 4 and daily > 0 for count, total, daily in seen), seen
