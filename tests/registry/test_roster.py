"""The roster: import through django-import-export (file checks, row checks, matching,
transfers, all-or-nothing, the preview and the command) and the xlsx export (scope,
masking, formula escaping, a fixed number of queries, and the round trip)."""

import csv
import io
import zipfile
from datetime import date, datetime, timedelta

import pytest
from auditlog.models import LogEntry
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import Workbook, load_workbook

from registry import roster
from registry.idnumber import make_id_number, mask_id_number
from registry.models import (
    AccessLog,
    Child,
    Classroom,
    EntryKind,
    ExitReason,
    FamilyMember,
    HardshipKind,
    PendingUpload,
    RegistryEpisode,
    Sex,
    Situation,
    User,
)
from registry.selectors import current_school_year
from registry.services import pending_upload_store, roster_import
from tests import factories

pytestmark = pytest.mark.django_db

BIRTH = date(2016, 5, 17)


def id_number(sequence=11, birth=BIRTH, area="360101"):
    return make_id_number(area, birth, sequence)


def new_row(classroom, name="王小明", sequence=11, birth=BIRTH, **cells):
    """A complete row for a new child of ``classroom``; ``cells`` override by header."""
    number = id_number(sequence, birth)
    row = {
        "姓名": name, "性别": "男" if sequence % 2 else "女", "出生日期": birth,
        "身份证号": number, "学籍号": "G" + number, "民族": "汉族",
        "年级": classroom.grade, "班级": classroom.number, "住址": "青山县城关镇杨柳村3组",
        "是否寄宿": "否", "父亲姓名": "王建国", "父亲电话": "13800138000",
        "父亲情况": "外出务工", "父亲务工地": "广东东莞", "父亲外出时间": date(2024, 2, 15),
        "母亲姓名": "李芳", "母亲电话": "13900139000", "母亲情况": "在家",
        "监护人姓名": "王德福", "与儿童关系": "祖父母", "监护人电话": "0797-6123456",
        "监护人年龄": 66, "监护人健康状况": "高血压", "性格特点": "开朗", "兴趣爱好": "画画",
        "健康状况": "良好",
    }
    row.update(cells)
    return row


def xlsx(rows, headers=None, title_row=None):
    headers = headers or roster.HEADERS
    book = Workbook()
    sheet = book.active
    if title_row:
        sheet.append([title_row])
    sheet.append(headers)
    for row in rows:
        sheet.append([row.get(h) for h in headers])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows, encoding="utf-8-sig", headers=None):
    headers = headers or roster.HEADERS
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(headers)
    for row in rows:
        values = [row.get(h) for h in headers]
        writer.writerow(["" if v is None else v.isoformat() if isinstance(v, date) else v
                         for v in values])
    return text.getvalue().encode(encoding)


def run(actor, content, dry_run=False, filename="roster.xlsx"):
    return roster_import(actor=actor, dataset=roster.read_roster(content), filename=filename,
                         dry_run=dry_run)


def by_line(report):
    return {row.line: row for row in report.rows}


def stored():
    """What an import may write, to compare before and after."""
    return {
        "children": list(Child.objects.order_by("pk").values()),
        "family": list(FamilyMember.objects.order_by("pk").values()),
        "episodes": list(RegistryEpisode.objects.order_by("pk").values()),
        "imports": AccessLog.objects.filter(action=AccessLog.Action.IMPORT).count(),
        "history": LogEntry.objects.count(),
    }


# --- The format ------------------------------------------------------------------------------


def test_the_headers_are_the_schools_in_order():
    assert roster.HEADERS == [
        "姓名", "性别", "出生日期", "身份证号", "学籍号", "民族", "年级", "班级", "住址",
        "是否寄宿", "父亲姓名", "父亲电话", "父亲情况", "父亲务工地", "父亲外出时间",
        "母亲姓名", "母亲电话", "母亲情况", "母亲务工地", "母亲外出时间", "监护人姓名",
        "与儿童关系", "监护人电话", "监护人年龄", "监护人健康状况", "性格特点", "兴趣爱好",
        "健康状况", "慢性病", "残疾情况", "心理状况", "是否单亲", "是否事实无人抚养",
        "困境类型", "建档日期",
    ]


@pytest.mark.parametrize("choice, model_choices", [
    (roster.SEX, Sex), (roster.SITUATION, Situation),
    (roster.RELATION, FamilyMember.Relation), (roster.HARDSHIP, HardshipKind),
])
def test_every_model_choice_has_a_spelling(choice, model_choices):
    assert set(choice.spellings) == set(model_choices.values)
    for code in model_choices.values:
        assert choice.parse(choice.render(code)) == code


def test_the_spellings_are_the_schools():
    assert roster.SEX.values == ["男", "女"]
    assert roster.SITUATION.values == ["在家", "外出务工", "已故", "不详"]
    assert roster.RELATION.values == ["祖父母", "父亲", "母亲", "兄弟姐妹", "其他亲属", "其他"]
    assert roster.HARDSHIP.values == ["残疾", "家庭贫困", "偏远山区", "重大疾病", "其他困境"]


