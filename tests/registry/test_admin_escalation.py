"""Nobody raises a privilege through the admin: each attempt is made, and the database
is checked afterwards."""

import pytest
from django.urls import reverse

from interventions.models import CareStandard
from registry.models import Classroom, Role, School, User

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Qiao-lian-2026!"


def add_user(client, **fields):
    data = {"username": "newcomer", "real_name": "新来的", "phone": "",
            "password1": NEW_PASSWORD, "password2": NEW_PASSWORD, **fields}
    return client.post(reverse("admin:registry_user_add"), data)


def change_user(client, user, **fields):
    data = {"username": user.username, "real_name": user.real_name, "phone": "",
            "is_active": "on", **fields}
    return client.post(reverse("admin:registry_user_change", args=[user.pk]), data)


def test_school_admin_adds_a_teacher_of_their_own_school(client, world):
    client.force_login(world.admin_a)
    response = add_user(client)
    assert response.status_code == 302
    created = User.objects.get(username="newcomer")
    assert (created.role, created.school, created.must_change_password) == (
        Role.TEACHER, world.school_a, True,
    )
    assert created.check_password(NEW_PASSWORD)


def test_school_admin_cannot_create_a_bureau_user_or_superuser(client, world):
    client.force_login(world.admin_a)
    add_user(client, role=Role.BUREAU, county=world.county1.pk, school=world.school_b.pk,
             is_superuser="on", is_staff="on")
    created = User.objects.get(username="newcomer")
    assert created.role == Role.TEACHER
    assert created.school == world.school_a
    assert not created.is_superuser and not created.is_staff
    assert not User.objects.filter(role=Role.BUREAU, county=world.county1).exclude(
        pk=world.bureau1.pk).exists()


def test_school_admin_cannot_move_a_teacher_or_raise_their_role(client, world):
    client.force_login(world.admin_a)
    response = change_user(client, world.teacher_a, real_name="改名了", school=world.school_b.pk,
                           role=Role.SCHOOL_ADMIN, is_superuser="on", is_staff="on")
    assert response.status_code == 302
    world.teacher_a.refresh_from_db()
    assert world.teacher_a.real_name == "改名了"
    assert (world.teacher_a.role, world.teacher_a.school) == (Role.TEACHER, world.school_a)
    assert not world.teacher_a.is_superuser and not world.teacher_a.is_staff


def test_school_admin_cannot_edit_another_schools_teacher(client, world):
    client.force_login(world.admin_a)
    response = change_user(client, world.teacher_b, real_name="被改了")
    assert response.status_code == 404
    world.teacher_b.refresh_from_db()
    assert world.teacher_b.real_name != "被改了"


def test_school_admin_cannot_edit_themselves_through_the_admin(client, world):
    client.force_login(world.admin_a)
    response = change_user(client, world.admin_a, real_name="自封")
    assert response.status_code == 404


def test_bureau_user_adds_a_school_admin_in_their_county(client, world):
    client.force_login(world.bureau1)
    response = add_user(client, role=Role.SCHOOL_ADMIN, school=world.school_b.pk)
    assert response.status_code == 302
    created = User.objects.get(username="newcomer")
    assert (created.role, created.school) == (Role.SCHOOL_ADMIN, world.school_b)


@pytest.mark.parametrize(
    "fields",
    [
        {"role": Role.BUREAU, "county": "county1"},
        {"role": Role.SCHOOL_ADMIN, "school": "school_c"},
        {"role": Role.TOWNSHIP, "township": "t3"},
    ],
    ids=["bureau role", "other county's school", "other county's township"],
)
def test_bureau_user_cannot_create_beyond_their_reach(client, world, fields):
    client.force_login(world.bureau1)
    data = {k: (getattr(world, v).pk if k != "role" else v) for k, v in fields.items()}
    response = add_user(client, **data)
    assert response.status_code == 200  # the form again, with its error
    assert response.context["adminform"].form.errors
    assert not User.objects.filter(username="newcomer").exists()


def test_bureau_user_cannot_move_a_school_admin_to_another_county(client, world):
    client.force_login(world.bureau1)
    response = change_user(client, world.admin_b, role=Role.SCHOOL_ADMIN,
                           school=world.school_c.pk)
    assert response.status_code == 200
    world.admin_b.refresh_from_db()
    assert world.admin_b.school == world.school_b


def test_bureau_user_cannot_touch_another_countys_school(client, world):
    client.force_login(world.bureau1)
    url = reverse("admin:registry_school_change", args=[world.school_c.pk])
    response = client.post(url, {"code": "X", "name": "改名", "stage": "primary",
                                 "township": world.t1.pk, "pupils_enrolled": 1})
    assert response.status_code == 404
    world.school_c.refresh_from_db()
    assert world.school_c.name != "改名"


def test_bureau_user_cannot_move_a_school_to_another_county(client, world):
    client.force_login(world.bureau1)
    url = reverse("admin:registry_school_change", args=[world.school_b.pk])
    response = client.post(url, {"code": world.school_b.code, "name": "改名",
                                 "stage": "primary", "county": world.county2.pk,
                                 "township": world.t3.pk, "pupils_enrolled": 1})
    assert response.status_code == 200
    school = School.objects.get(pk=world.school_b.pk)
    assert (school.county, school.township) == (world.county1, world.t2)


def test_school_admin_adds_classes_only_to_their_school(client, world):
    client.force_login(world.admin_a)
    url = reverse("admin:registry_classroom_add")
    response = client.post(url, {"school": world.school_b.pk, "school_year": "2026-2027",
                                 "grade": 5, "number": 9, "homeroom_teacher": world.teacher_a.pk})
    assert response.status_code == 302
    assert Classroom.objects.get(number=9).school == world.school_a


def test_school_admin_cannot_name_another_schools_teacher_as_homeroom_teacher(client, world):
    client.force_login(world.admin_a)
    url = reverse("admin:registry_classroom_add")
    response = client.post(url, {"school_year": "2026-2027", "grade": 5, "number": 9,
                                 "homeroom_teacher": world.teacher_b.pk})
    assert response.status_code == 200
    assert not Classroom.objects.filter(number=9).exists()


def test_a_county_added_in_the_admin_starts_with_the_plans_care_standards(client, world):
    client.force_login(world.superuser)
    response = client.post(reverse("admin:registry_county_add"), {"name": "新县", "code": "360999"})
    assert response.status_code == 302
    codes = set(CareStandard.objects.filter(county__code="360999").values_list("code", flat=True))
    assert "weekly_talk" in codes and len(codes) == 6
