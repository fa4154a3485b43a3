"""The care cadence engine: one place that says, for a set of children, which care
standards are met, due or overdue, and how well they were kept over a range of dates.
The teacher's week, the school's status sheet and the county summary all call it, so
their numbers agree. Every function runs a fixed number of queries, whatever the number
of children (it never queries per child); the calendar work is done in Python, once per
pattern of registry episodes rather than once per child, and contacts are counted in SQL
(for compliance, as a bit mask of the periods met per child and standard).

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

``assess(children, *, on=None, today=None, ranges=(), county_of=None) -> Assessment``
    Both at once, sharing one loading of the children, calendars and standards and one
    counting of the contacts: ``Assessment.states`` is ``standard_states(children, on,
    today=today)`` (``None`` without ``on``), ``Assessment.compliance[i]`` is
    ``compliance(children, r.start, r.end, as_of=r.as_of)`` for ``r = ranges[i]`` (a
    ``Range``), restricted to the standards ``r.codes`` when given (a chart of the weekly
    talk needs no visits); ``r.per_child=False`` leaves ``per_child`` empty (totals and
    periods only), and ``r.groups`` (child id -> group) fills ``Compliance.by_group``
    (``{group: {code: (met, owed)}}``, the same sums as ``summed`` over each group).
    ``Assessment.standards_in_force(day)`` gives the codes in force on a day in the
    children's counties. When the caller has the children's counties, ``children`` may
    map child ids to county ids, or ``county_of`` may (with ``children`` a queryset,
    used as a subquery): one query fewer.

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
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import (
    Case,
    Count,
    DateField,
    F,
    Func,
    IntegerField,
    Max,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Cast, ExtractMonth, ExtractYear
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
    ``(met, owed)``, present only for standards owed at least once (empty when the
    range asked for no per-child figures); ``totals[code]`` is the sum over all
    children."""

    start: date
    end: date
    per_child: dict
    totals: dict
    # ``by_period[code][(start, end)]`` is ``(met, owed)`` over all children: one
    # period's figures (a term's weeks, one by one).
    by_period: dict = field(default_factory=dict)
    # ``by_group[group][code]`` is ``(met, owed)`` summed over a group's children (with
    # ``Range.groups``: a school's, for the summary).
    by_group: dict = field(default_factory=dict)

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


def _load_world(children, county_of=None, episodes=None):
    """Four queries: children (none when their counties are known: ``children`` maps ids
    to counties, or ``county_of`` does), standards, the terms with their special days,
    episodes (none when given)."""
    if isinstance(children, Mapping):
        county_of = dict(children)
        source = list(county_of)
    else:
        source = _child_source(children)
        if county_of is None:
            county_of = dict(Child.objects.filter(pk__in=source)
                             .values_list("pk", "county_id"))
    counties = set(county_of.values())
    standards = defaultdict(lambda: defaultdict(list))
    for row in CareStandard.objects.filter(county_id__in=counties).order_by("valid_from"):
        standards[row.county_id][row.code].append(_Version(
            row.valid_from, row.valid_until or _FOREVER, row.period, row.contacts_needed,
            row.applies_in_holidays, row.responsible,
        ))
    terms = defaultdict(dict)
    special = defaultdict(set)
    # A term with its holidays and make-up days, in one query (a term without any comes
    # once, with ``None``).
    for term_id, county_id, start, end, day, kind in Term.objects.filter(
        county_id__in=counties
    ).order_by().values_list("pk", "county_id", "start_date", "end_date",
                             "special_days__date", "special_days__kind"):
        terms[county_id][term_id] = (start, end, term_id)
        if day is not None:
            special[(term_id, kind)].add(day)
    calendars = {county: _CountyCalendar(terms[county].values(), special)
                 for county in counties}
    if episodes is None:
        episodes = RegistryEpisode.objects.filter(child_id__in=source).order_by().values_list(
            "child_id", "entered_on", "exited_on")
    by_child = defaultdict(list)
    for child_id, entered, exited in episodes:
        by_child[child_id].append((entered, exited or _FOREVER))
    return _World(source, county_of, by_child, standards, calendars)


