"""Background jobs: e-mail leaves through the outbox and Celery, after the transaction commits."""

import pytest
from django.core import mail
from django.core.mail import EmailMessage
from django.db import transaction

from portal.emails import email_from_payload, email_send, email_to_payload
from tests.celery_worker import worker_outbox_messages


def test_email_payload_round_trips_text_and_html():
    from django.core.mail import EmailMultiAlternatives

    message = EmailMultiAlternatives("Subject", "text body", "from@example.org", ["to@example.org"])
    message.attach_alternative("<p>html body</p>", "text/html")
    again = email_from_payload(email_to_payload(message))
    assert (again.subject, again.body, again.to) == ("Subject", "text body", ["to@example.org"])
    assert again.alternatives[0][0] == "<p>html body</p>"


@pytest.mark.django_db(transaction=True)
def test_email_is_not_sent_when_the_transaction_rolls_back():
    with pytest.raises(RuntimeError), transaction.atomic():
        email_send(EmailMessage("Never", "body", to=["x@example.org"]))
        raise RuntimeError
    assert mail.outbox == []


@pytest.mark.django_db(transaction=True)
def test_email_is_sent_after_commit():
    with transaction.atomic():
        email_send(EmailMessage("After commit", "body", to=["x@example.org"]))
        assert mail.outbox == []
    assert [m.subject for m in mail.outbox] == ["After commit"]


@pytest.mark.django_db(transaction=True)
def test_email_to_reserved_invalid_addresses_is_never_queued():
    email_send(EmailMessage("Bulk", "body", to=["learner7@bulk.invalid"]))
    email_send(EmailMessage("Mixed", "body", to=["Learner <a@bulk.invalid>", "b@example.org"]))
    assert [(m.subject, m.to) for m in mail.outbox] == [("Mixed", ["b@example.org"])]


@pytest.mark.worker
def test_a_real_worker_sends_the_email_through_redis(celery_worker):
    with transaction.atomic():
        email_send(EmailMessage("Through the worker", "hello", to=["learner@example.org"]))
    messages = worker_outbox_messages(celery_worker)
    assert messages, "the worker did not send the e-mail within 60 s"
    content = messages[0]
    assert "Subject: Through the worker" in content
    assert mail.outbox == []  # it was not sent in this process
