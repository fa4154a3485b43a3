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
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Q, Subquery
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
from registry.models import Category, Child, EntryKind, ExitReason, RegistryEpisode, Sex
from registry.models.children import category_q

# The summary's category columns, in the registry's order.
CATEGORIES = list(Category)
_STANDARD_ORDER = {code: index for index, code in enumerate(StandardCode)}
# Grades 1–6 are primary, 7–9 junior secondary (a nine-year school has both).
JUNIOR_FROM_GRADE = 7


def _active(kind):
    return Pairing.objects.filter(child=OuterRef("pk"), kind=kind, end_date__isnull=True)


def registry_children(user):
    """The population of every report: the children on the registry the user may see."""
    return Child.objects.for_user(user).in_registry()


def standards_in_force(county_ids, day):
    """``[(code, label)]`` of the standards in force on ``day`` in these counties, in the
    plan's order (one query)."""
    codes = set(CareStandard.objects.filter(county_id__in=county_ids).in_force(day)
                .values_list("code", flat=True))
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


def status_children(user, school, filters=None, today=None):
    """The sheet's children: on the registry at ``school``, with what the rows show
    computed in SQL, filtered by everything but "overdue" (which needs the engine)."""
    filters = filters or {}
    qs = (
        with_concern_flags(registry_children(user).filter(school=school))
        .with_categories(today)
        .with_five_clear()
        .select_related("classroom")
        .annotate(
            mentor_name=Subquery(_active(PairingKind.MENTOR).values("staff__real_name")[:1]),
            surrogate_name=Subquery(
                _active(PairingKind.SURROGATE).values("staff__real_name")[:1]),
            has_mentor=Exists(_active(PairingKind.MENTOR)),
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
        qs = qs.filter(has_mentor=False)
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
    standards = standards_in_force([school.county_id], min(period.end, today))
    ids = [child.pk for child in children]
    states = cadence.standard_states(ids, today, today=today) if ids else {}
    compliance = cadence.compliance(ids, period.start, period.end, as_of=today) if ids else None
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
                       changes=school_changes(user, school, *changes_range(period, today)))


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
    episodes = (
        RegistryEpisode.objects.for_user(user).filter(school=school)
        .filter(Q(entered_on__range=(start, end)) | Q(exited_on__range=(start, end)))
        .select_related("child", "child__classroom")
        .order_by("entered_on", "pk")
    )
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
    return changes


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

    @property
    def school_lines(self):
        return [line for group in self.townships for line in group.schools]


def _child_counts(children, today):
    """``{school_id: Figures}`` of the counts, in one grouped query."""
    qs = (
        children.with_categories(today).with_five_clear()
        .annotate(has_mentor=Exists(_active(PairingKind.MENTOR)),
                  has_surrogate=Exists(_active(PairingKind.SURROGATE)))
        .order_by().values("school_id")
    )
    aggregates = {
        "registered": Count("pk"),
        "boys": Count("pk", filter=Q(sex=Sex.MALE)),
        "girls": Count("pk", filter=Q(sex=Sex.FEMALE)),
        "primary": Count("pk", filter=Q(classroom__grade__lt=JUNIOR_FROM_GRADE)),
        "junior": Count("pk", filter=Q(classroom__grade__gte=JUNIOR_FROM_GRADE)),
        "boarding": Count("pk", filter=Q(boarding=True)),
        "five_clear": Count("pk", filter=Q(five_clear_count=5)),
        "with_mentor": Count("pk", filter=Q(has_mentor=True)),
        "with_surrogate": Count("pk", filter=Q(has_surrogate=True)),
    }
    for category in CATEGORIES:
        aggregates[f"cat_{category}"] = Count("pk", filter=category_q(category))
    result = {}
    for row in qs.annotate(**aggregates):
        figures = Figures(**{name: row[name] for name in (
            "registered", "boys", "girls", "primary", "junior", "boarding", "five_clear",
            "with_mentor", "with_surrogate")})
        figures.categories = {category: row[f"cat_{category}"] for category in CATEGORIES}
        result[row["school_id"]] = figures
    return result


def _grouped(queryset, field_name="school_id", **aggregates):
    return {row[field_name]: row for row in
            queryset.order_by().values(field_name).annotate(**aggregates)}


def school_figures(user, schools, period, today=None):
    """``{school_id: Figures}`` for ``schools`` (a queryset of schools the user may see)
    over ``period``."""
    today = today or timezone.localdate()
    school_ids = list(schools.values_list("pk", flat=True))
    children = registry_children(user).filter(school_id__in=school_ids)
    figures = {pk: Figures() for pk in school_ids}
    figures.update(_child_counts(children, today))
    for pk, pupils in schools.values_list("pk", "pupils_enrolled"):
        figures[pk].pupils = pupils

    school_of = dict(children.values_list("pk", "school_id"))
    if school_of:
        compliance = cadence.compliance(children, period.start, period.end, as_of=today)
        by_school = defaultdict(list)
        for child_id, school_id in school_of.items():
            by_school[school_id].append(child_id)
        for school_id, child_ids in by_school.items():
            figures[school_id].compliance = compliance.summed(child_ids)

    concerns = _grouped(
        Concern.objects.for_user(user).open().filter(school_id__in=school_ids),
        open=Count("pk"), serious=Count("pk", filter=Q(severity=Severity.SERIOUS)),
    )
    for school_id, row in concerns.items():
        figures[school_id].open_concerns = row["open"]
        figures[school_id].serious_concerns = row["serious"]

    end = min(period.end, today)
    episodes = RegistryEpisode.objects.for_user(user).filter(school_id__in=school_ids)
    for school_id, row in _grouped(
        episodes, entries=Count("pk", filter=Q(entered_on__range=(period.start, end))),
        exits=Count("pk", filter=Q(exited_on__range=(period.start, end))),
    ).items():
        figures[school_id].entries = row["entries"]
        figures[school_id].exits = row["exits"]
    return figures


def county_summary(user, schools, period, today=None):
    """The summary table over ``schools``: grouped by township (in order), each with its
    subtotal, and the total; every total is the sum of its rows."""
    today = today or timezone.localdate()
    schools = schools.select_related("township").order_by("township__name", "township_id",
                                                          "code", "pk")
    school_list = list(schools)
    figures = school_figures(user, schools, period, today)
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
    return Summary(period=period, standards=standards, townships=groups, total=total)


__all__ = [
    "OVERDUE_ANY", "Cell", "Changes", "Figures", "StatusRow", "StatusSheet", "Summary",
    "county_summary", "registry_children", "school_changes", "school_figures",
    "standards_in_force", "status_children", "status_sheet",
]
