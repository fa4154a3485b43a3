"""The care cadence engine: one place that says, for a set of children, which care
standards are met, due or overdue, and how well they were kept over a range of dates.
The teacher's week, the school's status sheet and the county summary all call it, so
their numbers agree. Every function runs a fixed number of queries, whatever the number
of children (it never queries per child); the calendar work is done in Python.

Public API
----------

``children`` is a ``Child`` queryset (used as a subquery, so it may carry the access
rule: ``Child.objects.for_user(user)``) or an iterable of child ids.

``standard_states(children, on, *, today=None) -> {child_id: {code: StandardState}}``
    For each care standard of the child's county, the period of that standard that
    contains ``on`` and its state there:

    - ``period``: ``(start, end)``, both inclusive; ``None`` for a semester standard
      when ``on`` lies outside every term of the county (that standard is then
      ``not_owed``);
    - ``count``: contacts of that standard, by anyone, dated inside the period (the
      whole period, including days after ``on``);
    - ``needed``: ``contacts_needed`` of the version in force for the period (0 when
      no version covers the period's start);
    - ``last_contact``: the latest contact of that standard on or before ``on``, in any
      period, or ``None``;
    - ``behind``: the period immediately before was owed and ended unmet (whatever the
      state of this one: a met period that is ``behind`` was caught up);
    - ``state``:

      * ``not_owed``: nothing is owed for this child in this period (see "owed" below);
      * ``met``: owed, and ``count >= needed``;
      * ``overdue``: owed, not met, and either the period has ended (``period.end <
        today``), or the period immediately before it (the previous week, month or
        year; for a semester the county's previous term) was owed and ended unmet.
        A previous period that owed nothing (a holiday week, time before entry)
        carries nothing over;
      * ``due``: owed, not met, not overdue.

    ``today`` defaults to the local date (Asia/Shanghai).

``compliance(children, start, end, *, as_of=None) -> Compliance``
    Per child and per standard ``(periods_met, periods_owed)`` over the periods that
    END within ``start..end`` (both inclusive): a week running from Monday 29 to Sunday
    4 counts in the range that holds the 4th. So consecutive ranges split every period
    exactly once, and the figures of consecutive months add up. The current period,
    once it ends inside the range, is owed even if not over yet (a status sheet for
    "this month" shows this month's visits as owed); with ``as_of`` (the reports pass
    today), a period that has not begun by then is not owed yet. Compliance is periods met ÷
    periods owed (``Compliance.rate``); ``Compliance.totals`` sums over all children,
    ``Compliance.summed(child_ids)`` over a subset (a school, a township), and
    ``Compliance.by_period[code][(start, end)]`` period by period over all children (a
    term's weeks, for a chart).

``responsibles(children, *, on=None) -> {child_id: {code: frozenset(user_ids)}}`` and
``responsible_for(children, user, *, on=None) -> {child_id: set(codes)}``
    Whose list a standard shows on (pairings active on ``on``, default today):

    - ``homeroom`` standards: the homeroom teacher of the child's class; the weekly
      talk also shows on the active staff mentor's list;
    - ``mentor`` standards: the active staff mentor, or the homeroom teacher when the
      child has no active mentor;
    - ``surrogate`` standards: the active surrogate parent, or the homeroom teacher
      when there is none.

    This decides only whose list shows it: a contact by anyone counts.

The calendar rules
------------------

- Weeks run Monday to Sunday (dates are local, Asia/Shanghai); months and years are
  calendar months and years; semesters are the county's ``Term`` rows.
- Teaching days: Monday to Friday inside a term, minus its ``TermDay`` holidays, plus
  its ``TermDay`` make-up days (调休).
- A child is on the registry from ``entered_on`` to ``exited_on``, both inclusive, in
  each of its registry episodes (an open episode runs on).
- "Owed": a standard with ``applies_in_holidays=False`` is owed in a period when the
  child is on the registry on at least one teaching day of it; one with
  ``applies_in_holidays=True`` when the child is on the registry on at least one day
  of it. So a child entering on Thursday owes that week's talk if Thursday or Friday
  (or a make-up weekend day) is a teaching day; a child leaving mid-month owes that
  month's visit; a month wholly in the summer holiday owes no term-only standard; a
  semester owes its report if the child was on the registry on a teaching day of the
  term; a year owes a term-only standard if it holds such a teaching day.
- Every contact in the period counts, including one made before the child's entry or
  after the exit within that same period.
- The version of a standard in force for a period is the one whose
  ``valid_from..valid_until`` covers the period's first day; no such version, nothing
  owed. (A bureau edit opens its version at the current period's start.)
- Each child uses its own county's terms and standards.
- A contact log counts toward exactly one standard, its ``standard`` code; "other"
  counts toward none.
"""

