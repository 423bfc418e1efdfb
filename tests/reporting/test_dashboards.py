"""Programme and partner dashboards: the numbers on the pages equal the live truth after a
refresh; the funnel's conversion rates; a partner sees only its own figures, as safe counts; the
programme dashboard costs the same number of queries at any data size; the SVG charts (accessible,
no inline styles, proportional, mirrored in Arabic); the refresh button; who may open what."""

from datetime import timedelta

import pytest
from defusedxml import ElementTree
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.db.models import Q
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from lxml import html as lxml_html

from credentials.models import Credential, Enrolment, EnrolmentStatus, Provider
from credentials.services.issuance import credential_issue
from learners.models import LearnerProfile
from partners.models import ApplicationStatus, Partner, StaffRole
from portal.models import AuditEvent
from reporting import charts
from reporting.charts import Bar, Series, bar_chart, line_chart
from reporting.models import (
    DecisionTime,
    Dimension,
    Metric,
    RefreshState,
    SeatUsage,
    SummaryCount,
)
from reporting.refresh import rollups_refresh
from reporting.selectors import (
    TOP_ROWS,
    partner_dashboard_data,
    programme_dashboard_data,
)
from tests.credentials.factories import (
    CourseFactory,
    EnrolmentFactory,
    ProviderFactory,
    SeatAllocationFactory,
)
from tests.learners.factories import LearnerProfileFactory
from tests.partners.factories import ApplicationFactory, MembershipFactory, PartnerFactory
from tests.portal.conftest import give_totp
from tests.portal.factories import LearnerFactory, PartnerStaffFactory, ProgrammeAdminFactory

from .export_data import assert_safely_shown, protected_number

pytestmark = pytest.mark.django_db

PROGRAMME = reverse("reporting:programme_dashboard")
REFRESH = reverse("reporting:refresh")
SVG = "{http://www.w3.org/2000/svg}"


def partner_url(partner) -> str:
    return reverse("reporting:partner_dashboard", kwargs={"slug": partner.slug})


def staff_of(partner, role=StaffRole.COORDINATOR):
    user = PartnerStaffFactory()
    give_totp(user)
    MembershipFactory(user=user, partner=partner, role=role)
    return user


@pytest.fixture
def admin(db):
    user = ProgrammeAdminFactory()
    give_totp(user)
    return user


# --- a programme with real records ---------------------------------------------------------------


def learner_at(stage: int, *, partner=None, residence="JO", origin="SY", course=None):
    """A learner with a profile whose furthest funnel stage is `stage` (1 signed up ... 6
    credential issued), through real records: application, enrolment, credential."""
    learner = LearnerFactory()
    LearnerProfileFactory(user=learner, country_of_residence=residence, country_of_origin=origin)
    if stage < 2:
        return learner
    now = timezone.now()
    ApplicationFactory(
        learner=learner,
        partner=partner,
        country_of_residence=residence,
        status=ApplicationStatus.APPROVED if stage >= 3 else ApplicationStatus.SUBMITTED,
        submitted_at=now - timedelta(days=3),
        decided_at=now - timedelta(days=3) + timedelta(hours=10) if stage >= 3 else None,
        verified_until=timezone.localdate() + timedelta(days=365) if stage >= 3 else None,
    )
    if stage < 4:
        return learner
    enrolment = EnrolmentFactory(
        learner=learner,
        partner=partner,
        course=course,
        status=EnrolmentStatus.COMPLETED if stage >= 5 else EnrolmentStatus.ACTIVE,
        activated_at=now - timedelta(days=2),
        completed_at=now - timedelta(days=1) if stage >= 5 else None,
    )
    if stage == 6:
        assert credential_issue(enrolment_id=enrolment.pk) is not None
    return learner


# Furthest stage reached -> how many learners, per partner. Cumulative funnel over the programme:
# signed up 20, applied 16, verified 12, enrolled 8, completed 6, credential 5.
STAGES_A = {2: 2, 3: 3, 4: 1, 5: 1, 6: 5}  # 12 learners, in Kenya, from South Sudan
STAGES_B = {2: 2, 3: 1, 4: 1}  # 4 learners, in Türkiye, from Afghanistan
STAGES_NONE = {1: 4}  # signed up, never applied


