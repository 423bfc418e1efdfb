"""Seat and enrolment pages: a partner's coordinators (usage, enrolments, withdrawing access) and
programme admins (allocating seats, importing voucher codes); the e-mails they lead to; and the
Django admin for providers and codes."""

import re

import pytest
from django.contrib import admin as django_admin
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from credentials.models import (
    AccessCode,
    AccessMethod,
    Enrolment,
    EnrolmentFailureCause,
    EnrolmentStatus,
    Provider,
    SeatAllocation,
)
from credentials.selectors import ENROLMENTS_PAGE_SIZE, enrolments_for_coordinator
from credentials.services.codes import MAX_CODES_PER_FILE
from partners.models import Application, ApplicationStatus, StaffRole
from portal.crypto import decrypt_text
from portal.models import AuditEvent
from reporting.models import SeatUsage as RolledUpSeats
from reporting.refresh import rollups_refresh
from reporting.suppression import round_total
from tests.partners.factories import ApplicationFactory, PartnerFactory
from tests.portal.conftest import give_totp
from tests.portal.factories import LearnerFactory

from .conftest import staff_of, verified_learner, voucher_course
from .factories import (
    AccessCodeFactory,
    CourseFactory,
    ProviderFactory,
    SeatAllocationFactory,
    VerifiedEnrolmentFactory,
)

pytestmark = pytest.mark.django_db

ALLOCATIONS = reverse("programme:allocations")
CODES = reverse("programme:codes")


def usage_url(partner) -> str:
    return reverse("seats:usage", kwargs={"slug": partner.slug})


def enrolments_url(partner) -> str:
    return reverse("seats:enrolments", kwargs={"slug": partner.slug})


def revoke_url(enrolment) -> str:
    return reverse("seats:revoke", kwargs={"slug": enrolment.partner.slug, "pk": enrolment.pk})


def html_of(client, url, **params) -> str:
    response = client.get(url, params)
    assert response.status_code == 200
    return response.content.decode()


def messages_of(response) -> str:
    return " ".join(str(m) for m in response.context["messages"])


def csv_upload(text: str | bytes, name: str = "codes.csv") -> SimpleUploadedFile:
    data = text.encode() if isinstance(text, str) else text
    return SimpleUploadedFile(name, data, content_type="text/csv")


# --- who may open which page ---------------------------------------------------------------------


@pytest.fixture
def people(partner, coordinator, reviewer, programme_admin):
    other_partner = PartnerFactory(slug="other-partner")
    return {
        "coordinator": coordinator,
        "reviewer": reviewer,
        "other_coordinator": staff_of(other_partner, StaffRole.COORDINATOR),
        "learner": verified_learner(partner),
        "admin": programme_admin,
    }


COORDINATOR_ONLY = {
    "coordinator": 200,
    "reviewer": 404,
    "other_coordinator": 404,
    "learner": 404,
    "admin": 404,
}
ADMIN_ONLY = {
    "coordinator": 404,
    "reviewer": 404,
    "other_coordinator": 404,
    "learner": 404,
    "admin": 200,
}


@pytest.mark.parametrize("page", ["usage", "enrolments", "revoke", "allocations", "codes"])
def test_each_page_opens_only_for_its_rightful_role(client, partner, people, page):
    enrolment = VerifiedEnrolmentFactory(partner=partner)
    url = {
        "usage": usage_url(partner),
        "enrolments": enrolments_url(partner),
        "revoke": revoke_url(enrolment),
        "allocations": ALLOCATIONS,
        "codes": CODES,
    }[page]
    expected = ADMIN_ONLY if page in ("allocations", "codes") else COORDINATOR_ONLY

    actual = {}
    for role, user in people.items():
        client.force_login(user)
        actual[role] = client.get(url).status_code
    client.logout()

    assert actual == expected
    assert client.get(url).url.startswith(reverse("account_login"))


def test_partner_pages_of_a_missing_partner_are_404(client, coordinator):
    client.force_login(coordinator)
    assert client.get(reverse("seats:usage", kwargs={"slug": "no-such"})).status_code == 404


