"""The school-year rollover's plan, and the form the school admin adjusts it with.

At the start of a school year every class moves up a grade into a new class of the new
school year (last year's classes stay, with who led them, as history); the school's first
grade opens new, empty classes; the top grade leaves, each child graduating or handed on
to a junior secondary school of the county. ``rollover_plan`` says what would happen and
writes nothing; ``registry.services.school_rollover`` carries it out.

Which years: the plan moves the school from the school year its classes are in now to the
next one. That is ``current_school_year()``, unless the new year has already begun (from
August) and the school has not moved up yet: then its classes are still last year's, and
the plan moves them into the year that has begun.
"""

from dataclasses import dataclass, field
from datetime import date

from django import forms
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from registry.models import Child, Classroom, School, SchoolStage, Term, User
from registry.models.users import SCHOOL_ROLES
from registry.selectors import current_school_year

# Where a primary school's leavers may be handed on to.
RECEIVING_STAGES = (SchoolStage.JUNIOR, SchoolStage.NINE_YEAR)
GRADUATE = "graduate"
MAX_FIRST_YEAR_CLASSES = 20


def shift_school_year(school_year, years):
    start = int(school_year[:4]) + years
    return f"{start}-{start + 1}"


def rollover_years(school, today=None):
    """(from, to): the school year the school's classes are in, and the next one."""
    current = current_school_year(today)
    previous = shift_school_year(current, -1)
    years = set(
        Classroom.objects.filter(school=school, school_year__in=[previous, current])
        .values_list("school_year", flat=True)
    )
    from_year = previous if previous in years and current not in years else current
    return from_year, shift_school_year(from_year, 1)


def rollover_date(county_id, school_year):
    """The day the new year's classes begin: the first day of its first term in the
    county's calendar, else 1 September."""
    term = Term.objects.filter(county_id=county_id, school_year=school_year, semester=1).first()
    return term.start_date if term else date(int(school_year[:4]), 9, 1)


@dataclass
class ClassMove:
    classroom: Classroom  # this year's class
    grade: int  # its grade next year
    children: int

    @property
    def field_name(self):
        return f"teacher_{self.classroom.pk}"

    @property
    def label(self):
        return _("Grade %(grade)s Class %(number)s") % {
            "grade": self.grade, "number": self.classroom.number,
        }


@dataclass
class Leaver:
    child: Child
    on_registry: bool

    @property
    def field_name(self):
        return f"fate_{self.child.pk}"


@dataclass
class RolloverPlan:
    school: School
    from_year: str
    to_year: str
    on: date  # the date of the change: exits and entries are dated on it
    first_grade: int
    top_grade: int
    moves: list = field(default_factory=list)  # ClassMove
    leaving: list = field(default_factory=list)  # this year's top-grade classes
    leavers: list = field(default_factory=list)  # Leaver
    first_year_classes: int = 0  # how many first-grade classes this year has
    already_done: bool = False

    @property
    def can_run(self):
        return not self.already_done and bool(self.moves or self.leaving)

    @property
    def children_moving(self):
        return sum(move.children for move in self.moves)

    @property
    def may_hand_on(self):
        """Only a primary school's leavers go on to a junior secondary school; those
        leaving grade 9 leave compulsory education."""
        return self.school.stage == SchoolStage.PRIMARY

    @property
    def early(self):
        """The new year is months away: moving up now is probably a mistake."""
        return timezone.localdate() < date(self.on.year, 6, 1)


def rollover_plan(user, school, today=None):
    """What moving ``school`` up a year would do, as ``user`` sees it."""
    from_year, to_year = rollover_years(school, today)
    grades = school.grades
    plan = RolloverPlan(
        school=school, from_year=from_year, to_year=to_year,
        on=rollover_date(school.county_id, to_year),
        first_grade=min(grades), top_grade=max(grades),
        already_done=Classroom.objects.filter(school=school, school_year=to_year).exists(),
    )
    classrooms = (
        Classroom.objects.for_user(user)
        .filter(school=school, school_year=from_year)
        .select_related("homeroom_teacher")
        .annotate(child_count=Count("children"))
        .order_by("grade", "number")
    )
    for classroom in classrooms:
        if classroom.grade >= plan.top_grade:
            plan.leaving.append(classroom)
        else:
            plan.moves.append(ClassMove(classroom, classroom.grade + 1, classroom.child_count))
        if classroom.grade == plan.first_grade:
            plan.first_year_classes += 1
    leavers = (
        Child.objects.for_user(user)
        .filter(classroom__in=plan.leaving)
        .with_on_registry()
        .select_related("classroom")
        .order_by("classroom__number", "name", "pk")
    )
    plan.leavers = [Leaver(child, child.on_registry) for child in leavers]
    return plan


def homeroom_candidates(user, school):
    """Who may lead a class of the school: its active teachers and admins."""
    return (
        User.objects.for_user(user)
        .filter(school=school, role__in=SCHOOL_ROLES, is_active=True)
        .order_by("real_name", "username")
    )


