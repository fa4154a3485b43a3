"""Each role's journey through the real pages, in Chinese, as its user clicks through it,
with screenshots of the key screens (see ``shoot`` in conftest.py):

1. a teacher on a phone logs a talk with every child of their week and raises a concern;
2. a principal imports a roster with one bad row, fixes it, pairs mentors in bulk,
   filters the status sheet and exports it;
3. a bureau user reads the county summary, drills into a school and checks a figure of
   the downloaded xlsx against the page;
4. wrong passwords lock a teacher out; the school admin unlocks the account.

The world is built with factories beforehand; everything after that happens in the
browser, and the database is checked at the end.
"""

import datetime
import re

import pytest
from auditlog.models import LogEntry
from axes.models import AccessAttempt
from django.conf import settings
from openpyxl import load_workbook
from playwright.sync_api import expect

from interventions.models import Concern, ContactLog, Pairing
from registry.idnumber import make_id_number
from registry.models import Child
from tests import factories
from tests.browser.conftest import DESKTOP, download_workbook, log_in, no_sideways_scroll
from tests.interventions.factories import PairingFactory
from tests.interventions.test_week import on_registry, setup_county
from tests.reports import conftest as reports_conftest

pytestmark = pytest.mark.django_db(transaction=True)

# The county with known facts of the reports' tests.
known = reports_conftest.known

SHEET_HEADER_ROW = 5  # the status sheet xlsx's header row (title, period and filters above)


# --- 1. The teacher's week, on a phone ------------------------------------------------------

@pytest.fixture
def teachers_class():
    """Six children of 4年级2班 on the registry; their homeroom teacher owes each a weekly
    talk, and a colleague is every child's surrogate parent (who owes the monthly visit)."""
    classroom = factories.ClassroomFactory(grade=4, number=2)
    setup_county(classroom.school.county)  # a term around today, the talk and the visit
    colleague = factories.TeacherFactory(school=classroom.school, real_name="周敏")
    children = [on_registry(factories.ChildFactory(classroom=classroom, episode=False,
                                                   name=name))
                for name in ("王小明", "李小红", "张𠀀", "赵小刚", "陈小芳", "刘小军")]
    for child in children:
        PairingFactory(child=child, kind="surrogate", staff=colleague)
    return classroom.homeroom_teacher, children


