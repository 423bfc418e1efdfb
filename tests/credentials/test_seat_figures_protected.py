"""Every count of people on the seat and code pages is the engine's protected figure.

The rule (docs/decisions/0012, "Seats, codes and credentials on staff pages"): seats used, places
on the waiting list, codes given out and credentials are people. A page for staff or admins shows
them only as the one suppression engine publishes them (reporting/suppression.py:
SeatUsage.used_published, rounded to base 5 with controlled rounding per partner), never the exact
count next to it: an exact value beside its rounded one pins the rounded one, and the difference
between two pages counted over different learners is an exact count of its own. What is not
people stays exact: allocation sizes, codes received, whether an allocation is full or a provider
has codes left (the operational need).

Programmes are drawn at random (seeded): partners x providers with seats used that are mostly not
multiples of 5, some allocations full, waiting lists with learners in reach and gone elsewhere.
"""

from __future__ import annotations

import random
import re
from collections import defaultdict

import pytest
from django.urls import reverse

from credentials.models import AccessMethod, EnrolmentStatus, SeatAllocation
from partners.models import Application, ApplicationStatus
from reporting.models import SeatUsage as RolledUpSeats
from reporting.refresh import rollups_refresh
from reporting.suppression import round_family, round_total, shown
from tests.partners.factories import ApplicationFactory, PartnerFactory

from .conftest import staff_of
from .factories import (
    AccessCodeFactory,
    ProviderFactory,
    SeatAllocationFactory,
    VerifiedEnrolmentFactory,
)

pytestmark = pytest.mark.django_db

ALLOCATIONS = reverse("programme:allocations")
CODES = reverse("programme:codes")


def _text(html: str) -> str:
    return html.replace("&lt;", "<")


def build_programme(seed: int):
    rng = random.Random(seed)
    providers = [
        ProviderFactory(name=f"Provider {n}", access_method=AccessMethod.VOUCHER) for n in range(2)
    ]
    partners = [PartnerFactory(name=f"Partner {n}") for n in range(3)]
    elsewhere = PartnerFactory(name="Elsewhere")
    waiting_in_reach: dict[tuple[int, int], int] = defaultdict(int)
    for partner in partners:
        for provider in providers:
            if rng.random() < 0.2:
                continue  # no seats here
            total = rng.randint(3, 40)
            used = total if rng.random() < 0.25 else rng.randint(0, total - 1)
            SeatAllocationFactory(partner=partner, provider=provider, total=total, used=used)
        provider = rng.choice(providers)
        for _ in range(rng.randint(0, 6)):
            enrolment = VerifiedEnrolmentFactory(
                partner=partner, course__provider=provider, status=EnrolmentStatus.WAITLISTED
            )
            if rng.random() < 0.4:  # has since applied to another partner: out of reach
                Application.objects.filter(learner=enrolment.learner).update(
                    status=ApplicationStatus.EXPIRED
                )
                ApplicationFactory(learner=enrolment.learner, partner=elsewhere)
            else:
                waiting_in_reach[partner.pk, provider.pk] += 1
    return partners, providers, waiting_in_reach


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_seat_pages_print_only_the_engines_protected_seats_and_waiting_lists(
    client, programme_admin, seed
):
    partners, providers, waiting_in_reach = build_programme(seed)
    rollups_refresh()
    published = {
        (s.partner_id, s.provider_id): s.used_published for s in RolledUpSeats.objects.all()
    }
    allocations = {(a.partner_id, a.provider_id): a for a in SeatAllocation.objects.all()}

    # The programme admin's seats page: each cell "used / total", and the totals row.
    client.force_login(programme_admin)
    html = _text(client.get(ALLOCATIONS).content.decode())
    body, foot = html.split("<tfoot>")
    for partner in partners:
        row = body.split(f">{partner.name}</th>")[1].split("</tr>")[0]
        cells = re.findall(r'<td class="text-nowrap"[^>]*>(.*?)<a ', row, re.S)
        assert len(cells) == len(providers)
        for provider, cell in zip(providers, cells, strict=True):
            allocation = allocations.get((partner.pk, provider.pk))
            if allocation is None:
                assert cell.strip() == "—"
                continue
            used = published[partner.pk, provider.pk]
            assert cell.startswith(f"{shown(used)} / {allocation.total}"), cell
            assert ("Full" in cell) == (allocation.used >= allocation.total)
    footer = re.findall(r'<td class="text-nowrap fw-semibold"[^>]*>(.*?)</td>', foot)
    for provider, cell in zip(providers, footer, strict=True):
        keys = [k for k in allocations if k[1] == provider.pk]
        used = sum(published[k] for k in keys)
        assert cell == f"{shown(used)} / {sum(allocations[k].total for k in keys)}"
    for used in {a.used for a in allocations.values()} - set(published.values()):
        assert not re.search(rf">{used} / ", html), "an exact number of seats used is shown"

    # Each coordinator's seats page.
    for partner in partners:
        client.force_login(staff_of(partner))
        url = reverse("seats:usage", kwargs={"slug": partner.slug})
        page = client.get(url).content.decode()
        parts = {
            str(v.pk): waiting_in_reach[partner.pk, v.pk]
            for v in providers
            if waiting_in_reach[partner.pk, v.pk]
        }
        cell = (partner.pk, "waiting-list")
        waiting = round_family(parts, total=round_total(sum(parts.values()), cell=cell), cell=cell)
        for block in page.split('<li class="border rounded p-3 mb-3">')[1:]:
            provider = next(v for v in providers if f">{v.name}</h2>" in block)
            figures = {
                label: _text(value)
                for label, value in re.findall(r"<dt[^>]*>([^<]+)</dt><dd[^>]*>([^<]+)</dd>", block)
            }
            allocation = allocations.get((partner.pk, provider.pk))
            assert figures["Seats"] == str(allocation.total if allocation else 0)
            used = published.get((partner.pk, provider.pk), 0)
            assert figures["Used"] == shown(used)
            assert figures["On the waiting list"] == shown(waiting.get(str(provider.pk), 0))
            full = allocation is None or allocation.used >= allocation.total
            assert figures["Available"] == ("None left" if full else "Seats free")


