"""Factories for the test suite: real rows in the real database."""

import datetime

import factory
from factory.django import DjangoModelFactory

from registry.idnumber import make_id_number
from registry.models import (
    Child,
    Classroom,
    County,
    EntryKind,
    FamilyMember,
    RegistryEpisode,
    Role,
    School,
    Term,
    TermDay,
    Township,
    User,
)
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
    number = factory.Sequence(lambda n: n % 90 + 1)  # class numbers are small in real schools
    homeroom_teacher = factory.SubFactory(TeacherFactory, school=factory.SelfAttribute("..school"))


class TermFactory(DjangoModelFactory):
    class Meta:
        model = Term

    county = factory.SubFactory(CountyFactory)
    school_year = "2026-2027"
    semester = 1
    start_date = factory.Faker("date_object")
    end_date = factory.LazyAttribute(lambda o: o.start_date + datetime.timedelta(days=150))


class TermDayFactory(DjangoModelFactory):
    class Meta:
        model = TermDay

    term = factory.SubFactory(TermFactory)
    date = factory.SelfAttribute("term.start_date")
    kind = TermDay.Kind.HOLIDAY


class ChildFactory(DjangoModelFactory):
    """A child on the registry (with an open episode) and an empty family; pass
    ``episode=False`` for a child without an episode."""

    class Meta:
        model = Child
        skip_postgeneration_save = True

    name = factory.Faker("name", locale="zh_CN")
    sex = "F"
    birth_date = datetime.date(2016, 5, 17)
    classroom = factory.SubFactory(ClassroomFactory)
    school = factory.SelfAttribute("classroom.school")
    county = factory.SelfAttribute("school.county")

    @factory.post_generation
    def episode(obj, create, extracted, **kwargs):
        if create and extracted is not False:
            opened_by = obj.classroom.homeroom_teacher or SuperuserFactory()
            RegistryEpisode.objects.create(
                child=obj, school=obj.school, entry_kind=EntryKind.REGISTERED,
                entered_on=datetime.date(2026, 3, 1), opened_by=opened_by,
            )


class FiveClearChildFactory(ChildFactory):
    """A child whose file is complete in all five parts (with the family)."""

    id_number = factory.Sequence(
        lambda n: make_id_number("360101", datetime.date(2016, 5, 17), 2 * (n % 499) + 2)
    )
    student_number = factory.Sequence(lambda n: f"G3601012016{n:07d}")
    ethnicity = "汉族"
    address = "青山县城关镇杨柳村3组"
    personality = "开朗，爱说话"
    hobbies = "画画、跳绳"
    physical_condition = "良好"

    @factory.post_generation
    def family(obj, create, extracted, **kwargs):
        if not create:
            return
        FamilyMemberFactory(child=obj, kind="father", situation="away",
                            away_since=datetime.date(2025, 2, 1), workplace="广东东莞")
        FamilyMemberFactory(child=obj, kind="mother", situation="away",
                            away_since=datetime.date(2025, 2, 1), workplace="浙江义乌")
        FamilyMemberFactory(child=obj, kind="guardian", relation="grandparent", age=66,
                            health="高血压")


class FamilyMemberFactory(DjangoModelFactory):
    class Meta:
        model = FamilyMember

    child = factory.SubFactory(ChildFactory)
    kind = "father"
    name = factory.Faker("name", locale="zh_CN")
    phone = factory.Sequence(lambda n: f"139{n:08d}")
    situation = "home"
