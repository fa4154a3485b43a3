"""The cadence engine on crafted calendars: one test per calendar rule."""

import datetime

from interventions import cadence
from interventions.cadence import DUE, MET, NOT_OWED, OVERDUE, compliance, standard_states
from interventions.models import CareStandard, Period, Responsible, StandardCode
from registry.models import TermDay
from tests.interventions.conftest import D, add_child, add_term, log, make_county
from tests.interventions.factories import CareStandardFactory

TALK = StandardCode.WEEKLY_TALK
VISIT = StandardCode.HOME_VISIT
FAMILY = StandardCode.FAMILY_CONTACT
REPORT = StandardCode.SEMESTER_REPORT
FESTIVAL = StandardCode.FESTIVAL
SEPT_1 = (D(2026, 9, 1), None)


def state_of(child, on, code, today=None):
    return standard_states([child.pk], on, today=today or on)[child.pk][code]


# --- Periods ---------------------------------------------------------------------------


def test_a_week_runs_monday_to_sunday(qingshan):
    child = add_child(qingshan, SEPT_1)
    log(child, TALK, D(2026, 9, 6))  # Sunday of the week before
    state = state_of(child, D(2026, 9, 9), TALK)
    assert state.period == (D(2026, 9, 7), D(2026, 9, 13))
    assert (state.state, state.count, state.needed) == (DUE, 0, 1)
    log(child, TALK, D(2026, 9, 13))  # Sunday of this week
    assert state_of(child, D(2026, 9, 9), TALK).state == MET


def test_months_years_and_semesters_are_calendar_months_years_and_terms(qingshan):
    child = add_child(qingshan, SEPT_1)
    states = standard_states([child.pk], D(2026, 10, 20), today=D(2026, 10, 20))[child.pk]
    assert states[VISIT].period == (D(2026, 10, 1), D(2026, 10, 31))
    assert states[FESTIVAL].period == (D(2026, 1, 1), D(2026, 12, 31))
    assert states[REPORT].period == (D(2026, 9, 1), D(2027, 1, 22))


def test_the_national_day_week_owes_no_talk(qingshan):
    child = add_child(qingshan, SEPT_1)
    state = state_of(child, D(2026, 10, 7), TALK)
    assert state.period == (D(2026, 10, 5), D(2026, 10, 11))
    assert (state.state, state.count) == (NOT_OWED, 0)
    # The week before still has Mon–Wed as teaching days (overdue: 21–27 Sep unmet).
    assert state_of(child, D(2026, 10, 1), TALK).state == OVERDUE


def test_a_make_up_saturday_makes_the_week_owe_a_talk(qingshan):
    TermDay.objects.create(term=qingshan.term, date=D(2026, 10, 10), kind=TermDay.Kind.MAKEUP)
    child = add_child(qingshan, SEPT_1)
    # Owed, and overdue since the week of 28 Sep – 4 Oct ended unmet.
    assert state_of(child, D(2026, 10, 7), TALK).state == OVERDUE


def test_a_week_in_the_summer_holiday_owes_no_talk_nor_report(qingshan):
    child = add_child(qingshan, (D(2026, 3, 1), None))
    states = standard_states([child.pk], D(2026, 8, 12), today=D(2026, 8, 12))[child.pk]
    assert states[TALK].state == NOT_OWED
    assert states[REPORT].state == NOT_OWED
    assert states[REPORT].period is None
    # Standards that apply in holidays are owed in every period.
    assert states[VISIT].state in (DUE, OVERDUE)
    assert states[FESTIVAL].state == DUE


def test_a_month_wholly_in_the_summer_holiday_owes_no_term_only_standard(qingshan):
    CareStandard.objects.filter(county=qingshan.county, code=FAMILY).update(
        applies_in_holidays=False
    )
    child = add_child(qingshan, (D(2026, 3, 1), None))
    assert state_of(child, D(2026, 8, 12), FAMILY).state == NOT_OWED
    # July has teaching days up to the 10th (overdue: June ended unmet).
    assert state_of(child, D(2026, 7, 20), FAMILY).state == OVERDUE
    result = compliance([child.pk], D(2026, 7, 1), D(2026, 9, 30))
    assert result.per_child[child.pk][FAMILY] == (0, 2)  # July and September
    assert result.per_child[child.pk][VISIT] == (0, 3)


