"""Read queries for the catalogue, the learner's enrolments, and the seat pages, scoped by who
is asking (the seat pages' protected figures are reporting's: reporting/selectors_seats.py).
Every function here costs a fixed number of queries whatever the number of rows; the *_or_404
helpers answer 404 both for "missing" and "not yours"."""

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from partners.models import Partner
from partners.permissions import is_programme_admin
from partners.reach import in_reach
from partners.selectors import partner_get_for_staff_or_404
from portal.cache import version_replace, versioned_get_or_build
from portal.models import User

from .models import (
    LIVE_ENROLMENT_STATUSES,
    AccessCode,
    AccessMethod,
    Course,
    Credential,
    Enrolment,
    EnrolmentStatus,
    LearnerReference,
    Provider,
    StatusList,
)
from .permissions import can_manage_seats, can_see_partner_enrolments

CATALOGUE_PAGE_SIZE = 25
ENROLMENTS_PAGE_SIZE = 50
# A rendered catalogue page is kept this long at most; a change to any course or provider
# replaces every one at once (catalogue_changed).
CATALOGUE_CACHE_SECONDS = 300
CATALOGUE_VERSION_KEY = "credentials:catalogue-version"


# --- the public catalogue -----------------------------------------------------------------------


@dataclass(frozen=True)
class CatalogueFilters:
    search: str = ""
    language: str = ""
    subject: str = ""
    provider: str = ""  # the provider's slug
    level: str = ""


def _available_courses() -> QuerySet[Course]:
    return Course.objects.filter(is_active=True, provider__is_active=True)


def courses_for_catalogue(filters: CatalogueFilters) -> QuerySet[Course]:
    """Active courses of active providers, filtered, with their provider (one query a page)."""
    courses = _available_courses().select_related("provider")
    if filters.language:
        courses = courses.filter(language=filters.language)
    if filters.subject:
        courses = courses.filter(subject=filters.subject)
    if filters.provider:
        courses = courses.filter(provider__slug=filters.provider)
    if filters.level:
        courses = courses.filter(level=filters.level)
    for word in filters.search.split()[:8]:
        courses = courses.filter(Q(title__icontains=word) | Q(description__icontains=word))
    return courses.order_by("title", "pk")


def catalogue_page(filters: CatalogueFilters, page_number) -> Page:
    """One page of the catalogue: two queries (the count, the page)."""
    return Paginator(courses_for_catalogue(filters), CATALOGUE_PAGE_SIZE).get_page(page_number)


def catalogue_subjects() -> list[str]:
    return list(
        _available_courses().order_by("subject").values_list("subject", flat=True).distinct()
    )


def catalogue_providers() -> list[Provider]:
    """Active providers that have at least one active course."""
    return list(
        Provider.objects.filter(is_active=True, courses__is_active=True).distinct().order_by("name")
    )


def catalogue_changed() -> None:
    """After a change to a course or a provider: every cached catalogue page is stale."""
    version_replace(CATALOGUE_VERSION_KEY)


def catalogue_cached(variant: str, build: Callable[[], str]) -> str:
    """The catalogue's HTML for `variant` (language and query string), from the cache or
    `build()`. The catalogue is the same for every visitor, changes rarely and is the page
    learners open most, so it is rendered once per version, language and query; without the
    cache (Redis down) it is rendered each time."""
    key = f"credentials:catalogue:{hashlib.sha256(variant.encode()).hexdigest()[:32]}"
    return versioned_get_or_build(
        version_key=CATALOGUE_VERSION_KEY, key=key, build=build, timeout=CATALOGUE_CACHE_SECONDS
    )


def course_get_public_or_404(pk: int) -> Course:
    return get_object_or_404(_available_courses().select_related("provider"), pk=pk)


# --- the learner's own enrolments (with their waiting places: credentials/waitlist.py) ----------


def enrolment_live_for_learner(user: User, course: Course) -> Enrolment | None:
    if not user.is_authenticated:
        return None
    return Enrolment.objects.filter(
        learner=user, course=course, status__in=LIVE_ENROLMENT_STATUSES
    ).first()


# --- a partner's coordinators -------------------------------------------------------------------


def partner_get_for_coordinator_or_404(user: User, slug: str) -> Partner:
    """The partner, if the user coordinates it; reviewers, strangers and admins get 404."""
    partner = partner_get_for_staff_or_404(user, slug)
    if not can_see_partner_enrolments(user, partner.pk):
        raise Http404
    return partner


@dataclass(frozen=True)
class EnrolmentList:
    page: Page
    counts: dict[str, int]
    total: int


def enrolments_in_reach(partner: Partner) -> QuerySet[Enrolment]:
    """The partner's enrolments of learners still with it (their current application is the
    partner's: partners/reach.py). Those of someone who has since applied elsewhere stay in the
    seat numbers (reporting/selectors_seats.py) but no longer in any list or page."""
    return in_reach(
        Enrolment.objects.filter(partner=partner), partner=partner, learner_field="learner"
    )