@pytest.fixture
def programme(db):
    partner_a = PartnerFactory(name="Alpha Refugee Aid", slug="alpha")
    partner_b = PartnerFactory(name="Beta Support", slug="beta")
    alpha_academy = ProviderFactory(name="Alpha Academy")
    beta_institute = ProviderFactory(name="Beta Institute")
    course_a = CourseFactory(provider=alpha_academy)
    course_b = CourseFactory(provider=beta_institute)
    SeatAllocationFactory(partner=partner_a, provider=alpha_academy, total=40, used=7)
    SeatAllocationFactory(partner=partner_b, provider=beta_institute, total=10, used=1)
    for stage, number in STAGES_A.items():
        for _ in range(number):
            learner_at(stage, partner=partner_a, residence="KE", origin="SS", course=course_a)
    for stage, number in STAGES_B.items():
        for _ in range(number):
            learner_at(stage, partner=partner_b, residence="TR", origin="AF", course=course_b)
    for stage, number in STAGES_NONE.items():
        for _ in range(number):
            learner_at(stage)
    rollups_refresh()
    return {"a": partner_a, "b": partner_b}


def live_truth(partner=None) -> dict[str, int]:
    """The headline numbers straight from the live tables."""
    profiles = LearnerProfile.objects.all()
    enrolments = Enrolment.objects.all()
    credentials = Credential.objects.all()
    if partner is not None:
        # A partner's learners: those whose latest application is to it.
        learner_ids = [
            p.user_id
            for p in profiles
            if (latest := p.user.applications.order_by("-submitted_at", "-id").first())
            and latest.partner_id == partner.pk
        ]
        profiles = profiles.filter(user_id__in=learner_ids)
        enrolments = enrolments.filter(partner=partner)
        credentials = credentials.filter(enrolment__partner=partner)
    verified = profiles.filter(
        Q(user__applications__status__in=[ApplicationStatus.APPROVED, ApplicationStatus.EXPIRED])
        | Q(user__enrolments__activated_at__isnull=False)
        | Q(user__credentials__isnull=False)
    ).distinct()
    return {
        "learners": profiles.count(),
        "verified": verified.count(),
        "countries": profiles.values("country_of_residence").distinct().count(),
        "enrolments": enrolments.filter(
            status__in=[EnrolmentStatus.ACTIVE, EnrolmentStatus.COMPLETED, EnrolmentStatus.REVOKED]
        ).count(),
        "completions": enrolments.filter(status=EnrolmentStatus.COMPLETED).count(),
        "credentials": credentials.count(),
    }


