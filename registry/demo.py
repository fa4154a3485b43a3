"""The date-dependent part of the demo county: this school year's terms with their
holidays and make-up days, built around today so the demo is always current."""

from datetime import date, timedelta

from registry import services
from registry.models import Classroom, County, Term, TermDay
from registry.selectors import current_school_year

DEMO_PASSWORD = "guanai2026"  # noqa: S105 - the documented demo password

# (username, role description, what the login lands on); printed by `manage.py demo`.
DEMO_LOGINS = [
    ("teacher1", "homeroom teacher, 城关镇中心小学 (school A)", "my classes"),
    ("teacher2", "homeroom teacher, 石桥镇初级中学 (school B)", "my classes"),
    ("principal1", "school admin, 城关镇中心小学 (school A)", "the school page"),
    ("principal2", "school admin, 石桥镇初级中学 (school B)", "the school page"),
    ("township1", "township central school, 城关镇", "the township's schools"),
    ("bureau1", "county education bureau, 青山县 (county 1)", "the county's schools"),
    ("bureau2", "county education bureau, 白水县 (county 2)", "the county's schools"),
    ("admin", "superuser", "all schools, and the admin"),
]


def _weekdays(first, last):
    day = first
    while day <= last:
        if day.weekday() < 5:
            yield day
        day += timedelta(days=1)


def _nearest_weekend_day(day, step):
    while day.weekday() < 5:
        day += timedelta(days=step)
    return day


def term_plan(school_year):
    """The two semesters of a school year with their special days, as in a typical
    county calendar: (semester, start, end, [(date, kind, name), ...])."""
    start_year = int(school_year[:4])
    y1, y2 = start_year, start_year + 1
    first = [
        *((d, TermDay.Kind.HOLIDAY, "国庆节") for d in _weekdays(date(y1, 10, 1), date(y1, 10, 7))),
        (_nearest_weekend_day(date(y1, 9, 30), -1), TermDay.Kind.MAKEUP, "国庆调休"),
        (_nearest_weekend_day(date(y1, 10, 8), 1), TermDay.Kind.MAKEUP, "国庆调休"),
        *((d, TermDay.Kind.HOLIDAY, "元旦") for d in _weekdays(date(y2, 1, 1), date(y2, 1, 1))),
    ]
    second = [
        *((d, TermDay.Kind.HOLIDAY, "清明节") for d in _weekdays(date(y2, 4, 4), date(y2, 4, 6))),
        *((d, TermDay.Kind.HOLIDAY, "劳动节") for d in _weekdays(date(y2, 5, 1), date(y2, 5, 5))),
        (_nearest_weekend_day(date(y2, 4, 30), -1), TermDay.Kind.MAKEUP, "劳动节调休"),
    ]
    return [
        (1, date(y1, 9, 1), date(y2, 1, 23), first),
        (2, date(y2, 2, 23), date(y2, 7, 10), second),
    ]


def build_terms(county, school_year):
    for semester, start, end, days in term_plan(school_year):
        key = {"county": county, "school_year": school_year, "semester": semester}
        term = Term.objects.filter(**key).first() or Term(**key)
        term.start_date, term.end_date = start, end
        services.term_save(term=term)
        term.special_days.all().delete()
        for day, kind, name in days:
            services.term_day_save(term_day=TermDay(term=term, date=day, kind=kind, name=name))


def build_demo(today=None):
    """Bring the loaded demo fixture up to ``today``'s school year."""
    school_year = current_school_year(today)
    Classroom.objects.exclude(school_year=school_year).update(school_year=school_year)
    for county in County.objects.all():
        build_terms(county, school_year)
    return school_year