@pytest.mark.parametrize("text, code", [
    ("外出", Situation.AWAY), ("务工", Situation.AWAY), ("外出打工", Situation.AWAY),
    ("在家", Situation.HOME), ("去世", Situation.DECEASED), ("失联", Situation.UNKNOWN),
])
def test_situation_variants(text, code):
    assert roster.SITUATION.parse(text) == code


def test_relation_variants_and_the_refused_parents():
    assert roster.RELATION.parse("外祖父母") == FamilyMember.Relation.GRANDPARENT
    assert roster.RELATION.parse("奶奶") == FamilyMember.Relation.GRANDPARENT
    with pytest.raises(ValueError, match="父亲"):
        roster.RELATION.parse("父母")
    with pytest.raises(ValueError, match="祖父母"):
        roster.RELATION.parse("邻居")


SEPTEMBER_FIRST = date(2026, 9, 1)
SERIAL = (SEPTEMBER_FIRST - date(1899, 12, 30)).days


@pytest.mark.parametrize("value", [
    SEPTEMBER_FIRST, datetime(2026, 9, 1, 0, 0), SERIAL, float(SERIAL), str(SERIAL),
    "2026-09-01", "2026/9/1", "2026年9月1日", "2026.9.1", "20260901", "2026-09-01 00:00:00",
    " 2026 年 9 月 1 日 ",
])
def test_dates_in_every_format(value):
    assert roster.parse_date(value) == SEPTEMBER_FIRST


@pytest.mark.parametrize("value", ["2026-02-30", "明年", "9/1/2026", "1850-01-01", True])
def test_bad_dates(value):
    with pytest.raises(ValueError):
        roster.parse_date(value)


@pytest.mark.parametrize("value, grade", [
    (3, 3), ("3", 3), ("3年级", 3), ("三年级", 3), ("初一", 7), ("七年级", 7), (9.0, 9),
])
def test_grades(value, grade):
    assert roster.parse_grade(value) == grade


@pytest.mark.parametrize("value, number", [
    (1, 1), ("1", 1), ("1班", 1), ("(2)班", 2), ("（2）班", 2), ("一班", 1), ("十二班", 12),
])
def test_class_numbers(value, number):
    assert roster.parse_class_number(value) == number


@pytest.mark.parametrize("parse, value", [
    (roster.parse_grade, "十年级"), (roster.parse_grade, "高一"), (roster.parse_grade, 0),
    (roster.parse_class_number, "甲班"), (roster.parse_yes_no, "也许"),
    (roster.parse_age, "六十"), (roster.parse_age, 150),
    (roster.parse_id_cell, 360101201605170011), (roster.parse_id_cell, "3.60101E+17"),
])
def test_bad_cells(parse, value):
    with pytest.raises(ValueError):
        parse(value)


# --- Bad files -------------------------------------------------------------------------------


def _zip(name):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(name, "<document/>")
    return buffer.getvalue()


def _empty_xlsx():
    buffer = io.BytesIO()
    Workbook().save(buffer)
    return buffer.getvalue()


BAD_FILES = {
    "picture": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "不是表格"),
    "word document": (_zip("word/document.xml"), "不是表格"),
    "pdf": (b"%PDF-1.7\n" + bytes(range(1, 32)) * 20, "不是表格"),
    "old excel": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500), ".xls"),
    "empty": (b"", "是空的"),
    "blank": (b"  \r\n \r\n", "是空的"),
    "empty workbook": (_empty_xlsx(), "是空的"),
    "wrong headers": (xlsx([{"姓名": "王小明"}], headers=["姓名", "性别", "出生日期"]),
                      "身份证号、学籍号、年级、班级"),
    "english headers": ("name,sex,id\n王小明,男,1\n".encode(),
                        "姓名、身份证号、学籍号、年级、班级"),
    "headers only": (xlsx([]), "没有儿童数据"),
}


@pytest.mark.parametrize("content, expected", BAD_FILES.values(), ids=BAD_FILES.keys())
def test_a_bad_file_is_refused_with_a_clear_message(client, world, content, expected):
    with pytest.raises(roster.RosterFileError) as refused:
        roster.read_roster(content)
    assert expected in refused.value.message
    client.force_login(world.admin_a)
    upload = io.BytesIO(content)
    upload.name = "roster.xlsx"
    response = client.post(reverse("roster_import"), {"file": upload})
    assert response.status_code == 200
    assert response.context["form"].errors["file"] == [refused.value.message]
    assert not PendingUpload.objects.exists()


def test_a_file_over_the_size_limit_is_refused(client, world, settings):
    settings.ROSTER_MAX_BYTES = 4 * 1024
    content = xlsx([new_row(world.class_a, sequence=2 * n + 1) for n in range(60)])
    assert len(content) > 4 * 1024
    client.force_login(world.admin_a)
    upload = io.BytesIO(content)
    upload.name = "roster.xlsx"
    response = client.post(reverse("roster_import"), {"file": upload})
    [message] = response.context["form"].errors["file"]
    assert "4 KB" in message
    assert not PendingUpload.objects.exists()