# --- Counting contacts -------------------------------------------------------------------
#
# Contacts are counted in SQL, grouped by child, standard and period. A period is named by
# a small integer (weeks since a Monday, months since a month, years since a year; for a
# semester, days since a day, mapped to the county's terms here), so that the database
# returns integers rather than timestamps, and every kind of period is counted in the same
# query.

_CHUNK = 62  # periods per bit mask (a signed 64-bit integer, with room to spare)


class _DaysSince(Func):
    """Whole days from ``anchor`` to a date column (an integer)."""

    output_field = IntegerField()

    def __init__(self, expression, anchor):
        super().__init__(expression, Value(anchor, output_field=DateField()))

    def as_sql(self, compiler, connection, **extra):
        # PostgreSQL: date - date is a number of days.
        return super().as_sql(compiler, connection, template="(%(expressions)s)",
                              arg_joiner=" - ", **extra)

    def as_sqlite(self, compiler, connection, **extra):
        return super().as_sql(compiler, connection,
                              template="CAST(julianday(%(expressions)s) AS INTEGER)",
                              arg_joiner=") - julianday(", **extra)


def _month_number(day):
    return day.year * 12 + day.month - 1


# Weeks are numbered from Monday 1 January 1900, months and years from year 0: the same
# numbers in every query, so that bit masks of different queries line up.
_FIRST_MONDAY = date(1900, 1, 1)


class _Index:
    """How periods of one kind are numbered (a semester's days from ``lo``, the first
    day counted; they are mapped to the county's terms in Python)."""

    def __init__(self, kind, lo=None):
        self.kind = kind
        self.base = lo if kind == Period.SEMESTER else None
        self._starts = {}

    def expression(self):
        day = F("happened_on")
        if self.kind == Period.WEEK:
            return _DaysSince(day, _FIRST_MONDAY) / Value(7)
        if self.kind == Period.MONTH:
            return (Cast(ExtractYear(day), IntegerField()) * Value(12)
                    + Cast(ExtractMonth(day), IntegerField()) - Value(1))
        if self.kind == Period.YEAR:
            return Cast(ExtractYear(day), IntegerField())
        return _DaysSince(day, self.base)

    def of(self, period):
        """The number of a period (week, month or year) from its first day."""
        start = period[0]
        if self.kind == Period.WEEK:
            return (start - _FIRST_MONDAY).days // 7
        if self.kind == Period.MONTH:
            return _month_number(start)
        return start.year

    def start(self, index):
        """The first day of the period numbered ``index``; for a semester, the day."""
        found = self._starts.get(index)
        if found is None:
            if self.kind == Period.WEEK:
                found = _FIRST_MONDAY + timedelta(days=7 * index)
            elif self.kind == Period.MONTH:
                year, month = divmod(index, 12)
                found = date(year, month + 1, 1)
            elif self.kind == Period.YEAR:
                found = date(index, 1, 1)
            else:
                found = self.base + timedelta(days=index)
            self._starts[index] = found
        return found


