"""The numbers of the reports, from one source: the school's dynamic status sheet
(动态状况表), the county summary table (信息汇总表) and the monthly snapshot all read them
here, and every care figure comes from the cadence engine, as the teacher's week does.

The population is the same everywhere: the children on the registry today, at their
current school, within the user's access rule. Counts (registered, categories, five
clear, pairings, concerns) are as of today; care figures are the engine's compliance over
the chosen period (periods met ÷ periods owed, the periods ending in it that have begun
by today — the current week or month is owed, the ones to come are not) and, for
"overdue", the state of each standard's current period. A fixed number of queries,
whatever the number of schools and children.
"""

from __future__ import annotations

import datetime
import gc
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    OuterRef,
    Q,
    Subquery,
)
from django.utils import timezone

from interventions import cadence
from interventions.models import (
    CareStandard,
    Concern,
    Pairing,
    PairingKind,
    Severity,
    StandardCode,
)
from interventions.selectors import with_concern_flags
from registry.models import (
    Category,
    Child,
    Classroom,
    EntryKind,
    ExitReason,
    RegistryEpisode,
    Sex,
)
from registry.models.children import category_q
from registry.scoping import area_filter
from reports import term_chart

# The summary's category columns, in the registry's order.
CATEGORIES = list(Category)
_STANDARD_ORDER = {code: index for index, code in enumerate(StandardCode)}
# Grades 1–6 are primary, 7–9 junior secondary (a nine-year school has both).
JUNIOR_FROM_GRADE = 7


def _active(kind):
    # At most one active mentor and one active surrogate per child (constraints): no
    # ordering needed, and none wanted (the pairing's would join the child to sort).
    return Pairing.objects.filter(child=OuterRef("pk"), kind=kind,
                                  end_date__isnull=True).order_by()


def registry_children(user):
    """The population of every report: the children on the registry the user may see.
    (As ``in_registry``, but a filter only: no ``on_registry`` column, which PostgreSQL
    worked out for the whole county to select it for a school's children.)"""
    return Child.objects.for_user(user).filter(Exists(
        RegistryEpisode.objects.filter(child=OuterRef("pk"), exited_on__isnull=True)))


def standards_in_force(county_ids, day):
    """``[(code, label)]`` of the standards in force on ``day`` in these counties, in the
    plan's order (one query)."""
    return _labelled(CareStandard.objects.filter(county_id__in=county_ids).in_force(day)
                     .values_list("code", flat=True))


def _labelled(codes):
    """``[(code, label)]`` of ``codes``, in the plan's order."""
    codes = set(codes)
    labels = dict(StandardCode.choices)
    return [(code, labels.get(code, code))
            for code in sorted(codes, key=lambda c: _STANDARD_ORDER.get(c, 99))]


def _rate(part, whole):
    return part / whole if whole else None


# --- The status sheet ----------------------------------------------------------------------


@dataclass
class Cell:
    """One standard for one child over the period: periods met and owed, and whether its
    current period is overdue now."""

    met: int = 0
    owed: int = 0
    overdue: bool = False

    @property
    def complete(self):
        return self.met >= self.owed


@dataclass
class StatusRow:
    child: Child
    categories: list
    age: int | None
    last_talk: datetime.date | None
    cells: dict  # code -> Cell

    @property
    def any_overdue(self):
        return any(cell.overdue for cell in self.cells.values())


@dataclass
class Changes:
    """The registry's changes at a school over ``start..end`` (episodes, both ends
    inclusive)."""

    start: datetime.date
    end: datetime.date
    registered: list = field(default_factory=list)
    reentered: list = field(default_factory=list)
    transferred_in: list = field(default_factory=list)
    exited: list = field(default_factory=list)
    transferred_out: list = field(default_factory=list)

    @property
    def total(self):
        return (len(self.registered) + len(self.reentered) + len(self.transferred_in)
                + len(self.exited) + len(self.transferred_out))


@dataclass
class StatusSheet:
    school: object
    period: object
    standards: list  # [(code, label)]
    rows: list
    changes: Changes


# Filters of the status sheet (the form's cleaned data).
OVERDUE_ANY = "any"