from __future__ import annotations

import calendar as _calendar
from bisect import bisect_left
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Count, Max, Q, QuerySet
from django.db.models.functions import TruncMonth, TruncWeek, TruncYear
from django.utils import timezone

from interventions.models import (
    CareStandard,
    ContactLog,
    Pairing,
    PairingKind,
    Period,
    Responsible,
    StandardCode,
)
from registry.models import Child, RegistryEpisode, Term, TermDay

MET = "met"
DUE = "due"
OVERDUE = "overdue"
NOT_OWED = "not_owed"

# Homeroom standards that also show on the active mentor's list (DESIGN.md).
SHARED_WITH_MENTOR = frozenset({StandardCode.WEEKLY_TALK.value})

_DAY = timedelta(days=1)
_FOREVER = date.max


@dataclass(frozen=True, slots=True)
class StandardState:
    code: str
    state: str
    count: int
    needed: int
    period: tuple[date, date] | None
    last_contact: date | None
    # The period before this one was owed and ended unmet (so an unmet current period
    # is overdue, and a met one was caught up).
    behind: bool = False

    @property
    def owed(self):
        return self.state != NOT_OWED


@dataclass(slots=True)
class Compliance:
    """Periods met and owed over ``start..end``. ``per_child[child_id][code]`` is
    ``(met, owed)``, present only for standards owed at least once; ``totals[code]``
    is the sum over all children."""

    start: date
    end: date
    per_child: dict
    totals: dict
    # ``by_period[code][(start, end)]`` is ``(met, owed)`` over all children: one
    # period's figures (a term's weeks, one by one).
    by_period: dict = field(default_factory=dict)

    def summed(self, child_ids):
        """``{code: (met, owed)}`` summed over ``child_ids`` (e.g. one school's)."""
        met, owed = defaultdict(int), defaultdict(int)
        for child_id in child_ids:
            for code, (m, o) in self.per_child.get(child_id, {}).items():
                met[code] += m
                owed[code] += o
        return {code: (met[code], owed[code]) for code in owed}

    def rate(self, code, child_id=None):
        """Periods met ÷ periods owed, for one child or all; ``None`` if none owed."""
        source = self.totals if child_id is None else self.per_child.get(child_id, {})
        met, owed = source.get(code, (0, 0))
        return met / owed if owed else None


# --- Periods -------------------------------------------------------------------------


def _calendar_period(kind, day):
    if kind == Period.WEEK:
        start = day - timedelta(days=day.weekday())
        return start, start + timedelta(days=6)
    if kind == Period.MONTH:
        last = _calendar.monthrange(day.year, day.month)[1]
        return day.replace(day=1), day.replace(day=last)
    if kind == Period.YEAR:
        return date(day.year, 1, 1), date(day.year, 12, 31)
    raise ValueError(kind)