class _Windows:
    """What to count: for each standard, the kind of its periods and the days to count.
    A standard whose periods are of two kinds (an edit changed its period) is counted
    in a second layer, so that in each query a standard's rows are of one kind."""

    def __init__(self):
        self.layers = []  # [{code: kind}]
        self.spans = []  # [{kind: [lo, hi]}], one per layer

    def add(self, code, kind, period):
        for layer, spans in zip(self.layers, self.spans, strict=True):  # noqa: B007
            if layer.get(code, kind) == kind:
                break
        else:
            layer, spans = {}, {}
            self.layers.append(layer)
            self.spans.append(spans)
        layer[code] = kind
        span = spans.setdefault(kind, [period[0], period[1]])
        span[0], span[1] = min(span[0], period[0]), max(span[1], period[1])

    def queries(self):
        """``[(codes by kind, {kind: _Index}, window Q, period index expression)]``."""
        found = []
        for layer, spans in zip(self.layers, self.spans, strict=True):
            by_kind = defaultdict(list)
            for code, kind in layer.items():
                by_kind[kind].append(code)
            indexes, window, whens = {}, Q(), []
            for kind, codes in sorted(by_kind.items()):
                lo, hi = spans[kind]
                indexes[kind] = _Index(kind, lo)
                condition = Q(standard__in=sorted(codes), happened_on__gte=lo,
                              happened_on__lte=hi)
                window |= condition
                whens.append(When(condition, then=indexes[kind].expression()))
            index = Case(*whens, default=Value(None), output_field=IntegerField())
            found.append((layer, indexes, window, index))
        return found


def _count_contacts(world, windows, *, last_on=None):
    """``({(child_id, code, kind, period_start): count}, {(child_id, code): last day})``:
    the contacts of each standard in each period of ``windows`` (a semester's by the
    child's county's terms), and, with ``last_on``, the latest contact of each standard
    on or before that day (any standard of the children's counties). One query per
    layer of ``windows`` (one, unless an edit changed a standard's period)."""
    counts, last = {}, {}
    queries = windows.queries()
    if last_on is not None and not queries:
        queries = [({}, {}, Q(pk__in=[]), Value(None, output_field=IntegerField()))]
    all_codes = sorted({code for by_code in world.standards.values() for code in by_code})
    for number, (layer, indexes, window, index) in enumerate(queries):
        logs = ContactLog.objects.filter(child_id__in=world.source).order_by()
        # COUNT(*), not of the id: the columns read are then all in the index
        # contactlog_child_std_day_idx (child, standard, day), an index-only scan.
        aggregates = {"n": Count("*")}
        if last_on is not None and number == 0:
            logs = logs.filter(window | Q(standard__in=all_codes, happened_on__lte=last_on))
            aggregates["last"] = Max("happened_on", filter=Q(happened_on__lte=last_on))
        else:
            logs = logs.filter(window)
        rows = logs.annotate(period=index).values("child_id", "standard", "period").annotate(
            **aggregates).values_list("child_id", "standard", "period", *aggregates)
        for child_id, code, period, n, *rest in _plain_rows(rows):
            if rest and rest[0] is not None:
                key = (child_id, code)
                day = rest[0] if isinstance(rest[0], date) else date.fromisoformat(rest[0])
                if key not in last or last[key] < day:
                    last[key] = day
            if period is None:
                continue  # counted only for the latest contact
            kind = layer[code]
            start = indexes[kind].start(period)
            if kind == Period.SEMESTER:
                cal = world.calendars.get(world.county_of.get(child_id))
                term = cal and cal.period(kind, start)
                if not term:
                    continue
                start = term[0]
            key = (child_id, code, kind, start)
            counts[key] = counts.get(key, 0) + n
    return counts, last