@pytest.mark.parametrize("make", [xlsx, csv_bytes])
def test_a_file_over_the_row_limit_is_refused(world, settings, make):
    settings.ROSTER_MAX_ROWS = 3
    rows = [new_row(world.class_a, sequence=2 * n + 1) for n in range(4)]
    assert len(roster.read_roster(make(rows[:3]))) == 3
    with pytest.raises(roster.RosterFileError, match="3"):
        roster.read_roster(make(rows))


def test_the_real_limits():
    assert roster.max_bytes() == 5 * 1024 * 1024
    assert roster.max_rows() == 20_000


# --- Importing ---------------------------------------------------------------------------------


def test_import_xlsx_through_the_pages(client, world):
    rows = [new_row(world.class_a, "王小明", 11),
            new_row(world.class_a, "李小红", 12, 建档日期="2026/9/1", 性别="", 出生日期=None)]
    client.force_login(world.admin_a)
    upload = io.BytesIO(xlsx(rows))
    upload.name = "三年级花名册.xlsx"
    response = client.post(reverse("roster_import"), {"file": upload})
    pending = PendingUpload.objects.get()
    assert response.url == reverse("roster_import_preview", args=[pending.pk])
    assert pending.school == world.school_a and pending.kind == PendingUpload.Kind.ROSTER

    preview = client.get(response.url)
    assert preview.status_code == 200
    assert preview.context["counts"]["create"] == 2
    assert not Child.objects.exists()  # the preview was a dry run

    done = client.post(response.url, {"confirm": "1"})
    assert done.url == reverse("child_list")
    assert not PendingUpload.objects.exists()
    assert client.post(response.url, {"confirm": "1"}).status_code == 404  # only once
    boy, girl = Child.objects.get(name="王小明"), Child.objects.get(name="李小红")
    assert boy.school == world.school_a and boy.classroom == world.class_a
    assert boy.id_number == id_number(11) and boy.student_number == "G" + id_number(11)
    assert (girl.sex, girl.birth_date) == (Sex.FEMALE, BIRTH)  # from the ID number
    family = boy.family_by_kind()
    assert family["father"].situation == Situation.AWAY
    assert family["father"].away_since == date(2024, 2, 15)
    assert family["guardian"].relation == FamilyMember.Relation.GRANDPARENT
    assert family["guardian"].phone == "0797-6123456" and family["guardian"].age == 66
    assert boy.episodes.get().entered_on == timezone.localdate()
    assert girl.episodes.get().entered_on == date(2026, 9, 1)
    assert boy.episodes.get().entry_kind == EntryKind.REGISTERED
    log = AccessLog.objects.get(action=AccessLog.Action.IMPORT)
    assert (log.user, log.school, log.detail_text, log.rows) == (
        world.admin_a, world.school_a, "花名册文件：三年级花名册.xlsx", 2)


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8"])
def test_import_utf8_csv(world, encoding):
    report = run(world.admin_a, csv_bytes([new_row(world.class_a)], encoding=encoding))
    assert report.counts["create"] == 1 and not report.has_errors
    assert Child.objects.get().family.count() == 3


def test_import_tab_separated_text(world):
    content = csv_bytes([new_row(world.class_a)]).decode("utf-8-sig").replace(",", "\t")
    assert not run(world.admin_a, content.encode()).has_errors


def test_import_gbk_and_gb18030_csv_with_rare_characters(world):
    with pytest.raises(UnicodeEncodeError):
        "𠀀".encode("gbk")  # outside GBK: only GB18030 has it
    gbk = csv_bytes([new_row(world.class_a, "王龘", 11)], encoding="gbk")
    gb18030 = csv_bytes([new_row(world.class_a, "李𠀀", 13, 住址="龘山村")], encoding="gb18030")
    assert not run(world.admin_a, gbk).has_errors
    assert not run(world.admin_a, gb18030).has_errors
    assert set(Child.objects.values_list("name", flat=True)) == {"王龘", "李𠀀"}
    assert Child.objects.get(name="李𠀀").address == "龘山村"


def test_dates_cells_and_variants_in_one_file(world):
    row = new_row(
        world.class_a, 出生日期=(BIRTH - date(1899, 12, 30)).days, 性别="",
        父亲外出时间="2024年2月15日", 父亲情况="外出", 母亲情况="务工", 母亲务工地="浙江义乌",
        母亲外出时间="2024.3.1", 与儿童关系="外祖父母", 父亲电话="+86 138 0013 8000",
        监护人电话="0797 6123456", 监护人年龄="66岁", 年级="三年级",
        班级=f"{world.class_a.number}班", 是否寄宿="是", 是否单亲="否", 困境类型="贫困",
    )
    report = run(world.admin_a, xlsx([row]))
    assert not report.has_errors, report.rows[0].problems
    child = Child.objects.get()
    family = child.family_by_kind()
    assert child.birth_date == BIRTH and child.boarding and child.hardship_kind == "poverty"
    assert family["father"].phone == "13800138000"
    assert family["father"].away_since == date(2024, 2, 15)
    assert family["mother"].situation == Situation.AWAY
    assert family["mother"].away_since == date(2024, 3, 1)
    assert family["guardian"].phone == "0797-6123456"