def test_posts_from_the_wrong_people_change_nothing(client, partner, people):
    enrolment = VerifiedEnrolmentFactory(partner=partner, status=EnrolmentStatus.ACTIVE)
    provider = ProviderFactory()
    for role in ("reviewer", "other_coordinator", "learner", "admin"):
        client.force_login(people[role])
        assert client.post(revoke_url(enrolment), {"reason": "x"}).status_code == 404
    for role in ("coordinator", "reviewer", "other_coordinator", "learner"):
        client.force_login(people[role])
        data = {"partner": partner.slug, "provider": provider.slug, "total": 5}
        assert client.post(ALLOCATIONS, data).status_code == 404
        upload = {"provider": provider.slug, "csv_file": csv_upload("A1\n")}
        assert client.post(CODES, upload).status_code == 404
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.ACTIVE
    assert not SeatAllocation.objects.filter(provider=provider).exists()
    assert not AccessCode.objects.filter(provider=provider).exists()


# --- seat usage (coordinators) -------------------------------------------------------------------


def test_seat_usage_shows_seats_and_protected_used_and_waiting(client, partner, coordinator):
    """Seats allocated are exact; seats used and the waiting list count people, so the page
    prints the engine's protected figures (reporting/suppression.py), never the count."""
    provider = ProviderFactory(name="Coursera")
    SeatAllocationFactory(partner=partner, provider=provider, total=20, used=13)
    VerifiedEnrolmentFactory.create_batch(
        7, partner=partner, course__provider=provider, status=EnrolmentStatus.WAITLISTED
    )
    # Another partner's allocation and waiting list are not this partner's.
    other = SeatAllocationFactory(provider=provider, total=100, used=1)
    VerifiedEnrolmentFactory(partner=other.partner, course__provider=provider, status="waitlisted")
    rollups_refresh()
    client.force_login(coordinator)

    html = html_of(client, usage_url(partner))

    used = RolledUpSeats.objects.get(partner_id=partner.pk, provider_id=provider.pk).used_published
    waiting = round_total(7, cell=(partner.pk, "waiting-list"))
    assert used in (10, 15) and waiting in (5, 10)
    assert "Coursera" in html
    assert f"{round(used * 100 / 20)}% of the seats are used" in html
    assert '<progress class="w-100" id="usage-' in html
    for label, value in (
        ("Seats", 20),
        ("Used", used),
        ("Available", "Seats free"),
        ("waiting list", waiting),
    ):
        assert re.search(rf"{label}</dt><dd[^>]*>{value}</dd>", html), label
    assert not re.search(r"<dd[^>]*>(13|7|65%)</dd>", html)


def test_seat_usage_says_when_no_seat_is_left_and_counts_only_learners_in_reach(
    client, partner, coordinator
):
    """The waiting list counts the partner's learners still with it, like the enrolments page:
    the difference between the two pages is not the number of learners gone to someone else."""
    provider = ProviderFactory(name="Coursera")
    SeatAllocationFactory(partner=partner, provider=provider, total=4, used=4)
    waiting = VerifiedEnrolmentFactory.create_batch(
        9, partner=partner, course__provider=provider, status=EnrolmentStatus.WAITLISTED
    )
    # Three of them have since applied to another partner: out of reach (partners/reach.py).
    elsewhere = PartnerFactory()
    for enrolment in waiting[:3]:
        Application.objects.filter(learner=enrolment.learner).update(
            status=ApplicationStatus.EXPIRED
        )
        ApplicationFactory(learner=enrolment.learner, partner=elsewhere)
    rollups_refresh()
    client.force_login(coordinator)

    html = html_of(client, usage_url(partner))

    shown_waiting = round_total(6, cell=(partner.pk, "waiting-list"))
    assert re.search(r"Available</dt><dd[^>]*>None left</dd>", html)
    assert re.search(rf"waiting list</dt><dd[^>]*>{shown_waiting}</dd>", html.replace("&lt;5", "0"))
    # The enrolments page lists (and counts) the same six.
    listing = enrolments_for_coordinator(partner, status="", page_number=1)
    assert listing.counts[EnrolmentStatus.WAITLISTED] == 6


