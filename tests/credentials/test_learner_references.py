"""Learner references (docs/decisions/0022-learner-references.md): one random reference per
learner and provider, sent at provisioning instead of the learner's e-mail; completions by
reference, by voucher code or by e-mail (API and CSV), scoped to the reporting provider; the
learner's choice to share their e-mail; export, erasure and the data migration."""

import json
import re
from datetime import timedelta

import pytest
from django.apps import apps as django_apps
from django.conf import settings as django_settings
from django.core import mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from credentials.models import (
    AccessCode,
    AccessMethod,
    EnrolmentStatus,
    ImportJob,
    LearnerReference,
)
from credentials.references import (
    ALPHABET,
    reference_display,
    reference_new,
    reference_normalise,
)
from credentials.services import data_rights as credentials_part
from credentials.services import references as references_service
from credentials.services.enrolments import enrolment_request
from credentials.services.imports import completion_report
from credentials.services.notifications import enrolment_notify_learner
from credentials.services.provider_keys import provider_api_key_create
from credentials.services.references import (
    learner_reference_get_or_create,
    learner_reference_share_email_set,
)
from credentials.signals import enrolment_completed
from portal.models import AuditEvent
from tests.portal.factories import LearnerFactory
from tests.services import require_postgres

from .conftest import api_course, run_in_threads, verified_learner, voucher_course
from .factories import CourseFactory, EnrolmentFactory, ProviderFactory
from .test_imports import csv_upload

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("quick_provider_settings")]

API_URL = "/api/v1/completions/"
COMPLETIONS_URL = "/staff/programme/completions/"
CANONICAL = re.compile(f"[{ALPHABET}]{{12}}")


# --- the form of a reference --------------------------------------------------------------------


def test_a_new_reference_is_12_crockford_characters_and_unguessable():
    drawn = {reference_new() for _ in range(2000)}
    assert len(drawn) == 2000
    assert all(CANONICAL.fullmatch(reference) for reference in drawn)
    assert not any(set("ILOU") & set(reference) for reference in drawn)


@pytest.mark.parametrize(
    "typed",
    [
        "K7QM3XW9PA2D",
        "K7QM-3XW9-PA2D",
        "k7qm-3xw9-pa2d",
        " K7QM 3XW9 PA2D ",
        "k7qm\u20133xw9\u2014pa2d",  # dashes a phone keyboard or a word processor makes
        "K7QM.3XW9.PA2D",
    ],
)
def test_a_reference_is_read_whatever_the_case_and_separators(typed):
    assert reference_normalise(typed) == "K7QM3XW9PA2D"


def test_letters_read_as_digits_and_other_scripts_digits_are_folded():
    assert reference_normalise("O7QM-IXW9-PLZD") == "07QM1XW9P1ZD"
    # Arabic-Indic and Persian digits, as typed on an Arabic or Farsi keyboard.
    assert reference_normalise("K\u0667QM-\u0663XW9-PA\u06f2D") == "K7QM3XW9PA2D"


@pytest.mark.parametrize(
    "typed", ["", "K7QM-3XW9-PA2", "K7QM-3XW9-PA2DX", "K7QM-3XW9-PAUD", "K7QM+3XW9+PA2D", None, 42]
)
def test_anything_else_is_not_a_reference(typed):
    assert reference_normalise(typed) is None


def test_a_reference_is_shown_in_groups_of_four():
    assert reference_display("K7QM3XW9PA2D") == "K7QM-3XW9-PA2D"


# --- one per learner and provider, stable ---------------------------------------------------------


def test_a_learner_has_one_stable_reference_per_provider_different_at_each():
    learner, other = LearnerFactory(), LearnerFactory()
    first, second = ProviderFactory(), ProviderFactory()

    at_first = learner_reference_get_or_create(learner_id=learner.pk, provider_id=first.pk)
    again = learner_reference_get_or_create(learner_id=learner.pk, provider_id=first.pk)
    at_second = learner_reference_get_or_create(learner_id=learner.pk, provider_id=second.pk)
    others = learner_reference_get_or_create(learner_id=other.pk, provider_id=first.pk)

    assert again.pk == at_first.pk and again.reference == at_first.reference
    assert len({at_first.reference, at_second.reference, others.reference}) == 3
    assert LearnerReference.objects.count() == 3