def test_the_django_admin_shows_neither_seats_used_nor_when_codes_were_given(
    client, programme_admin
):
    provider = ProviderFactory(access_method=AccessMethod.VOUCHER)
    enrolment = VerifiedEnrolmentFactory(course__provider=provider)
    AccessCodeFactory(provider=provider, enrolment=enrolment, code="GIVEN-CODE")
    AccessCodeFactory(provider=provider, code="UNUSED-CODE")
    SeatAllocationFactory(partner=enrolment.partner, provider=provider, total=30, used=17)
    client.force_login(programme_admin)

    seats = client.get(reverse("admin:credentials_seatallocation_changelist")).content.decode()
    assert "column-used" not in seats and ">17<" not in seats
    codes_url = reverse("admin:credentials_accesscode_changelist")
    codes = client.get(codes_url).content.decode()
    assert "column-assigned_at" not in codes and "column-is_assigned" not in codes
    assert "GIVEN-CODE" in codes and "UNUSED-CODE" in codes  # both, not told apart
    # The "given out" filter is gone, and no lookup through the URL filters by it either:
    # Django refuses a lookup that is not a declared filter (400).
    for lookup in ({"assigned": "yes"}, {"enrolment__isnull": "False"}):
        assert client.get(codes_url, lookup).status_code == 400


def test_a_full_allocation_is_rounded_on_its_own_so_its_known_size_narrows_no_other_figure():
    """The pages say exactly which allocations are full (their seats used are their size). In
    the partner's controlled family that exact value would narrow the other providers' figures
    (the family adds up to a rounded total), so the engine rounds a full allocation alone."""
    partner = PartnerFactory()
    providers = ProviderFactory.create_batch(4)
    full = SeatAllocationFactory(partner=partner, provider=providers[0], total=9, used=9)
    others = [
        SeatAllocationFactory(partner=partner, provider=provider, total=20, used=used)
        for provider, used in zip(providers[1:], (3, 7, 11), strict=True)
    ]
    rollups_refresh()
    published = {s.provider_id: s.used_published for s in RolledUpSeats.objects.all()}

    cell = (partner.pk, "seats-used")
    parts = {str(a.pk): a.used for a in others}
    family = round_family(parts, total=round_total(sum(parts.values()), cell=cell), cell=cell)
    assert {a.provider_id: family[str(a.pk)] for a in others} == {
        a.provider_id: published[a.provider_id] for a in others
    }
    # Rounded alone, and never above its size (9: at most 5).
    assert published[full.provider_id] == min(
        round_total(9, cell=(partner.pk, "seats-used-full", full.pk)), 5
    )
    assert all(value % 5 == 0 for value in published.values())


@pytest.mark.parametrize("size", [1, 2, 3, 4, 6, 7, 9])
def test_seats_used_never_print_above_the_allocation_size(client, programme_admin, size):
    """The size is exact and public: a rounded figure above it ("5 / 2") would pin a small
    count. Whatever the seats used and however the rounding falls, the figure is at most the
    size rounded down to a multiple of 5, so a small allocation reads "<5 / 2"."""
    partners = PartnerFactory.create_batch(6)
    provider = ProviderFactory()
    for n, partner in enumerate(partners):
        SeatAllocationFactory(partner=partner, provider=provider, total=size, used=n % (size + 1))
    rollups_refresh()
    for seats in RolledUpSeats.objects.all():
        assert seats.used_published <= seats.total - seats.total % 5
    client.force_login(programme_admin)
    html = client.get(ALLOCATIONS).content.decode()
    limit = size - size % 5
    printed = re.findall(rf">([^<>\s]+) / {size}(?!\d)", html)
    assert len(printed) == len(partners)
    for used in printed:
        assert used == "&lt;5" or int(used) <= limit
