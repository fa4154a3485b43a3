"""The child's file: ID numbers against sex and birth date, derived categories, five
clear in SQL and in Python, rare characters."""

import datetime
import random

import pytest
from django.core.exceptions import ValidationError

from registry.idnumber import make_id_number
from registry.models import Category, Child, FamilyMember, FivePart
from registry.models.children import away_threshold, months_before
from tests import factories

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 26)


def test_sex_and_birth_date_come_from_the_id_number():
    number = make_id_number("360101", datetime.date(2015, 2, 28), 13)
    child = factories.ChildFactory(sex="", birth_date=None)
    child.id_number = number.lower()
    child.full_clean()
    assert (child.sex, child.birth_date, child.id_number) == ("M", datetime.date(2015, 2, 28),
                                                              number.upper())


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("sex", "F", "身份证号显示为男"),
        ("birth_date", datetime.date(2015, 3, 1), "2015-02-28"),
    ],
)
def test_a_typed_value_that_contradicts_the_id_number_is_an_error(field, value, message):
    child = factories.ChildFactory(sex="", birth_date=None)
    child.id_number = make_id_number("360101", datetime.date(2015, 2, 28), 13)
    setattr(child, field, value)
    with pytest.raises(ValidationError) as exc:
        child.full_clean()
    assert message in " ".join(exc.value.message_dict[field])
    assert getattr(child, field) == value  # nothing silently fixed


def test_id_number_is_unique_within_the_county_only():
    number = make_id_number("360101", datetime.date(2016, 5, 17), 14)  # the factory's child
    first = factories.ChildFactory(id_number=number)
    other_county = factories.ChildFactory.build(
        id_number=number, classroom=factories.ClassroomFactory()
    )
    other_county.school, other_county.county = other_county.classroom.school, \
        other_county.classroom.school.county
    other_county.full_clean()
    same_county = factories.ChildFactory.build(
        id_number=number, classroom=first.classroom, school=first.school, county=first.county
    )
    with pytest.raises(ValidationError) as exc:
        same_county.full_clean()
    assert "转入" in str(exc.value)


@pytest.mark.parametrize(
    "day, months, expected",
    [
        (datetime.date(2026, 11, 26), 3, datetime.date(2026, 8, 26)),
        (datetime.date(2026, 5, 31), 3, datetime.date(2026, 2, 28)),
        (datetime.date(2028, 5, 31), 3, datetime.date(2028, 2, 29)),
        (datetime.date(2027, 2, 15), 3, datetime.date(2026, 11, 15)),
    ],
)
def test_months_before_clamps_to_the_end_of_the_month(day, months, expected):
    assert months_before(day, months) == expected


def _family(child, father=None, mother=None):
    for kind, spec in (("father", father), ("mother", mother)):
        if spec:
            situation, away_since = spec
            factories.FamilyMemberFactory(child=child, kind=kind, situation=situation,
                                          away_since=away_since, workplace="广东东莞")


def _categories_both_ways(child, today=TODAY):
    python = Child.objects.prefetch_related("family").get(pk=child.pk).categories(today)
    row = Child.objects.with_categories(today).get(pk=child.pk)
    sql = [c for c in Category if getattr(row, f"is_{c}", False)]
    derived_python = [c for c in python if f"is_{c}" in vars(row)]
    assert derived_python == sql
    assert row.is_away_pending == Child.objects.prefetch_related("family").get(
        pk=child.pk).away_pending(today)
    return python, row.is_away_pending


@pytest.mark.parametrize(
    "away_since, left_behind, pending",
    [
        (datetime.date(2026, 8, 26), True, False),  # exactly three months: eligible
        (datetime.date(2026, 8, 27), False, True),  # a day short: not yet
        (datetime.date(2024, 1, 1), True, False),
    ],
)
def test_father_away_category_at_the_three_month_boundary(away_since, left_behind, pending):
    child = factories.ChildFactory()
    _family(child, father=("away", away_since), mother=("home", None))
    categories, away_pending = _categories_both_ways(child)
    assert (Category.FATHER_AWAY in categories) is left_behind
    assert away_pending is pending


@pytest.mark.parametrize(
    "father, mother, expected",
    [
        (("away", datetime.date(2025, 1, 1)), ("away", datetime.date(2025, 6, 1)),
         [Category.BOTH_AWAY]),
        (("home", None), ("away", datetime.date(2025, 6, 1)), [Category.MOTHER_AWAY]),
        (("deceased", None), ("away", datetime.date(2025, 6, 1)), [Category.MOTHER_AWAY]),
        (("deceased", None), ("deceased", None), [Category.ORPHAN]),
        (("home", None), ("home", None), []),
        (("away", datetime.date(2026, 10, 1)), ("away", datetime.date(2025, 1, 1)),
         [Category.MOTHER_AWAY]),
        (None, None, []),
    ],
)
def test_derived_categories_agree_in_sql_and_python(father, mother, expected):
    child = factories.ChildFactory()
    _family(child, father=father, mother=mother)
    categories, _pending = _categories_both_ways(child)
    assert categories == expected


