"""The `--learners` options of `manage.py seed_demo`, and what the command prints about the run."""

from . import Options, bulk_seed
from .catalogue import default_partners

LEARNERS_HELP = (
    "Also add N random learners in bulk (with profiles, applications, enrolments and "
    "credentials), for demos and benchmarks: 1,000,000 take minutes on PostgreSQL. Bulk learners "
    "are learner<n>@bulk.invalid and cannot sign in. Only the first --signed-credentials "
    "credentials are signed and shown on the public page; the others (signing takes ~35 ms "
    "each) are real rows for the statistics, hidden from public verification."
)


def add_arguments(parser) -> None:
    group = parser.add_argument_group("bulk data")
    group.add_argument("--learners", type=int, metavar="N", help=LEARNERS_HELP)
    group.add_argument(
        "--enrolments-per-learner",
        type=float,
        default=3.0,
        help="Average enrolments per learner, over all learners (default 3; only verified "
        "learners enrol, so each of them has more).",
    )
    group.add_argument(
        "--partners",
        type=int,
        help="Bulk partners to spread learners over (default: N/10,000, at least 5, at most "
        "1,000; existing bulk partners are reused).",
    )
    group.add_argument("--seed", type=int, help="Seed: the same seed gives the same data.")
    group.add_argument(
        "--signed-credentials",
        type=int,
        default=500,
        help="How many bulk credentials are issued and signed like real ones (default 500).",
    )


def run(command, options: dict) -> None:
    learners = options["learners"]
    if learners < 1:
        from django.core.management import CommandError

        raise CommandError("--learners must be at least 1.")
    write = command.stdout.write
    partners = options["partners"] or default_partners(learners)
    write(f"Adding {learners:,} bulk learners over {partners:,} partners…")
    report = bulk_seed(
        Options(
            learners=learners,
            enrolments_per_learner=options["enrolments_per_learner"],
            partners=partners,
            seed=options["seed"],
            signed_credentials=options["signed_credentials"],
        ),
        say=write,
    )
    counts = report.counts
    write(
        command.style.SUCCESS(f"Bulk data added in {report.seconds:.1f} s (seed {report.seed}).")
        + "\n"
        + "\n".join(f"  {name}: {value:,}" for name, value in counts.items())
        + f"\n{counts['credentials signed']:,} credentials are fully signed and publicly "
        f"verifiable; {counts['credentials for statistics only']:,} are for statistics only, "
        "hidden from public verification (not signed).\n"
    )
