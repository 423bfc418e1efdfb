"""The machine-client APIs under schemathesis: every operation of the OpenAPI schema the portal
publishes, with generated valid and invalid requests, checked by every schemathesis check,
including `ignored_auth` (an operation that declares a key but answers without one).

Requests go to the WSGI application in-process, so they see the test's database. Each operation
is called with a real key (a partner's for the partner API, a provider's for completions), so
the authenticated paths are explored, not only the 401s.
"""

from datetime import timedelta

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import HealthCheck
from hypothesis import settings as fuzzing
from schemathesis.checks import CHECKS, load_all_checks
from schemathesis.core.parameters import ParameterLocation

from credentials.models import EnrolmentStatus
from credentials.services.provider_keys import provider_api_key_create
from partners.models import ApplicationStatus, StaffRole
from partners.services.api_keys import api_key_create
from tests.credentials.factories import CourseFactory, EnrolmentFactory, ProviderFactory
from tests.partners.factories import ApplicationFactory, MembershipFactory, PartnerFactory
from tests.portal.factories import LearnerFactory, ProgrammeAdminFactory

SCHEMA_URL = "/api/schema/?format=json"

load_all_checks()
ALL_CHECKS = CHECKS.get_all()


# Loaded once, when the tests are collected (the schema view reads no data).
schema = schemathesis.openapi.from_wsgi(SCHEMA_URL, get_wsgi_application())


def aim_at_real_applications(case, application_ids: list[int]) -> None:
    """Generated ids almost never name an application; most valid ones are mapped onto the
    partner's applications (and one of another partner's), so reads and decisions are really
    exercised, while a third stay as generated (mostly 404s)."""
    generated = (case.path_parameters or {}).get("id")
    if not isinstance(generated, int) or case.meta.is_negative_at(ParameterLocation.PATH):
        return
    if generated % 3:
        case.path_parameters["id"] = application_ids[generated % len(application_ids)]


@pytest.fixture(autouse=True)
def _keep_the_test_connection(db):
    """As Django's test client does: a request must not close the database connection that
    holds the test's transaction."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def keys(db):
    """Real keys, and data for them to find: open applications of the partner, and an active
    enrolment in one of the provider's courses."""
    partner = PartnerFactory()
    coordinator = MembershipFactory(partner=partner, role=StaffRole.COORDINATOR).user
    applications = [
        *ApplicationFactory.create_batch(4, partner=partner, status=ApplicationStatus.SUBMITTED),
        *ApplicationFactory.create_batch(
            2, partner=partner, status=ApplicationStatus.INFO_REQUESTED
        ),
        ApplicationFactory(
            partner=partner,
            status=ApplicationStatus.APPROVED,
            verified_until=timezone.now() + timedelta(days=365),
        ),
        ApplicationFactory(status=ApplicationStatus.SUBMITTED),  # another partner's
    ]
    partner_key = api_key_create(partner=partner, name="Case system", acting_user=coordinator)[1]
    provider = ProviderFactory()
    course = CourseFactory(provider=provider, external_id="ML-101")
    EnrolmentFactory(
        learner=LearnerFactory(email="learner@example.org"),
        course=course,
        partner=partner,
        status=EnrolmentStatus.ACTIVE,
    )
    provider_key = provider_api_key_create(
        provider=provider, name="Feed", acting_user=ProgrammeAdminFactory()
    )[1]
    return {
        "partner": partner_key,
        "provider": provider_key,
        "application_ids": [application.pk for application in applications],
    }


@pytest.fixture(autouse=True)
def _generous_rate_limits(settings):
    """The fuzzer would soon exhaust a realistic per-key limit; limits have their own tests."""
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"partner_api": "100000/min", "provider_api": "100000/min"},
    }


@schema.parametrize()
@fuzzing(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
    database=None,
)
def test_api_conforms_to_its_schema_under_generated_input(case, keys):
    key = keys["provider"] if case.path.startswith("/api/v1/completions") else keys["partner"]
    aim_at_real_applications(case, keys["application_ids"])
    # Uncompressed: the in-process transport does not undo Content-Encoding as an HTTP client would.
    headers = {"Authorization": f"Api-Key {key}", "Accept-Encoding": "identity"}
    case.call_and_validate(headers=headers, checks=ALL_CHECKS)