def test_recorded_categories_join_the_derived_ones():
    child = factories.ChildFactory(single_parent=True, hardship_kind="poverty")
    _family(child, father=("deceased", None), mother=("away", datetime.date(2025, 1, 1)))
    categories, _ = _categories_both_ways(child)
    assert categories == [Category.MOTHER_AWAY, Category.SINGLE_PARENT, Category.HARDSHIP]
    assert set(Child.objects.with_category(Category.HARDSHIP, TODAY)) == {child}
    assert set(Child.objects.with_category(Category.MOTHER_AWAY, TODAY)) == {child}
    assert not Child.objects.with_category(Category.ABANDONED, TODAY).exists()


def test_away_threshold_defaults_to_today():
    assert away_threshold(TODAY) == datetime.date(2026, 8, 26)


def _five_clear_both_ways(child):
    python = Child.objects.prefetch_related("family").get(pk=child.pk).five_clear()
    row = Child.objects.with_five_clear().get(pk=child.pk)
    for part in FivePart:
        # The parts are aliases, for filters: ask the database through one.
        in_sql = (Child.objects.with_five_clear()
                  .filter(pk=child.pk, **{f"clear_{part}": True}).exists())
        assert (not python[part]) is in_sql, part
    assert row.five_clear_count == sum(1 for gaps in python.values() if not gaps)
    return python


def test_a_complete_file_is_five_clear():
    child = factories.FiveClearChildFactory()
    assert _five_clear_both_ways(child) == {part: [] for part in FivePart}


@pytest.mark.parametrize(
    "change, part",
    [
        ({"student_number": ""}, FivePart.BASIC),
        ({"id_number": ""}, FivePart.BASIC),
        ({"classroom": None}, FivePart.BASIC),
        ({"personality": ""}, FivePart.PERSONALITY),
        ({"hobbies": ""}, FivePart.HOBBIES),
        ({"physical_condition": ""}, FivePart.HEALTH),
    ],
)
def test_each_basic_part_names_what_is_missing(change, part):
    child = factories.FiveClearChildFactory()
    Child.objects.filter(pk=child.pk).update(**change)
    gaps = _five_clear_both_ways(child)
    assert [p for p in FivePart if gaps[p]] == [part]


@pytest.mark.parametrize(
    "kind, change, clear",
    [
        ("father", {"phone": ""}, False),
        ("father", {"workplace": ""}, False),
        ("father", {"situation": "deceased", "away_since": None, "phone": "",
                    "workplace": ""}, True),
        ("mother", {"situation": "unknown", "away_since": None, "phone": ""}, True),
        ("mother", {"situation": "home", "away_since": None, "phone": ""}, False),
        ("guardian", {"age": None}, False),
        ("guardian", {"health": ""}, False),
        ("guardian", {"relation": ""}, False),
    ],
)
def test_contacts_part_rules(kind, change, clear):
    child = factories.FiveClearChildFactory()
    FamilyMember.objects.filter(child=child, kind=kind).update(**change)
    gaps = _five_clear_both_ways(child)
    assert (not gaps[FivePart.CONTACTS]) is clear


def test_a_missing_guardian_is_named():
    child = factories.FiveClearChildFactory()
    FamilyMember.objects.filter(child=child, kind="guardian").delete()
    gaps = _five_clear_both_ways(child)
    assert gaps[FivePart.CONTACTS] == ["在家监护人"]


def test_five_clear_sql_agrees_with_python_on_many_random_files():
    rng = random.Random(7)
    children = []
    for _ in range(40):
        child = factories.FiveClearChildFactory()
        blanks = {f: "" for f in ("personality", "hobbies", "physical_condition",
                                  "student_number", "address") if rng.random() < 0.2}
        Child.objects.filter(pk=child.pk).update(**blanks)
        for member in child.family.all():
            if rng.random() < 0.2:
                member.phone = ""
            if rng.random() < 0.1:
                member.situation, member.away_since = rng.choice(
                    [("deceased", None), ("unknown", None), ("home", None)])
            member.save()
        if rng.random() < 0.1:
            child.family.filter(kind="guardian").delete()
        children.append(child)
    rows = {c.pk: c for c in Child.objects.with_five_clear()}
    loaded = Child.objects.prefetch_related("family").in_bulk([c.pk for c in children])
    counts = [loaded[c.pk].five_clear_count() for c in children]
    assert [rows[c.pk].five_clear_count for c in children] == counts
    assert len(set(counts)) > 2  # the sample really varies


@pytest.mark.parametrize("name", ["𠀀龘", "王𪚥", "李😀"])
def test_rare_characters_in_names_round_trip(name):
    child = factories.ChildFactory(name=name)
    member = factories.FamilyMemberFactory(child=child, name=name + "父")
    assert Child.objects.get(pk=child.pk).name == name
    assert FamilyMember.objects.get(pk=member.pk).name == name + "父"
    assert Child.objects.filter(name__contains=name[:1]).get() == child