def test_a_new_reference_that_collides_with_one_in_use_is_drawn_again(monkeypatch):
    taken = learner_reference_get_or_create(
        learner_id=LearnerFactory().pk, provider_id=ProviderFactory().pk
    )
    draws = iter([taken.reference, "ABCDEFGH2345"])
    monkeypatch.setattr(references_service, "reference_new", lambda: next(draws))

    made = learner_reference_get_or_create(
        learner_id=LearnerFactory().pk, provider_id=ProviderFactory().pk
    )

    assert made.reference == "ABCDEFGH2345"
    assert LearnerReference.objects.filter(reference=taken.reference).count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_first_enrolments_make_exactly_one_reference():
    require_postgres()
    learner, provider = LearnerFactory(), ProviderFactory()

    def work(_i):
        with transaction.atomic():
            return learner_reference_get_or_create(
                learner_id=learner.pk, provider_id=provider.pk
            ).reference

    results = run_in_threads(8, work)

    assert not [r for r in results if isinstance(r, BaseException)], results
    assert len(set(results)) == 1
    assert LearnerReference.objects.filter(learner=learner, provider=provider).count() == 1


# --- provisioning: what the provider is sent ------------------------------------------------------


def provision(capture, learner, course):
    with capture(execute=True):
        enrolment = enrolment_request(learner=learner, course=course, acting_user=learner)
    enrolment.refresh_from_db()
    return enrolment


def test_the_provider_gets_the_reference_and_no_email_by_default(
    partner, fake_provider, django_capture_on_commit_callbacks
):
    course = api_course(partner, fake_provider)
    learner = verified_learner(partner, email="noor@example.org")

    enrolment = provision(django_capture_on_commit_callbacks, learner, course)

    assert enrolment.status == EnrolmentStatus.ACTIVE
    (received,) = fake_provider.enrolment_requests
    reference = LearnerReference.objects.get(learner=learner, provider=course.provider)
    assert received.json["learner_reference"] == reference.reference
    assert fake_provider.learner_references == [reference.reference]
    assert "email" not in received.json
    assert "noor@" not in received.body.decode()


def test_each_provider_gets_its_own_reference_for_the_same_learner(
    partner, fake_provider, django_capture_on_commit_callbacks
):
    learner = verified_learner(partner)
    for _ in range(2):
        provision(django_capture_on_commit_callbacks, learner, api_course(partner, fake_provider))
    provision(django_capture_on_commit_callbacks, learner, api_course(partner, fake_provider))

    sent = fake_provider.learner_references
    assert len(sent) == 3 and len(set(sent)) == 3


def test_a_second_course_at_the_same_provider_sends_the_same_reference(
    partner, fake_provider, django_capture_on_commit_callbacks
):
    course = api_course(partner, fake_provider)
    learner = verified_learner(partner)
    provision(django_capture_on_commit_callbacks, learner, course)
    provision(django_capture_on_commit_callbacks, learner, CourseFactory(provider=course.provider))

    first, second = fake_provider.learner_references
    assert first == second


def test_a_provider_that_requires_email_gets_a_pseudonymous_address(
    partner, fake_provider, settings, django_capture_on_commit_callbacks
):
    settings.PROVIDER_EMAIL_DOMAIN = "learners.example.org"
    course = api_course(partner, fake_provider)
    course.provider.requires_email = True
    course.provider.save(update_fields=["requires_email"])
    learner = verified_learner(partner, email="noor@example.org")

    provision(django_capture_on_commit_callbacks, learner, course)

    (received,) = fake_provider.enrolment_requests
    reference = received.json["learner_reference"]
    assert received.json["email"] == f"{reference.lower()}@learners.example.org"
    assert "noor@" not in received.body.decode()


def test_a_phone_only_learner_is_never_sent_as_an_empty_or_placeholder_address(
    partner, fake_provider, settings, django_capture_on_commit_callbacks
):
    settings.PROVIDER_EMAIL_DOMAIN = "learners.example.org"
    course = api_course(partner, fake_provider)
    course.provider.requires_email = True
    course.provider.save(update_fields=["requires_email"])
    learner = verified_learner(partner, email=f"x7k2p9@{django_settings.NO_EMAIL_DOMAIN}")
    # Even a stored "share" choice cannot send a placeholder address.
    LearnerReference.objects.create(
        learner=learner, provider=course.provider, reference="ABCDEFGH2345", share_email=True
    )

    provision(django_capture_on_commit_callbacks, learner, course)

    (received,) = fake_provider.enrolment_requests
    assert received.json["email"] == "abcdefgh2345@learners.example.org"
    assert django_settings.NO_EMAIL_DOMAIN not in received.body.decode()