def _plain_rows(queryset):
    """The rows of a ``values_list`` queryset from the database cursor, without the
    ORM's conversions of every value (a school's sheet: 6,000 rows; dates come as
    text from SQLite)."""
    try:
        sql, params = queryset.query.sql_with_params()
    except EmptyResultSet:
        return []
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _met_masks(world, windows, thresholds):
    """Rows ``(child_id, code, kind, chunk, masks)``: for each child, standard and chunk
    of ``_CHUNK`` periods (numbered as ``_Index`` says), the bit mask of the periods
    (week, month or year) with at least ``threshold`` contacts, for each of
    ``thresholds`` in increasing order (``masks[i]`` for the ``i``-th). One query per
    layer of ``windows``: a child's periods come as a few integers, not a row each."""
    thresholds = sorted(thresholds)
    one = "CAST(1 AS BIGINT)"
    for layer, _indexes, window, index in windows.queries():
        logs = (ContactLog.objects.filter(child_id__in=world.source).filter(window)
                .order_by().annotate(period=index))
        if connection.vendor == "postgresql" and thresholds == [1]:
            # At least one contact: the bits of the logs themselves, no grouping first.
            inner = logs.values("child_id", "standard", "period")
            masks = f"BIT_OR({one} << (period %% {_CHUNK}))"
        else:
            inner = logs.values("child_id", "standard", "period").annotate(n=Count("*"))
            # Each period comes once per child and standard: the sum of its bits is the
            # union (SQLite has no BIT_OR).
            masks = ", ".join(
                f"CAST(SUM(CASE WHEN n >= {int(t)} THEN {one} << (period %% {_CHUNK}) "
                f"ELSE 0 END) AS BIGINT)" for t in thresholds)
        sql, params = inner.query.sql_with_params()
        with connection.cursor() as cursor:
            # Only numbers are written into the SQL; the values are the ORM's parameters.
            cursor.execute(
                f"SELECT child_id, standard, period / {_CHUNK}, {masks} "  # noqa: S608
                f"FROM ({sql}) logs GROUP BY child_id, standard, period / {_CHUNK}", params)
            for row in cursor.fetchall():
                yield row[0], row[1], layer[row[1]], row[2], row[3:]


def _masks_from_counts(counts, thresholds):
    """The rows of ``_met_masks``, made from contacts counted period by period (the
    weeks, months and years among them)."""
    indexes = {kind: _Index(kind) for kind in (Period.WEEK, Period.MONTH, Period.YEAR)}
    found = {}
    for (child_id, code, kind, start), n in counts.items():
        index = indexes.get(kind)
        if index is None:
            continue  # a semester: counted, not masked
        chunk, bit = divmod(index.of((start,)), _CHUNK)
        masks = found.get((child_id, code, kind, chunk))
        if masks is None:
            masks = found[(child_id, code, kind, chunk)] = [0] * len(thresholds)
        for i, needed in enumerate(thresholds):
            if n >= needed:
                masks[i] |= 1 << bit
    return [(child_id, code, kind, chunk, masks)
            for (child_id, code, kind, chunk), masks in found.items()]


# --- The whole pass ------------------------------------------------------------------------


@dataclass(frozen=True)
class Range:
    """A compliance range: the periods ending in ``start..end`` (begun by ``as_of``, when
    given), for the standards ``codes`` (all when ``None``)."""

    start: date
    end: date
    as_of: date | None = None
    codes: frozenset | None = None
    # False: no ``Compliance.per_child`` (totals and periods only: a chart). A mapping
    # of child ids to groups (e.g. schools): ``Compliance.by_group`` sums each group.
    per_child: bool = True
    groups: Mapping | None = None


@dataclass
class Assessment:
    """What ``assess`` found: ``states`` (or ``None``), one ``Compliance`` per range."""

    states: dict | None
    compliance: list
    _standards: dict

    def standards_in_force(self, day):
        """The codes of the standards in force on ``day`` in the children's counties."""
        return {code for by_code in self._standards.values()
                for code, versions in by_code.items() if _version_at(versions, day)}

    def periods_in_force(self, day):
        """``{code: period}`` of the standards in force on ``day`` in the children's
        counties (as ``CareStandard.objects.in_force(day)`` gives them)."""
        return {code: version.period for by_code in self._standards.values()
                for code, versions in by_code.items()
                if (version := _version_at(versions, day))}

    def responsible_in_force(self, day):
        """``{county_id: {code: responsible}}`` of the standards in force on ``day``."""
        return {county: {code: version.responsible for code, versions in by_code.items()
                         if (version := _version_at(versions, day))}
                for county, by_code in self._standards.items()}


