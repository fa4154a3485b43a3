"""Factories for the test suite: real rows in the real database."""

import factory
from factory.django import DjangoModelFactory

from registry.models import Classroom, County, Role, School, Term, TermDay, Township, User
from registry.selectors import current_school_year

TEST_PASSWORD = "correct-horse-battery"


class CountyFactory(DjangoModelFactory):
    class Meta:
        model = County

    name = factory.Sequence(lambda n: f"测试县{n}")
    code = factory.Sequence(lambda n: f"C{n:05d}")


class TownshipFactory(DjangoModelFactory):
    class Meta:
        model = Township

    county = factory.SubFactory(CountyFactory)
    name = factory.Sequence(lambda n: f"测试镇{n}")


class SchoolFactory(DjangoModelFactory):
    class Meta:
        model = School

    township = factory.SubFactory(TownshipFactory)
    county = factory.SelfAttribute("township.county")
    code = factory.Sequence(lambda n: f"S{n:05d}")
    name = factory.Sequence(lambda n: f"第{n}小学")
    stage = "nine_year"
    pupils_enrolled = 500


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    real_name = factory.Faker("name", locale="zh_CN")
    role = Role.TEACHER
    school = factory.SubFactory(SchoolFactory)
    password = factory.django.Password(TEST_PASSWORD)


class TeacherFactory(UserFactory):
    role = Role.TEACHER


class SchoolAdminFactory(UserFactory):
    role = Role.SCHOOL_ADMIN


class TownshipUserFactory(UserFactory):
    role = Role.TOWNSHIP
    school = None
    township = factory.SubFactory(TownshipFactory)


class BureauUserFactory(UserFactory):
    role = Role.BUREAU
    school = None
    county = factory.SubFactory(CountyFactory)


class SuperuserFactory(UserFactory):
    role = ""
    school = None
    is_superuser = True
    is_staff = True


class ClassroomFactory(DjangoModelFactory):
    class Meta:
        model = Classroom

    school = factory.SubFactory(SchoolFactory)
    school_year = factory.LazyFunction(current_school_year)
    grade = 3
    number = factory.Sequence(lambda n: n + 1)
    homeroom_teacher = factory.SubFactory(TeacherFactory, school=factory.SelfAttribute("..school"))


class TermFactory(DjangoModelFactory):
    class Meta:
        model = Term

    county = factory.SubFactory(CountyFactory)
    school_year = "2026-2027"
    semester = 1
    start_date = factory.Faker("date_object")
    end_date = factory.LazyAttribute(lambda o: o.start_date.replace(year=o.start_date.year + 1))


class TermDayFactory(DjangoModelFactory):
    class Meta:
        model = TermDay

    term = factory.SubFactory(TermFactory)
    date = factory.SelfAttribute("term.start_date")
    kind = TermDay.Kind.HOLIDAY