def test_seat_usage_lists_a_provider_with_a_waiting_list_but_no_seats(client, partner, coordinator):
    VerifiedEnrolmentFactory(
        partner=partner, course__provider__name="edX", status=EnrolmentStatus.WAITLISTED
    )
    client.force_login(coordinator)
    html = html_of(client, usage_url(partner))
    assert "edX" in html
    assert "0% of the seats are used" in html


def test_partner_without_seats_is_told_who_allocates_them(client, partner, coordinator):
    client.force_login(coordinator)
    assert "has no seats yet" in html_of(client, usage_url(partner))


# --- enrolments (coordinators) -------------------------------------------------------------------


def test_enrolments_list_shows_email_course_status_dates_and_failure_reason(
    client, partner, coordinator
):
    learner = LearnerFactory(email="amina@example.org")
    VerifiedEnrolmentFactory(
        partner=partner,
        learner=learner,
        course__title="Data analysis",
        status=EnrolmentStatus.FAILED,
        failure_reason="provider answered 422: duplicate_user",
    )
    VerifiedEnrolmentFactory(course__title="Another partner's course")
    client.force_login(coordinator)

    html = html_of(client, enrolments_url(partner))

    assert "amina@example.org" in html
    assert "Data analysis" in html
    assert "Could not be set up" in html
    assert "provider answered 422: duplicate_user" in html
    assert "Another partner" not in html


def test_enrolments_can_be_filtered_by_status_with_counts(client, partner, coordinator):
    VerifiedEnrolmentFactory.create_batch(2, partner=partner, status=EnrolmentStatus.ACTIVE)
    VerifiedEnrolmentFactory(
        partner=partner, status=EnrolmentStatus.WAITLISTED, course__title="Waiting"
    )
    client.force_login(coordinator)

    html = html_of(client, enrolments_url(partner), status="waitlisted")

    assert "Waiting" in html
    assert html.count('class="list-group-item"') == 1
    assert 'aria-current="page">On the waiting list <span' in html
    assert 'text-bg-secondary">2</span>' in html  # active


def test_an_unknown_status_shows_every_enrolment(client, partner, coordinator):
    VerifiedEnrolmentFactory.create_batch(2, partner=partner)
    client.force_login(coordinator)
    html = html_of(client, enrolments_url(partner), status="nonsense")
    assert "This status does not exist" in html
    assert html.count('class="list-group-item"') == 2


def test_enrolments_are_paginated(client, partner, coordinator):
    VerifiedEnrolmentFactory.create_batch(ENROLMENTS_PAGE_SIZE + 2, partner=partner)
    client.force_login(coordinator)
    first = html_of(client, enrolments_url(partner))
    second = html_of(client, enrolments_url(partner), page=2)
    assert first.count('class="list-group-item"') == ENROLMENTS_PAGE_SIZE
    assert second.count('class="list-group-item"') == 2
    assert 'href="?page=2"' in first


# Ours: the partner, the coordinator's memberships, the counts, the page's count, the page (5).
# The rest is the same on every staff page: the session, the user and the check that the user
# has an authenticator (3); allauth's record of the session's activity is written at most once
# a minute (portal/activity.py).
ENROLMENTS_QUERIES = 8


@pytest.mark.parametrize("size", [3, 60])
def test_enrolments_page_costs_the_same_number_of_queries_at_any_size(
    client, partner, coordinator, django_assert_num_queries, size
):
    for n in range(size):
        VerifiedEnrolmentFactory(
            partner=partner,
            status=[EnrolmentStatus.ACTIVE, EnrolmentStatus.FAILED][n % 2],
            failure_reason="timeout" if n % 2 else "",
        )
    client.force_login(coordinator)
    client.get(enrolments_url(partner))
    with django_assert_num_queries(ENROLMENTS_QUERIES):
        response = client.get(enrolments_url(partner))
    assert response.status_code == 200


# --- withdrawing access (coordinators) -----------------------------------------------------------