def assess(children, *, on=None, today=None, ranges=(), county_of=None, episodes=None):
    """One pass of the engine: the standards' states on ``on`` (as ``standard_states``;
    none when ``on`` is ``None``) and the compliance over each of ``ranges`` (as
    ``compliance``), on one loading of the children, calendars and standards and one
    counting of the contacts. When the caller has the children's counties, ``children``
    may map child ids to county ids, or ``county_of`` may (``children`` staying a
    queryset, used as a subquery): one query fewer. So may ``episodes`` when the caller
    has every registry episode of the children, as ``(child_id, entered_on, exited_on)``
    (the status sheet reads them with its "changes" panel)."""
    world = _load_world(children, county_of, episodes)
    today = today or timezone.localdate()
    counted = _Windows()  # counted period by period: the states, and semesters
    masked = _Windows()  # only "met" or not: the weeks, months and years of compliance
    # With the states, contacts are counted period by period anyway, in one query: the
    # compliance's periods are counted in it too (a school's children: a few thousand
    # rows), and their bit masks made here rather than by a query of their own.
    by_rows = on is not None
    thresholds = set()
    state_plans = _state_plans(world, on, counted) if on is not None else None
    range_plans = []
    for wanted in ranges:
        plans = _compliance_plans(world, wanted)
        for (_county, code), found in plans.items():
            for kind, period, version in found:
                if kind == Period.SEMESTER:
                    counted.add(code, kind, period)
                elif version.needed > 0:
                    (counted if by_rows else masked).add(code, kind, period)
                    thresholds.add(version.needed)
        range_plans.append(plans)

    counts, last = _count_contacts(world, counted, last_on=on)
    if by_rows:
        masks = _masks_from_counts(counts, sorted(thresholds))
    else:
        masks = list(_met_masks(world, masked, thresholds)) if masked.layers else []
    states = (_states(world, state_plans, counts, last, today)
              if state_plans is not None else None)
    # The children's patterns once for all the ranges, over the days of all their periods.
    periods = [period for plans in range_plans for found in plans.values()
               for _kind, period, _version in found]
    patterns = (_patterns(world, min(p[0] for p in periods), max(p[1] for p in periods))
                if periods else None)
    results = [_compliance(world, wanted, plans, counts, masks, sorted(thresholds),
                           patterns)
               for wanted, plans in zip(ranges, range_plans, strict=True)]
    return Assessment(states, results, world.standards)


# --- Standard states ---------------------------------------------------------------------


def _state_plans(world, on, windows):
    """Per county and code: the current period, its version, the previous period and
    its version (``None`` when nothing is owed)."""
    plans = {}  # (county, code) -> (kind, period, version, previous, previous_version)
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
                windows.add(code, plan[0], plan[1])
                if plan[4]:
                    windows.add(code, plan[0], plan[3])
    return plans


def _states(world, plans, counts, last, today):
    result = {}
    # Whether a child owes a period depends only on its episodes (most children share
    # theirs: on the registry since before the term), the county and the period.
    owes_memo = {}

    def owes(county, episodes, cal, period, in_holidays):
        key = (county, episodes, period, in_holidays)
        found = owes_memo.get(key)
        if found is None:
            found = owes_memo[key] = _owes(episodes, cal, period, in_holidays)
        return found

    for child_id, county in world.county_of.items():
        episodes = tuple(world.episodes.get(child_id, ()))
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
                and counts.get((child_id, code, kind, previous[0]), 0) < previous_version.needed
                and owes(county, episodes, cal, previous, previous_version.in_holidays)
            )
            if not owes(county, episodes, cal, period, version.in_holidays):
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


def standard_states(children, on, *, today=None):
    """``{child_id: {code: StandardState}}`` for the periods containing ``on``."""
    return assess(children, on=on, today=today).states


# --- Compliance ------------------------------------------------------------------------


