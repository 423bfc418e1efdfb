"""Read queries for partners and applications, always scoped by who is asking.

Every function here costs a fixed number of queries whatever the number of rows.
"""

import base64
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from portal.cache import version_replace, versioned_get_or_build
from portal.models import User

from .case_numbers import case_number_hash
from .models import (
    OPEN_STATUSES,
    Application,
    ApplicationStatus,
    DocumentState,
    EvidenceDocument,
    Membership,
    Partner,
    PartnerApiKey,
)
from .permissions import can_review_for, partner_ids_for_staff
from .reach import application_in_reach, applications_in_reach

QUEUE_PAGE_SIZE = 25
# The queue's tab counts are kept in the cache this long at most; any change to one of the
# partner's applications replaces them at once (queue_counts_invalidate).
QUEUE_COUNTS_SECONDS = 120


# --- partners -----------------------------------------------------------------------------------


def partners_serving(country: str) -> QuerySet[Partner]:
    """Active partners that serve a country (CountryField(multiple) stores a comma list)."""
    return (
        Partner.objects.filter(is_active=True)
        .filter(
            Q(countries=country)
            | Q(countries__startswith=f"{country},")
            | Q(countries__endswith=f",{country}")
            | Q(countries__contains=f",{country},")
        )
        .order_by("name")
    )


def partner_get_active_or_404(slug: str) -> Partner:
    return get_object_or_404(Partner, slug=slug, is_active=True)


def partner_get_for_staff_or_404(user: User, slug: str) -> Partner:
    """The partner, if the user is on its staff; 404 otherwise (its existence is no secret,
    but a stranger has nothing to see there)."""
    partner = get_object_or_404(Partner, slug=slug)
    if not can_review_for(user, partner):
        raise Http404
    return partner


def partners_for_staff(user: User) -> QuerySet[Partner]:
    return Partner.objects.filter(pk__in=partner_ids_for_staff(user)).order_by("name")


def memberships_of_partner(partner: Partner) -> QuerySet[Membership]:
    return partner.memberships.select_related("user").order_by("user__email")


# --- the review queue ---------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueFilters:
    status: str = ApplicationStatus.SUBMITTED
    country: str = ""
    older_than_days: int | None = None
    search: str = ""


@dataclass(frozen=True)
class QueuePage:
    applications: list[Application]
    next_cursor: str | None
    counts: dict[str, int]


def _encode_cursor(application: Application) -> str:
    raw = f"{application.submitted_at.isoformat()}|{application.pk}"
    return base64.urlsafe_b64encode(raw.encode()).decode()


def _decode_cursor(cursor: str) -> tuple[datetime, int] | None:
    try:
        raw = base64.urlsafe_b64decode(cursor.encode()).decode()
        stamp, pk = raw.split("|")
        when = parse_datetime(stamp)
        return (when, int(pk)) if when else None
    except (ValueError, UnicodeDecodeError):
        return None


def application_queue(
    *, partner: Partner, filters: QueueFilters, cursor: str = "", page_size: int = QUEUE_PAGE_SIZE
) -> QueuePage:
    """One page of a partner's applications, oldest first, with keyset pagination.

    Search is exact: by case number (through its keyed hash) or by the learner's e-mail.
    Costs two queries (the page, the counts; the counts are cached, see _queue_counts), and one
    more for the "All" tab, whatever the size of the queue. Only learners still with the partner
    appear, and are counted (partners/reach.py).
    """
    base = applications_in_reach(partner)
    if filters.country:
        base = base.filter(country_of_residence=filters.country)
    if filters.older_than_days:
        base = base.filter(
            submitted_at__lte=timezone.now() - timedelta(days=filters.older_than_days)
        )
    if filters.search:
        term = filters.search.strip()
        # An e-mail address has an "@"; anything else is a case number, compared only through
        # its keyed hash, so the plaintext never reaches the database or its query log.
        if "@" in term:
            base = base.filter(learner__email__iexact=term)
        else:
            base = base.filter(case_number_hash=case_number_hash(term) or "-")

    counts = _queue_counts(base, partner=partner, filters=filters)

    rows = base
    if filters.status:
        rows = rows.filter(status=filters.status)
    position = _decode_cursor(cursor) if cursor else None
    if position:
        when, pk = position
        # (submitted_at, id) > (when, pk), written so that `submitted_at >= when` bounds the
        # index scan: the OR alone would read the index from the queue's start at every depth.
        rows = rows.filter(submitted_at__gte=when).filter(Q(submitted_at__gt=when) | Q(pk__gt=pk))
    if not filters.status and not filters.search:
        # Every status ("All"): no index orders a partner's applications across statuses, so a
        # long queue would be sorted whole for each page. Instead each status's next page is
        # read from the (partner, status, submitted_at, id) index, one UNION ALL, and the oldest
        # of them kept: the same cost at any depth. Each part's ORDER BY ... LIMIT sits in an
        # IN subquery, not in the part itself: SQLite allows neither in a part of a compound
        # statement, and PostgreSQL still reads each status's page from the index (a primary
        # key probe per id); tests/partners/test_queue_both_databases.py runs it on both.
        per_status = [
            Application.objects.filter(
                pk__in=rows.filter(status=status)
                .order_by("submitted_at", "pk")
                .values("pk")[: page_size + 1]
            )
            .order_by()
            .values_list("pk", flat=True)
            for status in ApplicationStatus.values
        ]
        page_ids = list(per_status[0].union(*per_status[1:], all=True))
    else:
        page_ids = rows.order_by("submitted_at", "pk").values("pk")[: page_size + 1]
    # The page is chosen first (from the index, LIMIT in a subquery), then its rows are joined
    # and their documents counted: counting before the LIMIT would count the whole tab.
    page = list(
        Application.objects.filter(pk__in=page_ids)
        .select_related("learner")
        .annotate(
            document_count=Count(
                "documents",
                filter=Q(documents__purged_at__isnull=True, documents__state=DocumentState.READY),
            ),
            documents_checking=Count(
                "documents",
                filter=Q(
                    documents__purged_at__isnull=True, documents__state=DocumentState.CHECKING
                ),
            ),
        )
        .order_by("submitted_at", "pk")[: page_size + 1]
    )
    next_cursor = _encode_cursor(page[page_size - 1]) if len(page) > page_size else None
    return QueuePage(applications=page[:page_size], next_cursor=next_cursor, counts=counts)