class _CountyCalendar:
    """One county's terms and teaching days."""

    def __init__(self, terms, special_days):
        self.terms = sorted(terms)  # [(start, end, term_id)]
        days = set()
        for start, end, term_id in self.terms:
            holidays = special_days.get((term_id, TermDay.Kind.HOLIDAY), ())
            makeups = special_days.get((term_id, TermDay.Kind.MAKEUP), ())
            day = start
            while day <= end:
                if (day.weekday() < 5 and day not in holidays) or day in makeups:
                    days.add(day)
                day += _DAY
        self.teaching_days = sorted(days)

    def has_teaching_day(self, lo, hi):
        i = bisect_left(self.teaching_days, lo)
        return i < len(self.teaching_days) and self.teaching_days[i] <= hi

    def period(self, kind, day):
        """The period of ``kind`` containing ``day`` (``None``: a day outside terms)."""
        if kind != Period.SEMESTER:
            return _calendar_period(kind, day)
        for start, end, _id in self.terms:
            if start <= day <= end:
                return start, end
        return None

    def previous(self, kind, period):
        if kind != Period.SEMESTER:
            return _calendar_period(kind, period[0] - _DAY)
        before = [(s, e) for s, e, _id in self.terms if e < period[0]]
        return before[-1] if before else None

    def periods_ending_in(self, kind, start, end):
        if kind == Period.SEMESTER:
            return [(s, e) for s, e, _id in self.terms if start <= e <= end]
        found = []
        period = _calendar_period(kind, start)
        while period[1] <= end:
            found.append(period)
            period = _calendar_period(kind, period[1] + _DAY)
        return found


@dataclass(frozen=True, slots=True)
class _Version:
    valid_from: date
    valid_until: date
    period: str
    needed: int
    in_holidays: bool
    responsible: str


def _version_at(versions, day):
    for version in versions:
        if version.valid_from <= day <= version.valid_until:
            return version
    return None


def _owes(episodes, cal, period, in_holidays):
    start, end = period
    for entered, exited in episodes:
        lo, hi = max(entered, start), min(exited, end)
        if lo <= hi and (in_holidays or cal.has_teaching_day(lo, hi)):
            return True
    return False


# --- Loading ---------------------------------------------------------------------------


def _child_source(children):
    """What a ``child_id__in`` filter takes: a subquery or a list of ids."""
    if isinstance(children, QuerySet):
        return children.order_by().values("pk")
    return list(children)


@dataclass
class _World:
    source: object
    county_of: dict  # child_id -> county_id
    episodes: dict  # child_id -> [(entered, exited)]
    standards: dict  # county_id -> {code: [_Version]}
    calendars: dict  # county_id -> _CountyCalendar


def _load_world(children, *, with_episodes=True):
    """Five queries: children, standards, terms, term days, episodes."""
    source = _child_source(children)
    county_of = dict(Child.objects.filter(pk__in=source).values_list("pk", "county_id"))
    counties = set(county_of.values())
    standards = defaultdict(lambda: defaultdict(list))
    for row in CareStandard.objects.filter(county_id__in=counties).order_by("valid_from"):
        standards[row.county_id][row.code].append(_Version(
            row.valid_from, row.valid_until or _FOREVER, row.period, row.contacts_needed,
            row.applies_in_holidays, row.responsible,
        ))
    terms = defaultdict(list)
    for term_id, county_id, start, end in Term.objects.filter(
        county_id__in=counties
    ).values_list("pk", "county_id", "start_date", "end_date"):
        terms[county_id].append((start, end, term_id))
    special = defaultdict(set)
    for term_id, day, kind in TermDay.objects.filter(
        term__county_id__in=counties
    ).values_list("term_id", "date", "kind"):
        special[(term_id, kind)].add(day)
    calendars = {county: _CountyCalendar(terms[county], special) for county in counties}
    episodes = defaultdict(list)
    if with_episodes:
        for child_id, entered, exited in RegistryEpisode.objects.filter(
            child_id__in=source
        ).values_list("child_id", "entered_on", "exited_on"):
            episodes[child_id].append((entered, exited or _FOREVER))
    return _World(source, county_of, episodes, standards, calendars)


_TRUNC = {Period.WEEK: TruncWeek, Period.MONTH: TruncMonth, Period.YEAR: TruncYear}


