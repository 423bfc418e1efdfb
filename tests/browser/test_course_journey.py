"""The course journey in a real browser, in Arabic (right to left), on a phone-sized screen: a
verified learner opens the free-course catalogue, filters it by subject, opens a course, enrols,
and finds the voucher code and the course link on their page.

Then it checks what the journey left in the database (an active enrolment holding one seat and
one code) and that the learner was e-mailed the same instructions.
"""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from credentials.models import AccessMethod, Enrolment, EnrolmentStatus, SeatAllocation
from partners.models import ApplicationStatus
from tests.credentials.factories import (
    AccessCodeFactory,
    CourseFactory,
    ProviderFactory,
    SeatAllocationFactory,
)
from tests.learners.factories import LearnerProfileFactory
from tests.partners.factories import ApplicationFactory, PartnerFactory
from tests.portal.factories import LearnerFactory

from .helpers import (
    ARABIC,
    choose_language,
    emails_to,
    exactly,
    expect_page_in,
    expect_status_message,
    signed_in_context,
    tr,
    url_is,
)

pytestmark = pytest.mark.browser

COURSE = "Data analysis with spreadsheets"
COURSE_LINK = "https://learn.provider.example/data-analysis"


@pytest.fixture
def world(db):
    """A partner with 5 seats at a voucher provider that has 3 codes; courses in two subjects;
    and a learner whose status the partner confirmed, valid for another year."""
    partner = PartnerFactory(name="Amman Study Aid", slug="amman-study-aid")
    provider = ProviderFactory(name="Open Courses", access_method=AccessMethod.VOUCHER)
    SeatAllocationFactory(partner=partner, provider=provider, total=5)
    codes = [
        AccessCodeFactory(provider=provider, code=code).code
        for code in ("VCH-7Q2M-88KD", "VCH-3XW1-90PL", "VCH-5TT4-12AB")
    ]
    course = CourseFactory(
        provider=provider,
        title=COURSE,
        subject="Computing",
        description="Sort, filter and chart data.",
        link=COURSE_LINK,
    )
    CourseFactory(provider=provider, title="Python basics", subject="Computing")
    CourseFactory(provider=provider, title="Business English", subject="Languages")
    CourseFactory(provider=provider, title="Starting a small business", subject="Business")

    learner = LearnerFactory(email="nour@example.org", language=ARABIC)
    LearnerProfileFactory(user=learner, display_name="نور")
    ApplicationFactory(
        learner=learner,
        partner=partner,
        status=ApplicationStatus.APPROVED,
        decided_at=timezone.now() - timedelta(days=2),
        verified_until=timezone.localdate() + timedelta(days=365),
    )
    return {"partner": partner, "course": course, "codes": codes, "learner": learner}


def test_verified_learner_finds_a_course_in_arabic_enrols_and_sees_the_access_code(
    new_context, live_server, world
):
    ar = ARABIC
    learner = world["learner"]
    page = signed_in_context(new_context(), live_server, learner).new_page()

    # The catalogue, switched to Arabic with the footer's language buttons.
    page.goto(live_server.url + "/courses/")
    choose_language(page, "العربية")
    expect(page).to_have_url(url_is(live_server, "/courses/"))
    expect_page_in(page, ar)
    main = page.get_by_role("main")
    expect(main.get_by_role("heading", level=1)).to_have_text(tr("Free courses", ar))
    expect(main.get_by_role("link", name=exactly("Business English"))).to_be_visible()

    # Filter by subject: the filters fold away on a small screen; open them, choose, show.
    main.get_by_text(tr("Filters", ar), exact=True).click()
    main.locator("select[name=subject]").select_option("Computing")
    main.get_by_role("button", name=exactly(tr("Show courses", ar))).click()

    expect(page).to_have_url(url_is(live_server, "/courses/"))
    assert "subject=Computing" in page.url
    expect_page_in(page, ar)
    main = page.get_by_role("main")
    expect(main.get_by_role("link", name=exactly(COURSE))).to_be_visible()
    expect(main.get_by_role("link", name=exactly("Python basics"))).to_be_visible()
    expect(main.get_by_role("link", name=exactly("Business English"))).to_have_count(0)
    expect(main.get_by_role("link", name=exactly("Starting a small business"))).to_have_count(0)

    # The course page, and the enrol button.
    main.get_by_role("link", name=exactly(COURSE)).click()
    expect(page).to_have_url(url_is(live_server, f"/courses/{world['course'].pk}/"))
    expect_page_in(page, ar)
    main = page.get_by_role("main")
    expect(main.get_by_role("heading", level=1)).to_have_text(COURSE)
    expect(main).to_contain_text("Open Courses")
    main.get_by_role("button", name=exactly(tr("Enrol", ar))).click()

    # Back on the learner's page: the message, then the access code and the course link.
    expect(page).to_have_url(url_is(live_server, "/learn/"))
    expect_page_in(page, ar)
    expect_status_message(
        page,
        tr(
            "You have a place in %(course)s. Your access is being set up: the instructions "
            "appear below as soon as they are ready.",
            ar,
        )
        % {"course": COURSE},
    )
    first_code = world["codes"][0]
    courses = page.get_by_role("region", name=tr("Your courses", ar))
    expect(courses.locator("code")).to_have_text(first_code)
    expect(courses.locator("code")).to_have_attribute("dir", "ltr")  # a code reads left to right
    open_link = courses.get_by_role(
        "link",
        name=exactly(
            tr("Open the course on the site of %(provider)s", ar) % {"provider": "Open Courses"}
        ),
    )
    expect(open_link).to_have_attribute("href", COURSE_LINK)

    # Reloading shows the same instructions (nothing is handed out twice).
    page.reload()
    expect_page_in(page, ar)
    expect(page.get_by_role("main").locator("code")).to_have_text(first_code)

    enrolment = Enrolment.objects.get(learner=learner)
    assert enrolment.status == EnrolmentStatus.ACTIVE
    assert enrolment.partner == world["partner"]
    assert enrolment.access_code.code == first_code
    assert SeatAllocation.objects.get(partner=world["partner"]).used == 1
    [email] = emails_to(learner.email)
    assert first_code in email.body
    assert COURSE_LINK in email.body
