"""Bulk learner invitations: a CSV upload, checked line by line, sent once in the background."""

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from partners.models import InvitationBatch, InvitationRow, StaffRole
from partners.services.invitations import invitation_batch_create, invitation_batch_send
from partners.tasks import invitation_batch_send_task
from portal.models import AuditEvent
from tests.partners.factories import MembershipFactory, PartnerFactory
from tests.portal.conftest import give_totp
from tests.portal.factories import LearnerFactory

pytestmark = pytest.mark.django_db

Result = InvitationRow.Result


def coordinator_of(partner):
    user = MembershipFactory(partner=partner, role=StaffRole.COORDINATOR).user
    give_totp(user)
    return user


def csv_upload(text: str | bytes, name="people.csv") -> SimpleUploadedFile:
    data = text.encode("utf-8") if isinstance(text, str) else text
    return SimpleUploadedFile(name, data, content_type="text/csv")


def upload(client, slug, text, capture):
    with capture(execute=True):
        return client.post(
            reverse("partners:bulk_invitations", kwargs={"slug": slug}),
            {"csv_file": csv_upload(text)},
        )


def results(batch):
    return {row.email: (row.result, row.error) for row in batch.rows.all()}


def test_upload_sends_each_valid_line_once_and_reports_the_rest(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    partner = PartnerFactory(slug="hope", name="Hope")
    client.force_login(coordinator_of(partner))
    LearnerFactory(email="has.account@example.org")
    text = (
        "email,name,language\n"
        "amina@example.org,Amina,ar\n"
        "jean@example.org,Jean,FR\n"
        "not-an-email,Bad,en\n"
        "x@example.org,Unknown,zz\n"
        "AMINA@example.org,Amina again,ar\n"
        "has.account@example.org,Has,en\n"
        "plain@example.org,,\n"
    )
    response = upload(client, "hope", text, django_capture_on_commit_callbacks)
    batch = InvitationBatch.objects.get()
    assert response.status_code == 302
    assert response.url == reverse(
        "partners:bulk_invitation_detail", kwargs={"slug": "hope", "batch_id": batch.pk}
    )
    assert results(batch) == {
        "amina@example.org": (Result.SENT, ""),
        "jean@example.org": (Result.SENT, ""),
        "not-an-email": (Result.INVALID, "invalid_email"),
        "x@example.org": (Result.INVALID, "unknown_language"),
        "AMINA@example.org": (Result.DUPLICATE, "repeated_in_file"),
        # Staff are not told that the address has an account (docs/decisions/0015).
        "has.account@example.org": (Result.SENT, ""),
        "plain@example.org": (Result.SENT, ""),
    }
    assert batch.total == 7
    batch.refresh_from_db()
    assert batch.status == InvitationBatch.Status.DONE
    assert sorted(m.to[0] for m in mailoutbox) == [
        "amina@example.org",
        "has.account@example.org",
        "jean@example.org",
        "plain@example.org",
    ]
    join = f"{settings.SITE_URL.rstrip('/')}/join/hope/"
    # The account's owner is told they already have one, instead of being invited again.
    notice = next(m for m in mailoutbox if m.to == ["has.account@example.org"])
    assert "already have an account" in notice.body and join not in notice.body
    assert all(join in m.body for m in mailoutbox if m is not notice)
    by_address = {m.to[0]: m for m in mailoutbox}
    assert "Amina" in by_address["amina@example.org"].body
    assert batch.rows.get(email="jean@example.org").language == "fr"
    assert batch.rows.get(email="plain@example.org").language == settings.LANGUAGE_CODE
    # The results page explains each line.
    page = client.get(response.url).content.decode()
    assert "already earlier in the file" in page
    assert "already has an account" not in page
    assert "Unknown language" in page
    assert "not a valid e-mail address" in page
    assert AuditEvent.objects.filter(action="invitation_batch.created").exists()
    assert "amina" not in str(AuditEvent.objects.get(action="invitation_batch.created").data)


def test_invitation_email_is_written_in_each_rows_language(
    monkeypatch, mailoutbox, django_capture_on_commit_callbacks
):
    from django.template import loader
    from django.utils import translation

    import partners.services.invitations as service

    languages = {}

    def recording_render(name, context):
        languages.setdefault(context["name"], translation.get_language())
        return loader.render_to_string(name, context)

    monkeypatch.setattr(service, "render_to_string", recording_render)
    partner = PartnerFactory(name="Hope")
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        invitation_batch_create(
            partner=partner,
            csv_file=csv_upload(
                "email,name,language\nj@example.org,Jean,fr\na@example.org,Amina,ar\n"
            ),
            acting_user=coordinator_of(partner),
        )
    assert languages == {"Jean": "fr", "Amina": "ar"}
    assert len(mailoutbox) == 2


def test_address_invited_in_an_earlier_batch_is_a_duplicate(
    mailoutbox, django_capture_on_commit_callbacks
):
    partner = PartnerFactory()
    coordinator = coordinator_of(partner)
    with django_capture_on_commit_callbacks(execute=True):
        invitation_batch_create(
            partner=partner, csv_file=csv_upload("email\na@example.org\n"), acting_user=coordinator
        )
        second = invitation_batch_create(
            partner=partner,
            csv_file=csv_upload("email\nA@Example.org\nb@example.org\n"),
            acting_user=coordinator,
        )
    assert results(second) == {
        "A@Example.org": (Result.DUPLICATE, "invited_before"),
        "b@example.org": (Result.SENT, ""),
    }
    assert len(mailoutbox) == 2
    # Another partner may still invite the same person.
    other = PartnerFactory()
    with django_capture_on_commit_callbacks(execute=True):
        third = invitation_batch_create(
            partner=other,
            csv_file=csv_upload("email\na@example.org\n"),
            acting_user=coordinator_of(other),
        )
    assert results(third) == {"a@example.org": (Result.SENT, "")}


def test_a_byte_order_mark_is_accepted(django_capture_on_commit_callbacks):
    partner = PartnerFactory()
    with django_capture_on_commit_callbacks(execute=True):
        batch = invitation_batch_create(
            partner=partner,
            csv_file=csv_upload("\ufeffemail,name,language\r\na@example.org,Ä Ö,ar\r\n".encode()),
            acting_user=coordinator_of(partner),
        )
    assert results(batch) == {"a@example.org": (Result.SENT, "")}
    assert batch.rows.get().name == "Ä Ö"
    assert batch.rows.get().line == 2


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("name,language\nAmina,ar\n", "first line must name the columns"),
        ("e-mail,name\na@example.org,A\n", "first line must name the columns"),
        ("email,phone\na@example.org,123\n", "first line must name the columns"),
        ("", "file is empty"),
        ("email,name,language\n", "nobody to invite"),
        (b"email\n" + "é@example.org\n".encode("latin-1"), "not in UTF-8"),
    ],
    ids=["no-email-column", "misspelt-column", "unknown-column", "empty", "header-only", "latin1"],
)
def test_a_bad_file_is_refused_with_a_clear_message(
    client, django_capture_on_commit_callbacks, content, message
):
    partner = PartnerFactory(slug="hope")
    client.force_login(coordinator_of(partner))
    response = upload(client, "hope", content, django_capture_on_commit_callbacks)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not InvitationBatch.objects.exists()