def _contact_counts(world, windows):
    """``{(child_id, code, kind, period_start): count}`` for ``windows``: ``{kind:
    (codes, first_day, last_day)}``. One grouped query per period kind; semesters are
    grouped by day and mapped to the child's county's terms here."""
    counts = {}
    for kind, (codes, lo, hi) in windows.items():
        logs = ContactLog.objects.filter(
            child_id__in=world.source, standard__in=sorted(codes),
            happened_on__gte=lo, happened_on__lte=hi,
        ).order_by()
        if kind == Period.SEMESTER:
            rows = logs.values_list("child_id", "standard", "happened_on").annotate(n=Count("pk"))
            for child_id, code, day, n in rows:
                cal = world.calendars.get(world.county_of.get(child_id))
                period = cal and cal.period(kind, day)
                if period:
                    key = (child_id, code, kind, period[0])
                    counts[key] = counts.get(key, 0) + n
        else:
            rows = logs.annotate(start=_TRUNC[kind]("happened_on")).values_list(
                "child_id", "standard", "start"
            ).annotate(n=Count("pk"))
            for child_id, code, start, n in rows:
                if hasattr(start, "date"):  # a datetime on some backends
                    start = start.date()
                counts[(child_id, code, kind, start)] = n
    return counts


def _widen(windows, kind, code, period):
    codes, lo, hi = windows.get(kind, (set(), period[0], period[1]))
    codes.add(code)
    windows[kind] = (codes, min(lo, period[0]), max(hi, period[1]))


# --- Standard states ---------------------------------------------------------------------


def standard_states(children, on, *, today=None):
    """``{child_id: {code: StandardState}}`` for the periods containing ``on``."""
    today = today or timezone.localdate()
    world = _load_world(children)

    # Per county and code: the current period, its version, the previous period and its.
    plans = {}  # (county, code) -> (kind, period, version, previous, previous_version)
    windows = {}
    for county, by_code in world.standards.items():
        cal = world.calendars[county]
        for code, versions in by_code.items():
            plan = None
            for version in reversed(versions):  # the latest version whose period fits
                period = cal.period(version.period, on)
                if period and _version_at(versions, period[0]) is version:
                    previous = cal.previous(version.period, period)
                    previous_version = previous and _version_at(versions, previous[0])
                    if previous_version and previous_version.period != version.period:
                        previous = previous_version = None
                    plan = (version.period, period, version, previous, previous_version)
                    break
            plans[(county, code)] = plan
            if plan:
                _widen(windows, plan[0], code, plan[1])
                if plan[4]:
                    _widen(windows, plan[0], code, plan[3])

    counts = _contact_counts(world, windows)
    codes = {code for by_code in world.standards.values() for code in by_code}
    last = {
        (child_id, code): day
        for child_id, code, day in ContactLog.objects.filter(
            child_id__in=world.source, standard__in=sorted(codes), happened_on__lte=on,
        ).order_by().values_list("child_id", "standard").annotate(last=Max("happened_on"))
    }

    result = {}
    for child_id, county in world.county_of.items():
        episodes = world.episodes.get(child_id, ())
        cal = world.calendars[county]
        states = {}
        for code in world.standards.get(county, {}):
            plan = plans[(county, code)]
            last_contact = last.get((child_id, code))
            if plan is None:
                states[code] = StandardState(code, NOT_OWED, 0, 0, None, last_contact)
                continue
            kind, period, version, previous, previous_version = plan
            count = counts.get((child_id, code, kind, period[0]), 0)
            behind = bool(
                previous_version
                and _owes(episodes, cal, previous, previous_version.in_holidays)
                and counts.get((child_id, code, kind, previous[0]), 0) < previous_version.needed
            )
            if not _owes(episodes, cal, period, version.in_holidays):
                state, behind = NOT_OWED, False
            elif count >= version.needed:
                state = MET
            elif period[1] < today or behind:
                state = OVERDUE
            else:
                state = DUE
            states[code] = StandardState(code, state, count, version.needed, period,
                                         last_contact, behind)
        result[child_id] = states
    return result


# --- Compliance ------------------------------------------------------------------------