def test_each_row_error_names_the_spreadsheet_row_and_column(world):
    rows = [
        new_row(world.class_a, "好", 11),
        new_row(world.class_a, "校验码", 13, 身份证号=id_number(13)[:17] + "0"),
        new_row(world.class_a, "电话", 15, 父亲电话="1380013800"),
        new_row(world.class_a, "生日", 17, 出生日期=BIRTH + timedelta(days=1)),
        new_row(world.class_a, "性别", 19, 性别="女"),
        new_row(world.class_a, "监护人", 21, 与儿童关系="父母"),
        new_row(world.class_a, "年级", 23, 年级="十年级"),
        new_row(world.class_a, "外出时间", 25, 父亲外出时间=None),
        new_row(world.class_a, "在家", 27, 母亲外出时间="2024-01-01"),
        new_row(world.class_a, "建档", 29, 建档日期=timezone.localdate() + timedelta(days=2)),
        new_row(world.class_a, "", 31),
    ]
    report = run(world.admin_a, xlsx(rows), dry_run=True)
    problems = {line: [column for column, _message in row.problems]
                for line, row in by_line(report).items() if row.problems}
    assert problems == {
        3: ["身份证号"], 4: ["父亲电话"], 5: ["出生日期"], 6: ["性别"], 7: ["与儿童关系"],
        8: ["年级"], 9: ["父亲外出时间"], 10: ["母亲外出时间"], 11: ["建档日期"], 12: ["姓名"],
    }
    assert by_line(report)[2].action == roster.CREATE
    assert "2016-05-17" in by_line(report)[5].problems[0][1]
    assert report.counts == {"create": 1, "update": 0, "transfer": 0, "unchanged": 0,
                             "error": 10}


def test_one_bad_row_and_nothing_is_written(world):
    factories.FiveClearChildFactory(classroom=world.class_a)
    rows = [new_row(world.class_a, "甲", 11), new_row(world.class_a, "乙", 13),
            new_row(world.class_a, "丙", 15, 监护人电话="12345")]
    before = stored()
    report = run(world.admin_a, xlsx(rows))
    assert report.has_errors and [r.line for r in report.error_rows] == [4]
    assert stored() == before


def test_a_row_refused_by_a_service_rolls_back_the_rows_before_it(world):
    other = factories.FiveClearChildFactory(classroom=world.class_b)
    rows = [new_row(world.class_a, "甲", 11),
            new_row(world.class_a, other.name, 0, 身份证号=other.id_number,
                    学籍号=other.student_number, 性别="", 出生日期=None, 建档日期="2026-01-01")]
    before = stored()
    report = run(world.admin_a, xlsx(rows))
    assert report.error_rows[0].line == 3
    assert report.error_rows[0].problems[0][0] == "建档日期"  # before the entry on 2026-03-01
    assert stored() == before


def test_confirming_a_file_with_errors_writes_nothing_and_keeps_the_upload(client, world):
    content = xlsx([new_row(world.class_a), new_row(world.class_a, "乙", 13, 父亲情况="出差")])
    upload = pending_upload_store(user=world.admin_a, school=world.school_a,
                                  kind=PendingUpload.Kind.ROSTER, filename="a.xlsx",
                                  content=content)
    client.force_login(world.admin_a)
    url = reverse("roster_import_preview", args=[upload.pk])
    preview = client.get(url)
    assert preview.context["report"].has_errors
    assert b"disabled" in preview.content
    before = stored()
    response = client.post(url, {"confirm": "1"})
    assert response.status_code == 200
    assert response.context["report"].error_rows[0].problems[0][0] == "父亲情况"
    assert stored() == before
    assert PendingUpload.objects.filter(pk=upload.pk).exists()


def test_an_upload_can_be_discarded(client, world):
    upload = pending_upload_store(user=world.admin_a, school=world.school_a,
                                  kind=PendingUpload.Kind.ROSTER, filename="a.xlsx",
                                  content=xlsx([new_row(world.class_a)]))
    client.force_login(world.admin_a)
    response = client.post(reverse("roster_import_preview", args=[upload.pk]), {"discard": "1"})
    assert response.url == reverse("roster_import")
    assert not PendingUpload.objects.exists() and not Child.objects.exists()


def test_the_same_number_twice_in_the_file(world):
    rows = [new_row(world.class_a, "甲", 11), new_row(world.class_a, "乙", 11),
            new_row(world.class_a, "丙", 13, 学籍号="G" + id_number(11))]
    report = run(world.admin_a, xlsx(rows), dry_run=True)
    lines = by_line(report)
    assert lines[2].action == roster.CREATE
    assert lines[3].problems[0][0] == "身份证号" and "2" in lines[3].problems[0][1]
    assert [c for c, _m in lines[4].problems] == ["学籍号"]


# --- Matching, updates and transfers --------------------------------------------------------


def _row_of(child, **cells):
    """The row of an existing child, as the export writes it."""
    row = dict.fromkeys(roster.HEADERS)
    row.update({"姓名": child.name, "身份证号": child.id_number, "学籍号": child.student_number,
                "年级": child.classroom.grade, "班级": child.classroom.number})
    row.update(cells)
    return row


