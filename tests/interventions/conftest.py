"""A crafted county calendar for the cadence tests.

County "青山县": the second semester of 2025-2026 runs 23 Feb – 10 Jul 2026, the first of
2026-2027 runs 1 Sep 2026 – 22 Jan 2027. National Day: holidays Thu 1, Fri 2 and
Mon 5 – Fri 9 October 2026, so the week of 5–11 October has no teaching day.
"""

import datetime
from types import SimpleNamespace

import pytest

from interventions.models import Period, Responsible, StandardCode
from registry.models import EntryKind, RegistryEpisode, TermDay
from tests import factories
from tests.interventions.factories import CareStandardFactory, ContactLogFactory

D = datetime.date


def make_county(name="青山县"):
    county = factories.CountyFactory(name=name)
    school = factories.SchoolFactory(township=factories.TownshipFactory(county=county))
    classroom = factories.ClassroomFactory(school=school)
    return SimpleNamespace(county=county, school=school, classroom=classroom,
                           teacher=classroom.homeroom_teacher)


def add_term(county, start, end, *, semester=1, school_year="2026-2027", holidays=(),
             makeups=()):
    term = factories.TermFactory(county=county, start_date=start, end_date=end,
                                 semester=semester, school_year=school_year)
    for day in holidays:
        TermDay.objects.create(term=term, date=day, kind=TermDay.Kind.HOLIDAY)
    for day in makeups:
        TermDay.objects.create(term=term, date=day, kind=TermDay.Kind.MAKEUP)
    return term


def add_child(place, *episodes):
    """A child of ``place`` with registry episodes ``(entered, exited or None)``."""
    child = factories.ChildFactory(classroom=place.classroom, episode=False)
    for entered, exited in episodes:
        RegistryEpisode.objects.create(
            child=child, school=place.school, entry_kind=EntryKind.REGISTERED,
            entered_on=entered, exited_on=exited, exit_reason="graduated" if exited else "",
            opened_by=place.teacher,
        )
    return child


def log(child, code, day, **kwargs):
    return ContactLogFactory(child=child, standard=code, happened_on=day, **kwargs)


NATIONAL_DAY = [D(2026, 10, 1), D(2026, 10, 2)] + [D(2026, 10, d) for d in range(5, 10)]


@pytest.fixture
def qingshan(db):
    """The crafted county with one standard of each period kind."""
    place = make_county()
    add_term(place.county, D(2026, 2, 23), D(2026, 7, 10), semester=2,
             school_year="2025-2026")
    place.term = add_term(place.county, D(2026, 9, 1), D(2027, 1, 22), holidays=NATIONAL_DAY)
    for code, period, responsible, in_holidays in [
        (StandardCode.WEEKLY_TALK, Period.WEEK, Responsible.HOMEROOM, False),
        (StandardCode.HOME_VISIT, Period.MONTH, Responsible.SURROGATE, True),
        (StandardCode.FAMILY_CONTACT, Period.MONTH, Responsible.HOMEROOM, True),
        (StandardCode.SEMESTER_REPORT, Period.SEMESTER, Responsible.HOMEROOM, False),
        (StandardCode.FESTIVAL, Period.YEAR, Responsible.MENTOR, True),
    ]:
        CareStandardFactory(county=place.county, code=code, period=period,
                            responsible=responsible, applies_in_holidays=in_holidays)
    return place