def test_requiring_email_without_a_domain_fails_with_a_reason_staff_can_read(
    partner, fake_provider, settings, django_capture_on_commit_callbacks
):
    settings.PROVIDER_EMAIL_DOMAIN = ""
    course = api_course(partner, fake_provider)
    course.provider.requires_email = True
    course.provider.save(update_fields=["requires_email"])

    enrolment = provision(django_capture_on_commit_callbacks, verified_learner(partner), course)

    assert enrolment.status == EnrolmentStatus.FAILED
    assert "PROVIDER_EMAIL_DOMAIN" in enrolment.failure_reason
    assert fake_provider.enrolment_requests == []


def test_the_deploy_check_warns_when_a_provider_requires_email_without_a_domain(settings):
    from credentials.checks import provider_email_domain_check

    settings.PROVIDER_EMAIL_DOMAIN = ""
    ProviderFactory(slug="needs-mail", access_method=AccessMethod.API, requires_email=True)
    (warning,) = provider_email_domain_check(None)
    assert warning.id == "credentials.W002" and "needs-mail" in warning.msg
    settings.PROVIDER_EMAIL_DOMAIN = "learners.example.org"
    assert provider_email_domain_check(None) == []


def test_the_real_address_goes_only_after_the_learner_chose_to_share_it(
    client, partner, fake_provider, django_capture_on_commit_callbacks
):
    course = api_course(partner, fake_provider)
    learner = verified_learner(partner, email="noor@example.org")
    provision(django_capture_on_commit_callbacks, learner, course)
    client.force_login(learner)

    response = client.post(
        reverse("learner_credentials:share_email", args=[course.provider_id]), {"share": "1"}
    )
    provision(django_capture_on_commit_callbacks, learner, CourseFactory(provider=course.provider))

    assert response.status_code == 302 and response["Location"] == reverse("learners:dashboard")
    before, after = fake_provider.enrolment_requests
    assert "email" not in before.json
    assert after.json["email"] == "noor@example.org"
    event = AuditEvent.objects.get(action="learner_reference.share_email")
    assert event.actor == learner
    assert event.data == {"provider": course.provider_id, "share": True}
    reference = LearnerReference.objects.get(learner=learner)
    assert reference.reference not in json.dumps(event.data)


def test_a_learner_without_an_email_cannot_choose_to_share_one():
    learner = LearnerFactory(email=f"k2p9@{django_settings.NO_EMAIL_DOMAIN}")
    provider = ProviderFactory()
    learner_reference_get_or_create(learner_id=learner.pk, provider_id=provider.pk)

    with pytest.raises(Exception, match="no e-mail address"):
        learner_reference_share_email_set(
            learner=learner, provider_id=provider.pk, share=True, acting_user=learner
        )
    assert LearnerReference.objects.get(learner=learner).share_email is False


def test_sharing_at_a_provider_where_the_learner_has_no_reference_is_404(client):
    learner = LearnerFactory()
    other = LearnerFactory()
    provider = ProviderFactory()
    learner_reference_get_or_create(learner_id=other.pk, provider_id=provider.pk)
    client.force_login(learner)

    response = client.post(
        reverse("learner_credentials:share_email", args=[provider.pk]), {"share": "1"}
    )

    assert response.status_code == 404
    assert LearnerReference.objects.get(learner=other).share_email is False


# --- what the learner sees ------------------------------------------------------------------------


def test_the_dashboard_and_the_email_tell_the_learner_what_to_type(
    client, partner, fake_provider, django_capture_on_commit_callbacks
):
    course = api_course(partner, fake_provider, title="Data Basics")
    learner = verified_learner(partner, email="noor@example.org")
    provision(django_capture_on_commit_callbacks, learner, course)
    shown = reference_display(LearnerReference.objects.get(learner=learner).reference)
    provider = course.provider.name

    (message,) = [m for m in mail.outbox if m.to == ["noor@example.org"]]
    assert f"When {provider} asks for your learner reference, type: {shown}" in message.body
    assert "with the e-mail address you use on this portal" not in message.body

    client.force_login(learner)
    page = client.get(reverse("learners:dashboard")).content.decode()
    assert f"When {provider} asks for your learner reference, type:" in page
    assert shown in page
    assert f"Share my e-mail address with {provider}" in page