def test_an_update_is_matched_by_id_number_and_says_what_changes(world):
    child = factories.FiveClearChildFactory(classroom=world.class_a)
    father = child.family.get(kind="father")
    content = xlsx([{**_row_of(child), "住址": "新地址", "父亲姓名": father.name,
                     "父亲电话": "13700137000", "父亲情况": "在家"}],
                   headers=["姓名", "身份证号", "学籍号", "年级", "班级", "住址", "父亲姓名",
                            "父亲电话", "父亲情况"])
    preview = run(world.admin_a, content, dry_run=True)
    row = preview.rows[0]
    assert row.action == roster.UPDATE
    assert row.changed == ["住址", "父亲电话", "父亲情况"]
    run(world.admin_a, content)
    child.refresh_from_db()
    father.refresh_from_db()
    assert child.address == "新地址" and child.personality == "开朗，爱说话"  # column left out
    assert (father.phone, father.situation, father.away_since) == ("13700137000", "home", None)
    assert Child.objects.count() == 1 and child.episodes.count() == 1


def test_empty_cells_leave_what_is_on_file(world):
    child = factories.FiveClearChildFactory(classroom=world.class_a, boarding=True)
    before = stored()
    row = dict.fromkeys(roster.HEADERS)
    row.update({"姓名": child.name, "身份证号": child.id_number})
    report = run(world.admin_a, xlsx([row]))
    assert report.rows[0].action == roster.UNCHANGED and not report.has_errors
    after = stored()
    assert after.pop("imports") == before.pop("imports") + 1
    assert after == before


def test_a_transfer_keeps_the_file_where_the_row_is_empty(world):
    child = factories.FiveClearChildFactory(classroom=world.class_b, hobbies="下棋")
    row = dict.fromkeys(roster.HEADERS)
    row.update({"姓名": child.name, "身份证号": child.id_number, "年级": world.class_a.grade,
                "班级": world.class_a.number, "兴趣爱好": "跳绳"})
    preview = run(world.admin_a, xlsx([row]), dry_run=True)
    assert preview.rows[0].action == roster.TRANSFER
    assert preview.rows[0].changed == ["班级", "兴趣爱好"]  # both classes are of grade 3
    run(world.admin_a, xlsx([row]))
    child.refresh_from_db()
    assert child.school == world.school_a and child.hobbies == "跳绳"
    assert child.personality == "开朗，爱说话" and child.address == "青山县城关镇杨柳村3组"
    assert child.family.get(kind="father").workplace == "广东东莞"


def test_an_update_is_matched_by_student_number_when_the_id_is_empty(world):
    child = factories.ChildFactory(classroom=world.class_a, student_number="L0001",
                                   name="无证")
    report = run(world.admin_a, xlsx([_row_of(child, 住址="新村", 性别="女",
                                              出生日期=child.birth_date)]))
    assert report.rows[0].action == roster.UPDATE and not report.has_errors
    child.refresh_from_db()
    assert child.address == "新村" and Child.objects.count() == 1


def test_a_child_with_neither_number_is_found_by_name_and_birth_date(world):
    child = factories.ChildFactory(classroom=world.class_a, name="无号")
    row = _row_of(child, 性别="女", 出生日期=child.birth_date, 民族="汉族", 是否寄宿="否")
    assert run(world.admin_a, xlsx([row]), dry_run=True).rows[0].action == roster.UNCHANGED


def test_numbers_of_two_different_children_are_refused(world):
    one = factories.FiveClearChildFactory(classroom=world.class_a)
    two = factories.FiveClearChildFactory(classroom=world.class_a)
    report = run(world.admin_a, xlsx([_row_of(one, 学籍号=two.student_number)]), dry_run=True)
    assert [c for c, _m in report.rows[0].problems] == ["学籍号"]
    stranger = id_number(802)
    report = run(world.admin_a, xlsx([_row_of(two, 身份证号=stranger)]), dry_run=True)
    assert [c for c, _m in report.rows[0].problems] == ["学籍号"]


def test_a_child_of_another_school_of_the_county_is_a_transfer_never_a_duplicate(client, world):
    child = factories.FiveClearChildFactory(classroom=world.class_b)
    content = xlsx([_row_of(child, 年级=world.class_a.grade, 班级=world.class_a.number,
                            建档日期="2026-09-01")])
    preview = run(world.admin_a, content, dry_run=True)
    row = preview.rows[0]
    assert row.action == roster.TRANSFER and row.from_school == world.school_b
    assert preview.counts["transfer"] == 1 and preview.counts["create"] == 0

    report = run(world.admin_a, content)
    assert not report.has_errors
    assert Child.objects.filter(id_number=child.id_number).count() == 1
    child.refresh_from_db()
    assert (child.school, child.classroom) == (world.school_a, world.class_a)
    old, new = child.episodes.order_by("entered_on")
    assert (old.school, old.exit_reason, old.exited_on) == (
        world.school_b, ExitReason.TRANSFERRED_OUT, date(2026, 9, 1))
    assert (new.school, new.entry_kind) == (world.school_a, EntryKind.TRANSFERRED_IN)
    assert child.family.count() == 3  # the file follows the child