def receiving_schools(school):
    """The county's junior secondary and nine-year schools, the choices for handing a
    leaver on. Their names are no secret; the sending admin sees nothing else of them."""
    return (
        School.objects.filter(county_id=school.county_id, stage__in=RECEIVING_STAGES)
        .exclude(pk=school.pk)
        .order_by("township__name", "code")
    )


@dataclass
class RolloverChoices:
    """The admin's decisions on top of the plan."""

    homeroom_teachers: dict  # this year's classroom pk -> teacher (or None) of its successor
    first_year_teachers: list  # one entry (teacher or None) per new first-grade class
    default_destination: School | None = None  # None: graduate
    destinations: dict = field(default_factory=dict)  # child pk -> School or None


class RolloverForm(forms.Form):
    """The teachers of next year's classes, how many first-year classes open and who
    leads them, and where the leavers go. A POST without ``confirm`` only redraws the
    plan (after a change in the number of first-year classes)."""

    from_year = forms.CharField(widget=forms.HiddenInput)
    to_year = forms.CharField(widget=forms.HiddenInput)
    first_year_count = forms.IntegerField(
        label=gettext_lazy("Number of new classes"), min_value=0,
        max_value=MAX_FIRST_YEAR_CLASSES,
    )

    def __init__(self, data=None, *, plan, user):
        super().__init__(data, initial={
            "from_year": plan.from_year, "to_year": plan.to_year,
            "first_year_count": plan.first_year_classes,
        })
        self.plan = plan
        # One query for every teacher select on the page.
        self.teachers = {t.pk: t for t in homeroom_candidates(user, plan.school)}
        for move in plan.moves:
            teacher_id = move.classroom.homeroom_teacher_id
            self.fields[move.field_name] = self._teacher_field(
                move.label, teacher_id if teacher_id in self.teachers else None,
            )
        # A leaving class's teacher is free to take a new first-year class.
        freed = [c.homeroom_teacher_id for c in plan.leaving
                 if c.homeroom_teacher_id in self.teachers]
        for number in range(1, self._first_year_count() + 1):
            self.fields[f"first_year_teacher_{number}"] = self._teacher_field(
                _("Grade %(grade)s Class %(number)s")
                % {"grade": plan.first_grade, "number": number},
                freed[number - 1] if number <= len(freed) else None,
            )
        self.schools = {}
        if plan.leavers and plan.may_hand_on:
            self.schools = {str(s.pk): s for s in receiving_schools(plan.school)}
            fates = [(GRADUATE, _("Graduates")), *(
                (pk, _("Handed on to %(school)s") % {"school": school})
                for pk, school in self.schools.items()
            )]
            self.fields["destination"] = forms.ChoiceField(
                label=_("All leavers"), choices=fates, initial=GRADUATE,
            )
            for leaver in plan.leavers:
                self.fields[leaver.field_name] = forms.ChoiceField(
                    label=leaver.child.name, required=False,
                    choices=[("", _("As for all leavers")), *fates],
                )

    def _teacher_field(self, label, initial):
        choices = [("", "—"), *((pk, t.real_name or t.username) for pk, t in self.teachers.items())]
        return forms.TypedChoiceField(label=label, choices=choices, coerce=int, required=False,
                                      empty_value=None, initial=initial)

    def _teacher(self, name):
        pk = self.cleaned_data.get(name)
        return None if pk is None else self.teachers[pk]

    def _first_year_count(self):
        """How many teacher fields to draw: the posted number when it is one."""
        raw = self.data.get("first_year_count") if self.is_bound else None
        try:
            count = int(raw) if raw is not None else self.plan.first_year_classes
        except ValueError:
            count = self.plan.first_year_classes
        return max(0, min(count, MAX_FIRST_YEAR_CLASSES))

    def clean(self):
        cleaned = super().clean()
        if (cleaned.get("from_year"), cleaned.get("to_year")) != (self.plan.from_year,
                                                                  self.plan.to_year):
            raise forms.ValidationError(_("The school's classes have changed since this page "
                                          "was opened. Check the plan again."))
        return cleaned

    def move_rows(self):
        return [(move, self[move.field_name]) for move in self.plan.moves]

    def first_year_rows(self):
        return [self[name] for name in self.fields if name.startswith("first_year_teacher_")]

    def leaver_rows(self):
        return [(leaver, self[leaver.field_name] if leaver.field_name in self.fields else None)
                for leaver in self.plan.leavers]

    def choices(self):
        data = self.cleaned_data

        def destination(value):
            return None if value in ("", GRADUATE) else self.schools[value]

        default = destination(data.get("destination", GRADUATE))
        return RolloverChoices(
            homeroom_teachers={move.classroom.pk: self._teacher(move.field_name)
                               for move in self.plan.moves},
            first_year_teachers=[self._teacher(f"first_year_teacher_{n}")
                                 for n in range(1, data["first_year_count"] + 1)],
            default_destination=default,
            destinations={
                leaver.child.pk: destination(data[leaver.field_name])
                for leaver in self.plan.leavers
                if data.get(leaver.field_name)
            },
        )
