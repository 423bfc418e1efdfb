"""The verification journey's background work, through Redis and a real Celery worker process."""

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.template.loader import render_to_string
from django.utils import translation

from partners.models import ApplicationStatus, StaffRole
from partners.services.applications import Decision, application_decide
from partners.services.notifications import EVENT_TEMPLATES
from tests.celery_worker import worker_outbox_messages
from tests.partners.factories import ApplicationFactory, MembershipFactory, PartnerFactory
from tests.portal.factories import LearnerFactory, PartnerStaffFactory


@pytest.mark.worker
def test_a_decision_reaches_the_learner_through_the_worker_in_their_language(celery_worker):
    partner = PartnerFactory(name="Amal Learning Network")
    reviewer = PartnerStaffFactory()
    TOTP.activate(reviewer, generate_totp_secret())
    MembershipFactory(user=reviewer, partner=partner, role=StaffRole.REVIEWER)
    learner = LearnerFactory(email="farah@example.org", language="fr")
    application = ApplicationFactory(learner=learner, partner=partner)

    application_decide(application=application, decision=Decision.APPROVE, acting_user=reviewer)

    application.refresh_from_db()
    assert application.status == ApplicationStatus.APPROVED
    messages = worker_outbox_messages(celery_worker)
    assert messages, "the worker sent no e-mail within 60 s"
    message = messages[0]
    assert "To: farah@example.org" in message
    assert "Amal Learning Network" in message
    # Rendered by the worker in the learner's language (French), not in English.
    with translation.override("en"):
        english_subject = " ".join(
            render_to_string(
                f"{EVENT_TEMPLATES['approve']}_subject.txt",
                {"partner": partner, "application": application, "user": learner},
            ).split()
        )
    assert "Subject: " in message
    assert f"Subject: {english_subject}" not in message
