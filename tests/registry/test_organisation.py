"""The organisation's invariants: constraints in the database, rules in the services."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from registry import services
from registry.models import Classroom, Term, TermDay
from tests import factories

pytestmark = pytest.mark.django_db


def test_school_code_is_unique_within_a_county_only():
    school = factories.SchoolFactory(code="X1")
    factories.SchoolFactory(code="X1")  # another county: fine
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.SchoolFactory(code="X1", township=school.township)


def test_school_township_must_be_in_its_county():
    school = factories.SchoolFactory()
    school.township = factories.TownshipFactory()
    with pytest.raises(ValidationError) as exc:
        school.full_clean()
    assert "township" in exc.value.message_dict


@pytest.mark.parametrize("grade", [0, 10])
def test_classroom_grade_outside_1_to_9_is_refused_by_the_database(grade):
    classroom = factories.ClassroomFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Classroom.objects.filter(pk=classroom.pk).update(grade=grade)


def test_classroom_is_unique_per_school_year_grade_and_number():
    classroom = factories.ClassroomFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.ClassroomFactory(
            school=classroom.school, grade=classroom.grade, number=classroom.number
        )


def test_classroom_grade_must_be_taught_by_the_school():
    classroom = factories.ClassroomFactory.build(
        school=factories.SchoolFactory(stage="junior"), grade=3, homeroom_teacher=None
    )
    with pytest.raises(ValidationError) as exc:
        classroom.full_clean()
    assert "grade" in exc.value.message_dict


def test_homeroom_teacher_must_teach_at_the_school():
    classroom = factories.ClassroomFactory()
    classroom.homeroom_teacher = factories.TeacherFactory()  # another school
    with pytest.raises(ValidationError) as exc:
        classroom.full_clean()
    assert "homeroom_teacher" in exc.value.message_dict


def test_school_year_must_be_two_consecutive_years():
    classroom = factories.ClassroomFactory()
    classroom.school_year = "2026-2028"
    with pytest.raises(ValidationError) as exc:
        classroom.full_clean()
    assert "school_year" in exc.value.message_dict


def _term(county, start, end, semester=1, school_year="2026-2027"):
    return Term(
        county=county, school_year=school_year, semester=semester, start_date=start, end_date=end
    )


def test_term_service_refuses_overlap_within_a_county():
    county = factories.CountyFactory()
    services.term_save(term=_term(county, date(2026, 9, 1), date(2027, 1, 23)))
    with pytest.raises(ValidationError) as exc:
        services.term_save(
            term=_term(county, date(2027, 1, 23), date(2027, 7, 10), semester=2)
        )
    error = exc.value.error_dict["__all__"][0]
    assert error.code == "term_overlap"
    assert "重叠" in error.messages[0]
    assert Term.objects.count() == 1


def test_terms_of_different_counties_may_overlap():
    services.term_save(term=_term(factories.CountyFactory(), date(2026, 9, 1), date(2027, 1, 23)))
    services.term_save(term=_term(factories.CountyFactory(), date(2026, 9, 1), date(2027, 1, 23)))
    assert Term.objects.count() == 2


def test_adjacent_terms_do_not_overlap():
    county = factories.CountyFactory()
    services.term_save(term=_term(county, date(2026, 9, 1), date(2027, 1, 23)))
    services.term_save(term=_term(county, date(2027, 1, 24), date(2027, 7, 10), semester=2))
    assert Term.objects.filter(county=county).count() == 2


def test_editing_a_term_does_not_clash_with_itself():
    county = factories.CountyFactory()
    term = services.term_save(term=_term(county, date(2026, 9, 1), date(2027, 1, 23)))
    term.end_date = date(2027, 1, 30)
    services.term_save(term=term)
    term.refresh_from_db()
    assert term.end_date == date(2027, 1, 30)


def test_term_must_end_after_it_starts_in_the_database():
    county = factories.CountyFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Term.objects.create(
            county=county, school_year="2026-2027", semester=1,
            start_date=date(2026, 9, 1), end_date=date(2026, 8, 1),
        )


@pytest.mark.skipif(connection.vendor != "postgresql", reason="exclusion constraints: PostgreSQL")
def test_postgresql_refuses_overlapping_terms_written_past_the_service():
    county = factories.CountyFactory()
    Term.objects.create(
        county=county, school_year="2026-2027", semester=1,
        start_date=date(2026, 9, 1), end_date=date(2027, 1, 23),
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Term.objects.create(
            county=county, school_year="2026-2027", semester=2,
            start_date=date(2027, 1, 1), end_date=date(2027, 7, 10),
        )


def test_term_day_must_fall_inside_its_term():
    term = services.term_save(
        term=_term(factories.CountyFactory(), date(2026, 9, 1), date(2027, 1, 23))
    )
    with pytest.raises(ValidationError):
        services.term_day_save(
            term_day=TermDay(term=term, date=date(2027, 2, 1), kind=TermDay.Kind.HOLIDAY)
        )
    services.term_day_save(
        term_day=TermDay(term=term, date=date(2026, 10, 1), kind=TermDay.Kind.HOLIDAY)
    )
    assert list(term.special_days.values_list("date", flat=True)) == [date(2026, 10, 1)]