def test_a_child_of_another_county_with_the_same_id_is_a_new_child(world):
    elsewhere = factories.FiveClearChildFactory(classroom=world.class_c)
    content = xlsx([new_row(world.class_a, elsewhere.name, 0, 身份证号=elsewhere.id_number,
                            学籍号=elsewhere.student_number, 性别="", 出生日期=None)])
    report = run(world.admin_a, content)
    assert report.rows[0].action == roster.CREATE and not report.has_errors
    twins = Child.objects.filter(id_number=elsewhere.id_number)
    assert {c.county for c in twins} == {world.county1, world.county2}
    elsewhere.refresh_from_db()
    assert elsewhere.school == world.school_c


def test_classes_come_only_from_the_importers_school_this_year(world):
    last_year = factories.ClassroomFactory(school=world.school_a, grade=5, number=1,
                                           school_year="2020-2021")
    assert (world.class_b.grade, world.class_b.number) != (world.class_a.grade,
                                                           world.class_a.number)
    rows = [new_row(world.class_b, "乙校", 11), new_row(last_year, "去年", 13)]
    report = run(world.admin_a, xlsx(rows), dry_run=True)
    for row in report.rows:
        [(column, message)] = row.problems
        assert column == "班级" and current_school_year() in message
    assert not Child.objects.filter(classroom__in=[world.class_b, last_year]).exists()


def test_unknown_columns_are_noted_and_a_title_row_is_allowed(world):
    headers = [*roster.HEADERS, "备注"]
    rows = [new_row(world.class_a, "甲", 11, 备注="x"),
            new_row(world.class_a, "乙", 13, 父亲电话="123")]
    report = run(world.admin_a, xlsx(rows, headers=headers, title_row="城关镇中心小学花名册"),
                 dry_run=True)
    assert report.unknown_columns == ["备注"]
    assert [r.line for r in report.error_rows] == [4]  # title row 1, header row 2


# --- The pages ----------------------------------------------------------------------------------


def _upload(world, user=None):
    user = user or world.admin_a
    return pending_upload_store(user=user, school=user.school, kind=PendingUpload.Kind.ROSTER,
                                filename="a.xlsx", content=xlsx([new_row(world.class_a)]))


def test_the_preview_is_only_the_uploaders(client, world):
    upload = _upload(world)
    colleague = factories.SchoolAdminFactory(school=world.school_a)
    client.force_login(colleague)
    url = reverse("roster_import_preview", args=[upload.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"confirm": "1"}).status_code == 404
    assert not Child.objects.exists()


def test_an_expired_upload_is_gone(client, world):
    upload = _upload(world)
    PendingUpload.objects.filter(pk=upload.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1))
    client.force_login(world.admin_a)
    assert client.get(reverse("roster_import_preview", args=[upload.pk])).status_code == 404


def test_the_preview_shows_counts_errors_and_rows(client, world):
    child = factories.FiveClearChildFactory(classroom=world.class_b)
    rows = [new_row(world.class_a, "新生", 11),
            _row_of(child, 年级=world.class_a.grade, 班级=world.class_a.number),
            new_row(world.class_a, "错行", 13, 父亲电话="123")]
    upload = pending_upload_store(user=world.admin_a, school=world.school_a,
                                  kind=PendingUpload.Kind.ROSTER, filename="a.xlsx",
                                  content=xlsx(rows))
    client.force_login(world.admin_a)
    page = client.get(reverse("roster_import_preview", args=[upload.pk])).content.decode()
    assert 'data-count="create">1<' in page and 'data-count="transfer">1<' in page
    assert 'data-count="error">1<' in page
    assert "父亲电话" in page and "错行" in page and world.school_b.name in page


L, OK, NO, NF = "login", 200, 403, 404
ROLES = ["anonymous", "teacher_a", "admin_a", "township_user", "bureau1", "superuser"]
PAGES = {
    "import": (lambda w: reverse("roster_import"), (L, NO, OK, NO, NO, NO)),
    "template": (lambda w: reverse("roster_template"), (L, NO, OK, NO, NO, OK)),
    "preview": (lambda w: reverse("roster_import_preview", args=[_upload(w).pk]),
                (L, NO, OK, NO, NO, NO)),
    "export": (lambda w: reverse("roster_export"), (L, OK, OK, OK, OK, OK)),
}


@pytest.mark.parametrize("build, role, expected", [
    pytest.param(build, role, expected, id=f"{page}-{role}")
    for page, (build, statuses) in PAGES.items()
    for role, expected in zip(ROLES, statuses, strict=True)
])
def test_url_role_matrix(client, world, build, role, expected):
    url = build(world)
    if role != "anonymous":
        client.force_login(getattr(world, role))
    response = client.get(url)
    if expected == L:
        assert response.status_code == 302 and reverse("login") in response.url
    else:
        assert response.status_code == expected


def test_the_child_list_has_the_export_and_import_buttons(client, world):
    client.force_login(world.admin_a)
    page = client.get(reverse("child_list"), {"category": "both_away"}).content.decode()
    assert f'{reverse("roster_export")}?category=both_away' in page
    assert reverse("roster_import") in page
    client.force_login(world.teacher_a)
    page = client.get(reverse("child_list")).content.decode()
    assert reverse("roster_export") in page and reverse("roster_import") not in page