def test_revoke_asks_for_confirmation_and_a_reason(client, partner, coordinator):
    enrolment = VerifiedEnrolmentFactory(partner=partner, status=EnrolmentStatus.ACTIVE)
    client.force_login(coordinator)
    html = html_of(client, revoke_url(enrolment))
    assert 'name="reason"' in html
    assert enrolment.course.title in html
    assert Enrolment.objects.get(pk=enrolment.pk).status == EnrolmentStatus.ACTIVE


def test_revoke_without_a_reason_keeps_the_form_and_changes_nothing(client, partner, coordinator):
    enrolment = VerifiedEnrolmentFactory(partner=partner, status=EnrolmentStatus.ACTIVE)
    client.force_login(coordinator)
    response = client.post(revoke_url(enrolment), {"reason": "   "})
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert Enrolment.objects.get(pk=enrolment.pk).status == EnrolmentStatus.ACTIVE


def test_revoking_a_pending_enrolment_returns_the_seat_and_tells_the_learner(
    client, partner, coordinator, django_capture_on_commit_callbacks
):
    course = voucher_course(partner, seats=0, codes=0, title="Data analysis")
    learner = verified_learner(partner, email="amina@example.org")
    SeatAllocation.objects.filter(partner=partner).update(total=1, used=1)
    enrolment = VerifiedEnrolmentFactory(
        learner=learner,
        course=course,
        partner=partner,
        status=EnrolmentStatus.REQUESTED,
        holds_seat=True,
    )
    client.force_login(coordinator)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            revoke_url(enrolment), {"reason": "Asked twice by mistake."}, follow=True
        )

    assert "Access to Data analysis was withdrawn from amina@example.org." in messages_of(response)
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.REVOKED
    assert enrolment.revoke_reason == "Asked twice by mistake."
    assert SeatAllocation.objects.get(partner=partner).used == 0
    [email] = mail.outbox
    assert email.to == ["amina@example.org"]
    assert "Data analysis" in email.subject
    assert "Asked twice by mistake." in email.body
    assert "refugee" not in email.body.lower()


def test_revoking_after_the_code_was_handed_out_keeps_the_seat_used(
    client, partner, coordinator, django_capture_on_commit_callbacks
):
    course = voucher_course(partner, seats=2)
    learner = verified_learner(partner)
    client.force_login(learner)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("courses:enrol", args=[course.pk]))
    enrolment = Enrolment.objects.get(learner=learner)
    assert enrolment.status == EnrolmentStatus.ACTIVE
    client.force_login(coordinator)

    html = html_of(client, revoke_url(enrolment))
    assert "the seat is not given back" in html
    client.post(revoke_url(enrolment), {"reason": "No longer studying."})

    assert Enrolment.objects.get(pk=enrolment.pk).status == EnrolmentStatus.REVOKED
    assert SeatAllocation.objects.get(partner=partner).used == 1


def test_an_enrolment_that_ended_cannot_be_revoked(client, partner, coordinator):
    enrolment = VerifiedEnrolmentFactory(partner=partner, status=EnrolmentStatus.FAILED)
    client.force_login(coordinator)
    assert "can no longer be withdrawn" in html_of(client, revoke_url(enrolment))
    response = client.post(revoke_url(enrolment), {"reason": "Because."})
    assert response.status_code == 200
    assert "can no longer be withdrawn" in response.content.decode()
    assert Enrolment.objects.get(pk=enrolment.pk).status == EnrolmentStatus.FAILED


def test_another_partners_enrolment_is_404_for_a_coordinator(client, partner, coordinator):
    foreign = VerifiedEnrolmentFactory(status=EnrolmentStatus.ACTIVE)
    client.force_login(coordinator)
    url = reverse("seats:revoke", kwargs={"slug": partner.slug, "pk": foreign.pk})
    assert client.get(url).status_code == 404
    assert client.post(url, {"reason": "x"}).status_code == 404
    assert Enrolment.objects.get(pk=foreign.pk).status == EnrolmentStatus.ACTIVE


