"""The paperwork pages: record cards (one child, a whole class), the contact information
sheet and its xlsx. Scope (404 outside it), who may use them (403), the ID number masked
for township and bureau, every card view and export in the access log, and a fixed number
of queries whatever the class size."""

import datetime
import io

import pytest
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from registry import services
from registry.models import AccessLog, ExitReason
from tests import factories

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "teacher_a", "admin_a", "township_user", "bureau1", "bureau2"]
L, OK, NO, NF = "login", 200, 403, 404


@pytest.fixture
def kids(world):
    """A five-clear child in each school's class, and a second class at school A whose
    homeroom teacher is not teacher_a."""
    world.class_a_other = factories.ClassroomFactory(school=world.school_a)
    for key in ("a", "a_other", "a2", "b", "c"):
        classroom = getattr(world, f"class_{key}")
        setattr(world, f"child_{key}", factories.FiveClearChildFactory(classroom=classroom))
    return world


def _url(name, key):
    return lambda w: reverse(name, args=[getattr(w, key).pk])


# (anonymous, teacher_a, admin_a, township_user, bureau1, bureau2)
IN_AREA = {
    "a": (L, OK, OK, OK, OK, NF),
    "a_other": (L, NF, OK, OK, OK, NF),
    "a2": (L, NF, NF, OK, OK, NF),
    "b": (L, NF, NF, NF, OK, NF),
    "c": (L, NF, NF, NF, NF, OK),
}
SHEET = {
    "a": (L, OK, OK, NO, NO, NO),
    "a_other": (L, NF, OK, NO, NO, NO),
    "b": (L, NF, NF, NO, NO, NO),
    "c": (L, NF, NF, NO, NO, NO),
}
MATRIX = {
    **{f"card {k}": (_url("child_card", f"child_{k}"), v) for k, v in IN_AREA.items()},
    **{f"class cards {k}": (_url("class_cards", f"class_{k}"), v) for k, v in IN_AREA.items()},
    **{f"contacts {k}": (_url("class_contacts", f"class_{k}"), v) for k, v in SHEET.items()},
    **{f"xlsx {k}": (_url("class_contacts_xlsx", f"class_{k}"), v) for k, v in SHEET.items()},
}


@pytest.mark.parametrize(
    "builder, role, expected",
    [
        pytest.param(builder, role, expected, id=f"{page}-{role}")
        for page, (builder, statuses) in MATRIX.items()
        for role, expected in zip(ROLES, statuses, strict=True)
    ],
)
def test_paperwork_url_role_matrix(client, kids, builder, role, expected):
    if role != "anonymous":
        client.force_login(getattr(kids, role))
    if expected == L:
        response = client.get(builder(kids), follow=True)
        assert response.request["PATH_INFO"] == reverse("login")
    else:
        assert client.get(builder(kids)).status_code == expected


@pytest.mark.parametrize("role, full", [("teacher_a", True), ("admin_a", True),
                                        ("township_user", False), ("bureau1", False)])
@pytest.mark.parametrize("view", ["child_card", "class_cards"])
def test_full_id_number_only_for_the_school_and_homeroom_teacher(client, kids, role, full,
                                                                 view):
    # The national student number is usually "G" and the ID number.
    kids.child_a.student_number = "G" + kids.child_a.id_number
    kids.child_a.save(update_fields=["student_number"])
    client.force_login(getattr(kids, role))
    pk = kids.child_a.pk if view == "child_card" else kids.class_a.pk
    page = client.get(reverse(view, args=[pk])).content.decode()
    number = kids.child_a.id_number
    assert (number in page) is full
    assert kids.child_a.masked_id_number in page or full
    # The student number ("G" and the ID number) follows the same rule.
    assert (kids.child_a.student_number in page) is full