# What the sheet (the page and its xlsx) reads of a child, besides the annotations: not
# the file's long texts, 588 times.
_SHEET_CHILD_FIELDS = (
    "name", "sex", "birth_date", "county_id", "school_id", "classroom",
    "single_parent", "abandoned", "hardship_kind",
)


def status_children(user, school, filters=None, today=None):
    """The sheet's children: on the registry at ``school``, with what the rows show
    computed in SQL, filtered by everything but "overdue" (which needs the engine)."""
    filters = filters or {}
    qs = (
        with_concern_flags(registry_children(user).filter(school=school))
        .with_categories(today)
        .with_five_clear()
        .select_related("classroom")
        .only(*_SHEET_CHILD_FIELDS)
        .annotate(
            mentor_name=Subquery(_active(PairingKind.MENTOR).values("staff__real_name")[:1]),
            surrogate_name=Subquery(
                _active(PairingKind.SURROGATE).values("staff__real_name")[:1]),
        )
        .order_by("classroom__grade", "classroom__number", "name", "pk")
    )
    if filters.get("grade"):
        qs = qs.filter(classroom__grade=filters["grade"])
    if filters.get("classroom"):
        qs = qs.filter(classroom=filters["classroom"])
    if filters.get("category"):
        qs = qs.carrying(filters["category"])
    if filters.get("incomplete"):
        qs = qs.filter(five_clear_count__lt=5)
    if filters.get("unpaired"):
        qs = qs.filter(mentor_name__isnull=True)  # no active mentor (a name is never NULL)
    if filters.get("concern"):
        qs = qs.filter(open_concerns__gt=0)
    return qs


def status_sheet(user, school, period, filters=None, today=None):
    """The school's dynamic status sheet over ``period``: one row per child on the
    registry (filtered), each standard's periods met and owed in the period, and the
    registry's changes. ``filters["overdue"]`` keeps children with that standard (or any,
    ``OVERDUE_ANY``) overdue now."""
    today = today or timezone.localdate()
    filters = filters or {}
    children = list(status_children(user, school, filters, today))
    county_of = {child.pk: child.county_id for child in children}
    # The children's registry episodes (for the engine) and the school's changes, in
    # one query, as plain values: only the few changes need a child's name and class.
    start, end = changes_range(period, today)
    episodes = list(RegistryEpisode.objects.for_user(user).filter(
        Q(child_id__in=list(county_of)) | _changes_q(school, start, end)
    ).order_by("entered_on", "pk").values_list(*_SHEET_EPISODE_FIELDS))
    changes = Changes(start, end)
    _sort_changes(changes, [_change_episode(row) for row in episodes if row[1] == school.pk
                            and _changes_range_holds(row, start, end)])
    states, compliance = {}, None
    if children:
        # One pass of the engine for both: the states now and the period's compliance.
        result = cadence.assess(
            county_of, on=today, today=today,
            ranges=[cadence.Range(period.start, period.end, as_of=today)],
            episodes=[(child_id, entered, exited)
                      for child_id, _school, _kind, entered, exited, *_rest in episodes
                      if child_id in county_of])
        states, compliance = result.states, result.compliance[0]
        # The children are of the school's county: the engine has its standards.
        standards = _labelled(result.standards_in_force(min(period.end, today)))
    else:
        standards = standards_in_force([school.county_id], min(period.end, today))
    rows = []
    for child in children:
        child_states = states.get(child.pk, {})
        owed = compliance.per_child.get(child.pk, {}) if compliance else {}
        cells = {}
        for code, _label in standards:
            met, owing = owed.get(code, (0, 0))
            state = child_states.get(code)
            cells[code] = Cell(met, owing, bool(state and state.state == cadence.OVERDUE))
        talk = child_states.get(StandardCode.WEEKLY_TALK)
        rows.append(StatusRow(child=child, categories=child.categories(today),
                              age=child.age(today), last_talk=talk and talk.last_contact,
                              cells=cells))
    overdue = filters.get("overdue")
    if overdue == OVERDUE_ANY:
        rows = [row for row in rows if row.any_overdue]
    elif overdue:
        rows = [row for row in rows if row.cells.get(overdue, Cell()).overdue]
    return StatusSheet(school=school, period=period, standards=standards, rows=rows,
                       changes=changes)


