"""The reports' one source of numbers, on the county with known facts (conftest):
exact figures of the status sheet and the summary, totals that are the sums of their
rows, and agreement with the teacher's week."""

import pytest
from django.utils import timezone

from interventions.models import Concern
from interventions.week import teacher_week
from registry.models import EntryKind, ExitReason, RegistryEpisode, School
from reports.figures import OVERDUE_ANY, _made_at, county_summary, status_sheet
from reports.periods import parse_period, week_period
from tests.interventions.factories import ConcernFactory
from tests.reports.conftest import TALK, monday

pytestmark = pytest.mark.django_db


def week():
    return week_period(timezone.localdate())


def sheet(known, user=None, school=None, **filters):
    return status_sheet(user or known.admin_a, school or known.school_a, week(), filters)


def test_the_status_sheet_has_one_row_per_child_on_the_registry(known):
    k = known.kids
    rows = {row.child.pk: row for row in sheet(known).rows}
    assert set(rows) == {k.a1.pk, k.a2.pk, k.a4.pk}
    a1, a2, a4 = rows[k.a1.pk], rows[k.a2.pk], rows[k.a4.pk]
    assert (a1.cells[TALK].met, a1.cells[TALK].owed, a1.cells[TALK].overdue) == (1, 1, False)
    # a2 missed last week too: overdue now; a4 talked last week: only due.
    assert (a2.cells[TALK].met, a2.cells[TALK].owed, a2.cells[TALK].overdue) == (0, 1, True)
    assert (a4.cells[TALK].met, a4.cells[TALK].owed, a4.cells[TALK].overdue) == (0, 1, False)
    assert a1.last_talk == monday() and a2.last_talk is None
    assert [c.value for c in a1.categories] == ["both_away"]
    assert a1.child.five_clear_count == 5 and a1.child.mentor_name == known.teacher_a.real_name
    assert a2.child.surrogate_name == known.admin_a.real_name
    assert a4.child.serious_concern and a4.child.open_concerns == 1


@pytest.mark.parametrize("filters, expected", [
    ({"unpaired": True}, {"a2", "a4"}),
    ({"concern": True}, {"a4"}),
    ({"overdue": OVERDUE_ANY}, {"a2"}),
    ({"overdue": TALK}, {"a2"}),
    ({"category": "single_parent"}, {"a2"}),
    ({"category": "both_away"}, {"a1"}),
    ({"incomplete": True}, {"a2", "a4"}),
    ({"grade": 8}, {"a4"}),
])
def test_the_status_sheet_filters(known, filters, expected):
    names = {getattr(known.kids, key).pk: key for key in ("a1", "a2", "a4")}
    assert {names[row.child.pk] for row in sheet(known, **filters).rows} == expected


def test_the_changes_panel_lists_this_months_entries_and_exits(known):
    changes = status_sheet(known.admin_b, known.school_b, week()).changes
    if monday() >= changes.start:  # the week's Monday is in the panel's month
        assert [e.child for e in changes.registered] == [known.kids.c2]
    changes = sheet(known).changes
    if monday() >= changes.start:
        assert [e.child for e in changes.exited] == [known.kids.a3]


def figures_of(summary):
    return {line.school.pk: line.figures for line in summary.school_lines}


def test_the_county_summary_has_the_exact_figures(known):
    summary = county_summary(known.bureau1, School.objects.for_user(known.bureau1), week())
    by_school = figures_of(summary)
    a, a2, b = (by_school[known.school_a.pk], by_school[known.school_a2.pk],
                by_school[known.school_b.pk])
    assert (a.pupils, a.registered, a.boys, a.girls, a.primary, a.junior, a.boarding) == (
        100, 3, 1, 2, 2, 1, 1)
    assert (a.five_clear, a.with_mentor, a.with_surrogate) == (1, 1, 1)
    assert {k: v for k, v in a.categories.items() if v} == {
        "both_away": 1, "single_parent": 1, "hardship": 1}
    assert a.compliance[TALK] == (1, 3)
    assert (a.open_concerns, a.serious_concerns, a.entries, a.exits) == (1, 1, 0, 1)
    assert (a2.registered, a2.boys, a2.compliance[TALK], a2.open_concerns) == (1, 1, (1, 1), 1)
    assert {k: v for k, v in a2.categories.items() if v} == {"abandoned": 1}
    assert (b.registered, b.girls, b.compliance[TALK], b.entries) == (2, 2, (0, 2), 1)
    assert a.share == 0.03 and a.rate(TALK) == pytest.approx(1 / 3)

    assert [group.township for group in summary.townships] == [known.t1, known.t2]
    t1, t2 = summary.townships
    assert [line.school for line in t1.schools] == sorted(
        [known.school_a, known.school_a2], key=lambda s: s.code)
    assert (t1.subtotal.registered, t1.subtotal.compliance[TALK]) == (4, (2, 4))
    assert (t2.subtotal.registered, t2.subtotal.compliance[TALK]) == (2, (0, 2))
    total = summary.total
    assert (total.pupils, total.registered, total.compliance[TALK]) == (230, 6, (2, 6))
    assert (total.open_concerns, total.serious_concerns, total.entries, total.exits) == (
        2, 1, 1, 1)
    assert summary.standards == [(TALK, "每周谈心")]