@pytest.mark.journey("1-teacher")
def test_teacher_logs_a_week_of_talks_on_a_phone_and_raises_a_concern(
        phone, teachers_class, shoot):
    teacher, children = teachers_class
    names = {str(child.pk): child.name for child in children}
    page = phone

    page.goto("/")
    expect(page.get_by_role("heading", name="登录关爱台账")).to_be_visible()
    shoot(page, "login")
    log_in(page, teacher)

    # The home page is the week: every child still owes this week's talk.
    expect(page.get_by_role("heading", name="我的本周")).to_be_visible()
    expect(page.get_by_test_id("progress-weekly_talk")).to_have_text("0/6")
    expect(page.locator("main")).to_contain_text("还有 6 名儿童待您跟进。")
    cards = page.get_by_test_id("week-row")
    expect(cards).to_have_count(6)
    order = cards.evaluate_all("cards => cards.map(card => card.dataset.child)")
    assert sorted(order) == sorted(names)
    for pk in order:
        card = page.locator(f"#child-{pk}")
        expect(card).to_have_attribute("data-state", re.compile("^(due|overdue)$"))
        expect(card.locator("[data-code=weekly_talk]")).to_contain_text(
            re.compile("逾期|待办"))
    assert no_sideways_scroll(page)
    shoot(page, "week-to-do")

    # One tap on 记录, one on 保存, card after card; the last talk reveals a worry.
    worried, worried_name = order[-1], names[order[-1]]
    for done, pk in enumerate(order, start=1):
        page.locator(f"#child-{pk}").get_by_test_id("log-button").click()
        expect(page.get_by_role("heading", name="记录关爱")).to_be_visible()
        expect(page.locator("main")).to_contain_text(names[pk])
        # Prefilled: the weekly talk, today, in person with the child.
        expect(page.get_by_label("计入")).to_have_value("weekly_talk")
        expect(page.locator("input[name=channel][value=in_person]")).to_be_checked()
        expect(page.locator("input[name=with_whom][value=child]")).to_be_checked()
        if pk == worried:
            page.get_by_label("内容摘要").fill("最近晚上睡不好，说很想妈妈")
            page.get_by_label("这次联系发现了需要关注的问题：接着登记关切").check()
            assert no_sideways_scroll(page)
            shoot(page, "log-form")
        page.get_by_role("button", name="保存").click()
        if pk == worried:
            break
        # Back on the same card of the week, now done.
        expect(page).to_have_url(re.compile(rf"/week/#child-{pk}$"))
        expect(page.get_by_role("alert").filter(
            has_text=f"已记录对{names[pk]}的关爱。")).to_be_visible()
        card = page.locator(f"#child-{pk}")
        expect(card.locator("[data-code=weekly_talk]")).to_have_attribute("data-state", "met")
        expect(card).to_have_attribute("data-state", "met")
        expect(card).to_be_in_viewport()
        expect(page.get_by_test_id("progress-weekly_talk")).to_have_text(f"{done}/6")

    # The concern form follows the saved talk.
    expect(page.get_by_role("heading", name="登记关切")).to_be_visible()
    expect(page.get_by_role("alert").filter(
        has_text=f"已记录对{worried_name}的关爱。")).to_be_visible()
    expect(page.get_by_test_id("concern-from-log")).to_contain_text("来自")
    page.get_by_test_id("concern-category").get_by_text("心理", exact=True).click()
    page.get_by_label("需尽快跟进").check()
    page.get_by_test_id("concern-description").fill("孩子说晚上想妈妈睡不着，白天上课打瞌睡")
    assert no_sideways_scroll(page)
    shoot(page, "concern-form")
    page.get_by_test_id("concern-save").click()

    # Back on the week: confirmed, every talk done, the worry flagged on the card.
    expect(page).to_have_url(re.compile(rf"/week/#child-{worried}$"))
    expect(page.get_by_role("alert").filter(
        has_text=f"已为{worried_name}登记关切。")).to_be_visible()
    expect(page.get_by_test_id("progress-weekly_talk")).to_have_text("6/6")
    for pk in order:
        expect(page.locator(f"#child-{pk}")).to_have_attribute("data-state", "met")
        expect(page.locator(f"#child-{pk} [data-code=weekly_talk]")).to_have_attribute(
            "data-state", "met")
    assert cards.evaluate_all("cards => cards.map(card => card.dataset.child)") == order
    expect(page.locator(f"#child-{worried}").get_by_test_id("open-concern")).to_have_text(
        "1 条待处理关切")
    assert page.get_by_test_id("open-concern").count() == 1
    assert no_sideways_scroll(page)
    shoot(page, "week-done")

    # Exactly one talk per child, by the teacher, and the concern tied to the last talk.
    logs = ContactLog.objects.filter(author=teacher)
    assert sorted(logs.values_list("child_id", flat=True)) == sorted(c.pk for c in children)
    assert set(logs.values_list("standard", "channel")) == {("weekly_talk", "in_person")}
    concern = Concern.objects.get()
    assert (concern.child_id, concern.category, concern.severity, concern.raised_by) == (
        int(worried), "psychological", "prompt", teacher)
    assert concern.log == logs.get(child_id=worried)
    assert concern.log.summary == "最近晚上睡不好，说很想妈妈"


# --- 2. The principal's start of term, on a school computer ---------------------------------

ROSTER = [  # name, birth date, ID sequence, grade, class, the father's workplace
    ("孙悦", datetime.date(2017, 3, 8), 12, 3, 1, "广东东莞"),
    ("周浩然", datetime.date(2017, 6, 21), 31, 3, 1, "浙江义乌"),
    ("吴梓涵", datetime.date(2016, 1, 5), 44, 4, 1, "福建厦门"),
    ("郑雨轩", datetime.date(2016, 10, 30), 57, 4, 1, "江苏苏州"),
]
BAD_LINE = 4  # the spreadsheet row of 吴梓涵 (the header is row 1)


def fill_roster(template, target, *, bad_check_digit):
    """What the clerk does in WPS: one child per row of the downloaded template."""
    book = load_workbook(template)
    sheet = book.worksheets[0]
    column = {cell.value: cell.column for cell in sheet[1]}
    for line, (name, born, sequence, grade, number, workplace) in enumerate(ROSTER, start=2):
        id_number = make_id_number("360101", born, sequence)
        if bad_check_digit and line == BAD_LINE:
            id_number = id_number[:17] + ("0" if id_number[17] != "0" else "1")
        values = {
            "姓名": name, "身份证号": id_number, "学籍号": f"G{id_number}", "民族": "汉族",
            "年级": grade, "班级": f"{number}班", "住址": "青山县城关镇杨柳村3组",
            "父亲姓名": f"{name[0]}建国", "父亲电话": "13800138000", "父亲情况": "外出务工",
            "父亲务工地": workplace, "父亲外出时间": datetime.date(2025, 2, 15),
            "母亲姓名": "李芳", "母亲电话": "13900139000", "母亲情况": "在家",
        }
        for header, value in values.items():
            sheet.cell(row=line, column=column[header], value=value)
    book.save(target)


