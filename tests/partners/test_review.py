"""Staff review pages: the queue, an application, decisions and document downloads."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from partners.models import (
    Application,
    ApplicationStatus,
    DisplacementStatus,
    EvidenceDocument,
    RejectionReason,
)
from partners.services.applications import Decision, application_submit
from portal.models import AuditEvent
from tests.portal.conftest import give_totp
from tests.portal.factories import LearnerFactory, PartnerStaffFactory

from .conftest import pdf_upload, png_upload, staff_of
from .factories import ApplicationFactory, MembershipFactory, PartnerFactory
from .hostile_documents import jobs_after_commit

CASE_NUMBER = "LB-2291-K44"


def queue_url(partner) -> str:
    return f"/staff/{partner.slug}/applications/"


def detail_url(partner, application) -> str:
    return f"/staff/{partner.slug}/applications/{application.pk}/"


def decide_url(partner, application) -> str:
    return f"/staff/{partner.slug}/applications/{application.pk}/decide/"


def document_url(partner, document) -> str:
    return f"/staff/{partner.slug}/documents/{document.pk}/"


def submitted(partner, *, learner=None, case_number=CASE_NUMBER, documents=None, **kwargs):
    learner = learner or LearnerFactory()
    with jobs_after_commit():  # documents are rebuilt after commit, as outside tests
        return application_submit(
            learner=learner,
            partner=partner,
            displacement_status=kwargs.pop("displacement_status", DisplacementStatus.REFUGEE),
            country_of_residence=kwargs.pop("country_of_residence", "JO"),
            case_number=case_number,
            note=kwargs.pop("note", "I fled in 2019."),
            documents=documents or [],
            acting_user=learner,
        )


def listed_ids(response) -> list[int]:
    return [row.application.pk for row in response.context["rows"]]


@pytest.fixture
def signed_in(client, reviewer):
    client.force_login(reviewer)
    return client


# --- staff home ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_staff_home_with_one_partner_goes_straight_to_its_queue(client, reviewer, partner):
    client.force_login(reviewer)
    response = client.get("/staff/")
    assert response.status_code == 302
    assert response["Location"] == queue_url(partner)


@pytest.mark.django_db
def test_staff_home_lists_every_partner_of_a_staff_member(client, partner, other_partner):
    staff = staff_of(partner)
    staff_of(other_partner)  # someone else at the other partner
    MembershipFactory(user=staff, partner=other_partner)
    third = PartnerFactory(name="Not mine")
    client.force_login(staff)
    response = client.get("/staff/")
    assert response.status_code == 200
    page = response.content.decode()
    assert queue_url(partner) in page and queue_url(other_partner) in page
    assert queue_url(third) not in page


@pytest.mark.django_db
def test_staff_home_of_staff_without_a_partner_says_so(client):
    staff = PartnerStaffFactory()
    give_totp(staff)
    client.force_login(staff)
    response = client.get("/staff/")
    assert response.status_code == 200
    assert "not on the staff of any organisation" in response.content.decode()


@pytest.mark.django_db
def test_staff_home_is_404_for_learners_and_programme_admins(client, learner, programme_admin):
    for user in (learner, programme_admin):
        client.force_login(user)
        assert client.get("/staff/").status_code == 404


# --- who may see what ---------------------------------------------------------------------------


@pytest.fixture
def application_with_document(partner):
    application = submitted(partner, documents=[pdf_upload()])
    return application, application.documents.get()


@pytest.mark.django_db
def test_reviewer_of_other_partner_gets_404_everywhere(
    client, partner, other_reviewer, application_with_document
):
    application, document = application_with_document
    client.force_login(other_reviewer)
    assert client.get(queue_url(partner)).status_code == 404
    assert client.post(queue_url(partner), {"q": CASE_NUMBER}).status_code == 404
    assert client.get(detail_url(partner, application)).status_code == 404
    assert client.post(decide_url(partner, application), {"decision": "approve"}).status_code == 404
    assert client.get(document_url(partner, document)).status_code == 404
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED
    assert not AuditEvent.objects.filter(
        action__in=["application.viewed", "document.downloaded"]
    ).exists()


@pytest.mark.django_db
def test_reviewer_of_other_partner_gets_404_through_their_own_partners_links(
    client, other_partner, other_reviewer, application_with_document
):
    application, document = application_with_document
    client.force_login(other_reviewer)
    assert client.get(detail_url(other_partner, application)).status_code == 404
    response = client.post(decide_url(other_partner, application), {"decision": "approve"})
    assert response.status_code == 404
    assert client.get(document_url(other_partner, document)).status_code == 404
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["learner", "owner", "programme_admin"])
def test_learners_and_programme_admins_get_404_on_staff_pages(
    client, request, partner, who, application_with_document
):
    application, document = application_with_document
    user = application.learner if who == "owner" else request.getfixturevalue(who)
    client.force_login(user)
    assert client.get(queue_url(partner)).status_code == 404
    assert client.get(detail_url(partner, application)).status_code == 404
    assert client.post(decide_url(partner, application), {"decision": "approve"}).status_code == 404
    assert client.get(document_url(partner, document)).status_code == 404
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED


@pytest.mark.django_db
def test_anonymous_visitor_is_sent_to_sign_in(client, partner, application_with_document):
    application, document = application_with_document
    for url in (
        "/staff/",
        queue_url(partner),
        detail_url(partner, application),
        document_url(partner, document),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]


@pytest.mark.django_db
def test_unknown_partner_and_application_are_404(signed_in, partner):
    assert signed_in.get("/staff/no-such-partner/applications/").status_code == 404
    assert signed_in.get(f"/staff/{partner.slug}/applications/999999/").status_code == 404
    assert signed_in.get(f"/staff/{partner.slug}/documents/999999/").status_code == 404


# --- the queue ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_queue_shows_only_this_partners_submitted_applications_oldest_first(
    signed_in, partner, other_partner
):
    now = timezone.now()
    newer = ApplicationFactory(partner=partner, submitted_at=now - timedelta(days=1))
    older = ApplicationFactory(partner=partner, submitted_at=now - timedelta(days=9))
    ApplicationFactory(partner=partner, status=ApplicationStatus.REJECTED)
    ApplicationFactory(partner=other_partner)
    response = signed_in.get(queue_url(partner))
    assert response.status_code == 200
    assert listed_ids(response) == [older.pk, newer.pk]


@pytest.mark.django_db
def test_queue_row_shows_id_date_age_status_country_documents_and_email_only(signed_in, partner):
    application = submitted(
        partner,
        note="Private note about my family",
        country_of_residence="LB",
        displacement_status=DisplacementStatus.STATELESS,
        documents=[pdf_upload(), png_upload()],
    )
    Application.objects.filter(pk=application.pk).update(
        submitted_at=timezone.now() - timedelta(days=12)
    )
    page = signed_in.get(queue_url(partner)).content.decode()
    assert f"Application {application.pk}" in page
    assert "12 days ago" in page
    assert "Stateless person" in page
    assert "Lebanon" in page
    assert "2 documents" in page
    assert application.learner.email in page
    assert CASE_NUMBER not in page
    assert "Private note" not in page


@pytest.mark.django_db
def test_queue_hides_placeholder_address_of_learner_registered_in_person(
    signed_in, partner, settings
):
    learner = LearnerFactory(email=f"k7q2m9@{settings.NO_EMAIL_DOMAIN}")
    submitted(partner, learner=learner)
    page = signed_in.get(queue_url(partner)).content.decode()
    assert "k7q2m9" not in page
    assert "No e-mail (registered in person)" in page


@pytest.mark.django_db
def test_queue_counts_applications_per_status(signed_in, partner, other_partner):
    ApplicationFactory.create_batch(3, partner=partner)
    ApplicationFactory.create_batch(2, partner=partner, status=ApplicationStatus.INFO_REQUESTED)
    ApplicationFactory(partner=partner, status=ApplicationStatus.WITHDRAWN)
    ApplicationFactory.create_batch(4, partner=other_partner)
    response = signed_in.get(queue_url(partner))
    counts = {tab.value: tab.count for tab in response.context["tabs"]}
    assert counts["submitted"] == 3
    assert counts["info_requested"] == 2
    assert counts["withdrawn"] == 1
    assert counts["approved"] == 0
    assert counts["all"] == 6
    active = [tab.value for tab in response.context["tabs"] if tab.active]
    assert active == ["submitted"]
    page = response.content.decode()
    assert "?status=info_requested" in page


@pytest.mark.django_db
def test_status_tab_shows_that_status_and_all_shows_everything(signed_in, partner):
    waiting = ApplicationFactory(partner=partner, status=ApplicationStatus.INFO_REQUESTED)
    open_one = ApplicationFactory(partner=partner)
    response = signed_in.get(queue_url(partner), {"status": "info_requested"})
    assert listed_ids(response) == [waiting.pk]
    response = signed_in.get(queue_url(partner), {"status": "all"})
    assert set(listed_ids(response)) == {waiting.pk, open_one.pk}


@pytest.mark.django_db
def test_queue_filters_by_country_of_residence(signed_in, partner):
    in_jordan = ApplicationFactory(partner=partner, country_of_residence="JO")
    ApplicationFactory(partner=partner, country_of_residence="LB")
    response = signed_in.get(queue_url(partner), {"country": "JO"})
    assert listed_ids(response) == [in_jordan.pk]
    assert response.context["tabs"][0].count == 1  # counts follow the filters


@pytest.mark.django_db
@pytest.mark.parametrize(("age", "expected"), [("7", 2), ("14", 1), ("30", 0), ("", 3)])
def test_queue_filters_by_waiting_time(signed_in, partner, age, expected):
    now = timezone.now()
    for days in (1, 8, 15):
        ApplicationFactory(partner=partner, submitted_at=now - timedelta(days=days))
    response = signed_in.get(queue_url(partner), {"age": age})
    assert len(listed_ids(response)) == expected


@pytest.mark.django_db
def test_invalid_filters_are_explained_and_the_defaults_used(signed_in, partner):
    application = ApplicationFactory(partner=partner)
    response = signed_in.get(queue_url(partner), {"status": "bogus", "age": "3", "country": "ZZ"})
    assert response.status_code == 200
    assert listed_ids(response) == [application.pk]
    assert set(response.context["form"].errors) == {"status", "age", "country"}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "typed", [CASE_NUMBER, "lb-2291-k44", "LB 2291 K44", " lb2291k44 ", "Lb\u20132291\u2013K44"]
)
def test_search_by_case_number_ignores_spaces_dashes_and_case(signed_in, partner, typed):
    wanted = submitted(partner)
    submitted(partner, case_number="LB-2291-K45")
    response = signed_in.post(queue_url(partner), {"q": typed, "status": "all"})
    assert response.status_code == 200
    assert listed_ids(response) == [wanted.pk]


@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["Amal.Search@Example.org", "amal.search@example.org"])
def test_search_by_email_is_exact_and_ignores_case(signed_in, partner, typed):
    wanted = submitted(partner, learner=LearnerFactory(email="amal.search@example.org"))
    submitted(partner, learner=LearnerFactory(email="amal.search2@example.org"))
    response = signed_in.post(queue_url(partner), {"q": typed, "status": "all"})
    assert listed_ids(response) == [wanted.pk]
    partial = signed_in.post(queue_url(partner), {"q": "amal.search", "status": "all"})
    assert listed_ids(partial) == []


@pytest.mark.django_db
def test_search_finds_only_this_partners_applications(signed_in, partner, other_partner):
    submitted(other_partner)
    response = signed_in.post(queue_url(partner), {"q": CASE_NUMBER, "status": "all"})
    assert listed_ids(response) == []
    assert "No application matches" in response.content.decode()


@pytest.mark.django_db
def test_search_term_never_goes_into_a_link(signed_in, partner):
    submitted(partner)
    response = signed_in.post(queue_url(partner), {"q": CASE_NUMBER, "status": "all"})
    page = response.content.decode()
    assert f'value="{CASE_NUMBER}"' in page  # kept in the form, for the next search
    assert "q=" not in page.replace('name="q"', "")
    # A search in the address bar is ignored rather than encouraged.
    ignored = signed_in.get(queue_url(partner), {"q": "no-such-number", "status": "all"})
    assert len(listed_ids(ignored)) == 1


@pytest.mark.django_db
def test_empty_search_goes_back_to_the_plain_queue(signed_in, partner):
    response = signed_in.post(queue_url(partner), {"q": "  ", "status": "approved", "age": "7"})
    assert response.status_code == 302
    assert response["Location"] == f"{queue_url(partner)}?status=approved&age=7"


def walk_pages(client, partner, params: dict) -> list[int]:
    seen: list[int] = []
    response = client.get(queue_url(partner), params)
    for _ in range(100):
        seen += listed_ids(response)
        if not response.context["next_cursor"]:
            return seen
        assert 'rel="next"' in response.content.decode()
        response = client.get(f"{queue_url(partner)}?{response.context['next_query']}")
    raise AssertionError("pagination did not end")


@pytest.mark.django_db
def test_keyset_pagination_neither_repeats_nor_misses_with_equal_timestamps(signed_in, partner):
    base = timezone.now() - timedelta(days=3)
    # Groups of seven share one timestamp, so the id must break ties.
    applications = [
        ApplicationFactory(partner=partner, submitted_at=base + timedelta(minutes=n // 7))
        for n in range(60)
    ]
    ApplicationFactory.create_batch(
        5, partner=partner, status=ApplicationStatus.APPROVED, verified_until=timezone.localdate()
    )
    seen = walk_pages(signed_in, partner, {})
    expected = [a.pk for a in sorted(applications, key=lambda a: (a.submitted_at, a.pk))]
    assert seen == expected


@pytest.mark.django_db
def test_next_page_keeps_the_filters(signed_in, partner):
    for _ in range(30):
        ApplicationFactory(partner=partner, country_of_residence="LB")
    ApplicationFactory.create_batch(3, partner=partner, country_of_residence="JO")
    response = signed_in.get(queue_url(partner), {"country": "LB", "status": "all"})
    assert "country=LB" in response.context["next_query"]
    assert "status=all" in response.context["next_query"]
    assert len(walk_pages(signed_in, partner, {"country": "LB", "status": "all"})) == 30


@pytest.mark.django_db
def test_search_results_page_on_with_a_form_not_a_link(signed_in, partner):
    learner = LearnerFactory(email="many@example.org")
    for status in [ApplicationStatus.WITHDRAWN] * 30:
        ApplicationFactory(partner=partner, learner=learner, status=status)
    first = signed_in.post(queue_url(partner), {"q": "many@example.org", "status": "all"})
    assert len(listed_ids(first)) == 25
    assert 'rel="next"' not in first.content.decode()
    second = signed_in.post(
        queue_url(partner),
        {"q": "many@example.org", "status": "all", "cursor": first.context["next_cursor"]},
    )
    assert len(listed_ids(second)) == 5
    assert not set(listed_ids(first)) & set(listed_ids(second))


@pytest.mark.django_db
def test_bad_cursor_shows_the_first_page(signed_in, partner):
    application = ApplicationFactory(partner=partner)
    for cursor in ("garbage", "!!!", "MjAyMHx4"):
        response = signed_in.get(queue_url(partner), {"cursor": cursor})
        assert response.status_code == 200
        assert listed_ids(response) == [application.pk]


# Session, user and MFA checks (3), then the partner, the staff member's memberships and the page
# with its e-mails and document counts (3); the counts per status come from the cache once
# counted (partners/selectors.py), but a search counts them every time (+1).
QUEUE_QUERIES = 6
QUEUE_SEARCH_QUERIES = 7


@pytest.mark.django_db
@pytest.mark.parametrize("size", [10, 200])
def test_queue_costs_the_same_queries_whatever_its_size(
    signed_in, partner, size, django_assert_num_queries
):
    now = timezone.now()
    learners = LearnerFactory.create_batch(size)
    applications = Application.objects.bulk_create(
        Application(
            learner=learner,
            partner=partner,
            displacement_status=DisplacementStatus.REFUGEE,
            country_of_residence="JO",
            submitted_at=now - timedelta(minutes=n),
        )
        for n, learner in enumerate(learners)
    )
    EvidenceDocument.objects.bulk_create(
        EvidenceDocument(application=a, kind="pdf", size=100) for a in applications
    )
    signed_in.get(queue_url(partner))  # the first request after sign-in also writes the session
    with django_assert_num_queries(QUEUE_QUERIES):
        response = signed_in.get(queue_url(partner))
    assert len(listed_ids(response)) == min(size, 25)
    with django_assert_num_queries(QUEUE_SEARCH_QUERIES):
        signed_in.post(queue_url(partner), {"q": learners[0].email, "status": "all"})


# --- one application ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_detail_shows_the_record_and_audits_each_view(signed_in, reviewer, partner):
    application = submitted(
        partner, note="I fled in 2019.", documents=[pdf_upload()], country_of_residence="LB"
    )
    for expected in (1, 2):
        response = signed_in.get(detail_url(partner, application))
        assert response.status_code == 200
        assert (
            AuditEvent.objects.filter(
                action="application.viewed", object_id=str(application.pk), actor=reviewer
            ).count()
            == expected
        )
    page = response.content.decode()
    assert CASE_NUMBER in page
    assert "I fled in 2019." in page
    assert "Lebanon" in page
    assert "Refugee" in page
    document = application.documents.get()
    assert document_url(partner, document) in page
    for decision in Decision.ALL:
        assert f'value="{decision}"' in page
    assert "no-store" in response["Cache-Control"]
    event = AuditEvent.objects.filter(action="application.viewed").first()
    assert event.partner_id == partner.pk


@pytest.mark.django_db
def test_detail_of_a_decided_application_shows_history_and_no_forms(signed_in, reviewer, partner):
    application = submitted(partner)
    signed_in.post(
        decide_url(partner, application),
        {"decision": Decision.REQUEST_INFO, "message": "Please add your card."},
    )
    page = signed_in.get(detail_url(partner, application)).content.decode()
    assert "Please add your card." in page
    assert reviewer.email in page
    assert 'value="approve"' not in page
    assert "there is no decision to make now" in page


@pytest.mark.django_db
def test_detail_shows_purged_documents_without_a_link(signed_in, partner):
    application = submitted(partner, documents=[pdf_upload()])
    document = application.documents.get()
    EvidenceDocument.objects.filter(pk=document.pk).update(file="", purged_at=timezone.now())
    page = signed_in.get(detail_url(partner, application)).content.decode()
    assert document_url(partner, document) not in page
    assert "Deleted on" in page


# --- decisions ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_approving_redirects_to_the_queue_with_a_message(
    signed_in, reviewer, partner, django_capture_on_commit_callbacks
):
    application = submitted(partner)
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in.post(
            decide_url(partner, application), {"decision": "approve", "note": "Saw card."}
        )
    assert response.status_code == 302
    assert response["Location"] == queue_url(partner)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.APPROVED
    assert application.decided_by == reviewer
    assert application.decision_note == "Saw card."
    # "Received" when the learner applied, then the decision.
    assert len(mail.outbox) == 2
    assert "approved your application" in mail.outbox[1].subject
    followed = signed_in.get(response["Location"])
    assert f"Application {application.pk} is verified" in followed.content.decode()


@pytest.mark.django_db
def test_request_for_information_is_saved(signed_in, partner):
    application = submitted(partner)
    response = signed_in.post(
        decide_url(partner, application),
        {"decision": "request_info", "message": "Please send the back of the card."},
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == ApplicationStatus.INFO_REQUESTED
    assert application.info_request_message == "Please send the back of the card."


@pytest.mark.django_db
def test_rejection_is_saved_with_its_reason(signed_in, partner):
    application = submitted(partner)
    response = signed_in.post(
        decide_url(partner, application),
        {"decision": "reject", "reason": RejectionReason.DUPLICATE, "note": "Second account."},
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == ApplicationStatus.REJECTED
    assert application.rejection_reason == RejectionReason.DUPLICATE


@pytest.mark.django_db
def test_request_for_information_without_message_is_explained_and_nothing_changes(
    signed_in, partner
):
    application = submitted(partner)
    response = signed_in.post(decide_url(partner, application), {"decision": "request_info"})
    assert response.status_code == 400
    assert "Please write what information you need." in response.content.decode()
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED


@pytest.mark.django_db
@pytest.mark.parametrize("reason", ["", "made_up"])
def test_rejection_without_valid_reason_keeps_the_typed_note(signed_in, partner, reason):
    application = submitted(partner)
    response = signed_in.post(
        decide_url(partner, application),
        {"decision": "reject", "reason": reason, "note": "Typed note kept"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Typed note kept" in page
    assert "reason" in response.context["decision_forms"]["reject"].errors
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED


@pytest.mark.django_db
@pytest.mark.parametrize("decision", ["", "maybe"])
def test_unknown_decision_is_refused(signed_in, partner, decision):
    application = submitted(partner)
    response = signed_in.post(decide_url(partner, application), {"decision": decision})
    assert response.status_code == 400
    assert "Unknown decision" in response.content.decode()
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED


@pytest.mark.django_db
def test_approving_twice_shows_an_error_and_changes_nothing(
    signed_in, partner, django_capture_on_commit_callbacks
):
    application = submitted(partner)
    with django_capture_on_commit_callbacks(execute=True):
        signed_in.post(decide_url(partner, application), {"decision": "approve"})
    application.refresh_from_db()
    decided_at = application.decided_at
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in.post(
            decide_url(partner, application), {"decision": "reject", "reason": "other"}
        )
    assert response.status_code == 409
    assert "only a submitted application can be decided" in response.content.decode()
    application.refresh_from_db()
    assert application.status == ApplicationStatus.APPROVED
    assert application.decided_at == decided_at
    assert len(mail.outbox) == 2  # "received", then the one decision


@pytest.mark.django_db
def test_deciding_on_a_withdrawn_application_shows_an_error(signed_in, partner):
    application = ApplicationFactory(partner=partner, status=ApplicationStatus.WITHDRAWN)
    response = signed_in.post(decide_url(partner, application), {"decision": "approve"})
    assert response.status_code == 409
    assert "Withdrawn" in response.content.decode()
    application.refresh_from_db()
    assert application.status == ApplicationStatus.WITHDRAWN


@pytest.mark.django_db
def test_decide_accepts_only_post(signed_in, partner):
    application = submitted(partner)
    assert signed_in.get(decide_url(partner, application)).status_code == 405


@pytest.mark.django_db
def test_coordinator_can_decide(client, coordinator, partner):
    application = submitted(partner)
    client.force_login(coordinator)
    response = client.post(decide_url(partner, application), {"decision": "approve"})
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == ApplicationStatus.APPROVED


# --- documents ----------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("upload", "content_type", "extension"),
    [(pdf_upload, "application/pdf", "pdf"), (png_upload, "image/png", "png")],
)
def test_staff_download_is_an_uncached_attachment_and_is_audited(
    signed_in, reviewer, partner, upload, content_type, extension
):
    application = submitted(partner, documents=[upload("my-name-and-case-number.bin")])
    document = application.documents.get()
    response = signed_in.get(document_url(partner, document))
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"] == (
        f'attachment; filename="document-{document.pk}.{extension}"'
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"
    body = b"".join(response.streaming_content)
    assert len(body) == document.size
    event = AuditEvent.objects.get(action="document.downloaded")
    assert event.actor == reviewer
    assert event.object_id == str(document.pk)
    assert event.partner_id == partner.pk


@pytest.mark.django_db
def test_download_of_a_file_missing_from_storage_is_404(signed_in, partner):
    application = submitted(partner, documents=[pdf_upload()])
    document = application.documents.get()
    document.file.storage.delete(document.file.name)
    assert signed_in.get(document_url(partner, document)).status_code == 404


@pytest.mark.django_db
def test_history_survives_the_deciders_account_being_deleted(signed_in, partner):
    application = ApplicationFactory(
        partner=partner,
        status=ApplicationStatus.REJECTED,
        rejection_reason=RejectionReason.NOT_ELIGIBLE,
        decided_at=timezone.now(),
        decided_by=None,
    )
    page = signed_in.get(detail_url(partner, application)).content.decode()
    assert "a former staff member" in page
    assert "Not eligible for this programme" in page


@pytest.mark.django_db
def test_queue_links_to_the_partners_other_pages_by_role(client, reviewer, coordinator, partner):
    client.force_login(reviewer)
    page = client.get(queue_url(partner)).content.decode()
    assert f"/staff/{partner.slug}/register/" in page
    assert f"/staff/{partner.slug}/team/" not in page
    client.force_login(coordinator)
    page = client.get(queue_url(partner)).content.decode()
    assert f"/staff/{partner.slug}/team/" in page
    assert f"/staff/{partner.slug}/api-keys/" in page