def test_a_phone_only_learner_sees_the_reference_and_no_share_toggle(
    client, partner, fake_provider, django_capture_on_commit_callbacks
):
    course = api_course(partner, fake_provider)
    learner = verified_learner(partner, email=f"q8r4@{django_settings.NO_EMAIL_DOMAIN}")
    provision(django_capture_on_commit_callbacks, learner, course)
    client.force_login(learner)

    page = client.get(reverse("learners:dashboard")).content.decode()

    shown = reference_display(LearnerReference.objects.get(learner=learner).reference)
    assert shown in page
    assert "Share my e-mail address" not in page
    assert reverse("learner_credentials:share_email", args=[course.provider_id]) not in page


def test_the_enrolment_notice_carries_the_reference_for_the_sms(
    partner, fake_provider, django_capture_on_commit_callbacks, monkeypatch
):
    course = api_course(partner, fake_provider)
    learner = verified_learner(partner)
    enrolment = provision(django_capture_on_commit_callbacks, learner, course)
    contexts = []
    monkeypatch.setattr(
        "credentials.services.notifications.learner_notify",
        lambda **kwargs: contexts.append(kwargs["context"]) or ("sms",),
    )

    enrolment_notify_learner(enrolment_id=enrolment.pk, event="active")

    reference = LearnerReference.objects.get(learner=learner).reference
    assert contexts[0]["reference"] == reference_display(reference)


# --- completions: by reference, by code, by e-mail ------------------------------------------------


@pytest.fixture
def heard():
    events = []

    def receiver(sender, enrolment_id, **kwargs):
        events.append(enrolment_id)

    enrolment_completed.connect(receiver, weak=False)
    yield events
    enrolment_completed.disconnect(receiver)


def active_with_reference(course, reference: str, **learner_kwargs):
    learner = LearnerFactory(**learner_kwargs)
    LearnerReference.objects.create(learner=learner, provider=course.provider, reference=reference)
    return EnrolmentFactory(
        learner=learner,
        course=course,
        status=EnrolmentStatus.ACTIVE,
        activated_at=timezone.now() - timedelta(days=5),
    )


def post(client, key, body):
    return client.post(
        API_URL,
        json.dumps(body),
        content_type="application/json",
        headers={"Authorization": f"Api-Key {key}"},
    )


@pytest.fixture
def provider_and_key(programme_admin):
    provider = ProviderFactory(name="Open Courses")
    return provider, provider_api_key_create(
        provider=provider, name="Feed", acting_user=programme_admin
    )[1]


def test_a_completion_by_reference_completes_the_enrolment_once(
    client, provider_and_key, heard, django_capture_on_commit_callbacks
):
    provider, key = provider_and_key
    course = CourseFactory(provider=provider, external_id="ML-101")
    enrolment = active_with_reference(
        course, "K7QM3XW9PA2D", email=f"p@{django_settings.NO_EMAIL_DOMAIN}"
    )

    with django_capture_on_commit_callbacks(execute=True):
        first = post(client, key, {"learner_reference": "k7qm-3xw9-pa2d", "course_id": "ML-101"})
        second = post(client, key, {"learner_reference": "K7QM3XW9PA2D", "course_id": "ML-101"})

    assert first.status_code == 200
    assert first.json()["result"] == "completed"
    assert first.json()["learner_reference"] == "k7qm-3xw9-pa2d"
    assert second.json()["result"] == "already_completed"
    assert second.json()["changed"] is False
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.COMPLETED
    assert heard == [enrolment.pk]


