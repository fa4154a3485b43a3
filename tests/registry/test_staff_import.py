"""The staff import: upload, preview with every row's problems, confirm (all or nothing),
the temporary passwords shown once, and who may use it."""

import io
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import Workbook, load_workbook

from registry import services
from registry.models import AccessLog, Classroom, PendingUpload, User
from registry.selectors import current_school_year
from registry.staff_import import HEADERS, parse_class, split_classes
from tests import factories
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(client, settings):
    """Pages in English, so the messages checked here do not depend on the catalogue."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def xlsx(rows, headers=HEADERS):
    workbook = Workbook()
    sheet = workbook.active
    if headers:
        sheet.append(list(headers))
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(client, content, name="teachers.xlsx"):
    return client.post(reverse("staff_import"),
                       {"file": SimpleUploadedFile(name, content)})


def preview_url(pending):
    return reverse("staff_import_preview", args=[pending.pk])


def snapshot():
    """What an import may change, to show that nothing did."""
    return (
        sorted(User.objects.values_list("pk", "username", "real_name", "phone", "password")),
        sorted(Classroom.objects.values_list("pk", "homeroom_teacher_id")),
        AccessLog.objects.filter(action=AccessLog.Action.IMPORT).count(),
    )


@pytest.fixture
def school(world):
    """School A with two more classes of this year (4-1 led by nobody, 4-2 by teacher_a)
    and one of last year (5-1)."""
    s = world.school_a
    year = current_school_year()
    world.c41 = factories.ClassroomFactory(school=s, grade=4, number=1, homeroom_teacher=None)
    world.c42 = factories.ClassroomFactory(school=s, grade=4, number=2,
                                           homeroom_teacher=world.teacher_a)
    last_year = f"{int(year[:4]) - 1}-{year[:4]}"
    world.old51 = factories.ClassroomFactory(school=s, grade=5, number=1, school_year=last_year,
                                             homeroom_teacher=None)
    return world


def test_happy_path_creates_updates_and_shows_passwords_once(client, school):
    w = school
    class_a = f"{w.class_a.grade}-{w.class_a.number}"
    content = xlsx([
        ("张明", "138 0013 8000", "zhangming", "4年级1班、4-2"),
        ("李华", None, "lihua", None),
        ("王芳芳", 13900000000, w.teacher_a.username, class_a),
    ])
    client.force_login(w.admin_a)
    response = upload(client, content)
    pending = PendingUpload.objects.get(user=w.admin_a)
    assert response.status_code == 302
    assert response["Location"] == preview_url(pending)
    assert pending.kind == PendingUpload.Kind.STAFF and pending.school == w.school_a

    response = client.get(preview_url(pending))
    plan = response.context["plan"]
    assert plan.is_valid
    assert [r.username for r in plan.new_rows] == ["zhangming", "lihua"]
    assert [r.username for r in plan.updated_rows] == [w.teacher_a.username]
    page = response.content.decode()
    assert "Grade 4 Class 2" in page and "张明" in page
    assert not User.objects.filter(username="zhangming").exists()  # the preview writes nothing

    response = client.post(preview_url(pending), {"confirm": "1"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    imported = response.context["imported"]
    passwords = {item.account.username: item.password for item in imported}
    assert passwords[w.teacher_a.username] is None
    page = response.content.decode()
    for username in ("zhangming", "lihua"):
        account = User.objects.get(username=username)
        assert passwords[username] in page
        assert account.check_password(passwords[username])
        assert account.must_change_password
        assert account.role == "teacher" and account.school == w.school_a
        # Stored hashed, never in plain text.
        assert passwords[username] not in account.password
    zhang = User.objects.get(username="zhangming")
    assert zhang.real_name == "张明" and zhang.phone == "13800138000"
    w.c41.refresh_from_db()
    w.c42.refresh_from_db()
    assert w.c41.homeroom_teacher == zhang and w.c42.homeroom_teacher == zhang
    w.teacher_a.refresh_from_db()
    assert w.teacher_a.real_name == "王芳芳" and w.teacher_a.phone == "13900000000"
    assert w.teacher_a.check_password(TEST_PASSWORD) and not w.teacher_a.must_change_password
    w.class_a.refresh_from_db()
    assert w.class_a.homeroom_teacher == w.teacher_a
    log = AccessLog.objects.get(action=AccessLog.Action.IMPORT)
    with translation.override("zh-hans"):
        assert (log.user, log.school, log.detail_text, log.rows) == (
            w.admin_a, w.school_a, "教职工文件：teachers.xlsx", 3)
    # Nowhere else: not in the session, and the upload is gone, so it cannot be seen again.
    session = str(dict(client.session))
    assert all(p not in session for p in passwords.values() if p)
    assert not PendingUpload.objects.exists()
    assert client.get(preview_url(pending)).status_code == 404
    assert client.post(preview_url(pending), {"confirm": "1"}).status_code == 404


def test_new_accounts_hash_at_lower_cost_and_rehash_at_login(client, school):
    client.force_login(school.admin_a)
    upload(client, xlsx([("张明", "", "zhangming", "")]))
    pending = PendingUpload.objects.get()
    password = client.post(preview_url(pending), {"confirm": "1"}).context["imported"][0].password
    account = User.objects.get(username="zhangming")
    assert account.password.startswith("pbkdf2_sha256$20000$")
    client.logout()
    response = client.post(reverse("login"), {"username": "zhangming", "password": password})
    assert response.status_code == 302
    account.refresh_from_db()
    assert not account.password.startswith("pbkdf2_sha256$20000$")
    assert client.get(reverse("home")).url == reverse("password_change")


BAD_ROWS = {
    "missing name": ([("", "", "newone", "")], 2, "姓名", "name is missing"),
    "missing username": ([("赵老师", "", "", "")], 2, "登录名", "username is missing"),
    "bad username": ([("赵老师", "", "zhao laoshi", "")], 2, "登录名", "valid username"),
    "bad phone": ([("赵老师", "12345", "zhao", "")], 2, "手机号", "mobile number"),
    "duplicate username": (
        [("赵老师", "", "zhao", ""), ("钱老师", "", "zhao", "")], 3, "登录名", "also on row 2"
    ),
    "unknown class": ([("赵老师", "", "zhao", "8-9")], 2, "担任班主任班级", "no class"),
    "last year's class": ([("赵老师", "", "zhao", "5-1")], 2, "担任班主任班级", "no class"),
    "unreadable class": ([("赵老师", "", "zhao", "四班")], 2, "担任班主任班级", "3-1"),
    "class for two teachers": (
        [("赵老师", "", "zhao", "4-1"), ("钱老师", "", "qian", "4年级1班")], 3,
        "担任班主任班级", "row 2",
    ),
    "school admin's username": ([("赵老师", "", "@admin_a", "")], 2, "登录名",
                                "school administrator"),
}


@pytest.mark.parametrize("rows, row, column, message", BAD_ROWS.values(), ids=BAD_ROWS.keys())
def test_each_bad_row_is_reported_and_nothing_is_written(client, school, rows, row, column,
                                                         message):
    rows = [tuple(school.admin_a.username if v == "@admin_a" else v for v in r) for r in rows]
    good = ("孙老师", "13800000001", "sunlaoshi", "4-2")
    client.force_login(school.admin_a)
    upload(client, xlsx([*rows, good]))
    pending = PendingUpload.objects.get()
    response = client.get(preview_url(pending))
    plan = response.context["plan"]
    assert [(p.row, p.column) for p in plan.problems] == [(row, column)]
    assert message in plan.problems[0].message
    assert "sunlaoshi" in [r.username for r in plan.rows]  # the good row is still shown
    before = snapshot()
    response = client.post(preview_url(pending), {"confirm": "1"})
    assert response.status_code == 200
    assert response.context["error"]
    assert snapshot() == before
    assert PendingUpload.objects.filter(pk=pending.pk).exists()


def test_username_taken_elsewhere_says_nothing_about_whom(client, school):
    other = school.teacher_b
    client.force_login(school.admin_a)
    upload(client, xlsx([("赵老师", "", other.username, "")]))
    response = client.get(preview_url(PendingUpload.objects.get()))
    [problem] = response.context["plan"].problems
    assert problem.column == "登录名" and "already taken" in problem.message
    page = response.content.decode()
    assert other.real_name not in page and school.school_b.name not in page


def test_a_failure_while_writing_rolls_back_everything(school, monkeypatch):
    """One row failing half-way through (here a class write) leaves nothing written."""
    pending = services.pending_upload_store(
        user=school.admin_a, school=school.school_a, kind=PendingUpload.Kind.STAFF,
        filename="t.xlsx",
        content=xlsx([("张明", "", "zhangming", "4-1"), ("李华", "", "lihua", "4-2")]),
    )
    real = services.staff_import.classroom_set_homeroom_teacher
    calls = []

    def failing_second_time(**kwargs):
        calls.append(kwargs)
        if len(calls) == 2:
            raise ValidationError("boom")
        return real(**kwargs)

    monkeypatch.setattr("registry.services.staff_import.classroom_set_homeroom_teacher",
                        failing_second_time)
    before = snapshot()
    with pytest.raises(ValidationError):
        services.staff_import_confirm(actor=school.admin_a, upload=pending)
    assert snapshot() == before
    assert not User.objects.filter(username__in=["zhangming", "lihua"]).exists()


def _rows(n):
    return [(f"老师{i}", "", f"t{i:04d}", "") for i in range(n)]


BAD_FILES = {
    "not xlsx": (b"name,phone\n", "cannot be read"),
    "old xls named xlsx": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512, "cannot be read"),
    "empty workbook": (xlsx([], headers=None), "empty"),
    "headers only": (xlsx([]), "no teachers"),
    "wrong headers": (xlsx([("张明", "", "zm", "")], headers=("姓名", "电话", "用户名", "班级")),
                      "手机号"),
    "over 5 MB": (b"PK" + b"\0" * (5 * 1024 * 1024), "5 MB"),
    "over 2000 rows": (xlsx(_rows(2001)), "2000"),
}


@pytest.mark.parametrize("content, message", BAD_FILES.values(), ids=BAD_FILES.keys())
def test_bad_files_are_refused_with_a_message_and_not_kept(client, school, content, message):
    client.force_login(school.admin_a)
    response = upload(client, content)
    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors["file"])
    assert message in errors
    assert not PendingUpload.objects.exists()


def test_2000_rows_are_accepted(client, school):
    client.force_login(school.admin_a)
    assert upload(client, xlsx(_rows(2000))).status_code == 302


def test_someone_elses_or_an_expired_upload_is_a_404(client, school):
    w = school
    pending = services.pending_upload_store(
        user=w.admin_a, school=w.school_a, kind=PendingUpload.Kind.STAFF, filename="t.xlsx",
        content=xlsx([("张明", "", "zhangming", "")]),
    )
    other_admin = factories.SchoolAdminFactory(school=w.school_a)
    for user in (other_admin, w.admin_b):
        client.force_login(user)
        assert client.get(preview_url(pending)).status_code == 404
        assert client.post(preview_url(pending), {"confirm": "1"}).status_code == 404
    assert not User.objects.filter(username="zhangming").exists()
    client.force_login(w.admin_a)
    PendingUpload.objects.filter(pk=pending.pk).update(expires_at=timezone.now()
                                                       - timedelta(seconds=1))
    assert client.get(preview_url(pending)).status_code == 404


def test_discard_removes_the_upload(client, school):
    client.force_login(school.admin_a)
    upload(client, xlsx([("张明", "", "zhangming", "")]))
    pending = PendingUpload.objects.get()
    response = client.post(preview_url(pending), {"discard": "1"})
    assert response.status_code == 302
    assert not PendingUpload.objects.exists()
    assert not User.objects.filter(username="zhangming").exists()


@pytest.mark.parametrize("role, expected", [
    ("teacher_a", 403), ("township_user", 403), ("bureau1", 403), ("superuser", 403),
    ("admin_a", 200),
])
def test_who_may_import(client, school, role, expected):
    client.force_login(getattr(school, role))
    assert client.get(reverse("staff_import")).status_code == expected
    assert client.get(reverse("staff_import_template")).status_code == expected


def test_the_template_has_the_headers_and_reads_back(client, school):
    client.force_login(school.admin_a)
    response = client.get(reverse("staff_import_template"))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "no-store" in response["Cache-Control"]
    workbook = load_workbook(io.BytesIO(response.content))
    sheet = workbook.active
    assert [c.value for c in sheet[1]] == list(HEADERS)
    sheet.append(["张明", "13800138000", "zhangming", "4-1"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert upload(client, buffer.getvalue()).status_code == 302
    assert client.get(preview_url(PendingUpload.objects.get())).context["plan"].is_valid


def test_school_page_links_to_the_import_for_its_admin_only(client, school):
    url = reverse("staff_import")
    client.force_login(school.admin_a)
    assert url in client.get(reverse("school_detail", args=[school.school_a.pk])).content.decode()
    client.force_login(school.township_user)
    assert url not in client.get(
        reverse("school_detail", args=[school.school_a.pk])).content.decode()


@pytest.mark.parametrize("text, expected", [
    ("3年级1班", (3, 1)), ("3-1", (3, 1)), ("３－１", (3, 1)), ("三年级(2)班", (3, 2)),
    ("初一3班", (7, 3)), ("7.10", (7, 10)), ("3年级", None), ("31", None), ("四班", None),
])
def test_parse_class(text, expected):
    assert parse_class(text) == expected


def test_split_classes():
    assert split_classes("3年级1班、3-2，4-1;5-1；6-1") == ["3年级1班", "3-2", "4-1", "5-1", "6-1"]
