"""Realistic random data in bulk, for demos and benchmarks: `manage.py seed_demo --learners N`.

One transaction (all or nothing) on the real schema, every constraint checked by the database:
the bulk catalogue (partners, providers, courses), then learners with their profiles,
applications, enrolments and credentials, then seat allocations that match the seats taken.
The roll-ups are rebuilt afterwards.

Credentials, honestly: signing one takes ~35 ms, so a million would take ten hours. The first
`signed_credentials` (default 500) are issued through the normal issuing service — signed, public,
verifiable like any other. The rest are real rows (random code, a bit on a status list, course,
learner, enrolment, dates) for the statistics only: their `document` is "{}" and they are hidden
from the public page (`is_public=False`), which answers "not found" for them, exactly as for a
credential its learner chose to hide. No unverifiable credential is ever shown as valid.

Not generated: case numbers (encrypting one per row would take hours; left empty), e-mail
address records (bulk learners cannot sign in: their passwords are unusable), audit events
(only the signed credentials get theirs, from the service).
"""

import random
import secrets
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import Count, F

from credentials.models import Credential, Enrolment, SeatAllocation
from credentials.services import issuance
from learners.models import LearnerProfile
from partners.models import Application
from portal.models import User
from portal.signals import bulk_load_finished

from . import catalogue as catalogues
from .data import CREDENTIAL_REVOCATION_REASON
from .generate import (
    APPLICATION_COLUMNS,
    CREDENTIAL_COLUMNS,
    ENROLMENT_COLUMNS,
    PROFILE_COLUMNS,
    USER_COLUMNS,
    Generator,
    NextIds,
)
from .write import (
    BulkLoad,
    StatusBits,
    check_columns,
    first_free_id,
    is_postgresql,
    lock_tables,
    sequences_reset,
    writer,
)

EMAIL_DOMAIN = "bulk.invalid"
TABLES = [
    (User, USER_COLUMNS),
    (LearnerProfile, PROFILE_COLUMNS),
    (Application, APPLICATION_COLUMNS),
    (Enrolment, ENROLMENT_COLUMNS),
    (Credential, CREDENTIAL_COLUMNS),
]
MODELS = [model for model, _columns in TABLES]
UNSIGNED_DOCUMENT = "{}"


@dataclass(frozen=True)
class Options:
    learners: int
    enrolments_per_learner: float = 3.0
    partners: int | None = None  # default: catalogue.default_partners(learners)
    seed: int | None = None  # default: a random one (printed, to repeat the run)
    signed_credentials: int = 500
    credential_share: float = 0.8  # of completed enrolments
    batch_size: int = 20_000
    rebuild_indexes: bool | None = None  # default: for large loads only (see BulkLoad)


@dataclass
class Report:
    seed: int
    phases: list[tuple[str, float]] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def seconds(self) -> float:
        return sum(seconds for _name, seconds in self.phases)


def _next_number() -> int:
    """Bulk learners are numbered on from the last run's (their e-mail addresses stay unique)."""
    last = (
        User.objects.filter(email__endswith=f"@{EMAIL_DOMAIN}", email__startswith="learner")
        .order_by("-pk")
        .values_list("email", flat=True)
        .first()
    )
    return int(last.split("@")[0].removeprefix("learner")) + 1 if last else 1


def _rebuild_indexes(options: Options) -> bool:
    """Rebuilding indexes pays when the load is large next to what the tables already hold."""
    if options.rebuild_indexes is not None:
        return options.rebuild_indexes
    return options.learners >= 50_000 and options.learners * 2 >= User.objects.count()


def bulk_seed(options: Options, *, say: Callable[[str], None] = lambda _line: None) -> Report:
    for model, columns in TABLES:
        check_columns(model, columns)
    seed = options.seed if options.seed is not None else secrets.randbelow(2**31)
    report = Report(seed=seed)

    @contextmanager
    def phase(name: str):
        started = time.monotonic()
        yield
        report.phases.append((name, time.monotonic() - started))
        say(f"{name}: {report.phases[-1][1]:.1f} s")

    with transaction.atomic():
        with phase("catalogue"):
            anchor = catalogues.anchor_now()
            partners = options.partners or catalogues.default_partners(options.learners)
            courses = catalogues.default_courses(options.learners)
            catalogue = catalogues.catalogue_ensure(
                partners=partners, courses=courses, anchor=anchor
            )
            rebuild = _rebuild_indexes(options)
            lock_tables(MODELS)
            first_ids = {model: first_free_id(model) for model in MODELS}
        load = BulkLoad(MODELS, rebuild_indexes=rebuild) if is_postgresql() else None
        if load is not None:
            load.start(first_ids)
        with phase("learners, applications, enrolments, credentials"):
            bits, signed = _rows(
                options, seed, catalogue, anchor.timestamp(), first_ids, report, say
            )
        if load is not None:
            if load.indexes:
                with phase(f"rebuilding {len(load.indexes)} indexes"):
                    load.indexes_build()
            with phase("foreign keys"):
                load.foreign_keys_check()
        sequences_reset(MODELS)
        # Publish the bulk revocations in the status lists (re-signed, as a revocation does).
        for status_list_id in sorted(bits.revoked_on):
            issuance.status_list_refresh(status_list_id)
        with phase(f"signing {len(signed)} credentials"):
            for enrolment_id in signed:
                issuance.credential_issue(enrolment_id=enrolment_id)
        with phase("seat allocations"):
            report.counts["seat allocations"] = _seats_match_usage(catalogue, seed)
    if is_postgresql():
        with phase("analyze"), connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    with phase("roll-ups"):
        # reporting rebuilds its roll-ups (demo and reporting do not import each other).
        bulk_load_finished.send(sender=bulk_seed)
    report.counts["credentials signed"] = len(signed)
    return report


