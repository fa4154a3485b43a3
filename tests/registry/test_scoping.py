"""The access rule: each role sees its own place and nothing beyond it."""

import pytest
from django.contrib.auth.models import AnonymousUser

from registry.models import Classroom, County, School, Term, Township, User
from tests import factories

pytestmark = pytest.mark.django_db

ALL_SCHOOLS = {"school_a", "school_a2", "school_b", "school_c"}


def names(world, objects, prefix):
    by_pk = {
        getattr(world, key).pk: key.removeprefix(prefix)
        for key in vars(world)
        if key.startswith(prefix)
    }
    return {by_pk.get(obj.pk, obj.pk) for obj in objects}


@pytest.mark.parametrize(
    "user_key, expected",
    [
        ("teacher_a", {"a"}),
        ("admin_a", {"a"}),
        ("township_user", {"a", "a2"}),
        ("bureau1", {"a", "a2", "b"}),
        ("bureau2", {"c"}),
        ("superuser", {"a", "a2", "b", "c"}),
    ],
)
def test_schools_for_user(world, user_key, expected):
    schools = School.objects.for_user(getattr(world, user_key))
    assert names(world, schools, "school_") == expected


@pytest.mark.parametrize(
    "user_key, expected",
    [
        ("teacher_a", {"a"}),
        ("admin_a", {"a"}),
        ("township_user", {"a", "a2"}),
        ("bureau1", {"a", "a2", "b"}),
        ("bureau2", {"c"}),
    ],
)
def test_classrooms_for_user(world, user_key, expected):
    classrooms = Classroom.objects.for_user(getattr(world, user_key))
    assert names(world, classrooms, "class_") == expected


def test_a_teacher_sees_only_the_classes_they_lead(world):
    other = factories.ClassroomFactory(school=world.school_a)  # a colleague's class
    visible = set(Classroom.objects.for_user(world.teacher_a))
    assert visible == {world.class_a}
    assert other in Classroom.objects.for_user(world.admin_a)


def test_staff_for_user(world):
    assert set(User.objects.for_user(world.teacher_a)) == {world.teacher_a}
    assert set(User.objects.for_user(world.admin_a)) == {world.admin_a, world.teacher_a}
    township_staff = set(User.objects.for_user(world.township_user))
    assert world.teacher_a2 in township_staff and world.township_user in township_staff
    assert world.teacher_b not in township_staff
    bureau_staff = set(User.objects.for_user(world.bureau1))
    assert {world.teacher_b, world.township_user, world.bureau1} <= bureau_staff
    assert world.teacher_c not in bureau_staff and world.bureau2 not in bureau_staff


def test_townships_counties_and_terms_follow_the_place(world):
    term1 = factories.TermFactory(county=world.county1)
    term2 = factories.TermFactory(county=world.county2)
    assert set(Township.objects.for_user(world.teacher_a)) == {world.t1}
    assert set(Township.objects.for_user(world.bureau1)) == {world.t1, world.t2}
    assert set(County.objects.for_user(world.township_user)) == {world.county1}
    assert set(Term.objects.for_user(world.teacher_b)) == {term1}
    assert set(Term.objects.for_user(world.bureau2)) == {term2}


def test_anonymous_and_inactive_users_see_nothing(world):
    world.admin_a.is_active = False
    for user in (AnonymousUser(), world.admin_a):
        assert not School.objects.for_user(user).exists()
        assert not Classroom.objects.for_user(user).exists()
        assert not User.objects.for_user(user).exists()
