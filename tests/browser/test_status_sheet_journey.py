"""A principal opens the status sheet from the school page, filters it, changes the
period, prints it and downloads exactly the rows on screen; on a phone the table scrolls
sideways inside its box and the page never does."""

import pytest
from django.utils import timezone

from tests.browser.conftest import download_workbook, log_in, no_sideways_scroll
from tests.reports.conftest import known  # noqa: F401 (the county with known facts)

pytestmark = pytest.mark.django_db(transaction=True)

HEADER_ROW = 5  # the xlsx's header row (title, period and filters above it)


def names_on_screen(page):
    return page.locator('[data-testid="sheet-row"] th[scope="row"] a').all_inner_texts()


def test_a_principal_filters_the_sheet_prints_it_and_downloads_it(desktop, known):  # noqa: F811
    page = desktop
    k = known.kids
    log_in(page, known.admin_a)  # lands on the school page
    page.get_by_test_id("school-status-sheet").click()
    assert sorted(names_on_screen(page)) == sorted([k.a1.name, k.a2.name, k.a4.name])
    overdue = page.locator(f'[data-testid="sheet-row"][data-child="{k.a2.pk}"] '
                           '[data-testid="sheet-cell"]')
    assert overdue.get_attribute("data-overdue") == "true"
    assert "table-danger" in overdue.get_attribute("class")

    # Filter: children without a staff mentor, in grade 3.
    page.get_by_label("未结对").check()
    page.locator("select[name=grade]").select_option("3")
    page.get_by_role("button", name="筛选").click()
    assert "unpaired=on" in page.url and "grade=3" in page.url
    assert names_on_screen(page) == [k.a2.name]

    # Another period keeps the filters.
    month = f"{timezone.localdate():%Y-%m}"
    page.locator(f'[data-testid="sheet-periods"] [data-period="{month}"]').click()
    assert f"period={month}" in page.url and "unpaired=on" in page.url
    assert names_on_screen(page) == [k.a2.name]
    assert page.locator("select[name=grade]").input_value() == "3"

    # The print button prints (through carecase.js: no inline script).
    page.evaluate("window.print = function () { window.printed = true; }")
    page.get_by_test_id("sheet-print").click()
    assert page.evaluate("window.printed") is True

    # The download holds exactly the rows on screen.
    filename, book = download_workbook(page, page.get_by_test_id("sheet-export"))
    assert filename.endswith(".xlsx")
    assert k.a2.name not in filename
    sheet = book.worksheets[0]
    names = [row[1] for row in sheet.iter_rows(min_row=HEADER_ROW + 1, values_only=True)]
    assert names == names_on_screen(page)


def test_on_a_phone_only_the_table_scrolls_sideways(phone, known):  # noqa: F811
    log_in(phone, known.admin_a)
    phone.goto(f"/schools/{known.school_a.pk}/status/?period=term")
    assert phone.get_by_test_id("sheet-row").count() == 3
    assert no_sideways_scroll(phone)
    box = phone.locator(".sheet-scroll")
    assert box.evaluate("el => el.scrollWidth > el.clientWidth")  # the table scrolls inside
    # The name stays in view when the table is scrolled sideways.
    box.evaluate("el => { el.scrollLeft = el.scrollWidth; }")
    name = phone.locator('[data-testid="sheet-row"] th[scope="row"]').first
    assert 0 <= name.bounding_box()["x"] < 40