def test_the_template(client, world):
    client.force_login(world.admin_a)
    response = client.get(reverse("roster_template"))
    book = load_workbook(io.BytesIO(response.content))
    sheet, instructions = book.worksheets
    assert [c.value for c in sheet[1]] == roster.HEADERS
    assert sheet.freeze_panes == "A2" and sheet.column_dimensions["D"].width == 21
    assert sheet["D2"].number_format == "@"  # ID numbers stay text
    assert [r[0] for r in instructions.iter_rows(min_row=2, max_row=len(roster.HEADERS) + 1,
                                                 values_only=True)] == roster.HEADERS
    with pytest.raises(roster.RosterFileError, match="没有儿童数据"):
        roster.read_roster(response.content)


# --- The command --------------------------------------------------------------------------------


def _file(tmp_path, rows, name="roster.xlsx"):
    path = tmp_path / name
    path.write_bytes(xlsx(rows))
    return str(path)


def _manage(*args, stderr=None):
    """The command's exit code: ``manage.py`` exits with a ``CommandError``'s return code
    (``execute_from_command_line`` itself would close the test's database connection)."""
    try:
        call_command("import_roster", *args, stdout=io.StringIO(),
                     stderr=stderr or io.StringIO())
    except CommandError as error:
        return error.returncode
    return 0


def test_the_command_dry_run_with_errors_fails_and_prints_them(tmp_path, world):
    path = _file(tmp_path, [new_row(world.class_a), new_row(world.class_a, "乙", 13,
                                                            父亲电话="123")])
    stderr = io.StringIO()
    code = _manage(path, "--school", world.school_a.code, "--user", world.admin_a.username,
                   "--dry-run", stderr=stderr)
    assert code == 1
    [line] = stderr.getvalue().splitlines()
    assert "3" in line and "父亲电话" in line
    assert not Child.objects.exists()


def test_the_command_imports_a_good_file(tmp_path, world):
    path = _file(tmp_path, [new_row(world.class_a), new_row(world.class_a, "乙", 13)])
    args = [path, "--school", world.school_a.code, "--user", world.admin_a.username]
    assert _manage(*args, "--dry-run") == 0
    assert not Child.objects.exists()
    assert _manage(*args) == 0
    assert Child.objects.count() == 2
    log = AccessLog.objects.get(action=AccessLog.Action.IMPORT)
    assert (log.user, log.rows, log.detail_text) == (world.admin_a, 2, "花名册文件：roster.xlsx")
    assert LogEntry.objects.filter(actor=world.admin_a).exists()  # the change history's actor


@pytest.mark.parametrize("user_key, code_key", [("admin_a", "school_b"),
                                                 ("teacher_a", "school_a")])
def test_the_command_checks_the_user_and_school(tmp_path, world, user_key, code_key):
    path = _file(tmp_path, [new_row(world.class_a)])
    with pytest.raises(CommandError):
        call_command("import_roster", path, "--school", getattr(world, code_key).code,
                     "--user", getattr(world, user_key).username)
    assert not Child.objects.exists()


def test_the_command_refuses_a_bad_file(tmp_path, world):
    path = tmp_path / "roster.csv"
    path.write_bytes(b"")
    with pytest.raises(CommandError):
        call_command("import_roster", str(path), "--school", world.school_a.code,
                     "--user", world.admin_a.username)


def test_the_command_writes_the_template(tmp_path, db):
    path = tmp_path / "template.xlsx"
    assert _manage("--template", str(path)) == 0
    book = load_workbook(path)
    assert [c.value for c in book.worksheets[0][1]] == roster.HEADERS
    assert len(book.worksheets) == 2


# --- Exporting ----------------------------------------------------------------------------------


def _export(client, user, **filters):
    client.force_login(user)
    response = client.get(reverse("roster_export"), filters)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    return response.content


def _sheet_rows(content):
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == roster.HEADERS
    return [dict(zip(roster.HEADERS, row, strict=True)) for row in rows[1:]]


def _varied_children(world):
    """Children of school A with the variety a round trip must survive."""
    children = [factories.FiveClearChildFactory(classroom=world.class_a) for _n in range(3)]
    orphan = factories.FiveClearChildFactory(
        classroom=world.class_a, boarding=True, single_parent=True, hardship_kind="illness",
        chronic_illness="哮喘", psychological_notes="想念父母\n常哭",
    )
    orphan.family.filter(kind__in=["father", "mother"]).update(
        situation="deceased", away_since=None, phone="", workplace="")
    guardian = orphan.family.get(kind="guardian")
    guardian.phone = "0797-6123456"
    guardian.save()
    student_only = factories.ChildFactory(classroom=world.class_a, student_number="L1",
                                          name="只有学籍号")
    nothing = factories.ChildFactory(classroom=world.class_a, name="两号皆无")
    return [*children, orphan, student_only, nothing]


