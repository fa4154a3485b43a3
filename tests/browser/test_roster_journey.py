"""A school admin imports the demo roster, sees the bad rows, fixes them in the
spreadsheet, imports, and prints a class's record cards."""

import datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook

from registry.idnumber import id_check_character
from registry.models import Child
from tests import factories
from tests.browser.conftest import log_in

pytestmark = pytest.mark.django_db(transaction=True)

DEMO_ROSTER = Path(__file__).resolve().parents[2] / "fixtures" / "demo_roster_school_a.xlsx"
BAD_ROWS = {"5", "10", "15", "21", "26"}


def _fix(source, target):
    """What the clerk does in WPS: correct the five cells the preview pointed at."""
    book = load_workbook(source)
    sheet = book.active
    column = {cell.value: cell.column for cell in sheet[1]}

    def cell(row, header):
        return sheet.cell(row=row, column=column[header])

    number = cell(5, "身份证号").value
    cell(5, "身份证号").value = number[:17] + id_check_character(number[:17])
    cell(5, "学籍号").value = "G" + cell(5, "身份证号").value
    cell(10, "班级").value = "1班"
    cell(15, "父亲电话").value = "13800138000"
    born = cell(21, "身份证号").value[6:14]
    cell(21, "出生日期").value = datetime.date(int(born[:4]), int(born[4:6]), int(born[6:]))
    cell(26, "与儿童关系").value = "祖父母"
    book.save(target)


def test_school_admin_imports_the_demo_roster_and_prints_cards(desktop, tmp_path):
    school = factories.SchoolFactory(stage="primary")
    classes = {
        (grade, number): factories.ClassroomFactory(school=school, grade=grade, number=number)
        for grade in range(1, 7) for number in (1, 2)
    }
    admin = factories.SchoolAdminFactory(school=school)
    page = desktop
    log_in(page, admin)

    page.goto("/children/")
    page.get_by_role("link", name="导入花名册").click()
    page.get_by_label("花名册文件").set_input_files(str(DEMO_ROSTER))
    page.get_by_role("button", name="上传并核对").click()

    errors = page.get_by_test_id("roster-errors").inner_text()
    for row in BAD_ROWS:
        assert f"第 {row} 行" in errors
    assert "校验码" in errors and "3年级9班" in errors
    assert page.get_by_role("button", name="导入", exact=True).is_disabled()
    assert not Child.objects.exists()

    fixed = tmp_path / "roster_fixed.xlsx"
    _fix(DEMO_ROSTER, fixed)
    page.get_by_role("link", name="上传其他文件").click()
    page.get_by_label("花名册文件").set_input_files(str(fixed))
    page.get_by_role("button", name="上传并核对").click()
    assert not page.get_by_test_id("roster-errors").is_visible()
    page.get_by_role("button", name="导入", exact=True).click()

    assert "花名册已导入" in page.get_by_role("alert").first.inner_text()
    assert Child.objects.filter(school=school).count() == 30
    first_class = classes[(1, 1)]
    on_registry = Child.objects.in_registry().filter(classroom=first_class).count()
    assert on_registry > 0

    page.goto(f"/classes/{first_class.pk}/cards/")
    assert page.locator(".record-card").count() == on_registry
    page.emulate_media(media="print")
    assert not page.locator("nav.navbar").is_visible()
    assert not page.get_by_role("button", name="打印").is_visible()
    assert page.locator(".record-card").first.is_visible()
