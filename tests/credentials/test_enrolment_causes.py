"""Why an enrolment failed or was withdrawn is a choice, not English text to search: what the
learner is told follows the cause, and enrolments from before the causes existed get theirs from
their text (migration 0004)."""

import importlib

import pytest
from django.apps import apps

from credentials.models import (
    Enrolment,
    EnrolmentFailureCause,
    EnrolmentRevokeCause,
    EnrolmentStatus,
)

from .conftest import verified_learner
from .factories import EnrolmentFactory
from .test_catalogue import dashboard_html

pytestmark = pytest.mark.django_db

causes = importlib.import_module("credentials.migrations.0004_enrolment_failure_and_revoke_causes")


@pytest.mark.parametrize(
    ("reason", "cause"),
    [
        ("no unused access codes for provider 7", "no_access_codes"),
        ("provider answered 400", "provider_refused"),
        ("provider answered 422", "provider_refused"),
        # Retried 4xx answers and 5xx: the provider was unavailable to the end.
        ("provider answered 429", "provider_unavailable"),
        ("provider answered 503", "provider_unavailable"),
        ("provider did not answer in time", "provider_unavailable"),
        ("provider unreachable: ConnectionRefusedError", "provider_unavailable"),
    ],
)
def test_earlier_failure_reasons_map_to_their_cause(reason, cause):
    assert causes.failure_cause(reason) == cause
    assert cause in EnrolmentFailureCause.values


@pytest.mark.parametrize(
    ("reason", "cause"),
    [
        ("verification expired while waiting", "verification_expired"),
        ("Asked twice by mistake.", "partner"),
        ("", "account_deleted"),
    ],
)
def test_earlier_revoke_reasons_map_to_their_cause(reason, cause):
    assert causes.revoke_cause(reason) == cause
    assert cause in EnrolmentRevokeCause.values


def test_data_migration_sets_the_cause_of_earlier_enrolments_and_keeps_their_text():
    codes = EnrolmentFactory(
        status=EnrolmentStatus.FAILED, failure_reason="no unused access codes for provider 7"
    )
    refused = EnrolmentFactory(
        status=EnrolmentStatus.FAILED, failure_reason="provider answered 400"
    )
    lapsed = EnrolmentFactory(
        status=EnrolmentStatus.REVOKED, revoke_reason="verification expired while waiting"
    )
    withdrawn = EnrolmentFactory(status=EnrolmentStatus.REVOKED, revoke_reason="Duplicate")
    active = EnrolmentFactory(status=EnrolmentStatus.ACTIVE)

    causes.set_causes(apps, None)

    found = {e.pk: e for e in Enrolment.objects.all()}
    assert found[codes.pk].failure_cause == EnrolmentFailureCause.NO_ACCESS_CODES
    assert found[codes.pk].failure_reason == "no unused access codes for provider 7"
    assert found[refused.pk].failure_cause == EnrolmentFailureCause.PROVIDER_REFUSED
    assert found[lapsed.pk].revoke_cause == EnrolmentRevokeCause.VERIFICATION_EXPIRED
    assert found[withdrawn.pk].revoke_cause == EnrolmentRevokeCause.PARTNER
    assert (found[active.pk].failure_cause, found[active.pk].revoke_cause) == ("", "")


def test_learner_is_told_their_verification_expired_by_the_cause_not_the_text(client, partner):
    learner = verified_learner(partner)
    EnrolmentFactory(
        learner=learner,
        partner=partner,
        status=EnrolmentStatus.REVOKED,
        revoke_reason="verification expired while waiting",
        revoke_cause=EnrolmentRevokeCause.VERIFICATION_EXPIRED,
    )
    html = dashboard_html(client, learner)
    assert "Your verification expired while you were on the waiting list." in html
    assert "verification expired while waiting" not in html


def test_learner_is_told_codes_ran_out_only_when_that_is_the_cause(client, partner):
    learner = verified_learner(partner)
    EnrolmentFactory(
        learner=learner,
        partner=partner,
        status=EnrolmentStatus.FAILED,
        # The provider's own words mention access codes, but it refused the enrolment.
        failure_reason="provider answered 422: access code field missing",
        failure_cause=EnrolmentFailureCause.PROVIDER_REFUSED,
    )
    html = dashboard_html(client, learner)
    assert "did not confirm your access" in html
    assert "had all been given out" not in html