def _compliance_plans(world, wanted):
    """``{(county, code): [(kind, period, version)]}``: the periods of each standard
    ending in the range (begun by ``as_of``), each with the version in force."""
    plans = {}
    for county, by_code in world.standards.items():
        cal = world.calendars[county]
        for code, versions in by_code.items():
            found = []
            if wanted.codes is None or code in wanted.codes:
                for kind in {v.period for v in versions}:
                    for period in cal.periods_ending_in(kind, wanted.start, wanted.end):
                        if wanted.as_of is not None and period[0] > wanted.as_of:
                            continue
                        version = _version_at(versions, period[0])
                        if version is not None and version.period == kind:
                            found.append((kind, period, version))
            plans[(county, code)] = found
    return plans


class _BitCounts:
    """For each bit position, how many of the added masks have it set: a binary counter
    per position, kept as bit planes (plane ``i`` holds bit ``i`` of every position's
    count), so that adding a mask costs a carry or two, not a step per bit."""

    __slots__ = ("planes",)

    def __init__(self):
        self.planes = []

    def add(self, mask):
        planes = self.planes
        i = 0
        while mask:
            if i == len(planes):
                planes.append(mask)
                return
            plane = planes[i]
            planes[i] = plane ^ mask
            mask &= plane
            i += 1

    def counts(self):
        """``{bit: count}`` of the bits set at least once."""
        found = defaultdict(int)
        for i, plane in enumerate(self.planes):
            while plane:
                low = plane & -plane
                found[low.bit_length() - 1] += 1 << i
                plane ^= low
        return found


@dataclass
class _Owing:
    """What the children of one pattern (a county and the same days on the registry
    within the range) owe for one standard."""

    owed: list  # [period], the owed periods
    always: list  # [period]: owed periods needing no contact (met by everyone)
    bits: dict  # (kind, chunk) -> {threshold: mask of the owed periods needing it}
    semesters: dict  # term start -> contacts needed
    periods: dict  # (kind, chunk, bit) -> period


def _patterns(world, low, high):
    """``(pattern_of, members)``: each child's pattern, its county and its episodes
    clipped to ``low..high`` (the days of the periods looked at: an episode's days
    outside them never make anything owed), and the children of each pattern."""
    pattern_of = {}
    members = defaultdict(list)
    episodes_of = world.episodes
    whole = ((low, high),)
    for child_id, county in world.county_of.items():
        episodes = episodes_of.get(child_id, ())
        if len(episodes) == 1 and episodes[0][0] <= low and episodes[0][1] >= high:
            clipped = whole  # on the registry the whole time: most children
        else:
            found = []
            for entered, exited in episodes:
                lo = entered if entered > low else low
                hi = exited if exited < high else high
                if lo <= hi:
                    found.append((lo, hi))
            clipped = tuple(sorted(found))
        pattern = (county, clipped)
        pattern_of[child_id] = pattern
        members[pattern].append(child_id)
    return pattern_of, members