# The limits of every CSV upload (portal.csv_upload, docs/decisions/0019): 2 MB, 20,000 lines.


def test_a_file_over_2_mb_is_refused(client, django_capture_on_commit_callbacks):
    partner = PartnerFactory(slug="hope")
    client.force_login(coordinator_of(partner))
    big = "email,name\n" + "".join(f"p{i}@example.org,{'x' * 120}\n" for i in range(20000))
    assert len(big.encode()) > 2 * 1024 * 1024
    response = upload(client, "hope", big, django_capture_on_commit_callbacks)
    assert response.status_code == 200
    assert "larger than 2 MB" in response.content.decode()
    assert not InvitationBatch.objects.exists()


def test_more_than_20000_lines_are_refused(client, django_capture_on_commit_callbacks):
    partner = PartnerFactory(slug="hope")
    client.force_login(coordinator_of(partner))
    text = "email\n" + "".join(f"p{i}@example.org\n" for i in range(20_001))
    response = upload(client, "hope", text, django_capture_on_commit_callbacks)
    assert response.status_code == 200
    assert "more than 20,000 lines" in response.content.decode()
    assert not InvitationBatch.objects.exists()


def test_running_the_task_again_sends_nothing_twice(mailoutbox, django_capture_on_commit_callbacks):
    partner = PartnerFactory()
    with django_capture_on_commit_callbacks(execute=True):
        batch = invitation_batch_create(
            partner=partner,
            csv_file=csv_upload("email\na@example.org\nb@example.org\n"),
            acting_user=coordinator_of(partner),
        )
    assert len(mailoutbox) == 2
    with django_capture_on_commit_callbacks(execute=True):
        invitation_batch_send_task.delay(batch.pk)
        invitation_batch_send_task.delay(batch.pk)
    assert len(mailoutbox) == 2
    # Even when the batch is put back to "running" (a worker died after claiming lines),
    # lines already claimed are not sent again.
    InvitationBatch.objects.filter(pk=batch.pk).update(status=InvitationBatch.Status.RUNNING)
    with django_capture_on_commit_callbacks(execute=True):
        assert invitation_batch_send(batch_id=batch.pk) == 0
    assert len(mailoutbox) == 2
    batch.refresh_from_db()
    assert batch.status == InvitationBatch.Status.DONE