def changes_range(period, today):
    """The range of the "changes" panel: the period, but a whole month for a week (the
    month holding the week's last day, up to today)."""
    if period.kind == "week":
        end = min(period.end, today)
        return end.replace(day=1), end
    return period.start, min(period.end, today)


def school_changes(user, school, start, end):
    """Who entered or left the registry at ``school`` in ``start..end``: one query."""
    changes = Changes(start, end)
    _sort_changes(changes, _episodes(user).filter(_changes_q(school, start, end)))
    return changes


def _episodes(user):
    """Registry episodes with their child and the child's class (the "changes")."""
    return (RegistryEpisode.objects.for_user(user)
            .select_related("child", "child__classroom").order_by("entered_on", "pk"))


# An episode as the status sheet reads it: the engine's part, then what the "changes"
# panel (``exports.change_groups``) shows.
_SHEET_EPISODE_FIELDS = (
    "child_id", "school_id", "entry_kind", "entered_on", "exited_on", "exit_reason",
    "child__name", "child__classroom_id", "child__classroom__grade",
    "child__classroom__number",
)


def _changes_range_holds(row, start, end):
    entered, exited = row[3], row[4]
    return start <= entered <= end or (exited is not None and start <= exited <= end)


def _change_episode(row):
    """An episode of the "changes" panel, from a row of ``_SHEET_EPISODE_FIELDS``."""
    (child_id, school_id, entry_kind, entered_on, exited_on, exit_reason, name,
     classroom_id, grade, number) = row
    episode = RegistryEpisode(child_id=child_id, school_id=school_id, entry_kind=entry_kind,
                              entered_on=entered_on, exited_on=exited_on,
                              exit_reason=exit_reason)
    episode.child = Child(pk=child_id, name=name, classroom_id=classroom_id)
    if classroom_id is not None:
        episode.child.classroom = Classroom(pk=classroom_id, grade=grade, number=number)
    return episode


def _changes_q(school, start, end):
    return Q(school=school) & (Q(entered_on__range=(start, end))
                               | Q(exited_on__range=(start, end)))


def _sort_changes(changes, episodes):
    start, end = changes.start, changes.end
    for episode in episodes:
        if start <= episode.entered_on <= end:
            {
                EntryKind.REGISTERED: changes.registered,
                EntryKind.REENTERED: changes.reentered,
                EntryKind.TRANSFERRED_IN: changes.transferred_in,
            }[episode.entry_kind].append(episode)
        if episode.exited_on and start <= episode.exited_on <= end:
            if episode.exit_reason == ExitReason.TRANSFERRED_OUT:
                changes.transferred_out.append(episode)
            else:
                changes.exited.append(episode)


# --- The county summary --------------------------------------------------------------------


@dataclass
class Figures:
    """One school's figures, or a subtotal or total of several (``add``)."""

    pupils: int = 0
    registered: int = 0
    categories: dict = field(default_factory=dict)  # category -> count
    boys: int = 0
    girls: int = 0
    primary: int = 0
    junior: int = 0
    boarding: int = 0
    five_clear: int = 0
    with_mentor: int = 0
    with_surrogate: int = 0
    compliance: dict = field(default_factory=dict)  # code -> (met, owed)
    open_concerns: int = 0
    serious_concerns: int = 0
    entries: int = 0
    exits: int = 0

    COUNTS = ("pupils", "registered", "boys", "girls", "primary", "junior", "boarding",
              "five_clear", "with_mentor", "with_surrogate", "open_concerns",
              "serious_concerns", "entries", "exits")

    def add(self, other):
        for name in self.COUNTS:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for category, count in other.categories.items():
            self.categories[category] = self.categories.get(category, 0) + count
        for code, (met, owed) in other.compliance.items():
            mine = self.compliance.get(code, (0, 0))
            self.compliance[code] = (mine[0] + met, mine[1] + owed)
        return self

    @property
    def share(self):
        """Registered children as a share of the pupils enrolled."""
        return _rate(self.registered, self.pupils)

    @property
    def five_clear_rate(self):
        return _rate(self.five_clear, self.registered)

    @property
    def mentor_rate(self):
        return _rate(self.with_mentor, self.registered)

    @property
    def surrogate_rate(self):
        return _rate(self.with_surrogate, self.registered)

    def rate(self, code):
        met, owed = self.compliance.get(code, (0, 0))
        return _rate(met, owed)

    def as_snapshot(self):
        """Plain JSON: what a monthly submission keeps."""
        data = {name: getattr(self, name) for name in self.COUNTS}
        data["categories"] = dict(self.categories)
        data["compliance"] = {code: list(pair) for code, pair in self.compliance.items()}
        return data

    @classmethod
    def from_snapshot(cls, data):
        figures = cls(**{name: data.get(name, 0) for name in cls.COUNTS})
        figures.categories = dict(data.get("categories", {}))
        figures.compliance = {code: tuple(pair)
                              for code, pair in data.get("compliance", {}).items()}
        return figures


