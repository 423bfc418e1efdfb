"""`seed_demo --learners N`: bulk random data that keeps every rule the portal's own code keeps,
is the same for the same seed, and can be added to again."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Exists, F, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from credentials.models import (
    LIVE_ENROLMENT_STATUSES,
    Credential,
    Enrolment,
    EnrolmentStatus,
    SeatAllocation,
    StatusList,
)
from credentials.services import issuance
from demo.bulk_seed import UNSIGNED_DOCUMENT, Options, bulk_seed, data
from demo.bulk_seed.write import BulkLoad, first_free_id
from learners.models import LearnerProfile
from partners.models import LIVE_STATUSES, Application, ApplicationStatus
from portal.models import User
from reporting.models import Dimension, Metric, SummaryCount
from tests.services import require_postgres

pytestmark = pytest.mark.django_db

N = 2000
BULK = Q(email__endswith="@bulk.invalid")


def bulk_learners():
    return User.objects.filter(BULK)


def test_seed_demo_learners_adds_consistent_bulk_data_and_refreshes_the_rollups(client):
    out = StringIO()
    call_command("seed_demo", learners=N, seed=7, signed_credentials=3, stdout=out)
    printed = out.getvalue()
    learners = bulk_learners()

    # How much: every learner has a profile; most apply; about three enrolments per learner.
    assert learners.count() == N
    assert learners.filter(role="learner", is_staff=False).count() == N
    assert not any(u.has_usable_password() for u in learners[:50])
    assert LearnerProfile.objects.filter(user__in=learners).count() == N
    applications = Application.objects.filter(learner__in=learners)
    assert 0.8 * N <= applications.values("learner").distinct().count() <= 0.95 * N
    enrolments = Enrolment.objects.filter(learner__in=learners)
    assert 0.8 * 3 * N <= enrolments.count() <= 1.2 * 3 * N
    statuses = dict(applications.values_list("status").annotate(n=Count("id")))
    assert set(statuses) <= set(ApplicationStatus.values)
    verified = statuses.get("approved", 0) + statuses.get("expired", 0)
    assert 0.7 <= verified / applications.count() <= 0.9
    assert statuses.get("rejected") and statuses.get("withdrawn")
    assert statuses.get("info_requested")
    assert set(enrolments.values_list("status", flat=True)) <= {
        "active",
        "completed",
        "revoked",
        "failed",
    }

    # The rules the database guards (it refused nothing) and those the services keep.
    assert not (
        Application.objects.filter(status__in=LIVE_STATUSES)
        .values("learner")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .exists()
    )
    assert not (
        Enrolment.objects.filter(status__in=LIVE_ENROLMENT_STATUSES)
        .values("learner", "course")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .exists()
    )
    today = timezone.localdate()
    assert not applications.filter(status="approved", verified_until__lt=today).exists()
    assert not applications.filter(status="expired", verified_until__gte=today).exists()
    assert not applications.filter(decided_at__lt=F("submitted_at")).exists()
    assert not applications.exclude(case_number_encrypted="").exists()
    assert not enrolments.filter(activated_at__lt=F("requested_at")).exists()
    assert not enrolments.filter(completed_at__lt=F("activated_at")).exists()
    assert not enrolments.filter(requested_at__gt=timezone.now()).exists()
    # Only learners verified by the enrolment's partner enrol.
    verified_by_partner = Application.objects.filter(
        learner=OuterRef("learner"), partner=OuterRef("partner"), status__in=["approved", "expired"]
    )
    assert not enrolments.exclude(Exists(verified_by_partner)).exists()
    # Seats: each bulk allocation's `used` is the enrolments holding one of its seats.
    held = {
        (row["partner_id"], row["course__provider_id"]): row["n"]
        for row in enrolments.filter(holds_seat=True)
        .values("partner_id", "course__provider_id")
        .annotate(n=Count("id"))
    }
    allocations = SeatAllocation.objects.filter(partner__slug__startswith="bulk-partner-")
    assert {(a.partner_id, a.provider_id): a.used for a in allocations} == held
    assert all(a.used <= a.total for a in allocations)
    assert not enrolments.filter(holds_seat=True).exclude(status__in=["active", "completed"])

    # Credentials: one per completed enrolment at most; the first three signed and public, the
    # others for statistics only, hidden from the public page.
    credentials = Credential.objects.filter(learner__in=learners)
    completed = enrolments.filter(status=EnrolmentStatus.COMPLETED).count()
    assert 0.6 * completed <= credentials.count() <= completed
    assert not credentials.exclude(enrolment__status=EnrolmentStatus.COMPLETED).exists()
    signed = credentials.filter(is_public=True)
    assert signed.count() == 3
    assert all(issuance.credential_check(c).state == "valid" for c in signed)
    assert not credentials.filter(is_public=False).exclude(document=UNSIGNED_DOCUMENT).exists()
    for status_list in StatusList.objects.all():
        on_list = Credential.objects.filter(status_list=status_list)
        assert status_list.used == on_list.count()
    assert client.get(reverse("verify:credential", args=[signed[0].code])).status_code == 200
    hidden = credentials.filter(is_public=False).first()
    assert client.get(reverse("verify:credential", args=[hidden.code])).status_code == 404

    # Roll-ups rebuilt: the programme's learner total counts every profile.
    total = SummaryCount.objects.get(
        scope_partner_id=None, metric=Metric.LEARNERS, dimension=Dimension.TOTAL
    )
    assert total.value == LearnerProfile.objects.count()
    assert f"learners: {N:,}" in printed
    assert "3 credentials are fully signed" in printed
    assert "for statistics only, hidden from public verification" in printed


APPLICATION_FIELDS = (
    "partner__slug", "status", "displacement_status", "submitted_at", "decided_at",
    "verified_until",
)  # fmt: skip
ENROLMENT_FIELDS = (
    "course__external_id", "status", "requested_at", "completed_at", "credential__issued_at",
    "credential__status",
)  # fmt: skip


def fingerprint(learners) -> list[tuple]:
    """Everything about each learner except ids, e-mail addresses and credential codes."""
    rows = []
    for user in learners.select_related("learner_profile").order_by("pk"):
        profile = user.learner_profile
        rows.append(
            (
                user.language,
                user.date_joined,
                profile.display_name,
                str(profile.country_of_residence),
                str(profile.country_of_origin),
                tuple(user.applications.order_by("pk").values_list(*APPLICATION_FIELDS)),
                tuple(user.enrolments.order_by("pk").values_list(*ENROLMENT_FIELDS)),
            )
        )
    return rows


def test_the_same_seed_gives_the_same_data_and_a_second_run_adds_more():
    first = bulk_seed(Options(learners=300, seed=11, signed_credentials=0))
    before = set(bulk_learners().values_list("pk", flat=True))
    second = bulk_seed(Options(learners=300, seed=11, signed_credentials=0))
    assert first.counts == second.counts
    assert bulk_learners().count() == 600
    emails = set(bulk_learners().values_list("email", flat=True))
    assert {f"learner{n}@bulk.invalid" for n in range(1, 601)} == emails
    assert fingerprint(bulk_learners().filter(pk__in=before)) == fingerprint(
        bulk_learners().exclude(pk__in=before)
    )
    third = bulk_seed(Options(learners=300, seed=12, signed_credentials=0))
    assert third.counts["learners"] == 300
    newest = bulk_learners().order_by("-pk")[:300]
    assert fingerprint(User.objects.filter(pk__in=newest)) != fingerprint(
        bulk_learners().filter(pk__in=before)
    )
    # Ids continue after the bulk rows: the portal's own inserts still work.
    assert User.objects.create_user(email="after@example.org").pk > max(before)


def indexes() -> set[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'")
        return set(cursor.fetchall())


@pytest.mark.postgres_only
def test_the_large_load_path_rebuilds_every_index_and_keeps_the_constraints():
    require_postgres()
    before = indexes()
    report = bulk_seed(Options(learners=400, seed=3, signed_credentials=1, rebuild_indexes=True))
    assert any(name.startswith("rebuilding") for name, _seconds in report.phases)
    assert indexes() == before
    assert bulk_learners().count() == 400
    # The rebuilt partial unique index still refuses a second live enrolment.
    enrolment = Enrolment.objects.filter(status="active").first()
    with pytest.raises(IntegrityError), transaction.atomic():
        Enrolment.objects.create(
            learner_id=enrolment.learner_id,
            course_id=enrolment.course_id,
            partner_id=enrolment.partner_id,
            status="active",
        )


@pytest.mark.postgres_only
def test_a_bulk_row_with_a_missing_reference_fails_the_load():
    require_postgres()
    bulk_seed(Options(learners=20, seed=5, signed_credentials=0))
    first_ids = {model: first_free_id(model) for model in (User, Enrolment)}
    enrolment = Enrolment.objects.first()
    load = BulkLoad([User, Enrolment], rebuild_indexes=False)
    with pytest.raises(IntegrityError), transaction.atomic():
        load.start(first_ids)
        Enrolment.objects.create(
            learner_id=10**9,  # no such user
            course_id=enrolment.course_id,
            partner_id=enrolment.partner_id,
            status="failed",
        )
        load.foreign_keys_check()


def test_bulk_data_text_needs_no_escaping_in_copy():
    def strings(value):
        if isinstance(value, str):
            yield value
        elif isinstance(value, dict):
            for key, item in value.items():
                yield from strings(key)
                yield from strings(item)
        elif isinstance(value, list | tuple):
            for item in value:
                yield from strings(item)

    texts = [text for name in dir(data) if name.isupper() for text in strings(getattr(data, name))]
    assert len(texts) > 500
    assert not [t for t in texts if {"\t", "\n", "\r", "\\"} & set(t)]
