"""Every (learner, provider) pair of the existing enrolments gets its learner reference
(docs/decisions/0022-learner-references.md).

Built for 10 million enrolments: the learners are walked in ranges of ids, each range in a
transaction of its own (the migration is not atomic as a whole), so no transaction holds more
than a few thousand rows and a crash loses at most one range. Re-running is safe: INSERT ... ON
CONFLICT DO NOTHING, and pairs that already have a reference are left alone. The generator is
copied here (migrations are frozen): 12 Crockford base32 characters from `secrets`.
"""

import secrets

from django.db import migrations, transaction

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 12
LEARNERS_PER_BATCH = 5000
ROUNDS = 5  # a new reference that collides with one in use is drawn again


def _new_reference() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def _missing_pairs(Enrolment, LearnerReference, low: int, high: int) -> set[tuple[int, int]]:
    pairs = set(
        Enrolment.objects.filter(learner_id__gte=low, learner_id__lt=high)
        .values_list("learner_id", "course__provider_id")
        .distinct()
    )
    if not pairs:
        return pairs
    have = set(
        LearnerReference.objects.filter(
            learner_id__gte=low, learner_id__lt=high
        ).values_list("learner_id", "provider_id")
    )
    return pairs - have


def references_for_enrolments(apps, schema_editor, batch: int = LEARNERS_PER_BATCH) -> int:
    """Give every (learner, provider) pair of an enrolment a reference; returns how many were
    made. Callable directly (tests pass the live app registry)."""
    Enrolment = apps.get_model("credentials", "Enrolment")
    LearnerReference = apps.get_model("credentials", "LearnerReference")
    first = Enrolment.objects.order_by("learner_id").values_list("learner_id", flat=True).first()
    if first is None:
        return 0
    last = Enrolment.objects.order_by("-learner_id").values_list("learner_id", flat=True).first()
    made = 0
    low = first
    while low <= last:
        high = low + batch
        with transaction.atomic():
            missing = _missing_pairs(Enrolment, LearnerReference, low, high)
            wanted = len(missing)
            for _round in range(ROUNDS):
                if not missing:
                    break
                LearnerReference.objects.bulk_create(
                    [
                        LearnerReference(
                            learner_id=learner_id,
                            provider_id=provider_id,
                            reference=_new_reference(),
                        )
                        for learner_id, provider_id in sorted(missing)
                    ],
                    batch_size=1000,
                    ignore_conflicts=True,
                )
                missing = _missing_pairs(Enrolment, LearnerReference, low, high)
            made += wanted - len(missing)
        low = high
    return made


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("credentials", "0005_learner_references"),
    ]

    operations = [
        migrations.RunPython(references_for_enrolments, migrations.RunPython.noop),
    ]