@dataclass
class SchoolLine:
    school: object
    figures: Figures


@dataclass
class TownshipGroup:
    township: object
    schools: list  # [SchoolLine]
    subtotal: Figures


@dataclass
class Summary:
    period: object
    standards: list  # [(code, label)]
    townships: list  # [TownshipGroup]
    total: Figures
    chart: object = None  # cadence.Compliance over the chart's range, when asked

    @property
    def school_lines(self):
        return [line for group in self.townships for line in group.schools]


# The counts of the summary: each a condition on a child (of ``_child_counts``' rows).
_COUNTED = {
    "boys": Q(sex=Sex.MALE),
    "girls": Q(sex=Sex.FEMALE),
    "primary": Q(classroom__grade__lt=JUNIOR_FROM_GRADE),
    "junior": Q(classroom__grade__gte=JUNIOR_FROM_GRADE),
    "boarding": Q(boarding=True),
    "five_clear": Q(five_clear_count=5),
    "with_mentor": Q(has_mentor=True),
    "with_surrogate": Q(has_surrogate=True),
    **{f"cat_{category}": category_q(category) for category in CATEGORIES},
}


def _child_counts(children, today):
    """``{school_id: Figures}`` of the counts, in one query: each child's conditions
    (``_COUNTED``) worked out once per child in a subquery, then counted per school.

    Counting them directly (``Count(filter=...)``) made PostgreSQL evaluate the
    categories' and five-clear EXISTS subqueries inside every aggregate, probing the
    family table per child and per count; in a subquery kept apart (``OFFSET 0``) each
    is one hashed lookup per child (docs/benchmarks.md)."""
    flags = {f"is_{name}": ExpressionWrapper(condition, output_field=BooleanField())
             for name, condition in _COUNTED.items()}
    inner = (
        children.with_categories(today).with_five_clear()
        .annotate(has_mentor=Exists(_active(PairingKind.MENTOR)),
                  has_surrogate=Exists(_active(PairingKind.SURROGATE)))
        .annotate(**flags).order_by().values("school_id", *flags)
    )
    try:
        sql, params = inner.query.sql_with_params()
    except EmptyResultSet:  # no school at all: nothing to count
        return {}
    if connection.vendor == "postgresql":
        sql += " OFFSET 0"  # evaluated as it stands, row by row: not merged into the counts
    counts = ", ".join(f"SUM(CASE WHEN {connection.ops.quote_name(flag)} THEN 1 ELSE 0 END)"
                       for flag in flags)
    result = {}
    with connection.cursor() as cursor:
        # Only the flags' names are written into the SQL; the values are parameters.
        cursor.execute(f"SELECT school_id, COUNT(*), {counts} "  # noqa: S608
                       f"FROM ({sql}) child GROUP BY school_id", params)
        for school_id, registered, *found in cursor.fetchall():
            row = dict(zip(_COUNTED, (int(n) for n in found), strict=True))
            figures = Figures(registered=registered, **{name: row[name] for name in (
                "boys", "girls", "primary", "junior", "boarding", "five_clear",
                "with_mentor", "with_surrogate")})
            figures.categories = {category: row[f"cat_{category}"] for category in CATEGORIES}
            result[school_id] = figures
    return result