# --- the 75 % and 100 % notices ------------------------------------------------------------------


def test_coordinators_are_told_once_at_75_and_once_at_100_percent(
    client, partner, coordinator, reviewer, django_capture_on_commit_callbacks
):
    course = voucher_course(partner, seats=4, codes=10)
    provider_name = course.provider.name
    learners = [verified_learner(partner) for _ in range(6)]

    def enrol(learner):
        client.force_login(learner)
        with django_capture_on_commit_callbacks(execute=True):
            client.post(reverse("courses:enrol", args=[course.pk]))

    def notices():
        return [m for m in mail.outbox if m.to == [coordinator.email]]

    for learner in learners[:2]:
        enrol(learner)
    assert notices() == []
    enrol(learners[2])  # 3 of 4: 75 %
    [first] = notices()
    assert first.subject == f"75% of your seats at {provider_name} are used"
    assert f"{partner.name} has used 3 of its 4 seats at {provider_name} (75%)." in first.body
    assert usage_url(partner) in first.body

    enrol(learners[3])  # 4 of 4: 100 %
    enrol(learners[4])  # waiting list: no new notice
    assert [m.subject for m in notices()] == [
        f"75% of your seats at {provider_name} are used",
        f"All your seats at {provider_name} are used",
    ]
    assert "waiting list" in notices()[1].body
    # A revocation and a new enrolment reach 100 % again: still no new notice.
    client.force_login(coordinator)
    waiting = Enrolment.objects.get(learner=learners[4])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(revoke_url(waiting), {"reason": "Duplicate."})
    enrol(learners[5])
    assert len(notices()) == 2
    assert not [m for m in mail.outbox if m.to == [reviewer.email]]


# --- seat allocations (programme admins) ---------------------------------------------------------


def test_admin_sees_partners_by_providers_with_protected_used_and_total(
    client, partner, programme_admin
):
    coursera = ProviderFactory(name="Coursera")
    ProviderFactory(name="Open link provider", access_method=AccessMethod.OPEN)
    SeatAllocationFactory(partner=partner, provider=coursera, total=40, used=12)
    other = SeatAllocationFactory(provider=coursera, total=10, used=10)
    rollups_refresh()
    client.force_login(programme_admin)

    html = html_of(client, ALLOCATIONS)

    ours = RolledUpSeats.objects.get(partner_id=partner.pk).used_published
    theirs = RolledUpSeats.objects.get(partner_id=other.partner_id).used_published
    assert ours in (10, 15) and theirs == 10
    assert "Coursera" in html
    assert "Open link provider" not in html.split('id="table-heading"')[1]
    assert f"{ours} / 40" in html
    assert "12 / 40" not in html
    assert f"{ours + theirs} / 50" in html  # all partners, the sum of the protected figures
    assert "22 / 50" not in html
    assert html.count(">Full</span>") == 1  # allocation sizes and fullness are not people
    assert f"?partner={partner.slug}&amp;provider={coursera.slug}&amp;total=40" in html


def test_admin_change_link_fills_in_the_form(client, partner, programme_admin):
    provider = ProviderFactory()
    client.force_login(programme_admin)
    html = html_of(client, ALLOCATIONS, partner=partner.slug, provider=provider.slug, total=7)
    assert f'<option value="{partner.slug}" selected>' in html
    assert f'<option value="{provider.slug}" selected>' in html
    assert 'value="7"' in html


def test_admin_sets_a_partners_seats(client, partner, programme_admin):
    provider = ProviderFactory(name="Coursera")
    client.force_login(programme_admin)

    response = client.post(
        ALLOCATIONS,
        {"partner": partner.slug, "provider": provider.slug, "total": 25},
        follow=True,
    )

    assert f"{partner.name} now has 25 seats at Coursera (0 in use)." in messages_of(response)
    assert SeatAllocation.objects.get(partner=partner, provider=provider).total == 25
    assert AuditEvent.objects.filter(action="seats.allocated", actor=programme_admin).exists()


