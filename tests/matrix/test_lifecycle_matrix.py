"""Learners in every lifecycle state across two partners, against every staff URL and partner-API
call about a learner, for the staff and API keys of both partners.

The rule (partners/reach.py, docs/decisions/0013): staff act on a learner only while the
learner's current application (their latest, whatever its state) is with their partner; anyone
else gets 404, as for something that does not exist, and a refused POST changes nothing. Staff
never issue a one-time password once someone has signed in to the account.

Each learner's expected reach is written down in world.LIFECYCLE, not computed from the code
under test.
"""

import pytest
from django.test import Client
from django.urls import reverse

from credentials.models import Enrolment
from learners.views_assisted import SLIP_LEARNER_KEY
from partners.models import Application, ApplicationStatus
from portal.models import User

from .test_permission_matrix import world  # noqa: F401 (the fixture, with its private storage)
from .world import LIFECYCLE, build_lifecycle

A, B = "partner-a", "partner-b"
STAFF_A = ("reviewer_a", "coordinator_a")
STAFF_B = ("reviewer_b", "coordinator_b")
STAFF = STAFF_A + STAFF_B
NAMES = list(LIFECYCLE)


@pytest.fixture
def lifecycle(world):  # noqa: F811
    return build_lifecycle(world)


def staff(lifecycle, role: str) -> Client:
    """One signed-in client per staff member for the whole test (signing in costs queries)."""
    clients = lifecycle.__dict__.setdefault("_clients", {})
    if role not in clients:
        clients[role] = Client()
        clients[role].force_login(lifecycle.staff[role])
    return clients[role]


def side(role: str) -> str:
    return role[-1]  # "a" or "b"


def api(key_text: str) -> dict:
    return {"headers": {"Authorization": f"Api-Key {key_text}"}}


def state() -> tuple:
    """Everything a staff action about a learner could change."""
    return (
        list(Application.objects.order_by("pk").values_list("pk", "status", "decided_by_id")),
        list(Enrolment.objects.order_by("pk").values_list("pk", "status", "revoke_reason")),
        list(
            User.objects.filter(role="learner")
            .order_by("pk")
            .values_list("pk", "password", "password_is_temporary")
        ),
    )


def test_every_lifecycle_state_is_built_as_described(lifecycle):
    for name, learner in lifecycle.learners.items():
        current = (
            Application.objects.filter(learner=learner.user).order_by("-created_at", "-pk").first()
        )
        if learner.reach is None:
            assert not learner.user.is_active, name
        else:
            assert current.partner.slug == f"partner-{learner.reach}", name
    moved = lifecycle.learners["moved_to_b"]
    assert moved.application_a.assisted
    assert moved.application_b.status == ApplicationStatus.APPROVED


# --- pages --------------------------------------------------------------------------------------


def test_application_page_only_for_staff_of_the_learners_current_partner(lifecycle):
    actual, expected = {}, {}
    for name, learner in lifecycle.learners.items():
        for role in STAFF:
            client = staff(lifecycle, role)
            own = side(role)
            slug = A if own == "a" else B
            # The learner's application with the staff member's own partner, if any.
            application = learner.application_a if own == "a" else learner.application_b
            if application is not None:
                url = reverse("partners:application", args=[slug, application.pk])
                actual[name, role, "own"] = client.get(url).status_code
                expected[name, role, "own"] = 200 if learner.reach == own else 404
            # The other partner's application, under either partner's link.
            other = learner.application_b if own == "a" else learner.application_a
            if other is not None:
                for link in (A, B):
                    url = reverse("partners:application", args=[link, other.pk])
                    actual[name, role, link] = client.get(url).status_code
                    expected[name, role, link] = 404
    assert actual == expected


def test_evidence_documents_only_for_staff_of_the_learners_current_partner(lifecycle):
    actual, expected = {}, {}
    for name, learner in lifecycle.learners.items():
        if learner.document_a is None:  # erased: the documents went with the account
            continue
        for role in STAFF:
            slug = A if side(role) == "a" else B
            url = reverse("partners:document_download", args=[slug, learner.document_a.pk])
            actual[name, role] = staff(lifecycle, role).get(url).status_code
            expected[name, role] = 200 if side(role) == "a" and learner.reach == "a" else 404
    assert actual == expected


