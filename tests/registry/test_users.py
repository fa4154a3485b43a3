"""Staff accounts: one role, one place, enforced by the database."""

import pytest
from django.db import IntegrityError, transaction

from registry.models import Role, User
from tests import factories

pytestmark = pytest.mark.django_db


def test_each_role_belongs_to_its_kind_of_place(world):
    assert world.teacher_a.place == world.school_a
    assert world.township_user.place == world.t1
    assert world.bureau1.place == world.county1


@pytest.mark.parametrize(
    "role, place",
    [
        (Role.TEACHER, {}),
        (Role.TEACHER, {"county": "county1"}),
        (Role.SCHOOL_ADMIN, {"township": "t1"}),
        (Role.TOWNSHIP, {"school": "school_a"}),
        (Role.BUREAU, {}),
        (Role.BUREAU, {"county": "county1", "school": "school_a"}),
        ("", {}),  # no role is only for a superuser
    ],
)
def test_database_refuses_a_role_in_the_wrong_place(world, role, place):
    fields = {name: getattr(world, key) for name, key in place.items()}
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="x", real_name="某人", role=role, **fields)


def test_a_role_holder_cannot_be_a_superuser(world):
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.filter(pk=world.teacher_a.pk).update(is_superuser=True)


def test_real_name_is_what_a_user_is_called(world):
    teacher = factories.TeacherFactory(real_name="欧阳娜娜", username="oyang")
    assert str(teacher) == "欧阳娜娜"
    assert teacher.get_full_name() == "欧阳娜娜"