def _rows(options, seed, catalogue, anchor, first_ids, report, say) -> tuple[StatusBits, list[int]]:
    """Insert the learners' rows; return the status bits used and the enrolments whose
    credentials are to be signed."""
    ids = NextIds(
        user=first_ids[User],
        profile=first_ids[LearnerProfile],
        application=first_ids[Application],
        enrolment=first_ids[Enrolment],
    )
    next_credential = first_ids[Credential]
    number = _next_number()
    generator = Generator(
        seed=seed,
        catalogue=catalogue,
        anchor=anchor,
        learners=options.learners,
        enrolments_per_learner=options.enrolments_per_learner,
        credential_share=options.credential_share,
    )
    bits = StatusBits(seed=seed + 1)
    out = writer()
    bits.before_query = out.drain
    signed: list[int] = []
    unsigned = 0
    try:
        for first in range(0, options.learners, options.batch_size):
            count = min(options.batch_size, options.learners - first)
            batch = generator.batch(first=first, count=count, number=number + first, ids=ids)
            out.write(User, USER_COLUMNS, batch.users)
            out.write(LearnerProfile, PROFILE_COLUMNS, batch.profiles)
            out.write(Application, APPLICATION_COLUMNS, batch.applications)
            out.write(Enrolment, ENROLMENT_COLUMNS, batch.enrolments)
            room = options.signed_credentials - len(signed)
            signed += [plan.enrolment_id for plan in batch.credentials[:room]]
            rows = []
            for plan in batch.credentials[room:]:
                status_list, index = bits.take(revoked=plan.revoked_at is not None)
                rows.append(
                    (
                        next_credential,
                        secrets.token_urlsafe(20),
                        plan.enrolment_id,
                        plan.learner_id,
                        plan.course_id,
                        plan.subject_name,
                        UNSIGNED_DOCUMENT,
                        bits.key_record.pk,
                        status_list,
                        index,
                        "revoked" if plan.revoked_at else "issued",
                        plan.issued_at,
                        False,  # hidden from the public page: the document is not signed
                        plan.revoked_at,
                        CREDENTIAL_REVOCATION_REASON if plan.revoked_at else "",
                        None,
                    )
                )
                next_credential += 1
            out.write(Credential, CREDENTIAL_COLUMNS, rows)
            unsigned += len(rows)
            if options.learners > options.batch_size:
                say(f"  {first + count:,} / {options.learners:,} learners generated")
        out.drain()
        bits.close()
    finally:
        out.close()
    report.counts.update(
        {
            "learners": ids.user - first_ids[User],
            "applications": ids.application - first_ids[Application],
            "enrolments": ids.enrolment - first_ids[Enrolment],
            "credentials for statistics only": unsigned,
        }
    )
    return bits, signed


def _seats_match_usage(catalogue, seed: int) -> int:
    """Each bulk partner's allocation at each provider: `used` = the enrolments holding one of
    its seats (counted from the database), `total` = that plus some room left."""
    rng = random.Random(seed + 2)  # noqa: S311 — demo data
    partner_ids = [p.id for p in catalogue.partners]
    usage = (
        Enrolment.objects.filter(partner_id__in=partner_ids, holds_seat=True)
        .values("partner_id", provider_id=F("course__provider_id"))
        .annotate(used=Count("id"))
        .order_by("partner_id", "provider_id")
    )
    totals = {
        (a.partner_id, a.provider_id): a.total
        for a in SeatAllocation.objects.filter(partner_id__in=partner_ids)
    }
    allocations = []
    for row in usage:
        pair = (row["partner_id"], row["provider_id"])
        room = round(row["used"] * rng.uniform(0.05, 0.5)) + rng.randint(0, 20)
        allocations.append(
            SeatAllocation(
                partner_id=pair[0],
                provider_id=pair[1],
                used=row["used"],
                total=max(totals.get(pair, 0), row["used"] + room),
            )
        )
    SeatAllocation.objects.bulk_create(
        allocations,
        update_conflicts=True,
        unique_fields=["partner", "provider"],
        update_fields=["used", "total", "updated_at"],
    )
    return len(allocations)