def _grouped(queryset, field_name="school_id", **aggregates):
    return {row[field_name]: row for row in
            queryset.order_by().values(field_name).annotate(**aggregates)}


def school_figures(user, schools, period, today=None, *, chart_range=None):
    """``{school_id: Figures}`` for ``schools`` (a queryset of schools the user may see)
    over ``period``. With ``chart_range`` (a ``cadence.Range``: the summary's term chart),
    ``(figures, Compliance)`` is returned, the compliance over that range of the same
    children, from the same pass of the engine; the weeks of it that are over are read
    back when nothing they depend on has changed (``reports.term_chart``)."""
    today = today or timezone.localdate()
    school_list = list(schools.values_list("pk", "pupils_enrolled"))
    school_ids = [pk for pk, _pupils in school_list]
    # The schools as a subquery, not a list of ids: PostgreSQL estimates the children of
    # 300 listed schools at two thirds of them, and then hashes the children's wide rows
    # for each family join instead of merging them on family_one_father_mother_guardian
    # (the counts: ~0.7 s instead of ~0.3 s; docs/benchmarks.md).
    children = registry_children(user).filter(school__in=schools.order_by().values("pk"))
    figures = {pk: Figures() for pk in school_ids}
    figures.update(_child_counts(children, today))
    for pk, pupils in school_list:
        figures[pk].pupils = pupils

    with term_chart.snapshot(chart_range is not None), _collector_paused():
        by_group, kept, chart = _compliance(children, school_ids, period, today,
                                            chart_range)
    for school_id, compliance in by_group.items():
        figures[school_id].compliance = compliance
    if kept is not None:  # the weeks that are over read back, and kept if computed
        chart = term_chart.complete(kept, chart)
    elif chart is None and chart_range is not None:  # nobody on the registry
        chart = cadence.Compliance(chart_range.start, chart_range.end, {}, {}, {})

    concerns = _grouped(
        _made_at(Concern, user, school_ids).open(),
        open=Count("pk"), serious=Count("pk", filter=Q(severity=Severity.SERIOUS)),
    )
    for school_id, row in concerns.items():
        figures[school_id].open_concerns = row["open"]
        figures[school_id].serious_concerns = row["serious"]

    end = min(period.end, today)
    entered = Q(entered_on__range=(period.start, end))
    exited = Q(exited_on__range=(period.start, end))
    # Only the episodes counted are read (the indexes on school and entry or exit day),
    # not every episode of the schools.
    episodes = _made_at(RegistryEpisode, user, school_ids).filter(entered | exited)
    for school_id, row in _grouped(
        episodes, entries=Count("pk", filter=entered), exits=Count("pk", filter=exited),
    ).items():
        figures[school_id].entries = row["entries"]
        figures[school_id].exits = row["exits"]
    if chart_range is not None:
        return figures, chart
    return figures


def _made_at(model, user, school_ids):
    """The records of ``model`` (concerns, registry episodes: records that keep the school
    they were made at) made at ``school_ids`` that ``user`` may see, as
    ``model.objects.for_user(user)`` says. Their rule (``child_record_filter``) gives
    everyone but a teacher every record made at a school of their area, so that is
    tested first, and the whole rule only for a record made elsewhere: PostgreSQL then
    skips the rule's subquery (every child of the area, hashed: ~30 ms for a county, in
    each of two queries) when all the schools are the user's, as the summary's are. (A
    superuser's area is no condition: the rule alone, as before. tests/reports/
    test_figures.py compares both for every role.)"""
    if user.is_teacher:  # a teacher's records are their children's, wherever made
        return model.objects.for_user(user).filter(school_id__in=school_ids)
    return model.objects.filter(school_id__in=school_ids).filter(
        area_filter(user, school_path="school")
        | Q(pk__in=model.objects.for_user(user).values("pk")))