def enrolments_for_coordinator(partner: Partner, *, status: str, page_number) -> EnrolmentList:
    """The partner's enrolments of learners still with it, newest first, with learner and
    course: three queries (the counts by status, the page's count, the page)."""
    base = enrolments_in_reach(partner)
    counts = dict.fromkeys(EnrolmentStatus.values, 0)
    counts.update(
        {row["status"]: row["n"] for row in base.values("status").annotate(n=Count("id"))}
    )
    rows = base.filter(status=status) if status else base
    rows = rows.select_related("learner", "course__provider").order_by("-requested_at", "-pk")
    page = Paginator(rows, ENROLMENTS_PAGE_SIZE).get_page(page_number)
    return EnrolmentList(page=page, counts=counts, total=sum(counts.values()))


def enrolment_get_for_coordinator_or_404(user: User, partner: Partner, pk: int) -> Enrolment:
    if not can_see_partner_enrolments(user, partner.pk):
        raise Http404
    return get_object_or_404(
        enrolments_in_reach(partner).select_related("learner", "course__provider", "access_code"),
        pk=pk,
    )


# --- programme admins (aggregates only: no individual learner appears) ---------------------------


def providers_with_seats(user: User) -> QuerySet[Provider]:
    """Providers whose access costs a seat (not open links)."""
    if not can_manage_seats(user):
        raise Http404
    return Provider.objects.exclude(access_method=AccessMethod.OPEN).order_by("name", "pk")


def voucher_providers_with_stock(user: User) -> list[Provider]:
    """Voucher providers with how many codes they were sent (no people) and whether any is still
    unused. How many were given out counts learners, and is not shown (nor how many are left,
    which is the same number)."""
    if not can_manage_seats(user):
        raise Http404
    return list(
        Provider.objects.filter(access_method=AccessMethod.VOUCHER)
        .annotate(
            codes_imported=Count("codes"),
            has_unused_codes=Exists(
                AccessCode.objects.filter(provider=OuterRef("pk"), enrolment__isnull=True)
            ),
        )
        .order_by("name", "pk")
    )


# --- public verification ------------------------------------------------------------------------

# The shape of a verification code (secrets.token_urlsafe): anything else is not looked up.
CREDENTIAL_CODE = re.compile(r"[A-Za-z0-9_-]{20,40}")


def credential_get_public(code: str) -> Credential | None:
    """The credential a public verification link names, with its signing key and status list
    and its learner's language as `learner_language` (None once the account is erased): one
    query, none for a malformed code. None when the code is malformed, unknown or the learner
    hid the credential: from outside the three look the same."""
    if not CREDENTIAL_CODE.fullmatch(code):
        return None
    return (
        Credential.objects.select_related("issuer_key", "status_list")
        .annotate(learner_language=F("learner__language"))
        .defer("status_list__document")
        .filter(code=code, is_public=True)
        .order_by()
        .first()
    )


def status_list_document(number: int) -> str | None:
    """The signed status list credential published as list `number` (one query)."""
    return StatusList.objects.filter(number=number).values_list("document", flat=True).first()


# --- credentials: learner and admin -------------------------------------------------------------

CREDENTIALS_PAGE_SIZE = 50
DASHBOARD_CREDENTIALS = 3


def credentials_of_learner(user: User, *, limit: int | None = None) -> list[Credential]:
    """The learner's own credentials, newest first, with course and provider: one query."""
    if not getattr(user, "is_learner", False):
        return []
    rows = (
        Credential.objects.filter(learner=user)
        .select_related("course__provider")
        .defer("document")
        .order_by("-issued_at", "-pk")
    )
    return list(rows[:limit] if limit else rows)


def credential_get_for_learner_or_404(user: User, pk: int) -> Credential:
    """The learner's own credential; anyone else's (or a missing one): 404."""
    if not getattr(user, "is_learner", False):
        raise Http404
    return get_object_or_404(
        Credential.objects.select_related("course__provider").defer("document"),
        pk=pk,
        learner=user,
    )


def learner_reference_get_for_learner_or_404(user: User, provider_id: int) -> LearnerReference:
    """The learner's own reference at a provider; none, or not a learner: 404."""
    if not getattr(user, "is_learner", False):
        raise Http404
    return get_object_or_404(
        LearnerReference.objects.select_related("provider"), learner=user, provider_id=provider_id
    )


@dataclass(frozen=True)
class CredentialList:
    page: Page


def credentials_for_admin(user: User, *, status: str, code: str, page_number) -> CredentialList:
    """Issued credentials for programme admins, newest first, with course and provider, and
    nothing about the learner: two queries (the page's count, the page). No count by status:
    credentials are learners, and exact counts of them leave the portal only as the engine's
    protected figures (the dashboards). `code` is an exact verification code (a search),
    `status` one of CredentialStatus."""
    if not is_programme_admin(user):
        raise Http404
    rows = Credential.objects.all()
    if status:
        rows = rows.filter(status=status)
    if code:
        rows = rows.filter(code=code)
    rows = (
        rows.select_related("course__provider")
        .only(
            "code",
            "status",
            "issued_at",
            "revoked_at",
            "is_public",
            "course__title",
            "course__provider__name",
        )
        .order_by("-issued_at", "-pk")
    )
    page = Paginator(rows, CREDENTIALS_PAGE_SIZE).get_page(page_number)
    return CredentialList(page=page)


def credential_get_for_admin_or_404(user: User, pk: int) -> Credential:
    if not is_programme_admin(user):
        raise Http404
    return get_object_or_404(
        Credential.objects.select_related("course__provider").defer("document"), pk=pk
    )