def test_semester_and_year_standards(qingshan):
    child = add_child(qingshan, (D(2026, 3, 1), None))
    log(child, REPORT, D(2026, 6, 30))
    log(child, FESTIVAL, D(2026, 8, 20))  # in the holidays: the festival applies there
    result = compliance([child.pk], D(2026, 1, 1), D(2026, 12, 31))
    # Only the term ending 10 July ends in 2026; the autumn term ends in January 2027.
    assert result.per_child[child.pk][REPORT] == (1, 1)
    assert result.per_child[child.pk][FESTIVAL] == (1, 1)
    assert compliance([child.pk], D(2027, 1, 1), D(2027, 1, 31)).per_child[child.pk][
        REPORT
    ] == (0, 1)


# --- Registry episodes -----------------------------------------------------------------


def test_a_child_entering_mid_week_owes_the_week_if_a_teaching_day_remains(qingshan):
    thursday = add_child(qingshan, (D(2026, 9, 10), None))
    saturday = add_child(qingshan, (D(2026, 9, 12), None))
    national_day = add_child(qingshan, (D(2026, 10, 1), None))  # Thu 1 and Fri 2 are holidays
    assert state_of(thursday, D(2026, 9, 10), TALK).state == DUE
    assert state_of(saturday, D(2026, 9, 12), TALK).state == NOT_OWED
    assert state_of(saturday, D(2026, 9, 14), TALK).state == DUE
    assert state_of(national_day, D(2026, 10, 1), TALK).state == NOT_OWED
    # Nothing before the entry is owed, and a talk of the entry week counts whenever made.
    assert state_of(thursday, D(2026, 9, 3), TALK).state == NOT_OWED
    log(thursday, TALK, D(2026, 9, 8))
    assert state_of(thursday, D(2026, 9, 10), TALK).state == MET


def test_a_child_leaving_mid_month_owes_that_month_and_nothing_after(qingshan):
    child = add_child(qingshan, (D(2026, 9, 1), D(2026, 10, 15)))
    assert state_of(child, D(2026, 10, 20), VISIT).state == OVERDUE  # September unmet
    log(child, VISIT, D(2026, 9, 20))
    assert state_of(child, D(2026, 10, 20), VISIT).state == DUE
    assert state_of(child, D(2026, 10, 20), TALK).state == NOT_OWED  # week of 19–25
    assert state_of(child, D(2026, 11, 5), VISIT).state == NOT_OWED
    result = compliance([child.pk], D(2026, 10, 1), D(2026, 12, 31))
    assert result.per_child[child.pk][VISIT] == (0, 1)
    # Weeks ending 4 Oct (owed), 11 Oct (National Day), 18 Oct (owed, left on Thu 15).
    assert result.per_child[child.pk][TALK] == (0, 2)


def test_several_episodes_with_a_gap(qingshan):
    child = add_child(qingshan, (D(2026, 9, 1), D(2026, 9, 11)), (D(2026, 10, 12), None))
    for day in (D(2026, 9, 2), D(2026, 10, 14)):
        log(child, TALK, day)
    result = compliance([child.pk], D(2026, 9, 1), D(2026, 10, 31))
    # Weeks ending 6 and 13 Sep (first episode), 18 and 25 Oct (second): 4 owed, 2 met.
    assert result.per_child[child.pk][TALK] == (2, 4)
    assert state_of(child, D(2026, 9, 23), TALK).state == NOT_OWED
    # September and October both owe a visit; November too.
    assert compliance([child.pk], D(2026, 9, 1), D(2026, 11, 30)).per_child[child.pk][
        VISIT
    ] == (0, 3)


def test_a_child_with_no_episode_owes_nothing(qingshan):
    child = add_child(qingshan)
    states = standard_states([child.pk], D(2026, 9, 9), today=D(2026, 9, 9))[child.pk]
    assert {s.state for s in states.values()} == {NOT_OWED}
    assert compliance([child.pk], D(2026, 1, 1), D(2026, 12, 31)).per_child[child.pk] == {}


# --- What meets a standard ---------------------------------------------------------------