def test_the_queue_lists_and_finds_only_learners_still_with_the_partner(lifecycle):
    for role in STAFF:
        client = staff(lifecycle, role)
        own = side(role)
        url = reverse("partners:queue", args=[A if own == "a" else B])
        listed = {row.application.pk for row in client.get(url, {"status": "all"}).context["rows"]}
        for name, learner in lifecycle.learners.items():
            mine = learner.application_a if own == "a" else learner.application_b
            theirs = learner.application_b if own == "a" else learner.application_a
            if mine is not None:
                assert (mine.pk in listed) == (learner.reach == own), (name, role)
            if theirs is not None:
                assert theirs.pk not in listed, (name, role)
            # A search by e-mail address finds nobody out of reach either.
            found = client.post(url, {"q": learner.user.email, "status": "all"}).context["rows"]
            assert bool(found) == (learner.reach == own and mine is not None), (name, role)
        # The tabs count what is listed, nothing more.
        tabs = client.get(url, {"status": "all"}).context["tabs"]
        assert tabs[0].count == len(listed), role


def test_enrolments_and_their_revocation_only_while_the_learner_is_with_the_partner(lifecycle):
    coordinator = staff(lifecycle, "coordinator_a")
    page = coordinator.get(reverse("seats:enrolments", args=[A]))
    listed = {e.pk for e in page.context["listing"].page.object_list}
    actual, expected = {}, {}
    for name, learner in lifecycle.learners.items():
        enrolment = learner.enrolment_a
        if enrolment is None:
            continue
        reachable = learner.reach == "a"
        assert (enrolment.pk in listed) == reachable, name
        assert (learner.user.email in page.content.decode()) == reachable, name
        for role in STAFF:
            slug = A if side(role) == "a" else B
            url = reverse("seats:revoke", args=[slug, enrolment.pk])
            actual[name, role] = staff(lifecycle, role).get(url).status_code
            expected[name, role] = 200 if role == "coordinator_a" and reachable else 404
    assert actual == expected

    before = state()
    for name, learner in lifecycle.learners.items():
        if learner.enrolment_a is None or learner.reach == "a":
            continue
        url = reverse("seats:revoke", args=[A, learner.enrolment_a.pk])
        response = coordinator.post(url, {"reason": "Moved away"})
        assert response.status_code == 404, name
    assert state() == before


def test_the_access_slip_shows_only_learners_still_with_the_partner(lifecycle):
    for name, learner in lifecycle.learners.items():
        for role in STAFF_A:
            client = staff(lifecycle, role)
            session = client.session
            session[SLIP_LEARNER_KEY] = {
                "partner_id": lifecycle.learners[name].application_a.partner_id,
                "user_id": learner.user.pk,
            }
            session.save()
            response = client.get(reverse("assisted:slip", args=[A]))
            assert response.status_code == 200
            shown = response.context.get("learner") is not None
            assert shown == (learner.reach == "a" and learner.application_a.assisted), name
            if shown:
                # A learner who has signed in gets no button for a new password.
                offered = response.context["can_issue_password"]
                assert offered == (name == "expired_a"), name


# --- actions ------------------------------------------------------------------------------------


def test_decisions_by_staff_are_refused_for_learners_out_of_reach_and_change_nothing(lifecycle):
    before = state()
    actual, expected = {}, {}
    for name, learner in lifecycle.learners.items():
        for role in STAFF:
            client = staff(lifecycle, role)
            for slug, application in ((A, learner.application_a), (B, learner.application_b)):
                if application is None:
                    continue
                if name == "expired_a_then_b" and slug == B and side(role) == "b":
                    continue  # B's open application: B may decide it (below)
                url = reverse("partners:decide", args=[slug, application.pk])
                code = client.post(url, {"decision": "approve"}).status_code
                actual[name, role, slug] = code
                own = slug[-1] == side(role) and learner.reach == side(role)
                # Within reach, a decided application cannot be decided again (409).
                expected[name, role, slug] = 409 if own else 404
    assert actual == expected
    assert state() == before

    # B, whose application is the learner's current one, decides it.
    waiting = lifecycle.learners["expired_a_then_b"].application_b
    response = staff(lifecycle, "reviewer_b").post(
        reverse("partners:decide", args=[B, waiting.pk]), {"decision": "approve"}
    )
    assert response.status_code == 302
    waiting.refresh_from_db()
    assert waiting.status == ApplicationStatus.APPROVED