def test_card_holds_the_whole_file(client, kids):
    child = kids.child_a
    father = child.family.get(kind="father")
    guardian = child.family.get(kind="guardian")
    factories.FamilyMemberFactory(child=child, kind="other", name="李舅舅", relation="relative",
                                  note="周末接送")
    services.consent_record(actor=kids.admin_a, child=child,
                            consent_date=datetime.date(2026, 3, 2), consent_method="signed")
    client.force_login(kids.admin_a)
    page = client.get(reverse("child_card", args=[child.pk])).content.decode()
    for text in (child.name, child.student_number, child.address, child.personality,
                 child.hobbies, child.physical_condition, kids.school_a.name,
                 father.name, father.phone, father.workplace, "2025-02-01",
                 guardian.name, guardian.phone, "66", "高血压", "李舅舅", "周末接送",
                 "2026-03-02", "2026-03-01", "5/5", "双亲外出"):
        assert text in page, text
    assert page.count('data-testid="record-card"') == 1


def test_card_shows_what_five_clear_misses_and_the_pending_flag(client, kids):
    child = factories.ChildFactory(classroom=kids.class_a, hobbies="下棋")
    factories.FamilyMemberFactory(child=child, kind="father", situation="away",
                                  away_since=datetime.date.today() - datetime.timedelta(days=20),
                                  workplace="上海")
    client.force_login(kids.teacher_a)
    page = client.get(reverse("child_card", args=[child.pk])).content.decode()
    assert "1/5" in page
    assert "性格特点" in page and "缺少" in page
    assert "外出不满3个月" in page


def test_every_card_view_is_in_the_access_log(client, kids):
    client.force_login(kids.bureau1)
    client.get(reverse("child_card", args=[kids.child_a.pk]))
    entry = AccessLog.objects.get(action=AccessLog.Action.VIEW_CARD)
    assert (entry.user, entry.child, entry.school) == (kids.bureau1, kids.child_a, kids.school_a)


def test_class_cards_are_for_children_on_the_registry_and_each_is_logged(client, kids):
    second = factories.FiveClearChildFactory(classroom=kids.class_a)
    # A name no member of staff can have (factory names may repeat those of the staff).
    gone = factories.FiveClearChildFactory(classroom=kids.class_a, name="离册的孩子")
    services.child_exit(actor=kids.admin_a, child=gone, exited_on=datetime.date(2026, 6, 1),
                        reason=ExitReason.MOVED_AWAY, note="")
    client.force_login(kids.township_user)
    response = client.get(reverse("class_cards", args=[kids.class_a.pk]))
    page = response.content.decode()
    assert page.count('data-testid="record-card"') == 2
    assert kids.child_a.name in page and second.name in page and gone.name not in page
    entries = AccessLog.objects.filter(action=AccessLog.Action.VIEW_CARD)
    assert sorted(e.child_id for e in entries) == sorted([kids.child_a.pk, second.pk])
    assert all(e.user == kids.township_user and e.school == kids.school_a for e in entries)
    year, grade, number = (kids.class_a.school_year, kids.class_a.grade,
                           kids.class_a.number)
    with translation.override("zh-hans"):
        assert {e.detail_text for e in entries} == {f"{year}学年{grade}年级{number}班的建档卡"}


def test_class_cards_with_nobody_on_the_registry(client, world):
    client.force_login(world.admin_a)
    response = client.get(reverse("class_cards", args=[world.class_a.pk]))
    assert response.status_code == 200
    assert 'data-testid="record-card"' not in response.content.decode()
    assert not AccessLog.objects.exists()


def _fill(classroom, n):
    for _ in range(n):
        factories.FiveClearChildFactory(classroom=classroom)


@pytest.mark.parametrize("view", ["class_cards", "class_contacts", "class_contacts_xlsx"])
def test_class_pages_run_a_fixed_number_of_queries(
    client, world, view, django_assert_max_num_queries, django_assert_num_queries
):
    client.force_login(world.admin_a)
    url = reverse(view, args=[world.class_a.pk])
    _fill(world.class_a, 5)
    with django_assert_max_num_queries(12) as small:
        response = client.get(url)
    assert response.status_code == 200
    _fill(world.class_a, 25)
    with django_assert_num_queries(len(small.captured_queries)):
        response = client.get(url)
    if view == "class_cards":
        assert response.content.decode().count('data-testid="record-card"') == 30
    elif view == "class_contacts":
        assert response.content.decode().count('data-testid="contact-row"') == 30