def test_another_providers_reference_is_unknown_like_a_made_up_one(client, provider_and_key):
    provider, key = provider_and_key
    CourseFactory(provider=provider, external_id="ML-101")
    elsewhere = CourseFactory(external_id="ML-101")  # another provider, same course id
    other = active_with_reference(elsewhere, "ABCDEFGH2345")
    learner_at_ours = LearnerReference.objects.create(
        learner=other.learner, provider=provider, reference="ZZZZ2222YYYY"
    )
    assert learner_at_ours.reference != "ABCDEFGH2345"

    theirs = post(client, key, {"learner_reference": "ABCD-EFGH-2345", "course_id": "ML-101"})
    made_up = post(client, key, {"learner_reference": "QQQQ-RRRR-SSSS", "course_id": "ML-101"})

    assert theirs.json()["result"] == made_up.json()["result"] == "not_found"
    assert theirs.json()["detail"] == made_up.json()["detail"]
    assert "learner reference" in theirs.json()["detail"]
    other.refresh_from_db()
    assert other.status == EnrolmentStatus.ACTIVE


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ({"learner_reference": "K7QM-3XW9", "course_id": "ML-101"}, "12 letters and digits"),
        ({"course_id": "ML-101"}, "Say who completed the course"),
        (
            {"learner_reference": "K7QM-3XW9-PA2D", "email": "a@example.org", "course_id": "X"},
            "Give only one of",
        ),
        ({"code": ["not", "text"], "course_id": "ML-101"}, "must be plain text"),
    ],
)
def test_a_report_that_does_not_name_one_learner_right_is_invalid_with_a_reason(
    client, provider_and_key, body, detail
):
    _provider, key = provider_and_key
    answer = post(client, key, body).json()
    assert answer["result"] == "invalid"
    assert detail in answer["detail"]


def test_a_voucher_provider_reports_by_the_code_it_issued(
    client, partner, programme_admin, heard, django_capture_on_commit_callbacks
):
    course = voucher_course(partner, codes=2, external_id="VC-1")
    learner = verified_learner(partner)
    provision(django_capture_on_commit_callbacks, learner, course)
    code = AccessCode.objects.get(enrolment__learner=learner)
    key = provider_api_key_create(
        provider=course.provider, name="Feed", acting_user=programme_admin
    )[1]
    # A code another provider issued, with the same text, is not this provider's.
    other_course = voucher_course(partner, codes=0, external_id="VC-1")
    AccessCode.objects.create(provider=other_course.provider, code="SHARED-TEXT")

    with django_capture_on_commit_callbacks(execute=True):
        found = post(client, key, {"code": code.code, "course_id": "VC-1"})
        unknown = post(client, key, {"code": "SHARED-TEXT", "course_id": "VC-1"})

    assert found.json()["result"] == "completed"
    assert unknown.json()["result"] == "not_found"
    assert heard == [code.enrolment_id]


def test_a_completion_by_email_still_works(client, provider_and_key):
    provider, key = provider_and_key
    course = CourseFactory(provider=provider, external_id="ML-101")
    enrolment = active_with_reference(course, "K7QM3XW9PA2D", email="amina@example.org")

    answer = post(client, key, {"email": "amina@example.org", "course_id": "ML-101"}).json()

    assert answer["result"] == "completed"
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.COMPLETED


def test_a_provider_cannot_confirm_a_guessed_address_of_a_learner_it_knows_by_reference(
    client, provider_and_key
):
    """Enrolled since references exist, without sharing their address: a report by that address
    finds nothing (and changes nothing), exactly like an unknown address; once the learner
    chooses to share it with this provider, it names them."""
    provider, key = provider_and_key
    course = CourseFactory(provider=provider, external_id="ML-101")
    learner = LearnerFactory(email="amina@example.org")
    reference = LearnerReference.objects.create(
        learner=learner,
        provider=provider,
        reference="K7QM3XW9PA2D",
        created_at=timezone.now() - timedelta(minutes=1),
    )
    enrolment = EnrolmentFactory(
        learner=learner, course=course, status=EnrolmentStatus.ACTIVE, activated_at=timezone.now()
    )
    guessed = post(client, key, {"email": "Amina@example.org", "course_id": "ML-101"}).json()
    unknown = post(client, key, {"email": "nobody@example.org", "course_id": "ML-101"}).json()

    assert guessed["result"] == unknown["result"] == "not_found"
    assert guessed["detail"] == unknown["detail"]
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.ACTIVE

    reference.share_email = True
    reference.save(update_fields=["share_email"])
    shared = post(client, key, {"email": "amina@example.org", "course_id": "ML-101"}).json()
    assert shared["result"] == "completed"