def test_two_contacts_needed(qingshan):
    CareStandard.objects.filter(county=qingshan.county, code=VISIT).update(contacts_needed=2)
    child = add_child(qingshan, SEPT_1)
    log(child, VISIT, D(2026, 9, 3))
    state = state_of(child, D(2026, 9, 20), VISIT)
    assert (state.state, state.count, state.needed) == (DUE, 1, 2)
    log(child, VISIT, D(2026, 9, 30))
    assert state_of(child, D(2026, 9, 20), VISIT).state == MET


def test_an_edit_from_the_current_month_on_leaves_last_months_rule(qingshan):
    CareStandard.objects.filter(county=qingshan.county, code=VISIT).update(
        valid_until=D(2026, 9, 30)
    )
    CareStandardFactory(county=qingshan.county, code=VISIT, period=Period.MONTH,
                        responsible=Responsible.SURROGATE, applies_in_holidays=True,
                        contacts_needed=2, valid_from=D(2026, 10, 1))
    child = add_child(qingshan, SEPT_1)
    log(child, VISIT, D(2026, 9, 10))
    log(child, VISIT, D(2026, 10, 10))
    september = state_of(child, D(2026, 9, 20), VISIT, today=D(2026, 10, 20))
    october = state_of(child, D(2026, 10, 20), VISIT)
    assert (september.state, september.needed) == (MET, 1)
    assert (september.count, september.period) == (1, (D(2026, 9, 1), D(2026, 9, 30)))
    assert (october.state, october.count, october.needed) == (DUE, 1, 2)
    assert compliance([child.pk], D(2026, 9, 1), D(2026, 10, 31)).per_child[child.pk][
        VISIT
    ] == (1, 2)


def test_a_standard_without_a_version_at_the_period_start_is_not_owed(qingshan):
    CareStandardFactory(county=qingshan.county, code=StandardCode.GUARDIAN_CONTACT,
                        period=Period.MONTH, applies_in_holidays=True,
                        valid_from=D(2026, 10, 1))
    child = add_child(qingshan, SEPT_1)
    code = StandardCode.GUARDIAN_CONTACT
    assert state_of(child, D(2026, 9, 20), code).state == NOT_OWED
    assert state_of(child, D(2026, 10, 20), code).state == DUE


def test_other_logs_count_for_nothing(qingshan):
    child = add_child(qingshan, SEPT_1)
    log(child, "other", D(2026, 9, 2))
    log(child, FAMILY, D(2026, 9, 2))  # counts toward the family contact only
    states = standard_states([child.pk], D(2026, 9, 3), today=D(2026, 9, 3))[child.pk]
    assert "other" not in states
    assert (states[TALK].state, states[TALK].count, states[TALK].last_contact) == (
        DUE, 0, None
    )
    assert (states[FAMILY].state, states[FAMILY].count) == (MET, 1)


def test_a_contact_by_anyone_counts(qingshan):
    child = add_child(qingshan, SEPT_1)
    other_teacher = make_county("白水县").teacher
    log(child, TALK, D(2026, 9, 8), author=other_teacher)
    assert state_of(child, D(2026, 9, 9), TALK).state == MET


def test_last_contact_is_the_latest_on_or_before_the_day_in_any_period(qingshan):
    child = add_child(qingshan, SEPT_1)
    for day in (D(2026, 9, 2), D(2026, 9, 20), D(2026, 10, 20)):
        log(child, TALK, day)
    state = state_of(child, D(2026, 10, 7), TALK)
    assert state.last_contact == D(2026, 9, 20)
    assert state.state == NOT_OWED
    assert state_of(child, D(2026, 9, 20), TALK).last_contact == D(2026, 9, 20)
    assert state_of(child, D(2026, 9, 1), TALK).last_contact is None


# --- Overdue ---------------------------------------------------------------------------


def test_overdue_when_the_previous_owed_week_ended_unmet(qingshan):
    child = add_child(qingshan, SEPT_1)
    assert state_of(child, D(2026, 9, 16), TALK).state == OVERDUE  # 7–13 Sep unmet
    log(child, TALK, D(2026, 9, 8))
    assert state_of(child, D(2026, 9, 16), TALK).state == DUE
    log(child, TALK, D(2026, 9, 16))
    assert state_of(child, D(2026, 9, 16), TALK).state == MET