def test_every_total_is_the_sum_of_its_rows(known):
    summary = county_summary(known.bureau1, School.objects.for_user(known.bureau1), week())
    for group in summary.townships + [None]:
        lines = [line.figures for line in (group.schools if group else summary.school_lines)]
        total = group.subtotal if group else summary.total
        for name in total.COUNTS:
            assert getattr(total, name) == sum(getattr(f, name) for f in lines), name
        for code, (met, owed) in total.compliance.items():
            assert met == sum(f.compliance.get(code, (0, 0))[0] for f in lines)
            assert owed == sum(f.compliance.get(code, (0, 0))[1] for f in lines)
        for category, count in total.categories.items():
            assert count == sum(f.categories.get(category, 0) for f in lines)


def test_the_township_sees_its_schools_only_and_the_figures_agree(known):
    bureau = figures_of(county_summary(known.bureau1,
                                       School.objects.for_user(known.bureau1), week()))
    township = county_summary(known.township_user,
                              School.objects.for_user(known.township_user), week())
    assert [line.school for line in township.school_lines] == [
        line.school for line in county_summary(
            known.bureau1, School.objects.filter(township=known.t1), week()).school_lines]
    for school_id, figures in figures_of(township).items():
        assert figures.as_snapshot() == bureau[school_id].as_snapshot()


def test_the_sheet_the_summary_and_the_teachers_week_agree(known):
    """Talks this week: the sheet's cells, the summary's school row and the homeroom
    teacher's progress count the same children."""
    rows = sheet(known).rows
    summary = figures_of(county_summary(known.bureau1,
                                        School.objects.for_user(known.bureau1), week()))
    met = sum(row.cells[TALK].met for row in rows)
    owed = sum(row.cells[TALK].owed for row in rows)
    assert (met, owed) == summary[known.school_a.pk].compliance[TALK]

    in_class_a = [row for row in rows if row.child.classroom_id == known.class_a.pk]
    progress = {p.code: (p.met, p.owed)
                for p in teacher_week(known.teacher_a, timezone.localdate()).progress}
    assert progress[TALK] == (sum(r.cells[TALK].met for r in in_class_a),
                              sum(r.cells[TALK].owed for r in in_class_a))


def test_a_snapshot_round_trips(known):
    summary = county_summary(known.bureau1, School.objects.for_user(known.bureau1), week())
    from reports.figures import Figures

    data = summary.total.as_snapshot()
    assert Figures.from_snapshot(data).as_snapshot() == data


def test_periods_parse_and_fall_back_to_this_week(known):
    today = timezone.localdate()
    assert parse_period("nonsense", known.county1.pk, today) == week_period(today)
    month = parse_period(f"{today:%Y-%m}", known.county1.pk, today)
    assert (month.kind, month.start, month.end.month) == ("month", today.replace(day=1),
                                                         today.month)
    assert parse_period("2999-01", known.county1.pk, today).kind == "week"
    assert parse_period("term", known.county1.pk, today).kind == "term"


@pytest.mark.parametrize("model", [Concern, RegistryEpisode])
def test_records_made_at_schools_are_those_the_access_rule_gives(known, model):
    """The summary reads concerns and episodes at its schools through ``_made_at``, which
    tests the school's area before the whole rule: the same records as ``for_user``, for
    every role and any schools, the user's or not."""
    w = known
    # a4 moves to county 2: her episode and concern at school A follow her there too.
    a4 = w.kids.a4
    RegistryEpisode.objects.filter(child=a4).update(exited_on=monday(),
                                                    exit_reason=ExitReason.TRANSFERRED_OUT)
    RegistryEpisode.objects.create(child=a4, school=w.school_c, opened_by=w.admin_c,
                                   entry_kind=EntryKind.TRANSFERRED_IN, entered_on=monday())
    a4.school, a4.classroom, a4.county = w.school_c, w.class_c, w.county2
    a4.save(update_fields=["school", "classroom", "county"])
    ConcernFactory(child=w.kids.c1, raised_by=w.teacher_b, assigned_to=w.teacher_b)
    all_schools = list(School.objects.values_list("pk", flat=True))
    for user in (w.bureau1, w.bureau2, w.township_user, w.admin_a, w.admin_c, w.teacher_a,
                 w.teacher_b, w.superuser):
        for school_ids in (all_schools, [w.school_a.pk], [w.school_c.pk],
                           list(School.objects.for_user(user).values_list("pk", flat=True))):
            expected = set(model.objects.for_user(user).filter(school_id__in=school_ids))
            assert set(_made_at(model, user, school_ids)) == expected, (user, school_ids)
