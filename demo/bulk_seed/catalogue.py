"""Bulk partners, providers and courses: created when missing, reused when a later run finds them.

Each one is drawn from a generator seeded with its own number, not the run's seed, so that every
run (whatever its seed) builds the same bulk partner 7 and course 12, and a second run adds
learners to the catalogue the first one made.
"""

import random
from datetime import UTC, datetime, timedelta

from django.utils.text import slugify

from credentials.models import AccessMethod, Course, Provider
from partners.models import Partner

from . import data
from .generate import Catalogue, CourseInfo, PartnerInfo, Weighted

PARTNER_SLUG = "bulk-partner-{:04d}"
COURSE_ID = "BULK-{:03d}"
MIN_COURSES, MAX_COURSES = 50, 200
# Share of the catalogue each provider offers (Language Bridge also gets most language courses).
PROVIDER_SHARES = dict(zip([p[1] for p in data.PROVIDERS], [30, 25, 15, 12, 6, 12], strict=True))


def default_partners(learners: int) -> int:
    return min(1000, max(5, learners // 10_000))


def default_courses(learners: int) -> int:
    return min(MAX_COURSES, MIN_COURSES + learners // 10_000)


def _own_rng(kind: str, number: int) -> random.Random:
    return random.Random(f"bulk-{kind}-{number}")  # noqa: S311 — demo data


def residence_shares() -> dict[str, float]:
    """Share of learners living in each country, over every origin."""
    shares: dict[str, float] = {}
    for weight, _groups, _language, residences in data.ORIGINS.values():
        total = sum(residences.values())
        for country, share in residences.items():
            shares[country] = shares.get(country, 0) + weight * share / total
    return shares


def _partner(number: int, founded: datetime) -> Partner:
    rng = _own_rng("partner", number)
    shares = residence_shares()
    validity = Weighted(data.VALIDITY_DAYS).pick(rng)
    if number == 1:
        countries = sorted(shares)
        name = data.GLOBAL_PARTNER_NAME
        description = "Works with refugee learners in every country the programme reaches."
    else:
        # Each country of residence gets a partner of its own first, the biggest first.
        ranked = sorted(shares, key=lambda c: (-shares[c], c))
        main = ranked[number - 2] if number - 2 < len(ranked) else Weighted(shares).pick(rng)
        region = next(r for r in data.REGIONS if main in r)
        neighbours = [c for c in region if c != main]
        countries = [main, *rng.sample(neighbours, k=min(len(neighbours), rng.randint(0, 2)))]
        city = rng.choice(data.CITIES[main])
        name = f"{rng.choice(data.PARTNER_KINDS)} {city}"
        description = f"Verifies refugee learners in and around {city}."
    return Partner(
        name=name,
        slug=PARTNER_SLUG.format(number),
        countries=countries,
        contact_email=f"contact@partner{number}.bulk.invalid",
        description=description,
        verification_validity_days=validity,
        created_at=founded - timedelta(days=rng.randint(0, 365)),
    )


def _partner_speed(number: int) -> float:
    """How long this partner takes to decide, relative to the programme's median."""
    rng = _own_rng("partner-speed", number)
    return rng.lognormvariate(0, 0.6)


def _provider_records() -> dict[str, Provider]:
    existing = {p.slug: p for p in Provider.objects.filter(slug__in=[p[1] for p in data.PROVIDERS])}
    for name, slug, method, website in data.PROVIDERS:
        if slug not in existing:
            existing[slug] = Provider.objects.create(
                name=name,
                slug=slug,
                website=website,
                access_method=method,
                # A reserved domain: a new enrolment at a bulk provider fails cleanly.
                api_enrolment_url=f"{website}/api/enrolments" if method == "api" else "",
            )
    return existing


def _course(number: int, providers: dict[str, Provider]) -> Course:
    rng = _own_rng("course", number)
    subject = rng.choice(sorted(data.SUBJECTS))
    topic = rng.choice(data.SUBJECTS[subject])
    level = Weighted({"beginner": 5, "intermediate": 3, "advanced": 2}).pick(rng)
    slugs = [p[1] for p in data.PROVIDERS]
    if subject == "Languages" and rng.random() < 0.6:
        provider = providers["bulk-language-bridge"]
    else:
        provider = providers[
            Weighted(dict(zip(slugs, [30, 25, 15, 12, 6, 12], strict=True))).pick(rng)
        ]
    language = Weighted(data.COURSE_LANGUAGES).pick(rng)
    return Course(
        provider=provider,
        external_id=COURSE_ID.format(number),
        title=f"{rng.choice(data.LEVEL_PREFIXES[level])} {topic}",
        description=f"A {level} course in {subject.lower()}: {topic}.",
        language=language,
        subject=subject,
        level=level,
        link=f"{provider.website}/courses/{slugify(COURSE_ID.format(number))}",
    )


def catalogue_ensure(*, partners: int, courses: int, anchor: datetime) -> Catalogue:
    """Create the bulk partners 1..`partners` and courses 1..`courses` that are missing; return
    them as the generator sees them."""
    slugs = [PARTNER_SLUG.format(n) for n in range(1, partners + 1)]
    found = set(Partner.objects.filter(slug__in=slugs).values_list("slug", flat=True))
    founded = anchor - timedelta(days=3 * 365)
    Partner.objects.bulk_create(
        _partner(n, founded) for n, slug in enumerate(slugs, start=1) if slug not in found
    )
    providers = _provider_records()
    ids = [COURSE_ID.format(n) for n in range(1, courses + 1)]
    found = set(
        Course.objects.filter(provider__in=providers.values(), external_id__in=ids).values_list(
            "external_id", flat=True
        )
    )
    Course.objects.bulk_create(
        _course(n, providers)
        for n, external_id in enumerate(ids, start=1)
        if external_id not in found
    )
    partner_rows = Partner.objects.filter(slug__in=slugs).order_by("slug")
    course_rows = (
        Course.objects.filter(provider__in=providers.values(), external_id__in=ids)
        .select_related("provider")
        .order_by("external_id")
    )
    return Catalogue(
        partners=[
            PartnerInfo(
                id=p.pk,
                countries=tuple(str(c) for c in p.countries),
                validity_days=p.verification_validity_days,
                speed=_partner_speed(int(p.slug.rsplit("-", 1)[1])),
            )
            for p in partner_rows
        ],
        courses=[
            CourseInfo(
                id=c.pk,
                seats=c.provider.access_method != AccessMethod.OPEN,
                link=c.link,
                weight=1 / int(c.external_id.rsplit("-", 1)[1]) ** 0.8,
            )
            for c in course_rows
        ],
    )


def anchor_now() -> datetime:
    """Midnight today (UTC): bulk data ends there, so two runs on one day are identical."""
    return datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