def test_a_previous_period_that_owed_nothing_carries_nothing_over(qingshan):
    child = add_child(qingshan, SEPT_1)
    # The week before 12–18 Oct is the National Day week, which owed nothing.
    assert state_of(child, D(2026, 10, 14), TALK).state == DUE
    # A child who entered this week owed nothing last week.
    newcomer = add_child(qingshan, (D(2026, 9, 14), None))
    assert state_of(newcomer, D(2026, 9, 16), TALK).state == DUE


def test_a_period_that_has_ended_unmet_is_overdue(qingshan):
    child = add_child(qingshan, SEPT_1)
    log(child, TALK, D(2026, 9, 3))  # the week before is met
    on = D(2026, 9, 9)
    assert state_of(child, on, TALK, today=on).state == DUE
    assert state_of(child, on, TALK, today=D(2026, 9, 13)).state == DUE
    assert state_of(child, on, TALK, today=D(2026, 9, 14)).state == OVERDUE


def test_a_semester_is_overdue_when_the_previous_term_ended_unmet(qingshan):
    child = add_child(qingshan, (D(2026, 3, 1), None))
    assert state_of(child, D(2026, 9, 10), REPORT).state == OVERDUE
    log(child, REPORT, D(2026, 7, 1))
    assert state_of(child, D(2026, 9, 10), REPORT).state == DUE


# --- Counties --------------------------------------------------------------------------


def test_children_of_two_counties_each_use_their_own_calendar_and_standards(qingshan):
    other = make_county("白水县")
    add_term(other.county, D(2026, 9, 14), D(2027, 1, 29))  # starts a week later
    CareStandardFactory(county=other.county, code=TALK, period=Period.WEEK,
                        contacts_needed=2)
    mine, theirs = add_child(qingshan, SEPT_1), add_child(other, SEPT_1)
    log(mine, TALK, D(2026, 9, 15))
    log(theirs, TALK, D(2026, 9, 15))
    first = standard_states([mine.pk, theirs.pk], D(2026, 9, 9), today=D(2026, 9, 9))
    assert first[mine.pk][TALK].state == OVERDUE  # 31 Aug – 6 Sep ended unmet
    assert first[theirs.pk][TALK].state == NOT_OWED
    assert set(first[theirs.pk]) == {TALK}  # the other county keeps only the talk
    second = standard_states([mine.pk, theirs.pk], D(2026, 9, 16), today=D(2026, 9, 16))
    assert (second[mine.pk][TALK].state, second[mine.pk][TALK].needed) == (MET, 1)
    assert (second[theirs.pk][TALK].state, second[theirs.pk][TALK].needed) == (DUE, 2)


# --- Compliance over a range -------------------------------------------------------------


def test_compliance_counts_the_periods_that_end_in_the_range(qingshan):
    child = add_child(qingshan, SEPT_1)
    log(child, TALK, D(2026, 9, 29))  # week 28 Sep – 4 Oct, which ends in October
    log(child, TALK, D(2026, 10, 27))  # week 26 Oct – 1 Nov, which ends in November
    october = compliance([child.pk], D(2026, 10, 1), D(2026, 10, 31))
    # Weeks ending 4, 11 (National Day: not owed), 18 and 25 October.
    assert october.per_child[child.pk][TALK] == (1, 3)
    assert october.rate(TALK, child.pk) == 1 / 3
    september = compliance([child.pk], D(2026, 9, 1), D(2026, 9, 30))
    both = compliance([child.pk], D(2026, 9, 1), D(2026, 10, 31))
    assert september.per_child[child.pk][TALK] == (0, 4)  # weeks ending 6, 13, 20, 27
    assert both.per_child[child.pk][TALK] == (1, 7)
    november = compliance([child.pk], D(2026, 11, 1), D(2026, 11, 30))
    assert november.per_child[child.pk][TALK][0] == 1


def test_compliance_totals_and_sums(qingshan):
    a, b, c = (add_child(qingshan, SEPT_1) for _ in range(3))
    log(a, VISIT, D(2026, 9, 5))
    log(a, VISIT, D(2026, 10, 5))
    log(b, VISIT, D(2026, 10, 5))
    result = compliance([a.pk, b.pk, c.pk], D(2026, 9, 1), D(2026, 10, 31))
    assert result.totals[VISIT] == (3, 6)
    assert result.summed([a.pk, b.pk])[VISIT] == (3, 4)
    assert result.rate(VISIT) == 0.5
    assert result.rate(StandardCode.GUARDIAN_CONTACT) is None