def test_admin_cannot_set_fewer_seats_than_are_used(client, partner, programme_admin):
    allocation = SeatAllocationFactory(partner=partner, total=10, used=6)
    client.force_login(programme_admin)

    response = client.post(
        ALLOCATIONS,
        {"partner": partner.slug, "provider": allocation.provider.slug, "total": 5},
    )

    assert response.status_code == 200
    assert "6 seats are in use; the allocation cannot be smaller." in response.content.decode()
    assert 'value="5"' in response.content.decode()
    assert SeatAllocation.objects.get(pk=allocation.pk).total == 10


@pytest.mark.parametrize(
    "data",
    [
        {"partner": "no-such", "total": 5},
        {"total": -1},
        {"total": "many"},
    ],
)
def test_admin_bad_allocation_input_is_explained(client, partner, programme_admin, data):
    provider = ProviderFactory()
    client.force_login(programme_admin)
    response = client.post(
        ALLOCATIONS, {"partner": partner.slug, "provider": provider.slug, **data}
    )
    assert response.status_code == 200
    assert 'class="invalid-feedback"' in response.content.decode()
    assert not SeatAllocation.objects.exists()


def test_adding_seats_enrols_waiting_learners_in_order(
    client, partner, programme_admin, django_capture_on_commit_callbacks
):
    course = voucher_course(partner, seats=0, codes=5)
    learners = [verified_learner(partner) for _ in range(3)]
    for learner in learners:
        client.force_login(learner)
        client.post(reverse("courses:enrol", args=[course.pk]))
    client.force_login(programme_admin)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            ALLOCATIONS, {"partner": partner.slug, "provider": course.provider.slug, "total": 2}
        )

    statuses = [Enrolment.objects.get(learner=learner).status for learner in learners]
    assert statuses == [EnrolmentStatus.ACTIVE, EnrolmentStatus.ACTIVE, EnrolmentStatus.WAITLISTED]
    assert SeatAllocation.objects.get(partner=partner).used == 2
    # The page shows the seats used as counted at the last refresh, protected; "Full" now.
    cell = html_of(client, ALLOCATIONS).split(f"{partner.name}</th>")[1].split("</td>")[0]
    assert "&lt;5 / 2" in cell
    assert ">Full</span>" in cell


# Ours: the providers, the page's count and its partners, their allocations, the sums per provider,
# the form's two lists (7); the rest is the same on every staff page (3).
ALLOCATIONS_QUERIES = 10


@pytest.mark.parametrize("size", [2, 30])
def test_allocations_page_costs_the_same_number_of_queries_at_any_size(
    client, programme_admin, django_assert_num_queries, size
):
    providers = ProviderFactory.create_batch(3)
    for _ in range(size):
        partner = PartnerFactory()
        for provider in providers[:2]:
            SeatAllocationFactory(partner=partner, provider=provider)
    client.force_login(programme_admin)
    client.get(ALLOCATIONS)
    with django_assert_num_queries(ALLOCATIONS_QUERIES):
        response = client.get(ALLOCATIONS)
    assert response.status_code == 200


def test_allocations_page_shows_no_individual_learner(client, partner, programme_admin):
    learner = LearnerFactory(email="private.person@example.org")
    VerifiedEnrolmentFactory(learner=learner, partner=partner)
    client.force_login(programme_admin)
    assert "private.person" not in html_of(client, ALLOCATIONS)
    assert "private.person" not in html_of(client, CODES)


# --- voucher codes (programme admins) ------------------------------------------------------------


@pytest.fixture
def voucher_provider(db):
    return ProviderFactory(name="Coursera", slug="coursera", access_method=AccessMethod.VOUCHER)


def import_codes(client, provider, upload):
    return client.post(CODES, {"provider": provider.slug, "csv_file": upload}, follow=True)