@pytest.fixture
def school_at_term_start():
    """城关镇中心小学 with 3年级1班 and 4年级1班, their homeroom teachers, a subject teacher
    who will mentor, and the principal; no child yet."""
    county = factories.CountyFactory(name="青山县")
    setup_county(county)
    school = factories.SchoolFactory(
        name="城关镇中心小学", stage="primary",
        township=factories.TownshipFactory(county=county, name="城关镇"))
    for grade, teacher in ((3, "王丽"), (4, "张强")):
        factories.ClassroomFactory(
            school=school, grade=grade, number=1,
            homeroom_teacher=factories.TeacherFactory(school=school, real_name=teacher))
    mentor = factories.TeacherFactory(school=school, real_name="刘芳")
    principal = factories.SchoolAdminFactory(school=school, real_name="陈校长")
    return school, principal, mentor


@pytest.mark.journey("2-principal")
def test_principal_imports_a_roster_pairs_mentors_and_exports_the_status_sheet(
        desktop, school_at_term_start, tmp_path, shoot):
    school, principal, mentor = school_at_term_start
    page = desktop
    log_in(page, principal)
    expect(page.get_by_role("heading", name="城关镇中心小学")).to_be_visible()

    # The roster import, from 建档儿童; the template comes from the page.
    page.get_by_role("link", name="建档儿童").click()
    page.get_by_role("link", name="导入花名册").click()
    expect(page.get_by_role("heading", name="导入花名册")).to_be_visible()
    with page.expect_download() as template:
        page.get_by_role("link", name="下载模板（.xlsx）").click()
    blank = tmp_path / template.value.suggested_filename
    template.value.save_as(blank)
    bad, fixed = tmp_path / "花名册.xlsx", tmp_path / "花名册（改）.xlsx"
    fill_roster(blank, bad, bad_check_digit=True)
    fill_roster(blank, fixed, bad_check_digit=False)

    page.get_by_label("花名册文件").set_input_files(str(bad))
    page.get_by_role("button", name="上传并核对").click()
    expect(page.get_by_role("heading", name="导入前核对花名册")).to_be_visible()
    expect(page.get_by_test_id("roster-has-errors")).to_contain_text("1 行有错误。")
    errors = page.get_by_test_id("roster-errors")
    expect(errors.locator("[data-line]")).to_have_count(1)
    expect(errors.locator(f"[data-line='{BAD_LINE}']")).to_contain_text(
        f"第 {BAD_LINE} 行 · 吴梓涵")
    expect(errors).to_contain_text("身份证号: 身份证号最后一位校验码不正确，请核对号码。")
    expect(page.get_by_role("button", name="导入", exact=True)).to_be_disabled()
    shoot(page, "roster-bad-row")
    assert not Child.objects.exists()

    # Fixed in the spreadsheet, uploaded again: four new children.
    page.get_by_role("link", name="上传其他文件").click()
    page.get_by_label("花名册文件").set_input_files(str(fixed))
    page.get_by_role("button", name="上传并核对").click()
    expect(page.get_by_role("heading", name="导入前核对花名册")).to_be_visible()
    expect(page.get_by_test_id("roster-counts").locator("[data-count=create]")).to_have_text("4")
    expect(page.get_by_test_id("roster-counts").locator("[data-count=error]")).to_have_text("0")
    expect(page.get_by_test_id("roster-errors")).to_have_count(0)
    shoot(page, "roster-checked")
    page.get_by_role("button", name="导入", exact=True).click()
    expect(page.get_by_role("alert").filter(has_text="花名册已导入")).to_be_visible()
    for name, *_ in ROSTER:
        expect(page.get_by_role("link", name=name, exact=True)).to_be_visible()
    imported = Child.objects.in_registry().filter(school=school)
    assert sorted(imported.values_list("name", "classroom__grade")) == sorted(
        (name, grade) for name, _born, _seq, grade, *_ in ROSTER)

    # Bulk pairing: the whole of 3年级1班 with the subject teacher as their mentor.
    page.get_by_role("link", name="结对", exact=True).click()
    page.get_by_test_id("pairing-filters").get_by_label("班级").select_option(label="3年级1班")
    page.get_by_test_id("pairing-filters").get_by_role("button", name="筛选").click()
    rows = page.get_by_test_id("pairing-rows").locator("tbody tr")
    expect(rows).to_have_count(2)
    page.get_by_label("全选").check()
    for name in ("孙悦", "周浩然"):
        expect(page.get_by_label(name, exact=True)).to_be_checked()
    bulk = page.get_by_test_id("bulk-assign")
    bulk.get_by_label("教职工").select_option(str(mentor.pk))
    bulk.get_by_label("类型").select_option(label="教职工结对帮扶")
    shoot(page, "pairings-ticked")
    bulk.get_by_role("button", name="安排给勾选的儿童").click()
    expect(page.get_by_role("alert").filter(
        has_text="已为 2 名儿童安排与刘芳结对。")).to_be_visible()
    for name in ("孙悦", "周浩然"):
        expect(rows.filter(has_text=name)).to_contain_text("刘芳")
    shoot(page, "pairings-done")
    assert sorted(Pairing.objects.filter(kind="mentor", staff=mentor, end_date=None)
                  .values_list("child__name", flat=True)) == ["周浩然", "孙悦"]

    # The status sheet: the mentors are there; the unpaired filter leaves grade 4.
    page.get_by_role("link", name="动态状况表").click()
    sheet_rows = page.get_by_test_id("sheet-row")
    expect(sheet_rows).to_have_count(4)
    expect(sheet_rows.filter(has_text="孙悦")).to_contain_text("刘芳")
    page.get_by_label("未结对").check()
    page.get_by_test_id("sheet-filters").get_by_role("button", name="筛选").click()
    expect(page).to_have_url(re.compile(r"unpaired=on"))
    expect(sheet_rows).to_have_count(2)
    expect(page.get_by_test_id("sheet-count")).to_contain_text("2 名儿童")
    on_screen = page.locator('[data-testid="sheet-row"] th[scope="row"] a').all_inner_texts()
    assert sorted(on_screen) == ["吴梓涵", "郑雨轩"]
    shoot(page, "status-sheet-unpaired")

    filename, book = download_workbook(page, page.get_by_test_id("sheet-export"))
    assert filename.endswith(".xlsx")
    rows_in_file = [row for row in book.worksheets[0].iter_rows(
        min_row=SHEET_HEADER_ROW + 1, values_only=True) if any(row)]
    assert [row[1] for row in rows_in_file] == on_screen
    assert all(row[0] == "4年级1班" for row in rows_in_file)