def test_a_new_one_time_password_only_before_the_first_sign_in_and_only_by_the_current_partner(
    lifecycle,
):
    before = state()
    actual, expected = {}, {}
    for name, learner in lifecycle.learners.items():
        for role in STAFF:
            if name == "expired_a" and side(role) == "a":
                continue  # the one allowed case, below
            for slug in (A, B):
                url = reverse("assisted:new_password", args=[slug, learner.user.pk])
                actual[name, role, slug] = staff(lifecycle, role).post(url).status_code
                expected[name, role, slug] = 404
    assert actual == expected
    assert state() == before

    learner = lifecycle.learners["expired_a"].user
    url = reverse("assisted:new_password", args=[A, learner.pk])
    assert staff(lifecycle, "reviewer_a").post(url).status_code == 302
    learner.refresh_from_db()
    assert learner.password != next(row for row in before[2] if row[0] == learner.pk)[1]


# --- the partner API ----------------------------------------------------------------------------


def test_partner_api_reads_only_learners_still_with_the_keys_partner(lifecycle):
    actual, expected = {}, {}
    for name, learner in lifecycle.learners.items():
        for key in ("a", "b"):
            for owner, application in (("a", learner.application_a), ("b", learner.application_b)):
                if application is None:
                    continue
                url = reverse("api:application_detail", args=[application.pk])
                response = Client().get(url, **api(lifecycle.api_keys[key]))
                actual[name, key, owner] = response.status_code
                expected[name, key, owner] = 200 if key == owner == learner.reach else 404
    assert actual == expected

    for key in ("a", "b"):
        response = Client().get(reverse("api:applications"), **api(lifecycle.api_keys[key]))
        listed = {row["id"] for row in response.json()["results"]}
        open_and_current = {
            learner.application_b.pk
            for learner in lifecycle.learners.values()
            if key == "b" and learner.application_b is not None
            if learner.application_b.status == ApplicationStatus.SUBMITTED
        }
        lifecycle_ids = {
            application.pk
            for learner in lifecycle.learners.values()
            for application in (learner.application_a, learner.application_b)
            if application is not None
        }
        assert listed & lifecycle_ids == open_and_current, key


def test_partner_api_decisions_are_refused_out_of_reach_and_change_nothing(lifecycle):
    before = state()
    actual, expected = {}, {}
    for name, learner in lifecycle.learners.items():
        for key in ("a", "b"):
            for owner, application in (("a", learner.application_a), ("b", learner.application_b)):
                if application is None or application.status == ApplicationStatus.SUBMITTED:
                    continue
                url = reverse("api:application_decision", args=[application.pk])
                response = Client().post(
                    url,
                    {"decision": "approve"},
                    content_type="application/json",
                    **api(lifecycle.api_keys[key]),
                )
                actual[name, key, owner] = response.status_code
                expected[name, key, owner] = 409 if key == owner == learner.reach else 404
    assert actual == expected
    assert state() == before


def test_bulk_enrolment_enrols_only_learners_verified_by_the_coordinators_partner_now(
    lifecycle, django_capture_on_commit_callbacks
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.credentials.factories import CourseFactory

    course = CourseFactory(provider__access_method="open")
    people = lifecycle.learners.values()
    lines = "".join(f"{learner.user.email},{course.pk}\n" for learner in people)
    enrolled = {}
    for coordinator, slug in (("coordinator_a", A), ("coordinator_b", B)):
        upload = SimpleUploadedFile("learners.csv", f"email,course\n{lines}".encode(), "text/csv")
        with django_capture_on_commit_callbacks(execute=True):
            response = staff(lifecycle, coordinator).post(
                reverse("seats:bulk_enrolment", args=[slug]), {"csv_file": upload}
            )
        assert response.status_code == 302, coordinator
        enrolled[slug] = set(
            Enrolment.objects.filter(course=course, partner__slug=slug).values_list(
                "learner_id", flat=True
            )
        )
    by_name = {learner.user.pk: name for name, learner in lifecycle.learners.items()}
    # Only a current verification counts: approved by the partner and still valid.
    assert {by_name[pk] for pk in enrolled[A]} == {"signed_in_a"}
    assert {by_name[pk] for pk in enrolled[B]} == {"moved_to_b", "rejected_a_then_b"}