def _compliance(world, wanted, plans, counts, mask_rows, thresholds, patterns):
    """Periods met and owed, per child and standard, over the range ``wanted``.

    Children whose days on the registry are the same (most children: on the registry
    the whole time) owe the same periods: what is owed is worked out once per such
    pattern (``patterns``, from ``_patterns``). Periods met come from the counted
    contacts (bit masks, one per threshold of ``thresholds``): a child costs its
    pattern's lookup, and a bit count per standard it has contacts of."""
    periods_all = [period for found in plans.values() for _k, period, _v in found]
    per_child, totals, by_period_out, by_group = {}, {}, {}, {}
    if not periods_all:
        if wanted.per_child:
            per_child = {child_id: {} for child_id in world.county_of}
        return Compliance(wanted.start, wanted.end, per_child, totals, by_period_out,
                          by_group)
    indexes = {kind: _Index(kind) for kind in (Period.WEEK, Period.MONTH, Period.YEAR)}
    pattern_of, members = patterns

    owing = {}  # pattern -> {code: _Owing}
    for pattern in members:
        county, episodes = pattern
        cal = world.calendars[county]
        mine = {}
        for code in world.standards.get(county, {}):
            entry = _Owing([], [], defaultdict(lambda: defaultdict(int)), {}, {})
            for kind, period, version in plans[(county, code)]:
                if not (episodes and _owes(episodes, cal, period, version.in_holidays)):
                    continue
                entry.owed.append(period)
                if version.needed <= 0:
                    entry.always.append(period)
                elif kind == Period.SEMESTER:
                    entry.semesters[period[0]] = version.needed
                else:
                    chunk, bit = divmod(indexes[kind].of(period), _CHUNK)
                    entry.bits[(kind, chunk)][version.needed] |= 1 << bit
                    entry.periods[(kind, chunk, bit)] = period
            if entry.owed:
                mine[code] = entry
        owing[pattern] = mine

    # Periods met, from the counts: bit masks (weeks, months, years), counted semesters.
    # Kept per child only when asked (per_child), else per group (groups) and in all.
    group_of = wanted.groups
    met = defaultdict(int)  # (child_id, code) -> periods met, with per_child
    met_group = defaultdict(int)  # (group, code) -> periods met, with groups
    met_total = defaultdict(int)  # code -> periods met
    met_bits = defaultdict(_BitCounts)  # (code, kind, chunk) -> children per period
    period_of = {}  # (kind, chunk, bit) -> period
    for entries in owing.values():
        for entry in entries.values():
            period_of.update(entry.periods)
    single = thresholds[0] if len(thresholds) == 1 else None
    needs_of = {}  # (pattern, code, kind, chunk) -> what its owed periods need

    def count_met(child_id, code, number):
        met_total[code] += number
        if wanted.per_child:
            met[(child_id, code)] += number
        if group_of is not None:
            group = group_of.get(child_id)
            if group is not None:
                met_group[(group, code)] += number

    for child_id, code, kind, chunk, masks in mask_rows:
        pattern = pattern_of.get(child_id)
        if pattern is None:
            continue
        key = (pattern, code, kind, chunk)
        needs = needs_of.get(key, ())
        if needs == ():
            entry = owing[pattern].get(code)
            needs = entry.bits.get((kind, chunk)) if entry else None
            if needs and single is not None:
                needs = needs.get(single, 0)  # one threshold: one mask
            needs_of[key] = needs
        if not needs:
            continue
        if single is not None:
            hit = masks[0] & needs
        else:
            hit = 0
            for needed, mask in zip(thresholds, masks, strict=True):
                if mask:
                    hit |= mask & needs.get(needed, 0)
        if hit:
            count_met(child_id, code, hit.bit_count())
            met_bits[(code, kind, chunk)].add(hit)
    semester_met = defaultdict(int)  # (pattern, code, period start) -> children
    for (child_id, code, kind, start), n in counts.items():
        if kind != Period.SEMESTER:
            continue
        pattern = pattern_of.get(child_id)
        entry = pattern and owing[pattern].get(code)
        needed = entry.semesters.get(start) if entry else None
        if needed is not None and n >= needed:
            count_met(child_id, code, 1)
            semester_met[(pattern, code, start)] += 1

    # Periods owed (and met without a contact) by pattern; met period by period.
    owed_total = defaultdict(int)
    by_period = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    for pattern, children in members.items():
        size = len(children)
        for code, entry in owing[pattern].items():
            for period in entry.owed:
                by_period[code][period][1] += size
            for period in entry.always:
                by_period[code][period][0] += size
            owed_total[code] += size * len(entry.owed)
            met_total[code] += size * len(entry.always)
    for (code, kind, chunk), bits in met_bits.items():
        for bit, number in bits.counts().items():
            by_period[code][period_of[(kind, chunk, bit)]][0] += number
    for (pattern, code, start), number in semester_met.items():
        period = next(p for p in owing[pattern][code].owed if p[0] == start)
        by_period[code][period][0] += number

    if wanted.per_child:
        for child_id, pattern in pattern_of.items():
            per_child[child_id] = {
                code: (met.get((child_id, code), 0) + len(entry.always), len(entry.owed))
                for code, entry in owing[pattern].items()
            }
    if wanted.groups is not None:
        by_group = _group_sums(group_of, members, owing, met_group)
    totals = {code: (met_total[code], owed_total[code]) for code in owed_total}
    periods = {code: {period: tuple(tally) for period, tally in sorted(found.items())}
               for code, found in by_period.items()}
    return Compliance(wanted.start, wanted.end, per_child, totals, periods, by_group)