# --- 3. The bureau's summary, on an office computer -----------------------------------------

@pytest.mark.journey("3-bureau")
def test_bureau_reads_the_summary_drills_into_a_school_and_checks_the_xlsx(
        desktop, known, shoot):
    page = desktop
    school_a = known.school_a
    log_in(page, known.bureau1)

    # The bureau lands on the county's summary.
    expect(page.get_by_role("heading", name="信息汇总表")).to_contain_text("青山县")
    expect(page.get_by_test_id("headline-registered")).to_have_text("6")
    expect(page.get_by_test_id("summary-headline")).to_contain_text("在册儿童")
    table = page.get_by_test_id("summary-table")
    expect(table.get_by_test_id("summary-school")).to_have_count(3)
    expect(table.get_by_test_id("summary-township")).to_have_count(2)
    expect(table.get_by_test_id("summary-total")).to_contain_text("合计")
    expect(table.get_by_test_id("summary-total").locator('[data-col="registered"]')
           ).to_have_text("6")
    expect(page.locator('[data-testid="chart-compliance-by-school"] svg')).to_be_visible()
    assert no_sideways_scroll(page)
    shoot(page, "summary")

    # The whole term rather than this week (a plain GET form).
    filters = page.get_by_test_id("summary-filters")
    filters.get_by_label("周期").select_option("term")
    filters.get_by_role("button").click()
    expect(page).to_have_url(re.compile(r"/summary/\?period=term$"))
    expect(page.get_by_test_id("summary-period")).to_contain_text("第一学期")
    expect(filters.get_by_label("周期")).to_have_value("term")
    expect(page.get_by_test_id("headline-registered")).to_have_text("6")
    shoot(page, "summary-term")
    row_a = table.locator(f'[data-testid="summary-school"][data-school="{school_a.pk}"]')
    registered_a = row_a.locator('[data-col="registered"]').inner_text()
    assert registered_a == "3"

    # Drill down: the school's name opens its status sheet for the same period.
    row_a.get_by_role("link", name=school_a.name).click()
    expect(page).to_have_url(re.compile(rf"/schools/{school_a.pk}/status/\?period=term$"))
    expect(page.get_by_role("heading", name=school_a.name)).to_contain_text("动态状况表")
    expect(page.get_by_test_id("sheet-row")).to_have_count(int(registered_a))
    expect(page.get_by_test_id("sheet-count")).to_contain_text(f"{registered_a} 名儿童")
    shoot(page, "school-status-sheet")
    page.go_back()

    # The xlsx that goes upward holds the figures of the page.
    expect(page.get_by_role("heading", name="信息汇总表")).to_be_visible()
    filename, book = download_workbook(page, page.get_by_test_id("summary-xlsx"))
    assert filename.endswith(".xlsx")
    assert known.kids.a1.name not in filename
    sheet = book.active
    assert "青山县" in sheet["A1"].value
    rows = {row[1].value: row for row in sheet.iter_rows(min_row=5)}
    assert rows[school_a.name][2].value == 100  # pupils enrolled
    assert rows[school_a.name][3].value == int(registered_a)
    totals = [row for row in sheet.iter_rows(min_row=5) if row[0].value == "合计"]
    assert totals[0][3].value == int(page.get_by_test_id("headline-registered").inner_text())