def _queue_counts_version_key(partner_id: int) -> str:
    return f"partners:queue-counts-version:{partner_id}"


def queue_counts_invalidate(partner_id: int) -> None:
    """After a change to one of the partner's applications: its cached queue counts are stale."""
    version_replace(_queue_counts_version_key(partner_id))


def _queue_counts(base: QuerySet[Application], *, partner: Partner, filters: QueueFilters):
    """Applications by status, for the tabs. Counting a queue of 100,000 applications takes
    longer than the rest of the page, so the counts of a plain (non-search) queue are cached,
    under a version that any change to the partner's applications replaces. Without the cache
    (Redis down) they are counted each time."""

    def count() -> dict[str, int]:
        counts = dict.fromkeys(ApplicationStatus.values, 0)
        counts.update(
            {row["status"]: row["n"] for row in base.values("status").annotate(n=Count("id"))}
        )
        return counts

    if filters.search:
        return count()
    age = filters.older_than_days or ""
    return versioned_get_or_build(
        version_key=_queue_counts_version_key(partner.pk),
        key=f"partners:queue-counts:{partner.pk}:{filters.country}:{age}",
        build=count,
        timeout=QUEUE_COUNTS_SECONDS,
    )


def application_get_for_reviewer_or_404(user: User, pk: int, partner: Partner) -> Application:
    """404 both for "missing" and "not yours": an applicant's existence is itself sensitive.
    "Not yours" includes an application of a learner who has since applied to another partner."""
    if not can_review_for(user, partner):
        raise Http404
    return get_object_or_404(
        applications_in_reach(partner)
        .select_related("learner", "partner", "decided_by")
        .prefetch_related(
            Prefetch("documents", queryset=EvidenceDocument.objects.order_by("uploaded_at", "pk"))
        ),
        pk=pk,
        partner=partner,
    )


def applications_for_api_key(key: PartnerApiKey) -> QuerySet[Application]:
    """The applications a partner's API key may read, with their live, rebuilt document count;
    one query per page. Only those of learners still with the partner (partners/reach.py): an
    older application of someone who has since applied elsewhere is a 404, like one that does
    not exist."""
    return applications_in_reach(key.partner_id).annotate(
        document_count=Count(
            "documents",
            filter=Q(documents__purged_at__isnull=True, documents__state=DocumentState.READY),
        )
    )


def application_get_for_api_key_or_404(key: PartnerApiKey, pk: int) -> Application:
    """404 for both "missing" and "another partner's": an applicant's existence is sensitive."""
    application = applications_for_api_key(key).filter(pk=pk).first()
    if application is None:
        raise Http404
    return application


# --- the learner's own application --------------------------------------------------------------


def application_current_for_learner(user: User) -> Application | None:
    """The learner's most recent application, with its partner and documents."""
    return (
        Application.objects.filter(learner=user)
        .select_related("partner")
        .prefetch_related(
            Prefetch("documents", queryset=EvidenceDocument.objects.order_by("uploaded_at", "pk"))
        )
        .order_by("-created_at", "-pk")
        .first()
    )


def applications_of_learner(user: User) -> QuerySet[Application]:
    return (
        Application.objects.filter(learner=user)
        .select_related("partner")
        .order_by("-created_at", "-pk")
    )


def application_get_for_learner_or_404(user: User, pk: int) -> Application:
    return get_object_or_404(
        Application.objects.select_related("partner").prefetch_related("documents"),
        pk=pk,
        learner=user,
    )


def learner_has_open_application(user: User) -> bool:
    return Application.objects.filter(learner=user, status__in=OPEN_STATUSES).exists()


# --- documents ----------------------------------------------------------------------------------


def document_get_for_download_or_404(user: User, pk: int) -> EvidenceDocument:
    """The owner learner, or staff of the application's partner while the learner is still with
    it (partners/reach.py); 404 for anyone else.

    Only a rebuilt document can be downloaded: one still being checked (whose original waits in
    quarantine, or, stored before rebuilding existed, is still the learner's file) or one that
    could not be read is 404 for everyone, the learner included."""
    document = get_object_or_404(
        EvidenceDocument.objects.select_related("application"),
        pk=pk,
        purged_at__isnull=True,
        state=DocumentState.READY,
    )
    application = document.application
    if application.learner_id == user.pk:
        return document
    if can_review_for(user, application.partner_id) and application_in_reach(application):
        return document
    raise Http404


def verification_current_for_learner(user: User) -> Application | None:
    """The learner's approved, unexpired application: whose partner vouches for them now."""
    return (
        Application.objects.filter(
            learner=user,
            status=ApplicationStatus.APPROVED,
            verified_until__gte=timezone.localdate(),
        )
        .select_related("partner")
        .first()
    )


def partners_for_help_page() -> list[Partner]:
    """Active partners with their public contact details, by name, for the help page: one query."""
    return list(
        Partner.objects.filter(is_active=True)
        .only("name", "countries", "contact_email", "contact_phone", "contact_details")
        .order_by("name", "pk")
    )