def test_an_internal_placeholder_address_names_nobody(client, provider_and_key):
    provider, key = provider_and_key
    course = CourseFactory(provider=provider, external_id="ML-101")
    placeholder = f"abcd2345@{django_settings.NO_EMAIL_DOMAIN}"
    enrolment = active_with_reference(course, "K7QM3XW9PA2D", email=placeholder)

    answer = post(client, key, {"email": placeholder, "course_id": "ML-101"}).json()

    assert answer["result"] == "not_found"
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.ACTIVE


def test_the_fake_provider_reports_completions_by_the_references_it_was_given(
    client, partner, fake_provider, programme_admin, django_capture_on_commit_callbacks
):
    course = api_course(partner, fake_provider, external_id="PY-1")
    learners = [
        verified_learner(partner, email=f"q{i}@{django_settings.NO_EMAIL_DOMAIN}") for i in range(2)
    ]
    for learner in learners:
        provision(django_capture_on_commit_callbacks, learner, course)
    key = provider_api_key_create(
        provider=course.provider, name="Feed", acting_user=programme_admin
    )[1]

    items = fake_provider.completion_items(completed_at="2025-03-31")
    answers = post(client, key, items).json()

    assert [a["result"] for a in answers] == ["completed", "completed"]
    assert {i["learner_reference"] for i in items} == set(
        LearnerReference.objects.values_list("reference", flat=True)
    )


def test_a_completion_by_the_pseudonymous_address_finds_the_learner(
    client, provider_and_key, settings
):
    settings.PROVIDER_EMAIL_DOMAIN = "learners.example.org"
    provider, key = provider_and_key
    course = CourseFactory(provider=provider, external_id="ML-101")
    enrolment = active_with_reference(course, "K7QM3XW9PA2D")
    elsewhere = active_with_reference(CourseFactory(external_id="ML-101"), "ABCDEFGH2345")

    ours = post(client, key, {"email": "k7qm3xw9pa2d@learners.example.org", "course_id": "ML-101"})
    theirs = post(
        client, key, {"email": "abcdefgh2345@learners.example.org", "course_id": "ML-101"}
    )

    assert ours.json()["result"] == "completed"
    assert theirs.json()["result"] == "not_found"
    enrolment.refresh_from_db()
    elsewhere.refresh_from_db()
    assert (enrolment.status, elsewhere.status) == (
        EnrolmentStatus.COMPLETED,
        EnrolmentStatus.ACTIVE,
    )


def test_a_withdrawn_enrolment_found_by_reference_is_not_active(provider_and_key):
    provider, _key = provider_and_key
    course = CourseFactory(provider=provider, external_id="ML-101")
    enrolment = active_with_reference(course, "K7QM3XW9PA2D")
    enrolment.status = EnrolmentStatus.REVOKED
    enrolment.save(update_fields=["status"])

    outcome = completion_report(
        provider=provider,
        values={"learner_reference": "K7QM-3XW9-PA2D", "course_id": "ML-101"},
        source="api",
    )

    assert (outcome.result, outcome.reason) == ("not_active", "not_active")


# --- completions CSV ------------------------------------------------------------------------------


def test_a_completion_file_names_learners_by_reference_code_or_email(
    client, programme_admin, partner, django_capture_on_commit_callbacks
):
    course = voucher_course(partner, codes=1, external_id="ML-101")
    provider = course.provider
    by_reference = active_with_reference(course, "K7QM3XW9PA2D")
    by_email = active_with_reference(course, "ABCDEFGH2345", email="amina@example.org")
    by_code = active_with_reference(course, "MNPQRSTV6789")
    AccessCode.objects.filter(provider=provider).update(enrolment=by_code, code="VOUCHER-1")
    elsewhere = active_with_reference(CourseFactory(external_id="ML-101"), "WXYZ2345ABCD")
    text = (
        "learner_reference,code,email,course_id,completed_at,grade\n"
        "k7qm 3xw9 pa2d,,,ML-101,2025-03-31,A\n"
        ",VOUCHER-1,,ML-101,,\n"
        ",,amina@example.org,ML-101,,\n"
        "WXYZ-2345-ABCD,,,ML-101,,\n"
        "K7QM-3XW9,,,ML-101,,\n"
        ",,,ML-101,,\n"
        "K7QM-3XW9-PA2D,VOUCHER-1,,ML-101,,\n"
    )
    client.force_login(programme_admin)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            COMPLETIONS_URL, {"provider": provider.pk, "csv_file": csv_upload(text)}
        )

    assert response.status_code == 302
    job = ImportJob.objects.get()
    results = {row.line: (row.result, row.message) for row in job.rows.order_by("line")}
    assert results == {
        2: ("completed", "completed"),
        3: ("completed", "completed"),
        4: ("completed", "completed"),
        5: ("not_found", "not_found_reference"),
        6: ("invalid", "bad_reference"),
        7: ("invalid", "missing_learner"),
        8: ("invalid", "several_learners"),
    }
    for enrolment in (by_reference, by_email, by_code):
        enrolment.refresh_from_db()
        assert enrolment.status == EnrolmentStatus.COMPLETED
    elsewhere.refresh_from_db()
    assert elsewhere.status == EnrolmentStatus.ACTIVE