# --- 4. A lockout, and the school admin lifts it --------------------------------------------

@pytest.mark.journey("4-lockout")
def test_wrong_passwords_lock_a_teacher_out_and_the_school_admin_unlocks_them(
        phone, another_page, shoot):
    school = factories.SchoolFactory(
        name="石桥镇初级中学", stage="junior",
        township=factories.TownshipFactory(name="石桥镇", county__name="青山县"))
    teacher = factories.TeacherFactory(school=school, username="huangxy", real_name="黄晓燕")
    factories.ClassroomFactory(school=school, grade=7, number=2, homeroom_teacher=teacher)
    admin = factories.SchoolAdminFactory(school=school, real_name="赵校长")
    limit = settings.AXES_FAILURE_LIMIT

    # Wrong passwords are explained, until the account locks.
    for attempt in range(1, limit):
        log_in(phone, teacher, "wrong-password")
        expect(phone.get_by_role("alert")).to_contain_text("请输入一个正确的用户名和密码")
        expect(phone.get_by_label("用户名")).to_have_value(teacher.username)
        if attempt == 1:
            shoot(phone, "wrong-password")
    log_in(phone, teacher, "wrong-password")
    expect(phone.get_by_role("heading", name="账号已锁定")).to_be_visible()
    locked = phone.get_by_test_id("locked-out")
    expect(locked).to_contain_text(f"密码已连续输错 {limit} 次")
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    expect(locked).to_contain_text(f"请 {minutes} 分钟后再试。")
    expect(phone.locator("main")).to_contain_text("请联系本校管理员解锁账号")
    assert no_sideways_scroll(phone)
    shoot(phone, "locked")

    # Even the right password is refused while the lock holds.
    log_in(phone, teacher)
    expect(phone.get_by_test_id("locked-out")).to_be_visible()
    assert AccessAttempt.objects.filter(username=teacher.username).exists()

    # The school admin, at the school's computer (the same network), unlocks it.
    office = another_page(DESKTOP)
    log_in(office, admin)
    expect(office.get_by_role("heading", name="石桥镇初级中学")).to_be_visible()
    staff = office.locator("section").filter(has=office.get_by_role("heading", name="教职工"))
    staff_row = staff.locator("tbody tr").filter(has_text="黄晓燕")
    expect(staff_row.get_by_test_id("staff-locked")).to_have_text("已锁定")
    shoot(office, "staff-locked")
    staff_row.get_by_role("button", name="解锁").click()
    expect(office.get_by_role("alert").filter(has_text="黄晓燕的账号已解锁。")).to_be_visible()
    expect(staff_row.get_by_test_id("staff-locked")).to_have_count(0)
    expect(staff_row.get_by_role("button", name="解锁")).to_have_count(0)
    shoot(office, "staff-unlocked")
    assert not AccessAttempt.objects.filter(username=teacher.username).exists()
    assert LogEntry.objects.get_for_object(teacher).filter(actor=admin).exists()

    # The teacher logs in with the right password and lands on their week.
    log_in(phone, teacher)
    expect(phone.get_by_role("heading", name="我的本周")).to_be_visible()
    expect(phone.locator("main")).to_contain_text("7年级2班")
    shoot(phone, "logged-in")
