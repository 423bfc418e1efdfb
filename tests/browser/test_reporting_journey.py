"""Reporting in real browsers on a phone-sized screen (360 px): a programme admin reads the
dashboard in Arabic (right to left), with JavaScript off; a coordinator asks for an export of
their partner's figures and follows its progress page (which refreshes itself without
JavaScript) until the CSV can be downloaded.
"""

import csv
import io

import pytest
from playwright.sync_api import expect

from reporting import services, tasks
from reporting.models import ExportJob, SummaryCount
from tests.reporting.export_data import build_programme, programme_admin, staff_of

from .helpers import ARABIC, choose_language, exactly, expect_page_in, signed_in_context, tr, url_is

pytestmark = pytest.mark.browser

NARROW = {"width": 360, "height": 740}


def test_programme_dashboard_at_360px_in_arabic_without_javascript(new_context, live_server, db):
    build_programme()
    admin = programme_admin()
    context = signed_in_context(
        new_context(viewport=NARROW, java_script_enabled=False), live_server, admin
    )
    page = context.new_page()
    page.goto(live_server.url + "/reports/programme/")
    choose_language(page, "العربية")
    expect(page).to_have_url(url_is(live_server, "/reports/programme/"))
    expect_page_in(page, ARABIC)
    main = page.get_by_role("main")
    expect(main.get_by_role("heading", level=1)).to_have_text(tr("Programme dashboard", ARABIC))

    # Headline numbers: the protected counts (17 learners signed up, 12 verified, 2 credentials,
    # each rounded to a multiple of 5 per partner and group), in Arabic digits or not.
    learners = SummaryCount.objects.get(scope_partner_id=None, metric="learners", dimension="total")
    expect(page.locator("#headline-learners .headline-value")).to_have_text(
        "<5" if learners.published == 0 else f"{learners.published:,}"
    )

    # Charts are server-drawn SVG images with a data table beside each.
    charts = main.locator("svg[role=img]")
    assert charts.count() >= 4
    expect(main.locator("#table-funnel")).to_be_visible()

    # Nothing overflows the 360 px screen sideways, in right-to-left layout.
    assert page.evaluate("document.documentElement.dir") == "rtl"
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= NARROW["width"], f"the page is {width}px wide"
    # In RTL the funnel's bars start at the right edge of their chart.
    funnel_bar = main.locator("#funnel-heading ~ figure svg rect.chart-bar").first
    svg_box = main.locator("#funnel-heading ~ figure svg").first.bounding_box()
    bar_box = funnel_bar.bounding_box()
    assert (
        abs((bar_box["x"] + bar_box["width"]) - (svg_box["x"] + svg_box["width"]))
        < 0.2 * svg_box["width"]
    )


def test_coordinator_follows_an_export_from_progress_to_download(
    new_context, live_server, db, monkeypatch
):
    programme = build_programme()
    coordinator = staff_of(programme.partner_a, email="coordinator@example.org")
    # The job waits in the queue (as with a busy worker) until the test lets it run.
    queued = []
    monkeypatch.setattr(tasks.export_build_task, "delay", lambda job_id: queued.append(job_id))

    context = signed_in_context(
        new_context(viewport=NARROW, java_script_enabled=False), live_server, coordinator
    )
    page = context.new_page()
    page.goto(live_server.url + "/reports/exports/")
    main = page.get_by_role("main")
    main.get_by_label("Partner figures (counts)").check()
    main.get_by_role("button", name=exactly("Prepare the export")).click()

    job = ExportJob.objects.get(requested_by=coordinator)
    expect(page).to_have_url(url_is(live_server, f"/reports/exports/{job.pk}/"))
    expect(page.locator("progress#export-progress")).to_be_visible()
    # It refreshes itself once asked to (not by default: a reload loses a screen reader's place).
    expect(page.locator("meta[http-equiv=refresh]")).to_have_count(0)
    main.get_by_role("link", name=exactly("Refresh every few seconds")).click()
    expect(page.locator("meta[http-equiv=refresh]")).to_have_count(1)
    expect(page.get_by_role("link", name=exactly("Download the CSV file"))).to_have_count(0)

    # The worker builds it; the page refreshes itself (no JavaScript) and offers the file.
    assert queued == [job.pk]
    services.export_build(job_id=job.pk)
    download_link = page.get_by_role("link", name=exactly("Download the CSV file"))
    expect(download_link).to_be_visible(timeout=15_000)
    expect(page.locator("meta[http-equiv=refresh]")).to_have_count(0)

    with page.expect_download() as download:
        download_link.click()
    text = open(download.value.path(), encoding="utf-8").read()  # noqa: SIM115 — read once
    cells = [cell for row in csv.reader(io.StringIO(text)) for cell in row]
    assert "Hope Amman" in text
    assert "Bridge Beirut" not in text  # another partner's figures never appear
    assert not {"1", "2", "3", "4"} & set(cells)  # counts leave only rounded to multiples of 5
    counts = [cell for cell in cells if cell.isdigit() or cell == "<5"]
    assert counts and all(cell == "<5" or int(cell) % 5 == 0 for cell in counts)
