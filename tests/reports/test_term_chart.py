"""The summary's term chart with its weeks that are over kept (reports/term_chart.py): the
figures are always those of a full pass of the engine over the term, whatever changed
since the weeks were kept, and only what changed is computed again."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from interventions import cadence
from interventions.models import CareStandard, ContactLog, Period
from registry.models import EntryKind, ExitReason, RegistryEpisode, School, Term, TermDay
from reports import charts, term_chart
from reports.figures import county_summary, registry_children
from reports.models import ChartWeeks
from reports.periods import term_period, week_period
from tests import factories
from tests.interventions.factories import CareStandardFactory, ContactLogFactory
from tests.reports.conftest import TALK, monday

pytestmark = pytest.mark.django_db


def week(n):
    """The Monday ``n`` weeks before this one."""
    return monday() - datetime.timedelta(days=7 * n)


def chart_range(user):
    today = timezone.localdate()
    return charts.term_chart_range(term_period(user.home_county_id, today), today)


def summary_chart(user):
    """The chart's ``Compliance``, as the summary page computes it (this week's table)."""
    today = timezone.localdate()
    return county_summary(user, School.objects.for_user(user), week_period(today), today,
                          chart_range=chart_range(user)).chart


def full_pass(user):
    """The same, from one pass of the engine over the whole term: what it must be."""
    schools = School.objects.for_user(user)
    children = registry_children(user).filter(school__in=schools.values("pk"))
    return cadence.assess(children, ranges=[chart_range(user)]).compliance[0]


def assert_exact(user):
    chart, full = summary_chart(user), full_pass(user)
    assert chart.by_period == full.by_period
    assert chart.totals == full.totals
    return full.by_period.get(TALK, {})


@pytest.fixture
def passes(monkeypatch):
    """What each summary made of the kept weeks (``term_chart.KeptWeeks``)."""
    found = []
    prepare = term_chart.prepare

    def spy(*args, **kwargs):
        kept = prepare(*args, **kwargs)
        found.append(kept)
        return kept

    monkeypatch.setattr(term_chart, "prepare", spy)
    return found


@pytest.fixture
def term_logs(known):
    """Talks in the weeks before this one: a1 two and three weeks ago, a2 three weeks ago,
    c1 four weeks ago (besides a4 last week, and a1 and b1 this week)."""
    kids = known.kids
    for child, weeks_ago in ((kids.a1, 2), (kids.a1, 3), (kids.a2, 3), (kids.c1, 4)):
        ContactLogFactory(child=child, standard=TALK,
                          happened_on=week(weeks_ago) + datetime.timedelta(days=1))
    return known


def recomputed_from(kept):
    """The first day of the range the pass computed (``None``: nothing computed)."""
    return kept.range.start if kept.range is not None else None


def test_the_chart_is_a_full_pass_over_the_term_computed_then_read_back(term_logs, passes):
    user = term_logs.bureau1
    by_week = assert_exact(user)
    assert by_week[(week(3), week(3) + datetime.timedelta(days=6))][0] == 2  # a1 and a2
    first = passes[-1]
    assert first.kept == {} and recomputed_from(first) == chart_range(user).start
    assert ChartWeeks.objects.count() == 1
    # The next visit reads the weeks that are over back and computes this week only.
    assert_exact(user)
    second = passes[-1]
    assert len(second.kept) == len(second.weeks) > 0
    assert recomputed_from(second) == monday()


def test_each_scope_keeps_its_own_weeks(term_logs, passes):
    assert_exact(term_logs.bureau1)
    assert_exact(term_logs.township_user)  # the schools of 城关镇 only
    assert ChartWeeks.objects.count() == 2
    assert_exact(term_logs.township_user)
    assert recomputed_from(passes[-1]) == monday()


def _late_log(w):
    ContactLogFactory(child=w.kids.a2, standard=TALK,
                      happened_on=week(2) + datetime.timedelta(days=2))
    return week(2)


def _last_weeks_log(w):
    return ContactLog.objects.get(child=w.kids.a4, happened_on__lt=monday())


def _log_moved_to_another_week(w):
    log = _last_weeks_log(w)
    log.happened_on = week(4) + datetime.timedelta(days=2)
    log.save()
    return week(4)


def _log_moved_to_another_child(w):
    log = _last_weeks_log(w)
    log.child = w.kids.a3  # who has left the registry
    log.save()
    return week(1)


def _log_updated_in_bulk(w):
    # A QuerySet.update leaves updated_at as it was: the weeks are recomputed all the same.
    ContactLog.objects.filter(pk=_last_weeks_log(w).pk).update(
        happened_on=week(3) + datetime.timedelta(days=3))
    return week(3)


def _log_counted_toward_nothing(w):
    ContactLog.objects.filter(pk=_last_weeks_log(w).pk).update(standard="other")
    return week(1)


def _log_deleted(w):
    _last_weeks_log(w).delete()
    return week(1)


def _child_left_the_registry(w):
    RegistryEpisode.objects.filter(child=w.kids.a1, exited_on__isnull=True).update(
        exited_on=timezone.localdate(), exit_reason=ExitReason.PARENT_RETURNED)
    return None  # every week a1 counted in


def _back_dated_registration(w):
    child = factories.ChildFactory(classroom=w.class_a, episode=False)
    RegistryEpisode.objects.create(child=child, school=w.school_a,
                                   entry_kind=EntryKind.REGISTERED,
                                   entered_on=week(2) + datetime.timedelta(days=3),
                                   opened_by=w.admin_a)
    return week(2)


def _episode_edited(w):
    # a2 entered the registry three weeks ago, not in March.
    RegistryEpisode.objects.filter(child=w.kids.a2).update(entered_on=week(3))
    return None  # every week before


def _standard_edited(w):
    talk = CareStandard.objects.get(county=w.county1, code=TALK)
    talk.valid_until = week(2) - datetime.timedelta(days=1)
    talk.save()
    CareStandardFactory(county=w.county1, code=TALK, period=Period.WEEK, contacts_needed=2,
                        valid_from=week(2))
    return None


def _term_edited(w):
    term = Term.objects.get(county=w.county1)
    term.end_date += datetime.timedelta(days=1)
    term.save()
    return None


def _holiday_week(w):
    term = Term.objects.get(county=w.county1)
    for day in range(5):
        TermDay.objects.create(term=term, date=week(3) + datetime.timedelta(days=day),
                               kind=TermDay.Kind.HOLIDAY)
    return None


def _engine_changed(monkeypatch):
    monkeypatch.setattr(term_chart, "_CODE_DIGEST", "another engine")
    return None


CHANGES_THE_FIGURES = [
    _late_log, _log_moved_to_another_week, _log_moved_to_another_child,
    _log_updated_in_bulk, _log_counted_toward_nothing, _log_deleted,
    _child_left_the_registry, _back_dated_registration, _episode_edited, _standard_edited,
    _holiday_week,
]


@pytest.mark.parametrize("change", CHANGES_THE_FIGURES, ids=lambda f: f.__name__.strip("_"))
def test_a_change_recomputes_the_weeks_it_touches(term_logs, passes, change):
    user = term_logs.bureau1
    before = assert_exact(user)
    first_week = change(term_logs)
    after = assert_exact(user)
    assert after != before  # the change shows, as the full pass shows it
    start = recomputed_from(passes[-1])
    # Recomputed from the first week the change touches (the term's first for a change of
    # a child, the standards or the calendar), and no earlier.
    assert start == max(first_week or chart_range(user).start, chart_range(user).start)
    assert_exact(user)
    assert recomputed_from(passes[-1]) == monday()  # kept again


def test_a_change_of_the_terms_dates_recomputes_every_week(term_logs, passes):
    user = term_logs.bureau1
    assert_exact(user)
    _term_edited(term_logs)
    assert_exact(user)
    assert recomputed_from(passes[-1]) == chart_range(user).start


def test_a_change_of_the_engine_recomputes_every_week(term_logs, passes, monkeypatch):
    user = term_logs.bureau1
    assert_exact(user)
    _engine_changed(monkeypatch)
    assert_exact(user)
    assert recomputed_from(passes[-1]) == chart_range(user).start


def _registered_this_week(w):
    child = factories.ChildFactory(classroom=w.class_a, episode=False)
    RegistryEpisode.objects.create(child=child, school=w.school_a,
                                   entry_kind=EntryKind.REGISTERED,
                                   entered_on=monday(), opened_by=w.admin_a)


def _transferred_within_the_county(w):
    a2 = w.kids.a2
    moved_on = week(2) + datetime.timedelta(days=2)
    RegistryEpisode.objects.filter(child=a2).update(
        exited_on=moved_on, exit_reason=ExitReason.TRANSFERRED_OUT)
    RegistryEpisode.objects.create(child=a2, school=w.school_b,
                                   entry_kind=EntryKind.TRANSFERRED_IN,
                                   entered_on=moved_on + datetime.timedelta(days=1),
                                   opened_by=w.admin_b)
    a2.school, a2.classroom = w.school_b, w.class_b
    a2.save(update_fields=["school", "classroom"])


def _log_made_again(w):
    log = _last_weeks_log(w)
    child, day = log.child, log.happened_on
    log.delete()
    ContactLogFactory(child=child, standard=TALK, happened_on=day)


def _log_of_another_county(w):
    other = factories.ChildFactory(classroom=w.class_c)
    ContactLogFactory(child=other, standard=TALK, happened_on=week(2))


@pytest.mark.parametrize("change", [
    _registered_this_week, _transferred_within_the_county, _log_made_again,
], ids=lambda f: f.__name__.strip("_"))
def test_a_change_that_leaves_the_weeks_that_are_over_as_they_were_keeps_them(
        term_logs, passes, change):
    user = term_logs.bureau1
    assert_exact(user)
    change(term_logs)
    assert_exact(user)
    assert recomputed_from(passes[-1]) == monday()


def test_a_log_of_another_countys_child_recomputes_its_week_with_the_same_figures(
        term_logs, passes):
    # The logs are summed whoever they are about: a superset, never a miss of a change.
    user = term_logs.bureau1
    before = assert_exact(user)
    _log_of_another_county(term_logs)
    assert assert_exact(user) == before
    assert recomputed_from(passes[-1]) == week(2)


def test_a_chart_of_a_standard_that_is_not_weekly_is_computed_in_full(term_logs, passes):
    # An old version of the talk counted by month: the chart is not kept, and exact.
    talk = CareStandard.objects.get(county=term_logs.county1, code=TALK)
    talk.valid_from = week(5)
    talk.save()
    CareStandardFactory(county=term_logs.county1, code=TALK, period=Period.MONTH,
                        valid_from=datetime.date(2000, 1, 1),
                        valid_until=week(5) - datetime.timedelta(days=1))
    assert_exact(term_logs.bureau1)
    assert passes[-1] is None
    assert not ChartWeeks.objects.exists()


def test_a_kept_row_deleted_is_computed_again(term_logs, passes):
    user = term_logs.bureau1
    assert_exact(user)
    ChartWeeks.objects.all().delete()
    assert_exact(user)
    assert recomputed_from(passes[-1]) == chart_range(user).start


def test_the_week_under_way_is_the_tables(term_logs, passes):
    # On this week's summary the chart's current week comes from the table's own range.
    today = timezone.localdate()
    user = term_logs.bureau1
    assert_exact(user)
    summary = county_summary(user, School.objects.for_user(user), week_period(today), today,
                             chart_range=chart_range(user))
    this_week = (monday(), monday() + datetime.timedelta(days=6))
    assert summary.chart.by_period[TALK][this_week] == summary.total.compliance[TALK] == (2, 6)
    assert recomputed_from(passes[-1]) == monday()


def test_a_term_that_is_over_is_read_back_whole(term_logs, passes):
    term = Term.objects.get(county=term_logs.county1)
    term.end_date = week(1) + datetime.timedelta(days=2)  # last week's Wednesday
    term.save()
    user = term_logs.bureau1
    by_week = assert_exact(user)
    assert max(by_week)[1] < week(1)  # the week holding the last day ends after it
    assert_exact(user)
    assert passes[-1].range is None and len(passes[-1].kept) == len(passes[-1].weeks)


def test_a_term_that_began_this_week_has_no_week_to_keep(term_logs, passes):
    term = Term.objects.get(county=term_logs.county1)
    term.start_date = timezone.localdate()
    term.save()
    user = term_logs.bureau1
    for _visit in range(2):
        assert_exact(user)
        assert passes[-1].weeks == [] and passes[-1].range.start == term.start_date
    assert not ChartWeeks.objects.exists()


# --- The children's fingerprint ----------------------------------------------------------------


def _weeks(first, count):
    return [(first + datetime.timedelta(days=7 * n), first + datetime.timedelta(days=7 * n + 6))
            for n in range(count)]


MONDAY = datetime.date(2026, 9, 7)
WEEKS = _weeks(MONDAY, 4)


def test_a_childs_weeks_depend_on_its_days_on_the_registry_in_each_week_only():
    one = [(1, 10, 5, datetime.date(2026, 3, 1), None)]
    # The same days, in two episodes (a transfer between schools): the same weeks.
    two = [(1, 10, 5, datetime.date(2026, 3, 1), MONDAY + datetime.timedelta(days=9)),
           (1, 11, 5, MONDAY + datetime.timedelta(days=10), None)]
    assert term_chart._population(one, WEEKS) == term_chart._population(two, WEEKS)
    # Another county, or another child: every week differs.
    other = term_chart._population([(1, 10, 6, datetime.date(2026, 3, 1), None)], WEEKS)
    assert all(other[m] != term_chart._population(one, WEEKS)[m] for m, _s in WEEKS)


def test_a_child_entering_mid_week_counts_in_part_then_in_whole():
    entered = MONDAY + datetime.timedelta(days=9)  # the second week's Wednesday
    found = term_chart._population([(1, 10, 5, entered, None)], WEEKS)
    assert found[WEEKS[0][0]] == (0, 0, 0, 0)  # not yet on the registry
    assert found[WEEKS[1][0]][0] == 0 and found[WEEKS[1][0]][2] == 1  # part of the week
    assert found[WEEKS[2][0]][:3] == found[WEEKS[3][0]][:3] == (1, found[WEEKS[2][0]][1], 0)
    # On the registry since before the weeks: the same from the third week on.
    since_march = term_chart._population([(1, 10, 5, datetime.date(2026, 3, 1), None)], WEEKS)
    assert since_march[WEEKS[2][0]] == found[WEEKS[2][0]]
    assert since_march[WEEKS[0][0]] == since_march[WEEKS[3][0]]


def test_a_child_leaving_and_coming_back_counts_in_the_weeks_it_was_on_the_registry():
    rows = [(1, 10, 5, datetime.date(2026, 3, 1), MONDAY + datetime.timedelta(days=2)),
            (1, 10, 5, MONDAY + datetime.timedelta(days=15), None)]
    found = term_chart._population(rows, WEEKS)
    assert found[WEEKS[0][0]][2] == 1  # Monday to Wednesday
    assert found[WEEKS[1][0]] == (0, 0, 0, 0)  # away the whole week
    assert found[WEEKS[2][0]][2] == 1  # from Tuesday
    assert found[WEEKS[3][0]][0] == 1  # the whole week
    gone = term_chart._population(
        [(1, 10, 5, datetime.date(2026, 3, 1), MONDAY - datetime.timedelta(days=1))], WEEKS)
    assert all(found == (0, 0, 0, 0) for found in gone.values())


# --- Queries and the page ----------------------------------------------------------------------


def test_a_visit_reading_the_kept_weeks_makes_one_query_fewer_than_one_keeping_them(
        client, term_logs, django_assert_num_queries):
    client.force_login(term_logs.bureau1)
    url = reverse("county_summary")
    client.get(url)  # computes and keeps the weeks (and warms up the session)
    with CaptureQueriesContext(connection) as hit:
        client.get(url)
    assert not any("reports_chartweeks" in q["sql"] and "INSERT" in q["sql"]
                   for q in hit.captured_queries)
    _late_log(term_logs)
    with django_assert_num_queries(len(hit.captured_queries) + 1):  # the weeks kept again
        client.get(url)
    with django_assert_num_queries(len(hit.captured_queries)):
        client.get(url)


def _page(client):
    content = client.get(reverse("county_summary")).content.decode()
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", content)


def test_the_page_draws_the_kept_weeks(client, term_logs):
    client.force_login(term_logs.bureau1)
    first = _page(client)
    assert _page(client) == first  # computed, then read back: the same page
    _late_log(term_logs)
    third = _page(client)
    # Two weeks ago: a1 (two talks) and now a2, of a1, a2, a4, b1 and c1.
    label = f"{week(2):%m/%d}–{week(2) + datetime.timedelta(days=6):%m/%d}"
    assert f"{label}): 40.0% (2/5)" in third


@pytest.mark.django_db(transaction=True)
def test_the_pass_reads_one_snapshot_outside_a_transaction(world):
    """Outside a transaction (a request), the children, the fingerprints and the engine's
    pass run in one transaction, REPEATABLE READ on PostgreSQL; the weeks are kept after
    it."""
    county = world.county1
    today = timezone.localdate()
    factories.TermFactory(county=county, start_date=today - datetime.timedelta(days=40),
                          end_date=today + datetime.timedelta(days=90))
    CareStandardFactory(county=county, code=TALK)
    child = factories.ChildFactory(classroom=world.class_a)
    ContactLogFactory(child=child, standard=TALK, happened_on=week(2))
    assert not connection.in_atomic_block
    with CaptureQueriesContext(connection) as found:
        chart = summary_chart(world.bureau1)
    assert chart.by_period == full_pass(world.bureau1).by_period
    sql = [q["sql"] for q in found.captured_queries]
    kept = next(i for i, q in enumerate(sql) if "reports_chartweeks" in q and "INSERT" in q)
    if connection.vendor == "postgresql":
        start = sql.index("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        assert start < kept
    assert ChartWeeks.objects.count() == 1
