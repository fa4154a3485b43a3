"""The access log's "what": stored as codes, dates and ids, shown in the reader's language
(registry/access_detail.py). The pages that write each kind are tested with their page;
here, what each kind reads as in both languages, and what is never stored."""

import datetime

import pytest
from django.utils import translation

from registry import access_detail
from registry.models import AccessLog, Category
from reports.periods import ReportPeriod
from tests import factories

pytestmark = pytest.mark.django_db

NOV = ReportPeriod(key="2026-11", kind="month", start=datetime.date(2026, 11, 1),
                   end=datetime.date(2026, 11, 30), label="2026-11")


def shown(detail, language):
    with translation.override(language):
        return access_detail.describe(detail)


@pytest.fixture
def classroom(world):
    return factories.ClassroomFactory(school=world.school_a, grade=3, number=2,
                                      school_year="2026-2027")


def test_each_kind_reads_in_both_languages(world, classroom):
    cases = [
        (access_detail.transfer_lookup("id_number"),
         "按身份证号查找", "Looked up by ID number"),
        (access_detail.transfer_lookup("student_number"),
         "按学籍号查找", "Looked up by student number"),
        (access_detail.upload("roster", "三年级.xlsx"),
         "花名册文件：三年级.xlsx", "Roster file 三年级.xlsx"),
        (access_detail.upload("staff", "teachers.xlsx"),
         "教职工文件：teachers.xlsx", "Staff file teachers.xlsx"),
        (access_detail.class_papers("cards", classroom),
         "2026-2027学年3年级2班的建档卡",
         "Record cards of Grade 3 Class 2, school year 2026-2027"),
        (access_detail.class_papers("contacts", classroom),
         "2026-2027学年3年级2班的联系信息表",
         "Contact sheet of Grade 3 Class 2, school year 2026-2027"),
        (access_detail.summary_export("csv", "青山县", NOV.start, NOV.end),
         "青山县信息汇总表（csv），2026-11-01至2026-11-30",
         "Summary of 青山县 (csv), 2026-11-01 to 2026-11-30"),
    ]
    for detail, chinese, english in cases:
        assert (shown(detail, "zh-hans"), shown(detail, "en")) == (chinese, english)


def test_the_status_sheets_filters_read_as_the_form_offers_them(classroom):
    detail = access_detail.status_sheet(
        NOV, {"grade": 3, "classroom": classroom.pk, "category": Category.BOTH_AWAY,
              "overdue": "weekly_talk", "incomplete": True, "unpaired": True,
              "concern": True},
        classrooms={classroom.pk: classroom}, xlsx=True)
    assert shown(detail, "zh-hans") == (
        "动态状况表（xlsx），2026-11-01至2026-11-30 · 3年级 · 3年级2班 · 双亲外出 · "
        "逾期：每周谈心 · 五清楚未完成 · 未结对 · 待处理关切")
    assert shown(detail, "en") == (
        "Status sheet (xlsx), 2026-11-01 to 2026-11-30 · Grade 3 · Grade 3 Class 2 · "
        "Both parents away · Overdue: Weekly talk · Five clear incomplete · Unpaired · "
        "Open concerns")
    assert len(detail) < 300  # the column's length, with every filter on
    any_overdue = access_detail.status_sheet(NOV, {"overdue": "any"}, classrooms={})
    assert shown(any_overdue, "zh-hans").endswith(" · 逾期：任一标准")


def test_a_name_search_is_noted_never_kept(world, classroom):
    detail = access_detail.roster_export({"q": "王小明", "classroom": classroom,
                                          "school": world.school_a, "status": ""})
    assert "王小明" not in detail
    assert shown(detail, "zh-hans") == (
        f"建档儿童名册（xlsx） · 按姓名搜索 · 3年级2班 · 学校：{world.school_a.name} · 在册")


def test_the_access_log_search_names_people_by_number(world):
    child = factories.FiveClearChildFactory(classroom=world.class_a)
    detail = access_detail.access_log_search({
        "date_from": NOV.start, "date_to": NOV.end, "child": child,
        "staff": world.teacher_a, "action": AccessLog.Action.EXPORT})
    assert child.name not in detail and world.teacher_a.real_name not in detail
    assert shown(detail, "zh-hans") == (
        f"访问记录，2026-11-01至2026-11-30 · 儿童编号{child.pk} · "
        f"工作人员编号{world.teacher_a.pk} · 导出")


@pytest.mark.parametrize("detail", [
    "roster.xlsx status=registered",  # written before the "what" was data
    "{not json",
    '{"what": "a kind from the future"}',
    '{"what": "summary"}',  # its words' values missing
    '["a", "list"]',
    "",
])
def test_anything_else_is_shown_as_it_was_written(detail):
    assert shown(detail, "zh-hans") == detail