def test_export_then_import_changes_nothing(client, world):
    _varied_children(world)
    factories.FiveClearChildFactory(classroom=world.class_b)  # not school A's
    content = _export(client, world.admin_a)
    assert len(_sheet_rows(content)) == 6
    before = stored()

    preview = run(world.admin_a, content, dry_run=True)
    assert [r.action for r in preview.rows] == [roster.UNCHANGED] * 6, [
        (r.line, r.problems, r.changed) for r in preview.rows]

    report = run(world.admin_a, content)
    assert not report.has_errors
    after = stored()
    assert after.pop("imports") == before.pop("imports") + 1
    assert after == before


def test_the_school_admins_export_has_full_id_numbers_and_is_logged(client, world):
    child = factories.FiveClearChildFactory(classroom=world.class_a)
    child.student_number = "G" + child.id_number
    child.save(update_fields=["student_number"])
    [row] = _sheet_rows(_export(client, world.admin_a))
    assert row["身份证号"] == child.id_number and row["学籍号"] == child.student_number
    assert row["姓名"] == child.name and row["出生日期"].date() == child.birth_date
    assert row["父亲情况"] == "外出务工" and row["与儿童关系"] == "祖父母"
    assert row["年级"] == world.class_a.grade and row["是否寄宿"] == "否"
    log = AccessLog.objects.get(action=AccessLog.Action.EXPORT)
    assert (log.user, log.school, log.rows) == (world.admin_a, world.school_a, 1)
    with translation.override("zh-hans"):
        assert log.detail_text == "建档儿童名册（xlsx） · 在册"


@pytest.mark.parametrize("role", ["township_user", "bureau1", "teacher_a"])
def test_other_roles_get_masked_id_numbers_and_nothing_else_left_out(client, world, role):
    child = factories.FiveClearChildFactory(classroom=world.class_a)
    # The national student number is usually "G" and the ID number: masked the same way.
    child.student_number = "G" + child.id_number
    child.save(update_fields=["student_number"])
    [row] = _sheet_rows(_export(client, getattr(world, role)))
    assert row["身份证号"] == mask_id_number(child.id_number) != child.id_number
    assert row["学籍号"] == "G" + mask_id_number(child.id_number)
    father = child.family.get(kind="father")
    assert row["父亲电话"] == father.phone
    assert row["住址"] == child.address and row["性格特点"] == child.personality
    assert AccessLog.objects.get(action=AccessLog.Action.EXPORT).rows == 1


def test_the_export_is_the_users_children_with_the_lists_filters(client, world):
    second = factories.ClassroomFactory(school=world.school_a, grade=4)
    factories.FiveClearChildFactory(classroom=world.class_a)
    kept = factories.FiveClearChildFactory(classroom=second)
    factories.FiveClearChildFactory(classroom=world.class_a2)
    factories.FiveClearChildFactory(classroom=world.class_c)
    assert len(_sheet_rows(_export(client, world.admin_a))) == 2
    assert len(_sheet_rows(_export(client, world.township_user))) == 3
    rows = _sheet_rows(_export(client, world.admin_a, classroom=second.pk))
    assert [r["姓名"] for r in rows] == [kept.name]
    log = AccessLog.objects.filter(action=AccessLog.Action.EXPORT).latest("pk")
    with translation.override("zh-hans"):
        assert log.detail_text == f"建档儿童名册（xlsx） · 4年级{second.number}班 · 在册"
    assert log.rows == 1


def test_formula_payloads_are_neutral_in_the_export(client, world):
    payloads = ["=1+2", "+SUM(A1)", "-2+3", "@cmd", "\t=1", "\r=1"]
    for n, payload in enumerate(payloads):
        factories.ChildFactory(classroom=world.class_a, name=payload, address=payload,
                               personality=payload, student_number=f"S{n}")
    sheet = load_workbook(io.BytesIO(_export(client, world.admin_a))).worksheets[0]
    columns = [roster.HEADERS.index(h) for h in ("姓名", "住址", "性格特点")]
    cells = [row[i] for row in sheet.iter_rows(min_row=2) for i in columns]
    assert len(cells) == 3 * len(payloads)
    for cell in cells:
        assert cell.data_type == "s" and cell.value.startswith("'")


def test_the_export_takes_a_fixed_number_of_queries(client, world):
    def queries(count):
        Child.objects.all().delete()
        for _n in range(count):
            factories.FiveClearChildFactory(classroom=world.class_a)
        client.force_login(world.admin_a)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(reverse("roster_export"))
        assert len(_sheet_rows(response.content)) == count
        return len(captured)

    assert queries(10) == queries(40)


# --- The demo's roster ------------------------------------------------------------------------


def test_the_demo_roster_has_25_new_children_and_5_deliberate_mistakes(db, settings):
    call_command("loaddata", "demo", verbosity=0)
    Classroom.objects.update(school_year=current_school_year())  # as the demo command does
    principal = User.objects.get(username="principal1")
    path = settings.BASE_DIR / "fixtures" / "demo_roster_school_a.xlsx"
    report = run(principal, path.read_bytes(), dry_run=True)
    assert report.counts["create"] == 25
    assert {row.line: [c for c, _m in row.problems] for row in report.error_rows} == {
        5: ["身份证号"], 10: ["班级"], 15: ["父亲电话"], 21: ["出生日期"], 26: ["与儿童关系"],
    }