def _group_sums(group_of, members, owing, met_group):
    """``{group: {code: (met, owed)}}`` over the children of each group (the children of
    ``group_of``), from the patterns' counts and the periods met by each group's
    children (``met_group[(group, code)]``)."""
    sums = {}
    for pattern, children in members.items():
        if not owing[pattern]:
            continue  # owes nothing: no figures
        for group, size in Counter(map(group_of.get, children)).items():
            if group is not None:
                _add_owed(sums.setdefault(group, {}), owing[pattern], size)
    for (group, code), number in met_group.items():
        before = sums[group][code]
        sums[group][code] = (before[0] + number, before[1])
    return sums


def _add_owed(found, owing, size):
    """Add to ``found`` (``{code: (met, owed)}``) what ``size`` children of one pattern
    owe (``owing``), and the periods they meet without a contact."""
    for code, entry in owing.items():
        before = found.get(code, (0, 0))
        found[code] = (before[0] + size * len(entry.always),
                       before[1] + size * len(entry.owed))


def compliance(children, start, end, *, as_of=None):
    """Periods met and owed per child and standard, over the periods ending in
    ``start..end``; with ``as_of``, only those that have begun by that day (a term read
    in its middle owes its weeks so far, this week included, none to come)."""
    return assess(children, ranges=[Range(start, end, as_of)]).compliance[0]


# --- Who is responsible ------------------------------------------------------------------


def responsibles(children, *, on=None, assessment=None):
    """``{child_id: {code: frozenset(user_ids)}}``: whose list each standard in force
    on ``on`` shows on (see the module docstring). Three queries; one fewer when the
    caller has the children's counties and homeroom teachers (``children`` maps child
    ids to ``(county_id, homeroom_teacher_id)``), and one fewer with ``assessment``,
    an ``Assessment`` of these children, which has their standards."""
    on = on or timezone.localdate()
    if isinstance(children, Mapping):
        info = dict(children)
        source = list(info)
    else:
        source = _child_source(children)
        rows = Child.objects.filter(pk__in=source).values_list(
            "pk", "county_id", "classroom__homeroom_teacher_id"
        )
        info = {pk: (county, homeroom) for pk, county, homeroom in rows}
    active = {}
    for child_id, kind, staff_id in Pairing.objects.filter(
        child_id__in=source, kind__in=[PairingKind.MENTOR, PairingKind.SURROGATE],
        start_date__lte=on,
    ).filter(Q(end_date__isnull=True) | Q(end_date__gte=on)).order_by(
        # Pairing's own order by child would join the children to sort by name.
        "child_id", "-start_date", "pk",
    ).values_list(
        "child_id", "kind", "staff_id"
    ):
        active[(child_id, kind)] = staff_id
    in_force = defaultdict(dict)
    if assessment is not None:
        in_force.update(assessment.responsible_in_force(on))
    else:
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


def responsible_for(children, user, *, on=None, assessment=None):
    """``{child_id: set(codes)}``: the standards on ``user``'s list, for each child
    (an empty set when none is). ``children`` and ``assessment`` as ``responsibles``."""
    return {
        child_id: {code for code, people in by_code.items() if user.pk in people}
        for child_id, by_code in responsibles(children, on=on, assessment=assessment).items()
    }


__all__ = [
    "DUE", "MET", "NOT_OWED", "OVERDUE", "Assessment", "Compliance", "Range",
    "StandardState", "assess", "compliance", "responsible_for", "responsibles",
    "standard_states",
]