def test_contact_sheet_lists_parents_and_guardian_with_phone_links(client, kids):
    child = kids.child_a
    mother = child.family.get(kind="mother")
    guardian = child.family.get(kind="guardian")
    client.force_login(kids.teacher_a)
    page = client.get(reverse("class_contacts", args=[kids.class_a.pk])).content.decode()
    assert child.name in page and child.address in page
    assert f'href="tel:{mother.phone}"' in page and mother.workplace in page
    assert guardian.name in page and f'href="tel:{guardian.phone}"' in page
    assert kids.child_a_other.name not in page
    # The sheet never shows ID numbers.
    assert child.id_number not in page and child.masked_id_number not in page


def _workbook(response):
    return load_workbook(io.BytesIO(response.content)).active


def test_contact_sheet_xlsx_rows_escaped_formulas_and_log(client, kids):
    factories.FiveClearChildFactory(classroom=kids.class_a, name="=1+1",
                                    address="=HYPERLINK(\"http://x\",\"y\")")
    client.force_login(kids.teacher_a)
    response = client.get(reverse("class_contacts_xlsx", args=[kids.class_a.pk]),
                          HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    assert response["Content-Disposition"].endswith(".xlsx")
    sheet = _workbook(response)
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("Name", "Sex", "Father's name", "Father's phone")
    assert rows[0][-1] == "Home address"
    by_name = {row[0]: row for row in rows[1:]}
    assert set(by_name) == {kids.child_a.name, "'=1+1"}
    father = kids.child_a.family.get(kind="father")
    guardian = kids.child_a.family.get(kind="guardian")
    row = by_name[kids.child_a.name]
    assert row[1] == "Female"
    assert row[2:6] == (father.name, father.phone, "Working away", "广东东莞")
    assert row[10:13] == (guardian.name, "Grandparent", guardian.phone)
    assert row[13] == kids.child_a.address
    assert by_name["'=1+1"][13] == "'=HYPERLINK(\"http://x\",\"y\")"
    payload_row = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == "'=1+1")
    assert payload_row[0].data_type == payload_row[13].data_type == "s"
    entry = AccessLog.objects.get(action=AccessLog.Action.EXPORT)
    assert (entry.user, entry.school, entry.rows) == (kids.teacher_a, kids.school_a, 2)
    assert entry.child is None
    classroom = kids.class_a
    with translation.override("zh-hans"):
        assert entry.detail_text == (f"{classroom.school_year}学年{classroom.grade}年级"
                                     f"{classroom.number}班的联系信息表（xlsx）")


def test_links_to_the_paperwork(client, kids):
    client.force_login(kids.teacher_a)
    home = client.get(reverse("home")).content.decode()
    assert reverse("class_cards", args=[kids.class_a.pk]) in home
    assert reverse("class_contacts", args=[kids.class_a.pk]) in home
    profile = client.get(reverse("child_detail", args=[kids.child_a.pk])).content.decode()
    assert reverse("child_card", args=[kids.child_a.pk]) in profile
    client.force_login(kids.bureau1)
    school = client.get(reverse("school_detail", args=[kids.school_a.pk])).content.decode()
    assert reverse("class_cards", args=[kids.class_a.pk]) in school
    assert reverse("class_contacts", args=[kids.class_a.pk]) not in school


def test_opening_a_contact_sheet_is_in_the_access_log(client, world):
    factories.FiveClearChildFactory(classroom=world.class_a)
    client.force_login(world.teacher_a)
    client.get(reverse("class_contacts", args=[world.class_a.pk]))
    entry = AccessLog.objects.get(action=AccessLog.Action.VIEW_CONTACTS)
    assert (entry.user, entry.school, entry.rows) == (world.teacher_a, world.school_a, 1)