def test_a_batch_goes_from_pending_to_running_to_done(django_capture_on_commit_callbacks):
    partner = PartnerFactory()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        batch = invitation_batch_create(
            partner=partner,
            csv_file=csv_upload("email\na@example.org\n"),
            acting_user=coordinator_of(partner),
        )
    assert batch.status == InvitationBatch.Status.PENDING
    assert batch.rows.get().result == Result.PENDING
    assert len(callbacks) == 1  # the job is enqueued only when the upload commits
    with django_capture_on_commit_callbacks(execute=True):
        callbacks[0]()
    batch.refresh_from_db()
    assert batch.status == InvitationBatch.Status.DONE
    assert batch.rows.get().result == Result.SENT


def test_results_page_shows_progress_while_sending(client, django_capture_on_commit_callbacks):
    partner = PartnerFactory(slug="hope")
    client.force_login(coordinator_of(partner))
    with django_capture_on_commit_callbacks(execute=False):
        batch = invitation_batch_create(
            partner=partner,
            csv_file=csv_upload("email\na@example.org\n"),
            acting_user=partner.memberships.get().user,
        )
    url = reverse("partners:bulk_invitation_detail", kwargs={"slug": "hope", "batch_id": batch.pk})
    body = client.get(url + "?auto=1").content.decode()
    assert 'http-equiv="refresh"' in body
    assert "Invitations are being sent." in body
    invitation_batch_send(batch_id=batch.pk)
    assert 'http-equiv="refresh"' not in client.get(url).content.decode()


def _batch_with_rows(partner, n):
    batch = InvitationBatch.objects.create(partner=partner, total=n, status="done")
    InvitationRow.objects.bulk_create(
        InvitationRow(
            batch=batch,
            line=i + 2,
            email=f"p{i}@example.org",
            result=[Result.SENT, Result.DUPLICATE, Result.INVALID][i % 3],
            error="" if i % 3 == 0 else ("repeated_in_file" if i % 3 == 1 else "invalid_email"),
        )
        for i in range(n)
    )
    return batch


def test_results_page_costs_the_same_queries_for_10_and_200_rows(client, django_assert_num_queries):
    partner = PartnerFactory(slug="hope")
    client.force_login(coordinator_of(partner))
    small = _batch_with_rows(partner, 10)
    large = _batch_with_rows(partner, 200)

    def url(batch):
        return reverse(
            "partners:bulk_invitation_detail", kwargs={"slug": "hope", "batch_id": batch.pk}
        )

    client.get(url(small))
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small_queries:
        response = client.get(url(small))
    assert response.status_code == 200
    with django_assert_num_queries(len(small_queries.captured_queries)):
        response = client.get(url(large))
    body = response.content.decode()
    assert "p99@example.org" in body and "p100@example.org" not in body  # 100 a page
    assert response.context["batch"].sent_count == 67
    second = client.get(url(large) + "?page=2").content.decode()
    assert "p100@example.org" in second


def test_upload_page_lists_recent_batches(client):
    partner = PartnerFactory(slug="hope")
    client.force_login(coordinator_of(partner))
    _batch_with_rows(partner, 5)
    response = client.get(reverse("partners:bulk_invitations", kwargs={"slug": "hope"}))
    assert response.status_code == 200
    assert f"{settings.SITE_URL.rstrip('/')}/join/hope/" in response.content.decode()
    assert response.context["batches"][0].sent_count == 2


def test_coordinator_of_another_partner_gets_404_on_a_batch(client):
    partner_a = PartnerFactory(slug="a")
    partner_b = PartnerFactory(slug="b")
    batch = _batch_with_rows(partner_a, 3)
    client.force_login(coordinator_of(partner_b))
    for slug in ("a", "b"):
        url = reverse(
            "partners:bulk_invitation_detail", kwargs={"slug": slug, "batch_id": batch.pk}
        )
        assert client.get(url).status_code == 404


def test_reviewer_cannot_upload(client, django_capture_on_commit_callbacks):
    partner = PartnerFactory(slug="hope")
    reviewer = MembershipFactory(partner=partner, role=StaffRole.REVIEWER).user
    give_totp(reviewer)
    client.force_login(reviewer)
    response = upload(client, "hope", "email\na@example.org\n", django_capture_on_commit_callbacks)
    assert response.status_code == 404
    assert not InvitationBatch.objects.exists()


def test_reconciler_resends_a_batch_whose_job_was_lost(
    mailoutbox, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    from django.utils import timezone

    from partners.tasks import invitation_batches_reconcile_task

    partner = PartnerFactory()
    with django_capture_on_commit_callbacks(execute=False):  # the enqueue is lost
        batch = invitation_batch_create(
            partner=partner,
            csv_file=csv_upload("email\na@example.org\n"),
            acting_user=coordinator_of(partner),
        )
    with django_capture_on_commit_callbacks(execute=True):
        invitation_batches_reconcile_task.delay()
    assert mailoutbox == []  # too recent: its job may still be on its way
    InvitationBatch.objects.filter(pk=batch.pk).update(
        created_at=timezone.now() - timedelta(hours=1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        invitation_batches_reconcile_task.delay()
    assert [m.to for m in mailoutbox] == [["a@example.org"]]
    batch.refresh_from_db()
    assert batch.status == InvitationBatch.Status.DONE