def compliance(children, start, end, *, as_of=None):
    """Periods met and owed per child and standard, over the periods ending in
    ``start..end``; with ``as_of``, only those that have begun by that day (a term read
    in its middle owes its weeks so far, this week included, none to come)."""
    world = _load_world(children)
    # (county, code) -> [(kind, period, version)]
    plans = {}
    windows = {}
    for county, by_code in world.standards.items():
        cal = world.calendars[county]
        for code, versions in by_code.items():
            found = []
            for kind in {v.period for v in versions}:
                for period in cal.periods_ending_in(kind, start, end):
                    if as_of is not None and period[0] > as_of:
                        continue
                    version = _version_at(versions, period[0])
                    if version is not None and version.period == kind:
                        found.append((kind, period, version))
                        _widen(windows, kind, code, period)
            plans[(county, code)] = found

    counts = _contact_counts(world, windows)
    per_child = {}
    met_total, owed_total = defaultdict(int), defaultdict(int)
    by_period = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    for child_id, county in world.county_of.items():
        episodes = world.episodes.get(child_id)
        mine = {}
        if episodes:
            cal = world.calendars[county]
            for code in world.standards.get(county, {}):
                met = owed = 0
                for kind, period, version in plans[(county, code)]:
                    if _owes(episodes, cal, period, version.in_holidays):
                        owed += 1
                        tally = by_period[code][period]
                        tally[1] += 1
                        if counts.get((child_id, code, kind, period[0]), 0) >= version.needed:
                            met += 1
                            tally[0] += 1
                if owed:
                    mine[code] = (met, owed)
                    met_total[code] += met
                    owed_total[code] += owed
        per_child[child_id] = mine
    totals = {code: (met_total[code], owed_total[code]) for code in owed_total}
    periods = {code: {period: tuple(tally) for period, tally in sorted(found.items())}
               for code, found in by_period.items()}
    return Compliance(start, end, per_child, totals, periods)


# --- Who is responsible ------------------------------------------------------------------


def responsibles(children, *, on=None):
    """``{child_id: {code: frozenset(user_ids)}}``: whose list each standard in force
    on ``on`` shows on (see the module docstring). Four queries."""
    on = on or timezone.localdate()
    source = _child_source(children)
    rows = Child.objects.filter(pk__in=source).values_list(
        "pk", "county_id", "classroom__homeroom_teacher_id"
    )
    info = {pk: (county, homeroom) for pk, county, homeroom in rows}
    active = {}
    for child_id, kind, staff_id in Pairing.objects.filter(
        child_id__in=source, kind__in=[PairingKind.MENTOR, PairingKind.SURROGATE],
        start_date__lte=on,
    ).filter(Q(end_date__isnull=True) | Q(end_date__gte=on)).values_list(
        "child_id", "kind", "staff_id"
    ):
        active[(child_id, kind)] = staff_id
    in_force = defaultdict(dict)
    for county, code, responsible in CareStandard.objects.filter(
        county_id__in={county for county, _h in info.values()}
    ).in_force(on).values_list("county_id", "code", "responsible"):
        in_force[county][code] = responsible

    result = {}
    for child_id, (county, homeroom) in info.items():
        mentor = active.get((child_id, PairingKind.MENTOR))
        surrogate = active.get((child_id, PairingKind.SURROGATE))
        by_code = {}
        for code, responsible in in_force[county].items():
            if responsible == Responsible.MENTOR:
                people = {mentor or homeroom}
            elif responsible == Responsible.SURROGATE:
                people = {surrogate or homeroom}
            else:
                people = {homeroom}
                if code in SHARED_WITH_MENTOR:
                    people.add(mentor)
            by_code[code] = frozenset(p for p in people if p is not None)
        result[child_id] = by_code
    return result


def responsible_for(children, user, *, on=None):
    """``{child_id: set(codes)}``: the standards on ``user``'s list, for each child
    (an empty set when none is)."""
    return {
        child_id: {code for code, people in by_code.items() if user.pk in people}
        for child_id, by_code in responsibles(children, on=on).items()
    }


__all__ = [
    "DUE", "MET", "NOT_OWED", "OVERDUE", "Compliance", "StandardState", "compliance",
    "responsible_for", "responsibles", "standard_states",
]