@contextmanager
def _collector_paused():
    """Python's cyclic garbage collector paused while the engine's pass runs. The pass
    builds some 150,000 small tuples, lists and dicts for a county (episodes, patterns,
    masks), which set off the collector again and again, its full collections going
    through every object of the process: 60-100 ms of the county summary's CPU time
    (docs/benchmarks.md). Reference counting frees what the pass builds; anything
    cyclic waits for the collector, which runs again as soon as the pass is over.
    (Process-wide: a request running in another thread meanwhile allocates without
    cyclic collection for that long, which changes no result.)"""
    if not gc.isenabled():  # paused already (another request's pass, in another thread)
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _compliance(children, school_ids, period, today, chart_range):
    """``(by_group, kept, chart)`` from one pass of the engine: ``by_group`` the compliance
    over ``period`` of each school's children (``{school_id: {code: (met, owed)}}``); with
    ``chart_range``, ``kept`` what ``term_chart.prepare`` read back of it (``None``: the
    chart is not kept, and ``chart`` is the ``Compliance`` over the whole range) and
    ``chart`` the ``Compliance`` over the rest (``None`` if nothing was left). Called
    inside ``term_chart.snapshot()``: the children, the kept weeks' fingerprints and the
    pass read one state of the database, so a kept week's figures are those of its
    fingerprint's data."""
    # The children's registry episodes with their schools and counties, in one query:
    # the engine needs no query for either. (From the children's side: one join, where
    # the episodes' side joined the children twice, for the filter and for the columns.)
    rows = list(children.order_by().values_list(
        "pk", "school_id", "county_id", "episodes__entered_on", "episodes__exited_on"))
    if not rows:
        return {}, None, None
    school_of = {child_id: school_id for child_id, school_id, *_rest in rows}
    table = cadence.Range(period.start, period.end, as_of=today, per_child=False,
                          groups=school_of)
    kept = chart_part = None
    if chart_range is not None:
        kept = term_chart.prepare(rows, chart_range, today, scope=tuple(sorted(school_ids)))
        chart_part = kept.range if kept is not None else chart_range
    # On this week's summary (the default), the week under way is what the table counts:
    # the same periods of the same children, so the chart takes it from the table's range.
    shared = (kept is not None and chart_part is not None
              and (chart_part.start, chart_part.end) == (table.start, table.end))
    ranges = [table] if chart_part is None or shared else [table, chart_part]
    result = cadence.assess(
        children,
        county_of={child_id: county_id for child_id, _school, county_id, *_rest in rows},
        episodes=[(child_id, entered, exited)
                  for child_id, _school, _county, entered, exited in rows],
        ranges=ranges)
    chart = result.compliance[-1] if chart_part is not None else None
    return result.compliance[0].by_group, kept, chart


def county_summary(user, schools, period, today=None, *, chart_range=None):
    """The summary table over ``schools``: grouped by township (in order), each with its
    subtotal, and the total; every total is the sum of its rows. With ``chart_range``
    (a ``cadence.Range``), ``Summary.chart`` is the compliance over it of the same
    children, from the same pass of the engine (the summary's term chart)."""
    today = today or timezone.localdate()
    schools = schools.select_related("township").order_by("township__name", "township_id",
                                                          "code", "pk")
    school_list = list(schools)
    chart = None
    if chart_range is None:
        figures = school_figures(user, schools, period, today)
    else:
        figures, chart = school_figures(user, schools, period, today,
                                        chart_range=chart_range)
    standards = standards_in_force({school.county_id for school in school_list},
                                   min(period.end, today))
    groups = []
    total = Figures()
    for school in school_list:
        if not groups or groups[-1].township.pk != school.township_id:
            groups.append(TownshipGroup(school.township, [], Figures()))
        line = SchoolLine(school, figures[school.pk])
        groups[-1].schools.append(line)
        groups[-1].subtotal.add(line.figures)
        total.add(line.figures)
    return Summary(period=period, standards=standards, townships=groups, total=total,
                   chart=chart)


__all__ = [
    "OVERDUE_ANY", "Cell", "Changes", "Figures", "StatusRow", "StatusSheet", "Summary",
    "county_summary", "registry_children", "school_changes", "school_figures",
    "standards_in_force", "status_children", "status_sheet",
]
