"""The teacher's week and the school's week at a glance: what the cadence engine says,
arranged for the page that shows it. Both run a fixed number of queries, whatever the
number of children."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Q
from django.utils.translation import pgettext_lazy

from interventions import cadence
from interventions.concerns import school_open_concerns
from interventions.models import (
    Channel,
    ContactLog,
    Pairing,
    PairingKind,
    Period,
    Severity,
    StandardCode,
)
from interventions.selectors import with_concern_flags
from registry.models import Child, Classroom, Term

# Short names for the chips on a phone-sized card.
CHIP_LABELS = {
    StandardCode.WEEKLY_TALK: pgettext_lazy("chip", "Talk"),
    StandardCode.FAMILY_CONTACT: pgettext_lazy("chip", "Family call"),
    StandardCode.HOME_VISIT: pgettext_lazy("chip", "Home visit"),
    StandardCode.SEMESTER_REPORT: pgettext_lazy("chip", "Term report"),
    StandardCode.FESTIVAL: pgettext_lazy("chip", "Festival"),
    StandardCode.GUARDIAN_CONTACT: pgettext_lazy("chip", "Guardian"),
}

# The channel a log form starts with when the teacher has none of their own yet.
DEFAULT_CHANNEL = {
    StandardCode.WEEKLY_TALK: Channel.IN_PERSON,
    StandardCode.FAMILY_CONTACT: Channel.PHONE,
    StandardCode.HOME_VISIT: Channel.IN_PERSON,
    StandardCode.SEMESTER_REPORT: Channel.PHONE,
    StandardCode.FESTIVAL: Channel.IN_PERSON,
    StandardCode.GUARDIAN_CONTACT: Channel.PHONE,
}

# The week shows what is owed this week and this month; longer periods only when overdue.
SHORT_PERIODS = (Period.WEEK, Period.MONTH)
_PERIOD_ORDER = {Period.WEEK: 0, Period.MONTH: 1, Period.SEMESTER: 2, Period.YEAR: 3}
_STATE_ORDER = {cadence.OVERDUE: 0, cadence.DUE: 1, cadence.MET: 2}
# Then the plan's order (the standards come as a set: without it, the order of two chips
# of one period and state changed from one server process to the next).
_CODE_ORDER = {code: index for index, code in enumerate(StandardCode)}
# How far back the teacher's usual channel is looked for.
_USUAL_CHANNEL_DAYS = 120


@dataclass
class Chip:
    code: str
    label: str
    state: str
    period: str
    count: int
    needed: int
    channel: str

    @property
    def is_open(self):
        return self.state in (cadence.OVERDUE, cadence.DUE)


@dataclass
class ChildRow:
    child: Child
    chips: list[Chip]
    behind: bool  # a standard overdue, or caught up after a missed period

    @property
    def next_chip(self):
        """The standard the big button logs: the first open one, else the first."""
        return next((chip for chip in self.chips if chip.is_open),
                    self.chips[0] if self.chips else None)

    @property
    def state(self):
        states = {chip.state for chip in self.chips}
        for state in (cadence.OVERDUE, cadence.DUE, cadence.MET):
            if state in states:
                return state
        return cadence.NOT_OWED


@dataclass
class Progress:
    code: str
    label: str
    period: str
    met: int
    owed: int

    @property
    def percent(self):
        return round(100 * self.met / self.owed) if self.owed else 0


@dataclass
class TeacherWeek:
    today: datetime.date
    week_start: datetime.date
    week_end: datetime.date
    term: Term | None
    term_week: int | None
    rows: list[ChildRow]
    progress: list[Progress] = field(default_factory=list)

    @property
    def open_count(self):
        return sum(1 for row in self.rows if row.state in (cadence.OVERDUE, cadence.DUE))


def responsible_children(user):
    """The children on the registry whose care is on ``user``'s list: those of the
    classes they lead and those they are the active mentor or surrogate parent of,
    each once, within the access rule."""
    children = Child.objects.for_user(user).in_registry()
    if user.is_teacher:
        return children  # the access rule of a teacher is exactly that list
    paired = Exists(Pairing.objects.filter(
        child=OuterRef("pk"), staff=user, end_date__isnull=True,
        kind__in=[PairingKind.MENTOR, PairingKind.SURROGATE],
    ))
    return children.filter(Q(classroom__homeroom_teacher=user) | Q(paired))


def _usual_channels(user, child_ids, today):
    """``{(child_id, code): channel}``: the channel of the user's latest log of each
    standard with each of ``child_ids`` (one query)."""
    since = today - datetime.timedelta(days=_USUAL_CHANNEL_DAYS)
    latest = {}
    rows = (ContactLog.objects.filter(author=user, child_id__in=child_ids,
                                      happened_on__gte=since)
            .order_by("happened_on", "pk").values_list("child_id", "standard", "channel"))
    for child_id, code, channel in rows:
        latest[(child_id, code)] = channel  # later rows overwrite earlier ones
    return latest


def _current_term(children_county_ids, today):
    return (Term.objects.filter(county_id__in=children_county_ids).holding(today)
            .order_by("start_date").first())


def teacher_week(user, today):
    """The week page's content for ``user`` on ``today``: every responsible child with a
    chip per weekly and monthly standard owed on the user's list (a term's or a year's
    only when overdue), the children behind first, then by class and name (a card does
    not move when it turns done), and the progress of each weekly and monthly
    standard."""
    base = responsible_children(user)
    children = list(
        with_concern_flags(base).select_related("classroom")
        .order_by("classroom__grade", "classroom__number", "name", "pk")
    )
    ids = [child.pk for child in children]
    states, mine, periods, channels = {}, {}, {}, {}
    if ids:
        # The children's counties and homeroom teachers are known, and the engine's pass
        # has the standards: no query for any of them.
        assessment = cadence.assess({child.pk: child.county_id for child in children},
                                    on=today, today=today)
        states = assessment.states
        mine = cadence.responsible_for(
            {child.pk: (child.county_id,
                        child.classroom.homeroom_teacher_id if child.classroom_id else None)
             for child in children},
            user, on=today, assessment=assessment)
        periods = assessment.periods_in_force(today)
        channels = _usual_channels(user, ids, today)

    rows = []
    tally = defaultdict(lambda: [0, 0])
    for child in children:
        chips = []
        behind = False
        for code in mine.get(child.pk, ()):
            state = states.get(child.pk, {}).get(code)
            if state is None or not state.owed:
                continue
            period = periods.get(code, Period.WEEK)
            if period not in SHORT_PERIODS and state.state != cadence.OVERDUE:
                continue  # a term's or a year's work shows when it is overdue
            chips.append(Chip(
                code=code, label=CHIP_LABELS.get(code, code), state=state.state,
                period=period, count=state.count, needed=state.needed,
                channel=channels.get((child.pk, code), DEFAULT_CHANNEL.get(code, "")),
            ))
            behind = behind or state.state == cadence.OVERDUE or state.behind
            tally[code][1] += 1
            if state.state == cadence.MET:
                tally[code][0] += 1
        chips.sort(key=lambda chip: (_PERIOD_ORDER.get(chip.period, 9),
                                     _STATE_ORDER.get(chip.state, 9),
                                     _CODE_ORDER.get(chip.code, 99)))
        rows.append(ChildRow(child=child, chips=chips, behind=behind))
    rows.sort(key=lambda row: not row.behind)  # stable: class and name order kept

    labels = dict(StandardCode.choices)
    progress = [
        Progress(code, labels.get(code, code), periods.get(code), met, owed)
        for code, (met, owed) in tally.items()
        if periods.get(code) in SHORT_PERIODS
    ]
    progress.sort(key=lambda p: (_PERIOD_ORDER[p.period], p.code))

    week_start = today - datetime.timedelta(days=today.weekday())
    term = _current_term({child.county_id for child in children} or {user.home_county_id},
                         today)
    term_week = None
    if term is not None:
        first_monday = term.start_date - datetime.timedelta(days=term.start_date.weekday())
        term_week = (week_start - first_monday).days // 7 + 1
    return TeacherWeek(today=today, week_start=week_start,
                       week_end=week_start + datetime.timedelta(days=6), term=term,
                       term_week=term_week, rows=rows, progress=progress)


@dataclass
class ClassGlance:
    classroom: object
    talked: int
    owed: int
    children: int
    unpaired: int


@dataclass
class SchoolGlance:
    today: datetime.date
    week_start: datetime.date
    week_end: datetime.date
    classes: list[ClassGlance]
    talked: int
    owed: int
    unpaired: int
    open_concerns: int
    serious_concerns: int
    has_weekly_talk: bool


def school_week_glance(user, school, today):
    """This week at the school, per class: children talked to (the weekly talk met) out
    of those who owe one, children without a staff mentor, and the school's open
    concerns. From the cadence engine, so it agrees with the teachers' weeks."""
    children = (Child.objects.for_user(user).in_registry().filter(school=school)
                .annotate(has_mentor=Exists(Pairing.objects.filter(
                    child=OuterRef("pk"), kind=PairingKind.MENTOR, end_date__isnull=True)))
                .select_related("classroom")
                .order_by("classroom__grade", "classroom__number", "pk"))
    rows = list(children.values("pk", "classroom_id", "has_mentor"))
    states = cadence.standard_states(children, today, today=today) if rows else {}
    code = StandardCode.WEEKLY_TALK
    by_class = defaultdict(lambda: [0, 0, 0, 0])  # talked, owed, children, unpaired
    has_weekly_talk = False
    for row in rows:
        tally = by_class[row["classroom_id"]]
        tally[2] += 1
        if not row["has_mentor"]:
            tally[3] += 1
        state = states.get(row["pk"], {}).get(code)
        if state is not None:
            has_weekly_talk = True
            if state.owed:
                tally[1] += 1
                tally[0] += state.state == cadence.MET
    classrooms = {c.pk: c for c in Classroom.objects.filter(pk__in=[k for k in by_class if k])}
    classes = [
        ClassGlance(classrooms.get(pk), *tally)
        for pk, tally in sorted(by_class.items(), key=lambda item: (
            item[0] is None,
            (classrooms[item[0]].grade, classrooms[item[0]].number) if item[0] else (0, 0)))
    ]
    concerns = school_open_concerns(user, school).order_by().aggregate(
        open=Count("pk"), serious=Count("pk", filter=Q(severity=Severity.SERIOUS)))
    week_start = today - datetime.timedelta(days=today.weekday())
    return SchoolGlance(
        today=today, week_start=week_start, week_end=week_start + datetime.timedelta(days=6),
        classes=classes, talked=sum(c.talked for c in classes),
        owed=sum(c.owed for c in classes), unpaired=sum(c.unpaired for c in classes),
        open_concerns=concerns["open"], serious_concerns=concerns["serious"],
        has_weekly_talk=has_weekly_talk,
    )
