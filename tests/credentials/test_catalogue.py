"""The public course catalogue, the course page, enrolling, and the learner's courses on their
dashboard."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from credentials.models import (
    AccessCode,
    AccessMethod,
    CourseLevel,
    Enrolment,
    EnrolmentFailureCause,
    EnrolmentRevokeCause,
    EnrolmentStatus,
    SeatAllocation,
)
from credentials.selectors import CATALOGUE_PAGE_SIZE
from partners.models import ApplicationStatus
from tests.learners.factories import LearnerProfileFactory
from tests.partners.factories import ApplicationFactory

from .conftest import verified_learner, voucher_course
from .factories import (
    AccessCodeFactory,
    CourseFactory,
    EnrolmentFactory,
    ProviderFactory,
)

pytestmark = pytest.mark.django_db

CATALOGUE = reverse("courses:catalogue")
DASHBOARD = reverse("learners:dashboard")


def course_url(course) -> str:
    return reverse("courses:course", args=[course.pk])


def enrol_url(course) -> str:
    return reverse("courses:enrol", args=[course.pk])


def page_html(client, url, **params) -> str:
    response = client.get(url, params)
    assert response.status_code == 200
    return response.content.decode()


def titles(html: str) -> list[str]:
    """The course titles listed, in order (each is a link to its course page)."""
    return re.findall(r'<a class="fw-semibold" href="/courses/\d+/">([^<]+)</a>', html)


def follow_messages(response) -> str:
    return " ".join(str(m) for m in response.context["messages"])


# --- the catalogue -------------------------------------------------------------------------------


def test_anyone_may_browse_active_courses_of_active_providers(client):
    CourseFactory(title="Python for beginners")
    CourseFactory(title="Hidden course", is_active=False)
    CourseFactory(title="Course of a closed provider", provider__is_active=False)

    html = page_html(client, CATALOGUE)

    assert titles(html) == ["Python for beginners"]
    assert "1 course" in html


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"language": "ar"}, ["Arabic writing"]),
        ({"subject": "Business"}, ["Business basics"]),
        ({"provider": "open-uni"}, ["Business basics"]),
        ({"level": CourseLevel.ADVANCED}, ["Arabic writing"]),
        ({"subject": "Computing", "level": CourseLevel.BEGINNER}, ["Computing 101"]),
    ],
)
def test_catalogue_filters_by_language_subject_provider_and_level(client, params, expected):
    open_uni = ProviderFactory(name="Open University", slug="open-uni")
    CourseFactory(title="Computing 101", subject="Computing", level=CourseLevel.BEGINNER)
    CourseFactory(title="Computing 201", subject="Computing", level=CourseLevel.INTERMEDIATE)
    CourseFactory(title="Business basics", subject="Business", provider=open_uni)
    CourseFactory(
        title="Arabic writing", subject="Languages", language="ar", level=CourseLevel.ADVANCED
    )

    assert titles(page_html(client, CATALOGUE, **params)) == expected


def test_catalogue_offers_only_subjects_and_providers_that_have_courses(client):
    CourseFactory(subject="Health", provider__name="Health Academy")
    CourseFactory(subject="Ghost subject", is_active=False, provider__name="Ghost Provider")

    html = page_html(client, CATALOGUE)

    assert '<option value="Health">Health</option>' in html
    assert "Ghost subject" not in html
    assert "Health Academy" in html
    assert "Ghost Provider" not in html


def test_search_finds_every_word_in_the_title_or_the_description(client):
    CourseFactory(title="Data analysis", description="Spreadsheets and charts.")
    CourseFactory(title="Charts for journalists", description="Telling stories with data.")
    CourseFactory(title="Cooking", description="Food.")

    assert titles(page_html(client, CATALOGUE, q="charts")) == [
        "Charts for journalists",
        "Data analysis",
    ]
    assert titles(page_html(client, CATALOGUE, q="DATA spreadsheets")) == ["Data analysis"]
    html = page_html(client, CATALOGUE, q="astronomy")
    assert titles(html) == []
    assert "No course matches" in html


def test_an_unknown_filter_value_is_an_error_and_the_other_filters_still_apply(client):
    CourseFactory(title="Computing 101", language="en")
    CourseFactory(title="Arabic writing", language="ar")

    html = page_html(client, CATALOGUE, level="wizard", language="ar")

    assert "Select a valid choice" in html
    assert titles(html) == ["Arabic writing"]


def test_catalogue_pages_hold_25_courses_and_page_links_keep_the_filters(client):
    CourseFactory.create_batch(CATALOGUE_PAGE_SIZE + 5, subject="Computing")
    CourseFactory(subject="Business")

    first = page_html(client, CATALOGUE, subject="Computing")
    second = page_html(client, CATALOGUE, subject="Computing", page=2)

    assert len(titles(first)) == CATALOGUE_PAGE_SIZE
    assert len(titles(second)) == 5
    assert "Page 1 of 2" in first
    assert 'href="?subject=Computing&amp;page=2"' in first
    assert not set(titles(first)) & set(titles(second))


def test_a_page_number_past_the_end_shows_the_last_page(client):
    CourseFactory.create_batch(3)
    assert len(titles(page_html(client, CATALOGUE, page=99))) == 3


# The subjects, the providers, the count and the page.
CATALOGUE_QUERIES = 4


@pytest.mark.parametrize("size", [10, 200])
def test_catalogue_costs_the_same_number_of_queries_with_10_or_200_courses(
    client, django_assert_num_queries, size
):
    providers = ProviderFactory.create_batch(5)
    for n in range(size):
        CourseFactory(provider=providers[n % 5], subject=f"Subject {n % 7}")
    with django_assert_num_queries(CATALOGUE_QUERIES):
        response = client.get(CATALOGUE, {"q": "course", "page": 2})
    assert response.status_code == 200


# --- the course page -----------------------------------------------------------------------------


def test_course_page_shows_description_provider_level_and_language_to_anyone(client):
    course = CourseFactory(
        title="Arabic writing",
        description="Write letters\nand essays.",
        provider__name="Open University",
        language="ar",
        level=CourseLevel.ADVANCED,
    )

    html = page_html(client, course_url(course))

    assert "Arabic writing" in html
    assert "Write letters<br>and essays." in html
    assert "Open University" in html
    assert "Advanced" in html
    assert "العربية" in html
    assert f"{reverse('account_login')}?next=/courses/{course.pk}/" in html
    assert enrol_url(course) not in html


@pytest.mark.parametrize(
    "kwargs", [{"is_active": False}, {"provider__is_active": False}], ids=["course", "provider"]
)
def test_inactive_course_or_provider_page_is_404(client, kwargs):
    course = CourseFactory(**kwargs)
    assert client.get(course_url(course)).status_code == 404
    assert client.get(reverse("courses:course", args=[999999])).status_code == 404


def test_verified_learner_sees_the_enrol_button(client, partner):
    course = voucher_course(partner)
    client.force_login(verified_learner(partner))

    html = page_html(client, course_url(course))

    assert f'action="{enrol_url(course)}"' in html


@pytest.mark.parametrize(
    "application_status",
    [None, ApplicationStatus.SUBMITTED, ApplicationStatus.REJECTED, ApplicationStatus.EXPIRED],
)
def test_learner_who_is_not_verified_is_told_why_and_how_to_apply(
    client, partner, application_status
):
    course = voucher_course(partner)
    learner = LearnerProfileFactory().user
    if application_status:
        ApplicationFactory(
            learner=learner,
            partner=partner,
            status=application_status,
            verified_until=timezone.localdate() - timedelta(days=1),
        )
    client.force_login(learner)

    html = page_html(client, course_url(course))

    assert enrol_url(course) not in html
    assert "You can enrol once a partner organisation has confirmed your status" in html
    assert reverse("learners:choose_partner") in html


def test_staff_see_the_course_but_no_enrol_button(client, partner, coordinator):
    course = voucher_course(partner)
    client.force_login(coordinator)
    html = page_html(client, course_url(course))
    assert "Learners enrol from this page." in html
    assert enrol_url(course) not in html


def test_learner_already_enrolled_is_sent_to_the_instructions_instead(client, partner):
    course = voucher_course(partner)
    learner = verified_learner(partner)
    EnrolmentFactory(learner=learner, course=course, partner=partner)
    client.force_login(learner)

    html = page_html(client, course_url(course))

    assert enrol_url(course) not in html
    assert "You are already enrolled in this course (Active)." in html


# --- enrolling -----------------------------------------------------------------------------------


def test_verified_learner_enrols_and_finds_the_access_code_on_the_dashboard(
    client, partner, django_capture_on_commit_callbacks
):
    course = voucher_course(partner, seats=5, codes=2, title="Data analysis")
    learner = verified_learner(partner, email="amina@example.org")
    client.force_login(learner)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(enrol_url(course))

    assert response.status_code == 302
    assert response.url == DASHBOARD
    enrolment = Enrolment.objects.get(learner=learner, course=course)
    assert enrolment.status == EnrolmentStatus.ACTIVE
    assert SeatAllocation.objects.get(partner=partner, provider=course.provider).used == 1
    code = AccessCode.objects.get(enrolment=enrolment).code

    response = client.get(DASHBOARD)
    html = response.content.decode()
    assert "You have a place in Data analysis." in follow_messages(response)
    assert f'<code class="user-select-all fs-6 text-break" dir="ltr">{code}</code>' in html
    assert 'href="https://provider.example/course"' in html
    assert "Data analysis" in html

    [email] = [m for m in mail.outbox if m.to == ["amina@example.org"]]
    assert "Data analysis" in email.subject
    assert code in email.body
    assert "https://provider.example/course" in email.body
    assert "refugee" not in email.body.lower()


def test_enrolling_says_access_is_being_set_up(client, partner):
    course = voucher_course(partner)
    client.force_login(verified_learner(partner))

    response = client.post(enrol_url(course), follow=True)

    assert "Your access is being set up" in follow_messages(response)
    assert "Your access is being set up. This usually takes a few minutes." in (
        response.content.decode()
    )


def test_learner_who_is_not_verified_cannot_enrol(client, partner):
    course = voucher_course(partner)
    client.force_login(LearnerProfileFactory().user)

    response = client.post(enrol_url(course), follow=True)

    assert response.redirect_chain[-1][0] == course_url(course)
    assert "Only learners with a current verification can enrol." in follow_messages(response)
    assert not Enrolment.objects.exists()


def test_enrolling_twice_in_the_same_course_is_refused(client, partner):
    course = voucher_course(partner)
    learner = verified_learner(partner)
    client.force_login(learner)
    client.post(enrol_url(course))

    response = client.post(enrol_url(course), follow=True)

    assert "You are already enrolled in this course." in follow_messages(response)
    assert Enrolment.objects.filter(learner=learner).count() == 1
    assert SeatAllocation.objects.get(partner=partner, provider=course.provider).used == 1


def test_learner_whose_partner_has_no_seat_left_joins_the_waiting_list(client, partner):
    course = voucher_course(partner, seats=0)
    learner = verified_learner(partner)
    client.force_login(learner)

    response = client.post(enrol_url(course), follow=True)

    assert "you are on the waiting list" in follow_messages(response)
    assert Enrolment.objects.get(learner=learner).status == EnrolmentStatus.WAITLISTED
    assert "You are on the waiting list" in response.content.decode()
    assert "We will e-mail you as soon as you have a place." in response.content.decode()


def test_enrolling_in_an_inactive_course_is_404(client, partner):
    course = voucher_course(partner, is_active=False)
    client.force_login(verified_learner(partner))
    assert client.post(enrol_url(course)).status_code == 404


def test_only_learners_may_enrol(client, partner, coordinator, programme_admin):
    course = voucher_course(partner)
    for user in (coordinator, programme_admin):
        client.force_login(user)
        assert client.post(enrol_url(course)).status_code == 404
    client.logout()
    response = client.post(enrol_url(course))
    assert response.url.startswith(reverse("account_login"))
    assert not Enrolment.objects.exists()


def test_enrol_answers_only_post(client, partner):
    course = voucher_course(partner)
    client.force_login(verified_learner(partner))
    assert client.get(enrol_url(course)).status_code == 405


# --- the learner's courses on the dashboard ------------------------------------------------------


def dashboard_html(client, learner) -> str:
    client.force_login(learner)
    return page_html(client, DASHBOARD)


def test_verified_learner_without_courses_is_invited_to_browse_them(client, partner):
    html = dashboard_html(client, verified_learner(partner))
    assert "Your courses" in html
    assert f'href="{CATALOGUE}"' in html


def test_learner_who_is_not_verified_sees_no_course_section(client):
    html = dashboard_html(client, LearnerProfileFactory().user)
    assert "Your courses" not in html


def test_failed_enrolment_apologises_in_plain_words_without_the_internal_error(client, partner):
    learner = verified_learner(partner)
    enrolment = EnrolmentFactory(
        learner=learner,
        partner=partner,
        status=EnrolmentStatus.FAILED,
        failure_reason="provider answered 422: {'error': 'duplicate_user'}",
        failure_cause=EnrolmentFailureCause.PROVIDER_REFUSED,
    )

    html = dashboard_html(client, learner)

    assert "We are sorry: we could not set up your access to this course." in html
    assert "did not confirm your access" in html
    assert "duplicate_user" not in html
    assert "422" not in html
    assert course_url(enrolment.course) in html


def test_failed_enrolment_for_lack_of_codes_says_so(client, partner):
    learner = verified_learner(partner)
    EnrolmentFactory(
        learner=learner,
        partner=partner,
        status=EnrolmentStatus.FAILED,
        failure_reason="no unused access codes for provider 7",
        failure_cause=EnrolmentFailureCause.NO_ACCESS_CODES,
    )
    html = dashboard_html(client, learner)
    assert "access codes for this course had all been given out" in html
    assert "provider 7" not in html


def test_revoked_enrolment_shows_the_partners_reason(client, partner):
    learner = verified_learner(partner)
    EnrolmentFactory(
        learner=learner,
        partner=partner,
        status=EnrolmentStatus.REVOKED,
        revoke_reason="You asked us to <b>stop</b>.",
        revoke_cause=EnrolmentRevokeCause.PARTNER,
    )
    html = dashboard_html(client, learner)
    assert "Your partner organisation withdrew your access to this course." in html
    assert "Reason: You asked us to &lt;b&gt;stop&lt;/b&gt;." in html


def test_active_enrolment_without_a_code_says_to_sign_in_with_the_same_address(client, partner):
    learner = verified_learner(partner)
    provider = ProviderFactory(access_method=AccessMethod.API)
    EnrolmentFactory(
        learner=learner,
        partner=partner,
        course__provider=provider,
        access_link="https://provider.example/enrolled/42",
    )
    html = dashboard_html(client, learner)
    assert 'href="https://provider.example/enrolled/42"' in html
    assert "user-select-all" not in html
    assert "with the e-mail address you use on this portal" in html


def test_an_access_link_that_is_not_a_web_address_is_never_a_link(client, partner):
    learner = verified_learner(partner)
    EnrolmentFactory(
        learner=learner,
        partner=partner,
        course__link="https://provider.example/course/9",
        access_link="javascript:alert(1)",
    )
    html = dashboard_html(client, learner)
    assert "javascript:" not in html
    assert 'href="https://provider.example/course/9"' in html


def test_learner_sees_only_their_own_courses(client, partner):
    learner = verified_learner(partner)
    EnrolmentFactory(partner=partner, course__title="Somebody else's course")
    html = dashboard_html(client, learner)
    assert "Somebody else&#x27;s course" not in html


@pytest.mark.parametrize("size", [1, 8])
def test_dashboard_costs_the_same_number_of_queries_with_one_or_many_courses(
    client, django_assert_num_queries, partner, size
):
    from tests.learners.test_dashboard import DASHBOARD_QUERIES

    learner = verified_learner(partner)
    for n in range(size):
        enrolment = EnrolmentFactory(learner=learner, partner=partner)
        if n % 2:
            AccessCodeFactory(
                provider=enrolment.course.provider, enrolment=enrolment, code=f"C-{n}"
            )
    client.force_login(learner)
    client.get(DASHBOARD)  # the session's first use records the device once
    with django_assert_num_queries(DASHBOARD_QUERIES):
        response = client.get(DASHBOARD)
    assert response.content.decode().count('class="card mb-3"') == size + 1  # + the application


def test_waiting_list_without_email_asks_the_learner_to_come_back(client, partner, settings):
    learner = verified_learner(partner, email=f"abc12345@{settings.NO_EMAIL_DOMAIN}")
    EnrolmentFactory(learner=learner, partner=partner, status=EnrolmentStatus.WAITLISTED)
    html = dashboard_html(client, learner)
    assert "Come back to this page to see when you have a place." in html
    assert "We will e-mail you" not in html


def test_waiting_learner_gets_a_seat_when_seats_are_added(
    client, partner, programme_admin, django_capture_on_commit_callbacks
):
    course = voucher_course(partner, seats=0)
    learner = verified_learner(partner)
    client.force_login(learner)
    client.post(enrol_url(course))
    assert Enrolment.objects.get(learner=learner).status == EnrolmentStatus.WAITLISTED

    client.force_login(programme_admin)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("programme:allocations"),
            {"partner": partner.slug, "provider": course.provider.slug, "total": 1},
        )

    enrolment = Enrolment.objects.get(learner=learner)
    assert enrolment.status == EnrolmentStatus.ACTIVE
    client.force_login(learner)
    assert enrolment.access_code.code in page_html(client, DASHBOARD)