def test_a_completion_file_without_a_column_naming_the_learner_is_refused(
    client, programme_admin, django_capture_on_commit_callbacks
):
    provider = ProviderFactory()
    client.force_login(programme_admin)
    response = client.post(
        COMPLETIONS_URL,
        {"provider": provider.pk, "csv_file": csv_upload("course_id,grade\nML-101,A\n")},
    )
    assert response.status_code == 200
    assert "learner_reference, code or email" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_the_upload_page_shows_the_new_columns(client, programme_admin):
    client.force_login(programme_admin)
    page = client.get(COMPLETIONS_URL).content.decode()
    assert "learner_reference,code,email,course_id,completed_at,grade" in page


# --- export and erasure ---------------------------------------------------------------------------


def test_the_export_holds_the_reference_and_erasure_deletes_it(partner):
    course = CourseFactory(external_id="ML-101")
    enrolment = active_with_reference(course, "K7QM3XW9PA2D", email="amina@example.org")
    learner = enrolment.learner
    job = ImportJob.objects.create(kind=ImportJob.Kind.COMPLETIONS, provider=course.provider)
    job.rows.create(line=2, values={"learner_reference": "K7QM-3XW9-PA2D", "course_id": "ML-101"})

    (exported,) = credentials_part.learner_enrolments_export(learner)
    assert exported["learner_reference"] == "K7QM-3XW9-PA2D"
    assert exported["email_shared_with_provider"] is False
    targets = credentials_part.learner_audit_targets(learner)
    assert targets["credentials.learnerreference"] == [
        LearnerReference.objects.get(learner=learner).pk
    ]

    credentials_part.learner_enrolments_erase(user=learner, email="amina@example.org")

    assert not LearnerReference.objects.filter(learner=learner).exists()
    assert job.rows.get().values == {}
    outcome = completion_report(
        provider=course.provider,
        values={"learner_reference": "K7QM3XW9PA2D", "course_id": "ML-101"},
        source="api",
    )
    assert outcome.result == "not_found"


# --- the data migration ---------------------------------------------------------------------------


def test_the_data_migration_gives_every_enrolled_pair_one_reference():
    from importlib import import_module

    migration = import_module("credentials.migrations.0006_learner_references_for_enrolments")
    first, second = ProviderFactory(), ProviderFactory()
    course_a, course_b = CourseFactory(provider=first), CourseFactory(provider=first)
    course_c = CourseFactory(provider=second)
    amina, jean, idle = LearnerFactory(), LearnerFactory(), LearnerFactory()
    for learner, course in [
        (amina, course_a),
        (amina, course_b),  # a second course at the same provider: still one reference
        (amina, course_c),
        (jean, course_a),
    ]:
        EnrolmentFactory(
            learner=learner,
            course=course,
            status=EnrolmentStatus.COMPLETED,
            completed_at=timezone.now(),
        )
    kept = LearnerReference.objects.create(learner=jean, provider=first, reference="K7QM3XW9PA2D")

    made = migration.references_for_enrolments(django_apps, None, batch=1)
    again = migration.references_for_enrolments(django_apps, None, batch=2)

    pairs = set(LearnerReference.objects.values_list("learner_id", "provider_id"))
    assert pairs == {(amina.pk, first.pk), (amina.pk, second.pk), (jean.pk, first.pk)}
    assert (made, again) == (2, 0)
    assert LearnerReference.objects.get(pk=kept.pk).reference == "K7QM3XW9PA2D"
    assert all(
        CANONICAL.fullmatch(r) for r in LearnerReference.objects.values_list("reference", flat=True)
    )
    assert not LearnerReference.objects.filter(learner=idle).exists()