def test_a_queryset_of_children_works_like_ids(qingshan):
    child = add_child(qingshan, SEPT_1)
    from registry.models import Child

    by_qs = standard_states(Child.objects.filter(pk=child.pk), D(2026, 9, 9),
                            today=D(2026, 9, 9))
    assert by_qs == standard_states([child.pk], D(2026, 9, 9), today=D(2026, 9, 9))


# --- Who is responsible ------------------------------------------------------------------


def test_responsibility(qingshan):
    from tests.factories import TeacherFactory
    from tests.interventions.factories import PairingFactory

    paired, unpaired = add_child(qingshan, SEPT_1), add_child(qingshan, SEPT_1)
    mentor = TeacherFactory(school=qingshan.school)
    surrogate = TeacherFactory(school=qingshan.school)
    PairingFactory(child=paired, kind="mentor", staff=mentor)
    PairingFactory(child=paired, kind="surrogate", staff=surrogate)
    on = D(2026, 9, 9)
    people = cadence.responsibles([paired.pk, unpaired.pk], on=on)
    assert people[paired.pk][TALK] == {qingshan.teacher.pk, mentor.pk}
    assert people[paired.pk][FESTIVAL] == {mentor.pk}
    assert people[paired.pk][VISIT] == {surrogate.pk}
    assert people[paired.pk][FAMILY] == {qingshan.teacher.pk}
    assert people[unpaired.pk][TALK] == {qingshan.teacher.pk}
    assert people[unpaired.pk][FESTIVAL] == {qingshan.teacher.pk}
    assert people[unpaired.pk][VISIT] == {qingshan.teacher.pk}
    assert cadence.responsible_for([paired.pk, unpaired.pk], mentor, on=on) == {
        paired.pk: {TALK, FESTIVAL}, unpaired.pk: set(),
    }
    # Before the pairing started, it falls to the homeroom teacher.
    before = cadence.responsibles([paired.pk], on=D(2026, 8, 31))
    assert before[paired.pk][FESTIVAL] == {qingshan.teacher.pk}


def test_states_default_today_is_the_local_date(qingshan, monkeypatch):
    child = add_child(qingshan, SEPT_1)
    monkeypatch.setattr(cadence.timezone, "localdate", lambda: datetime.date(2026, 9, 14))
    assert standard_states([child.pk], D(2026, 9, 9))[child.pk][TALK].state == OVERDUE


def test_compliance_period_by_period_sums_to_the_totals(qingshan):
    """Two children over September 2026: each week's (met, owed) over both, and the
    weeks add up to the totals."""
    one = add_child(qingshan, (D(2026, 3, 1), None))
    two = add_child(qingshan, (D(2026, 9, 9), None))
    log(one, StandardCode.WEEKLY_TALK, D(2026, 9, 1))
    log(one, StandardCode.WEEKLY_TALK, D(2026, 9, 8))
    log(two, StandardCode.WEEKLY_TALK, D(2026, 9, 10))
    result = compliance([one.pk, two.pk], D(2026, 9, 1), D(2026, 9, 30))
    weeks = result.by_period[StandardCode.WEEKLY_TALK]
    assert weeks[(D(2026, 8, 31), D(2026, 9, 6))] == (1, 1)
    assert weeks[(D(2026, 9, 7), D(2026, 9, 13))] == (2, 2)
    assert weeks[(D(2026, 9, 14), D(2026, 9, 20))] == (0, 2)
    assert list(weeks) == sorted(weeks)
    assert tuple(map(sum, zip(*weeks.values(), strict=True))) == result.totals[
        StandardCode.WEEKLY_TALK]


def test_compliance_as_of_owes_only_the_periods_begun(qingshan):
    """Read on Wednesday 16 September over the whole term: the weeks so far (this one
    included) are owed, the weeks to come are not."""
    child = add_child(qingshan, (D(2026, 3, 1), None))
    log(child, StandardCode.WEEKLY_TALK, D(2026, 9, 2))
    whole = compliance([child.pk], D(2026, 9, 1), D(2027, 1, 22))
    so_far = compliance([child.pk], D(2026, 9, 1), D(2027, 1, 22), as_of=D(2026, 9, 16))
    assert so_far.totals[StandardCode.WEEKLY_TALK] == (1, 3)
    assert whole.totals[StandardCode.WEEKLY_TALK][1] > 3