def test_admin_imports_codes_one_per_line_and_duplicates_are_skipped(
    client, programme_admin, voucher_provider
):
    AccessCodeFactory(provider=voucher_provider, code="OLD-1")
    AccessCodeFactory(code="OTHER-PROVIDER")  # the same code at another provider is no clash
    client.force_login(programme_admin)

    response = import_codes(
        client,
        voucher_provider,
        csv_upload("\ufeffNEW-1\nNEW-2\n\nNEW-1\nOLD-1\n  NEW-3  \nOTHER-PROVIDER\n"),
    )

    assert "Coursera: 4 added, 2 skipped" in messages_of(response)
    assert sorted(
        AccessCode.objects.filter(provider=voucher_provider).values_list("code", flat=True)
    ) == ["NEW-1", "NEW-2", "NEW-3", "OLD-1", "OTHER-PROVIDER"]
    event = AuditEvent.objects.get(action="codes.imported")
    assert event.data == {"added": 4, "skipped": 2}
    assert event.actor == programme_admin


def test_admin_imports_codes_from_a_code_column(client, programme_admin, voucher_provider):
    client.force_login(programme_admin)
    upload = csv_upload("batch,Code,expires\n7,AAA-1,2030\n7,AAA-2,2030\n7,,2030\n")

    response = import_codes(client, voucher_provider, upload)

    assert "2 added, 0 skipped" in messages_of(response)
    assert set(AccessCode.objects.values_list("code", flat=True)) == {"AAA-1", "AAA-2"}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\xff\xfeA\x00B\x00", "The file is not in UTF-8."),
        ("A1,B1\nA2,B2\n", "Line 1 has several values."),
        ("", "The submitted file is empty."),
        ("\n \n,\n", "The file holds no codes."),
        ("X" * 101 + "\n", "Line 1 holds a code longer than 100 characters."),
        ("\n".join(f"C{n}" for n in range(MAX_CODES_PER_FILE + 1)), "more than 50,000 codes"),
        (b"A" * (2 * 1024 * 1024 + 1), "larger than 2 MB"),
    ],
    ids=["encoding", "columns", "empty", "blank", "too-long", "too-many", "too-big"],
)
def test_a_bad_file_is_refused_with_a_reason_and_nothing_is_stored(
    client, programme_admin, voucher_provider, content, message
):
    client.force_login(programme_admin)
    response = import_codes(client, voucher_provider, csv_upload(content))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not AccessCode.objects.exists()


def test_codes_cannot_be_imported_for_a_provider_without_vouchers(
    client, programme_admin, voucher_provider
):
    api = ProviderFactory(access_method=AccessMethod.API)
    client.force_login(programme_admin)
    response = import_codes(client, api, csv_upload("A1\n"))
    assert "Select a valid choice" in response.content.decode()
    assert not AccessCode.objects.exists()


def test_codes_page_shows_codes_received_and_whether_any_is_left_not_how_many_were_given(
    client, programme_admin, voucher_provider
):
    """Codes given out are learners enrolled: not counted on the page (nor codes left, which
    is the same number)."""
    AccessCodeFactory.create_batch(3, provider=voucher_provider)
    enrolment = VerifiedEnrolmentFactory(course__provider=voucher_provider)
    AccessCodeFactory(provider=voucher_provider, enrolment=enrolment)
    client.force_login(programme_admin)

    row = html_of(client, CODES).split("Coursera</th>")[1].split("</tr>")[0]
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
    assert cells[0] == "4"
    assert "Available" in cells[1]
    assert "3" not in cells and "1" not in cells

    AccessCode.objects.filter(enrolment__isnull=True).delete()
    row = html_of(client, CODES).split("Coursera</th>")[1].split("</tr>")[0]
    assert re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)[0] == "1"  # received (3 deleted unused)
    assert "None left" in row


# --- e-mails -------------------------------------------------------------------------------------


def test_failed_enrolment_email_apologises_without_the_internal_error(
    partner, django_capture_on_commit_callbacks
):
    from credentials.services.enrolments import enrolment_fail

    learner = verified_learner(partner, email="amina@example.org")
    enrolment = VerifiedEnrolmentFactory(
        learner=learner, partner=partner, status=EnrolmentStatus.PROVISIONING
    )
    with django_capture_on_commit_callbacks(execute=True):
        enrolment_fail(
            enrolment_id=enrolment.pk,
            reason="HTTP 500 from https://internal/x",
            cause=EnrolmentFailureCause.PROVIDER_UNAVAILABLE,
        )

    [email] = mail.outbox
    assert enrolment.course.title in email.subject
    assert "We are sorry" in email.body
    assert "HTTP 500" not in email.body
    assert f"/courses/{enrolment.course.pk}/" in email.body
    assert "refugee" not in email.body.lower()