def page(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return lxml_html.fromstring(response.content.decode())


def headline(doc, key: str) -> str:
    return doc.get_element_by_id(f"headline-{key}").find_class("headline-value")[0].text_content()


def table_rows(doc, table_id: str) -> list[list[str]]:
    table = doc.get_element_by_id(table_id)
    return [
        [cell.text_content().strip() for cell in tr.xpath("./th|./td")]
        for tr in table.xpath(".//tbody/tr|.//tfoot/tr")
    ]


def visible_text(doc) -> str:
    """The page's text outside the charts (the SVG repeats it, with coordinates)."""
    main = doc.get_element_by_id("main")
    for svg in main.xpath(".//*[local-name()='svg']"):
        svg.getparent().remove(svg)
    return " ".join(main.text_content().split())


# --- the programme dashboard ---------------------------------------------------------------------


def published(scope, metric, dimension=Dimension.TOTAL, key="") -> int:
    """The protected count every output shows (0 when the roll-ups have no such row)."""
    row = SummaryCount.objects.filter(
        scope_partner_id=scope, metric=metric, dimension=dimension, key=key
    ).first()
    return row.published if row else 0


def shown(number: int) -> str:
    return "<5" if number == 0 else f"{number:,}"


def percent(part: str, whole: str) -> str:
    part, whole = protected_number(part), protected_number(whole)
    return f"{round(part * 100 / whole, 1):.1f}%" if whole else "—"


def test_programme_headlines_are_the_protected_live_counts(client, admin, programme):
    client.force_login(admin)
    doc = page(client, PROGRAMME)

    truth = live_truth()
    assert truth == {
        "learners": 20,
        "verified": 12,
        "countries": 3,
        "enrolments": 8,
        "completions": 6,
        "credentials": 5,
    }
    for key in ("learners", "verified", "enrolments", "completions", "credentials"):
        assert headline(doc, key) == shown(published(None, key)), key
        # Each partner's (and the partnerless learners') pieces are within 4 of the truth.
        assert_safely_shown(headline(doc, key), truth[key], pieces=6)
    listed = SummaryCount.objects.filter(
        scope_partner_id=None, metric="learners", dimension="partner", published__gt=0
    )
    assert headline(doc, "partners") == str(listed.exclude(key="").count())
    countries = listed.model.objects.filter(
        scope_partner_id=None, metric="learners", dimension="residence", published__gt=0
    )
    assert headline(doc, "countries") == str(countries.count())
    assert "Figures as of" in visible_text(doc)


def test_programme_funnel_counts_and_conversion_rates(client, admin, programme):
    client.force_login(admin)
    rows = table_rows(page(client, PROGRAMME), "table-funnel")

    assert [row[0] for row in rows] == [
        "Signed up",
        "Applied",
        "Verified",
        "Enrolled",
        "Completed",
        "Credential issued",
    ]
    truth = [20, 16, 12, 8, 6, 5]
    for index, row in enumerate(rows):
        stage = index + 1
        reached = sum(published(None, "learners", "stage", str(s)) for s in range(stage, 7))
        assert row[1] == shown(reached)
        assert_safely_shown(row[1], truth[index], pieces=6)
        if index:  # rates between the protected counts
            assert row[2] == percent(row[1], rows[index - 1][1])
            assert row[3] == percent(row[1], rows[0][1])
    assert rows[0][1] == shown(published(None, "learners"))  # the first step is every learner


def assert_table_is_protected(rows, scope, dimension, metrics, labels) -> None:
    """Every row is the protected count of its key, and the total row their sum (and the
    metric's protected total)."""
    *body, total = rows
    for label, *cells in body:
        key = labels[label]
        assert cells == [shown(published(scope, m, dimension, key)) for m in metrics], label
    assert total[0] == "Total"
    for index, metric in enumerate(metrics):
        assert total[index + 1] == shown(published(scope, metric))
        assert sum(protected_number(row[index + 1]) for row in body) == published(scope, metric)


def test_programme_breakdowns_by_partner_country_and_provider(client, admin, programme):
    client.force_login(admin)
    doc = page(client, PROGRAMME)
    a, b = programme["a"], programme["b"]
    all_metrics = ["learners", "applications", "verified", "enrolments", "completions"]
    all_metrics.append("credentials")
    people = ["learners", "verified", "applications"]
    partners = table_rows(doc, "table-partner")
    labels = {"Alpha Refugee Aid": str(a.pk), "Beta Support": str(b.pk), "No partner yet": ""}
    assert_table_is_protected(partners, None, "partner", all_metrics, labels)
    # Alpha's row is Alpha's own figures (what its export says).
    alpha = {row[0]: row[1:] for row in partners}["Alpha Refugee Aid"]
    assert alpha == [shown(published(a.pk, m)) for m in all_metrics]
    assert_safely_shown(alpha[0], 12, pieces=2)

    countries = {"Kenya": "KE", "Türkiye": "TR", "Jordan": "JO"}
    assert_table_is_protected(
        table_rows(doc, "table-residence"), None, "residence", people, countries
    )
    origins = {"South Sudan": "SS", "Afghanistan": "AF", "Syria": "SY"}
    assert_table_is_protected(table_rows(doc, "table-origin"), None, "origin", people, origins)
    providers = {p.name: str(p.pk) for p in Provider.objects.all()}
    provider_rows = table_rows(doc, "table-provider")
    assert_table_is_protected(
        provider_rows, None, "provider", ["enrolments", "completions", "credentials"], providers
    )
    # Seats: allocated as they are (no people), used protected.
    seats = table_rows(doc, "table-seats-partner")
    used = {s.partner_id: s.used_published for s in SeatUsage.objects.all()}
    # Rows are ordered by the protected figures, which depend on the cell keys: find by name.
    alpha_seats = {row[0]: row[1:] for row in seats}["Alpha Refugee Aid"]
    assert alpha_seats[1] == "40"
    assert alpha_seats[0] == shown(used[a.pk])
    assert_safely_shown(alpha_seats[0], 7)
    assert seats[-1][2] == "50"


def test_programme_trends_by_month_match_the_protected_counts(client, admin, programme):
    client.force_login(admin)
    rows = table_rows(page(client, PROGRAMME), "table-trends")
    metrics = ["learners", "applications", "enrolments", "completions", "credentials"]
    assert rows[-1] == ["Total", *(shown(published(None, m)) for m in metrics)]
    month_rows = rows[:-1]
    assert 1 <= len(month_rows) <= 2
    for index, metric in enumerate(metrics):
        column = sum(protected_number(row[index + 1]) for row in month_rows)
        assert column == published(None, metric)


def test_median_time_to_a_decision_per_partner(client, admin, programme):
    client.force_login(admin)
    rows = table_rows(page(client, PROGRAMME), "table-decisions")
    by_name = {row[0]: row[1:] for row in rows}
    # A: 10 decisions (a multiple of 5: shown as it is); B: 2 decisions, too few for a median.
    assert by_name["Alpha Refugee Aid"][0] == "10"
    times = DecisionTime.objects.get(partner_id=programme["a"].pk)
    assert times.median_hours == pytest.approx(10)
    assert by_name["Alpha Refugee Aid"][1] == "10.0 hours"
    assert by_name["Beta Support"][0] in ("<5", "5")
    assert by_name["Beta Support"][1] == "Too few decisions to show"


def test_programme_dashboard_is_empty_until_the_first_refresh(client, admin):
    client.force_login(admin)
    doc = page(client, PROGRAMME)
    text = visible_text(doc)
    assert "No figures yet" in text
    assert "Recalculate the figures now" in text
    assert not doc.xpath("//*[@id='table-funnel']")


# --- the partner dashboard: its own figures, protected -------------------------------------------


def test_partner_dashboard_shows_its_own_figures(client, programme):
    partner = programme["a"]
    client.force_login(staff_of(partner))
    doc = page(client, partner_url(partner))

    truth = live_truth(partner)
    assert truth == {
        "learners": 12,
        "verified": 10,
        "countries": 1,
        "enrolments": 7,
        "completions": 6,
        "credentials": 5,
    }
    for key in ("learners", "verified", "enrolments", "completions", "credentials"):
        assert headline(doc, key) == shown(published(partner.pk, key)), key
        assert_safely_shown(headline(doc, key), truth[key], pieces=2)
    assert headline(doc, "countries") == "1"  # a number of countries, not of people
    assert not doc.xpath("//*[@id='headline-partners']")
    # The funnel starts at the application: every learner of a partner applied to it.
    funnel = table_rows(doc, "table-funnel")
    assert [row[0] for row in funnel] == [
        "Applied",
        "Verified",
        "Enrolled",
        "Completed",
        "Credential issued",
    ]
    assert funnel[0][1] == headline(doc, "learners")
    assert funnel[1][1] == headline(doc, "verified")
    for index, row in enumerate(funnel):
        reached = sum(
            published(partner.pk, "learners", "stage", str(s)) for s in range(index + 2, 7)
        )
        assert row[1] == shown(reached)
    text = visible_text(doc)
    assert "Kenya" in text and "South Sudan" in text and "Alpha Academy" in text


def test_coordinator_of_b_sees_none_of_partner_a(client, programme):
    partner_b = programme["b"]
    client.force_login(staff_of(partner_b))
    response = client.get(partner_url(partner_b))
    assert response.status_code == 200
    content = response.content.decode()

    for secret in ("Alpha Refugee Aid", "Kenya", "South Sudan", "Alpha Academy", "Jordan"):
        assert secret not in content, secret
    doc = lxml_html.fromstring(content)
    # B's own numbers are all small: multiples of 5 ("<5" for 0), never a count from 1 to 4.
    for key in ("learners", "verified", "enrolments", "completions", "credentials"):
        assert headline(doc, key) in ("<5", "5", "10"), key
    for table in ("table-residence", "table-origin", "table-funnel", "table-trends"):
        for row in table_rows(doc, table):
            for cell in row[1:]:
                assert cell not in ("1", "2", "3", "4"), (table, row)
    # Nothing of the programme as a whole either (20 learners, 3 countries).
    assert "20" not in visible_text(doc).split()


def test_partner_tables_add_up_to_the_headlines(client, programme):
    partner = programme["a"]
    # A second country with 2 learners: 0 or 5 for it, and Kenya's rounded so that the table
    # adds up to the same total as every other table and the headline.
    course = CourseFactory(provider__name="Gamma College")
    learner_at(3, partner=partner, residence="UG", origin="CD", course=course)
    learner_at(3, partner=partner, residence="UG", origin="CD", course=course)
    rollups_refresh()
    client.force_login(staff_of(partner))
    doc = page(client, partner_url(partner))
    countries = {"Kenya": "KE", "Uganda": "UG"}
    people = ["learners", "verified", "applications"]
    rows = table_rows(doc, "table-residence")
    assert_table_is_protected(rows, partner.pk, "residence", people, countries)
    assert rows[-1][1] == headline(doc, "learners") and rows[-1][2] == headline(doc, "verified")
    origin = table_rows(doc, "table-origin")
    assert origin[-1] == rows[-1]
    for row in rows + origin:
        for cell in row[1:]:
            assert protected_number(cell) % 5 == 0, row


def test_dashboards_read_only_the_protected_counts(client, admin, programme):
    """The true counts never reach a page: a roll-up whose true value and protected value differ
    shows the protected one, on both dashboards."""
    partner = programme["a"]
    SummaryCount.objects.filter(metric="learners", dimension="total").update(value=3, published=40)
    client.force_login(admin)
    assert headline(page(client, PROGRAMME), "learners") == "40"
    client.force_login(staff_of(partner))
    assert headline(page(client, partner_url(partner)), "learners") == "40"


def test_partner_dashboard_data_carries_only_protected_numbers(programme):
    data = partner_dashboard_data(programme["b"])
    figures = [h.figure for h in data.headlines if h.key != "countries"]
    figures += [step.figure for step in data.funnel]
    for table in data.breakdowns:
        figures += list(table.totals)
        for row in table.rows:
            figures += list(row.cells)
    assert figures and all(f.value % 5 == 0 for f in figures)
    assert all(f.text == ("<5" if f.value == 0 else str(f.value)) for f in figures)


# --- the cost of a dashboard does not grow with the data ------------------------------------------


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def big_summary(partners: int = 200, countries: int = 50, months: int = 24) -> None:
    """Summary rows for a programme with many partners, countries and months, straight into the
    summary tables (the dashboards never read anything else)."""
    created = Partner.objects.bulk_create(
        Partner(name=f"Big partner {i}", slug=f"big-{i}", contact_email=f"big{i}@ngo.example")
        for i in range(partners)
    )
    provider_ids = [ProviderFactory().pk for _ in range(5)]
    codes = [c for c in ("AF", "SY", "SS", "KE", "UG", "TR", "JO", "LB", "IQ", "IR")]
    codes = (codes * (countries // len(codes) + 1))[:countries]
    codes = [f"{c[0]}{chr(65 + i % 26)}" for i, c in enumerate(codes)]  # 50 distinct codes
    month_keys = [f"{2023 + m // 12}-{m % 12 + 1:02d}" for m in range(months)]
    rows = []
    for scope in [None, *(p.pk for p in created)]:
        for metric in Metric.values:
            rows.append(
                SummaryCount(
                    scope_partner_id=scope, metric=metric, dimension="total", key="", value=1000
                )
            )
            rows += [
                SummaryCount(
                    scope_partner_id=scope, metric=metric, dimension="month", key=k, value=7
                )
                for k in month_keys
            ]
            if metric in (Metric.LEARNERS, Metric.VERIFIED, Metric.APPLICATIONS):
                for dimension in (Dimension.RESIDENCE, Dimension.ORIGIN):
                    rows += [
                        SummaryCount(
                            scope_partner_id=scope,
                            metric=metric,
                            dimension=dimension,
                            key=c,
                            value=3 + i,
                        )
                        for i, c in enumerate(codes)
                    ]
            else:
                rows += [
                    SummaryCount(
                        scope_partner_id=scope,
                        metric=metric,
                        dimension="provider",
                        key=str(v),
                        value=11,
                    )
                    for v in provider_ids
                ]
            if scope is None:
                rows += [
                    SummaryCount(
                        scope_partner_id=None,
                        metric=metric,
                        dimension="partner",
                        key=str(p.pk),
                        value=9,
                    )
                    for p in created
                ]
        rows += [
            SummaryCount(
                scope_partner_id=scope,
                metric=Metric.LEARNERS,
                dimension="stage",
                key=str(s),
                value=100,
            )
            for s in range(1, 7)
        ]
    for row in rows:  # written as if protected already: the dashboards read only `published`
        row.published = row.value
    SummaryCount.objects.bulk_create(rows, batch_size=5000)
    DecisionTime.objects.bulk_create(
        DecisionTime(partner_id=p.pk, decisions=20, median_hours=30.0) for p in created
    )
    SeatUsage.objects.bulk_create(
        SeatUsage(partner_id=p.pk, provider_id=v, total=100, used=40)
        for p in created
        for v in provider_ids
    )


def seeded(size: int) -> None:
    """Add `size` bulk learners (about 3 enrolments each) and rebuild the roll-ups."""
    call_command("seed_demo", learners=size, seed=5, signed_credentials=20, verbosity=0)
    rollups_refresh()


BIG_DATA_SETS = ["summary_rows", "seed_demo"]


@pytest.mark.parametrize("data_set", BIG_DATA_SETS)
def test_dashboards_cost_the_same_queries_with_much_more_data(admin, programme, data_set):
    partner = programme["a"]
    if data_set == "seed_demo":
        seeded(1_000)  # the issue's small programme: 1,000 learners
    admin_client, coordinator_client = Client(), Client()
    admin_client.force_login(admin)
    coordinator_client.force_login(staff_of(partner))
    # The first request of a session records it (django-allauth user sessions): warm up.
    count_queries(admin_client, PROGRAMME)
    count_queries(coordinator_client, partner_url(partner))
    small = count_queries(admin_client, PROGRAMME)
    small_partner = count_queries(coordinator_client, partner_url(partner))

    if data_set == "summary_rows":
        big_summary()
        # The partner itself gets data in every dimension too.
        SummaryCount.objects.bulk_create(
            SummaryCount(
                scope_partner_id=partner.pk,
                metric=Metric.LEARNERS,
                dimension="month",
                key=f"2022-{m:02d}",
                value=5,
                published=5,
            )
            for m in range(1, 13)
        )
    else:
        seeded(99_000)  # ... and the big one: 100,000 learners
        assert LearnerProfile.objects.count() >= 100_000
    assert SummaryCount.objects.count() > 1000
    # Seeding takes a while, and a session seen again after a pause writes its "last seen"
    # bookkeeping once: let that happen outside the measured request.
    count_queries(admin_client, PROGRAMME)
    count_queries(coordinator_client, partner_url(partner))

    assert count_queries(admin_client, PROGRAMME) == small
    assert count_queries(coordinator_client, partner_url(partner)) == small_partner


def test_a_big_programme_folds_the_smallest_rows_into_other(client, admin):
    big_summary(partners=30, countries=30, months=30)
    RefreshState.objects.create(pk=1)
    data = programme_dashboard_data()
    assert data.headlines[0].figure.text == "1,000"
    assert data.by_partner.folded == 30 - TOP_ROWS
    assert data.by_partner.rows[-1].is_other
    assert data.by_partner.rows[-1].cells[0].value == 9 * (30 - TOP_ROWS)
    assert data.by_partner.totals[0].value == 270
    assert len(data.trends.chart_rows) == 12
    assert data.trends.rows[-1].label == "Earlier"
    assert data.trends.totals[0].value == 7 * 30
    client.force_login(admin)
    assert client.get(PROGRAMME).status_code == 200


# --- charts --------------------------------------------------------------------------------------


def parse(svg: str):
    root = ElementTree.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    return root


def rects(root):
    return [r for r in root.iter(f"{SVG}rect")]


def test_bar_chart_is_accessible_markup_without_inline_styles():
    svg = bar_chart(
        [Bar("<b>Kenya</b> & co", 10, "10"), Bar("Uganda", 5, "5"), Bar("Chad", 0, "0")],
        title='Learners "by country"',
        chart_id="c1",
    )
    root = parse(svg)

    assert root.get("role") == "img"
    assert root.get("viewBox").startswith(f"0 0 {charts.WIDTH} ")
    assert root.get("width") == "100%"
    title = root.find(f"{SVG}title")
    assert title.text == 'Learners "by country"'
    assert root.get("aria-labelledby") == title.get("id") == "c1-title"
    assert all("style" not in element.attrib for element in root.iter())
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "<b>Kenya</b> & co" in texts  # escaped in the markup, intact once parsed
    widths = [float(r.get("width")) for r in rects(root)]
    assert len(widths) == 2  # no bar for zero
    assert widths[0] == pytest.approx(2 * widths[1])


def test_a_suppressed_value_is_drawn_as_nothing_but_its_label():
    root = parse(
        bar_chart([Bar("Kenya", 40, "40"), Bar("Chad", None, "<5")], title="t", chart_id="c")
    )
    assert len(rects(root)) == 1
    assert "<5" in [t.text for t in root.iter(f"{SVG}text")]


def test_in_right_to_left_the_first_bar_starts_at_the_right():
    bars = [Bar("كينيا", 10, "10"), Bar("أوغندا", 5, "5")]
    ltr = rects(parse(bar_chart(bars, title="t", chart_id="c")))
    rtl_root = parse(bar_chart(bars, title="t", chart_id="c", rtl=True))
    rtl = rects(rtl_root)

    assert rtl_root.get("direction") == "rtl"
    assert float(ltr[0].get("x")) == charts.PAD
    right_edge = float(rtl[0].get("x")) + float(rtl[0].get("width"))
    assert right_edge == pytest.approx(charts.WIDTH - charts.PAD)
    for left, right in zip(ltr, rtl, strict=True):
        assert float(left.get("width")) == float(right.get("width"))
        mirrored = charts.WIDTH - float(left.get("x")) - float(left.get("width"))
        assert float(right.get("x")) == pytest.approx(mirrored)
    first_label = next(rtl_root.iter(f"{SVG}text"))
    assert float(first_label.get("x")) == charts.WIDTH - charts.PAD
    assert first_label.get("text-anchor") == "start"  # the start of right-to-left text: its right


def test_line_chart_runs_right_to_left_in_rtl_and_breaks_at_hidden_values():
    series = [Series("Learners", [5, None, 20], ["5", "<5", "20"])]
    ltr = parse(line_chart(["Jan", "Feb", "Mar"], series, title="Trends", chart_id="t"))
    rtl = parse(line_chart(["Jan", "Feb", "Mar"], series, title="Trends", chart_id="t", rtl=True))

    for root in (ltr, rtl):
        assert root.get("role") == "img"
        assert root.find(f"{SVG}title").text == "Trends"
        assert all("style" not in element.attrib for element in root.iter())
        assert len(list(root.iter(f"{SVG}circle"))) == 2  # the hidden month has no dot
        assert not list(root.iter(f"{SVG}polyline"))  # and no line goes through it
    ltr_x = [float(c.get("cx")) for c in ltr.iter(f"{SVG}circle")]
    rtl_x = [float(c.get("cx")) for c in rtl.iter(f"{SVG}circle")]
    assert ltr_x[0] < ltr_x[1] and rtl_x[0] > rtl_x[1]
    assert rtl_x == pytest.approx([charts.WIDTH - x for x in ltr_x])


def test_dashboard_charts_are_followed_by_tables_and_mirrored_in_arabic(client, admin, programme):
    client.force_login(admin)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ar"
    response = client.get(PROGRAMME)
    assert response.status_code == 200
    content = response.content.decode()
    doc = lxml_html.fromstring(content)
    assert doc.get("dir") == "rtl"

    figures = doc.xpath("//figure[contains(@class, 'chart-figure')]")
    assert len(figures) == 6  # funnel, months, partner, residence, origin, provider
    for figure in figures:
        nxt = figure.getnext()
        assert nxt is not None and (nxt.tag == "table" or nxt.xpath(".//table")), "table follows"
    funnel = parse(lxml_html.tostring(figures[0][0]).decode())
    assert funnel.get("direction") == "rtl"
    first_bar = rects(funnel)[0]
    assert float(first_bar.get("x")) + float(first_bar.get("width")) == pytest.approx(
        charts.WIDTH - charts.PAD
    )
    assert 'style="' not in content
    assert "/css/reporting." in content  # the dashboards' own stylesheet


def test_numbers_in_chart_labels_are_formatted():
    with translation.override("en"):
        root = parse(
            line_chart(["Jan"], [Series("Learners", [12345], ["12,345"])], title="t", chart_id="c")
        )
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "20,000" in texts  # the axis' top value, rounded up and grouped


# --- refreshing on demand ------------------------------------------------------------------------


def test_refresh_button_enqueues_a_rebuild_after_commit(
    client, admin, django_capture_on_commit_callbacks
):
    for _ in range(5):  # a multiple of 5: the protected count is the count
        learner_at(1, residence="KE")
    client.force_login(admin)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(REFRESH)
    assert response.status_code == 302
    assert response.url == PROGRAMME
    assert RefreshState.objects.get(pk=1).requested_at is not None
    assert AuditEvent.objects.filter(action="reporting.refresh_requested", actor=admin).exists()
    assert len(callbacks) == 1
    assert not SummaryCount.objects.exists()  # nothing runs before the commit

    callbacks[0]()  # the commit: the task runs (in-process in tests)
    state = RefreshState.objects.get(pk=1)
    assert state.requested_at is None
    doc = page(client, PROGRAMME)
    text = visible_text(doc)
    assert "The figures are being recalculated; reload in a minute." in text
    assert headline(doc, "learners") == "5"
    assert "Figures as of" in text


def test_the_refresh_view_takes_only_posts(client, admin):
    client.force_login(admin)
    assert client.get(REFRESH).status_code == 405


# --- who may open what ---------------------------------------------------------------------------


@pytest.fixture
def people(programme):
    partner_a = programme["a"]
    learner = LearnerFactory()
    LearnerProfileFactory(user=learner)
    admin = ProgrammeAdminFactory()
    give_totp(admin)
    return {
        "learner": learner,
        "reviewer": staff_of(partner_a, StaffRole.REVIEWER),
        "coordinator": staff_of(partner_a),
        "other_coordinator": staff_of(programme["b"]),
        "admin": admin,
    }


EXPECTED = {
    "programme": {
        "learner": 404,
        "reviewer": 404,
        "coordinator": 404,
        "other_coordinator": 404,
        "admin": 200,
    },
    "partner": {
        "learner": 404,
        "reviewer": 404,
        "coordinator": 200,
        "other_coordinator": 404,
        "admin": 404,
    },
    "refresh": {
        "learner": 404,
        "reviewer": 404,
        "coordinator": 404,
        "other_coordinator": 404,
        "admin": 302,
    },
}


@pytest.mark.parametrize("view", list(EXPECTED))
def test_each_dashboard_opens_only_for_its_rightful_role(client, programme, people, view):
    url = {"programme": PROGRAMME, "partner": partner_url(programme["a"]), "refresh": REFRESH}[view]
    actual = {}
    for role, user in people.items():
        client.force_login(user)
        response = client.post(url) if view == "refresh" else client.get(url)
        actual[role] = response.status_code
    client.logout()

    assert actual == EXPECTED[view]
    anonymous = client.post(url) if view == "refresh" else client.get(url)
    assert anonymous.status_code == 302
    assert anonymous.url.startswith(reverse("account_login"))


def test_refused_refresh_requests_change_nothing(
    client, people, django_capture_on_commit_callbacks
):
    before = RefreshState.objects.get(pk=1).requested_at
    for role in ("learner", "reviewer", "coordinator", "other_coordinator"):
        client.force_login(people[role])
        with django_capture_on_commit_callbacks() as callbacks:
            assert client.post(REFRESH).status_code == 404
        assert not callbacks
    assert RefreshState.objects.get(pk=1).requested_at == before is None


def test_partner_dashboard_of_a_missing_partner_is_404(client, people):
    client.force_login(people["coordinator"])
    url = reverse("reporting:partner_dashboard", kwargs={"slug": "no-such-partner"})
    assert client.get(url).status_code == 404


def test_partner_dashboard_without_a_refresh_has_no_button(client):
    partner = PartnerFactory()
    client.force_login(staff_of(partner))
    text = visible_text(page(client, partner_url(partner)))
    assert "No figures yet" in text
    assert "Recalculate" not in text


# --- migration 0005: summaries built before the protected counts are rebuilt, not shown as "<5" --


def test_migration_0005_drops_summaries_without_protected_counts_and_outputs_rebuild_them(
    client, admin
):
    """After 0003 added `published` with a default of 0, existing summary rows showed "<5"
    everywhere. 0005 empties the summary level: the dashboards say "No figures yet" (never "<5"
    for a real 7), and an export rebuilds the roll-ups before it reads them."""
    import importlib

    from django.apps import apps

    from reporting.models import ExportJob
    from reporting.services import export_build

    rebuild = importlib.import_module("reporting.migrations.0005_rebuild_protected_counts")
    LearnerProfileFactory.create_batch(7)
    SeatAllocationFactory(total=20, used=7)
    rollups_refresh()
    learners = Q(scope_partner_id=None, metric=Metric.LEARNERS, dimension=Dimension.TOTAL)
    protected = SummaryCount.objects.get(learners).published
    assert protected >= 5
    # The state 0003 left behind: true counts, protected counts all 0.
    SummaryCount.objects.update(published=0)
    DecisionTime.objects.update(decisions_published=0)
    SeatUsage.objects.update(used_published=0)
    assert programme_dashboard_data().headlines[0].figure.text == "<5"

    rebuild.stale_summaries_delete(apps, None)

    assert not SummaryCount.objects.exists()
    assert not DecisionTime.objects.exists()
    assert not SeatUsage.objects.exists()
    assert programme_dashboard_data().has_figures is False
    client.force_login(admin)
    response = client.get(PROGRAMME)
    assert 'id="no-figures"' in response.content.decode()
    rebuild.stale_summaries_delete(apps, None)  # again, or on a fresh database: nothing happens

    job = ExportJob.objects.create(kind="programme_aggregates", requested_by=admin)
    export_build(job_id=job.pk)
    assert SummaryCount.objects.get(learners).published == protected
    assert SeatUsage.objects.get().used_published > 0
    assert programme_dashboard_data().has_figures is True
