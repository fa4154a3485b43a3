"""A bureau clerk opens the county summary, reads the figures and charts, drills into a
school's status sheet, and downloads the xlsx that goes upward."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from tests.factories import TEST_PASSWORD
from tests.reports import conftest as reports_conftest

pytestmark = pytest.mark.django_db(transaction=True)

# The county with known facts of the reports' tests.
known = reports_conftest.known


def log_in(page, user):
    page.goto("/accounts/login/")
    page.get_by_label("用户名").fill(user.username)
    page.get_by_label("密码").fill(TEST_PASSWORD)
    page.get_by_role("button", name="登录").click()


def test_a_bureau_user_reads_the_summary_drills_down_and_downloads_it(desktop, known):
    page = desktop
    log_in(page, known.bureau1)
    page.goto(reverse("county_summary"))

    assert page.get_by_test_id("headline-registered").inner_text() == "6"
    table = page.get_by_test_id("summary-table")
    assert table.locator('[data-testid="summary-school"]').count() == 3
    total = table.get_by_test_id("summary-total")
    assert total.locator('[data-col="registered"]').inner_text() == "6"
    assert page.locator('[data-testid="chart-compliance-by-school"] svg').is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280

    # The period selector works without JavaScript: a plain GET form.
    page.get_by_test_id("summary-filters").locator("select[name=period]").select_option("term")
    page.get_by_test_id("summary-filters").locator("button[type=submit]").click()
    page.wait_for_url("**/summary/?period=term")
    assert page.locator("select[name=period]").input_value() == "term"

    # The xlsx on top downloads what the page shows.
    with page.expect_download() as download_info:
        page.get_by_test_id("summary-xlsx").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    assert known.kids.a1.name not in download.suggested_filename
    with open(download.path(), "rb") as handle:
        sheet = load_workbook(io.BytesIO(handle.read())).active
    assert known.county1.name in sheet["A1"].value
    rows = {row[1].value: row for row in sheet.iter_rows(min_row=5)}
    assert rows[known.school_a.name][2].value == 100  # pupils enrolled
    assert rows[known.school_a.name][3].value == 3  # registered
    totals = [row for row in sheet.iter_rows(min_row=5) if row[0].value in ("合计", "Total")]
    assert totals[0][3].value == 6

    # Drill down: a school's name opens its status sheet for the same period.
    page.get_by_test_id("summary-table").get_by_role(
        "link", name=known.school_b.name).click()
    page.wait_for_url(f"**{reverse('status_sheet', args=[known.school_b.pk])}?period=term")
    assert known.school_b.name in page.content()


def test_on_a_phone_the_table_scrolls_inside_its_box_not_the_page(phone, known):
    log_in(phone, known.township_user)
    phone.goto(reverse("county_summary"))
    assert phone.get_by_test_id("summary-table").locator(
        '[data-testid="summary-school"]').count() == 2
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    box = phone.locator(".summary-scroll")
    assert box.evaluate("el => el.scrollWidth > el.clientWidth")
    assert phone.locator('[data-testid="chart-talk-by-week"] svg').is_visible()