def test_emails_are_written_in_the_learners_language(
    client, partner, django_capture_on_commit_callbacks
):
    course = voucher_course(partner)
    learner = verified_learner(partner, language="ar")
    client.force_login(learner)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("courses:enrol", args=[course.pk]))
    [email] = mail.outbox
    assert email.to == [learner.email]
    assert course.title in email.subject


# --- the Django admin ----------------------------------------------------------------------------


def test_enrolments_are_not_in_the_django_admin():
    assert Enrolment not in django_admin.site._registry
    assert {Provider, AccessCode, SeatAllocation} <= set(django_admin.site._registry)


def test_provider_token_is_stored_encrypted_and_never_shown(client, programme_admin):
    client.force_login(programme_admin)
    response = client.post(
        reverse("admin:credentials_provider_add"),
        {
            "name": "Provider API",
            "slug": "provider-api",
            "website": "https://provider.example",
            "access_method": AccessMethod.API,
            "api_enrolment_url": "https://provider.example/enrol",
            "api_token": "tok-very-secret-1",
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    provider = Provider.objects.get(slug="provider-api")
    assert decrypt_text(provider.api_token_encrypted) == "tok-very-secret-1"

    change = reverse("admin:credentials_provider_change", args=[provider.pk])
    html = html_of(client, change)
    assert "tok-very-secret-1" not in html
    assert provider.api_token_encrypted not in html

    # Saving without typing a token keeps it.
    client.post(
        change,
        {
            "name": "Provider API renamed",
            "slug": "provider-api",
            "access_method": AccessMethod.API,
            "api_enrolment_url": "https://provider.example/enrol",
            "is_active": "on",
        },
    )
    provider.refresh_from_db()
    assert provider.name == "Provider API renamed"
    assert decrypt_text(provider.api_token_encrypted) == "tok-very-secret-1"
    assert AuditEvent.objects.filter(action="provider.changed").exists()


def test_api_provider_without_a_token_is_refused_in_the_admin(client, programme_admin):
    client.force_login(programme_admin)
    response = client.post(
        reverse("admin:credentials_provider_add"),
        {"name": "P", "slug": "p", "access_method": AccessMethod.API, "is_active": "on"},
    )
    assert response.status_code == 200
    assert "need a token" in response.content.decode()
    assert not Provider.objects.exists()


def test_admin_lists_codes_and_courses(client, programme_admin, voucher_provider):
    AccessCodeFactory(provider=voucher_provider, code="VISIBLE-CODE")
    CourseFactory(title="Listed course")
    client.force_login(programme_admin)
    assert "VISIBLE-CODE" in html_of(client, reverse("admin:credentials_accesscode_changelist"))
    assert "Listed course" in html_of(client, reverse("admin:credentials_course_changelist"))
    assert client.get(reverse("admin:credentials_seatallocation_changelist")).status_code == 200


def test_a_code_given_out_cannot_be_deleted_in_the_admin(client, programme_admin):
    enrolment = VerifiedEnrolmentFactory()
    code = AccessCodeFactory(provider=enrolment.course.provider, enrolment=enrolment)
    client.force_login(programme_admin)
    url = reverse("admin:credentials_accesscode_delete", args=[code.pk])
    assert client.post(url, {"post": "yes"}).status_code == 403
    assert AccessCode.objects.filter(pk=code.pk).exists()


def test_staff_need_mfa_for_these_pages_too(client, partner):
    coordinator = staff_of(partner)
    coordinator.authenticator_set.all().delete()
    client.force_login(coordinator)
    assert client.get(usage_url(partner)).status_code == 302
    give_totp(coordinator)
    assert client.get(usage_url(partner)).status_code == 200
