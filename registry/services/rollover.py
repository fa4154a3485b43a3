"""Moving a school up a school year, in one step, and handing a leaver on to a junior
secondary school of the county."""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from registry.models import Child, Classroom, EntryKind, ExitReason, School
from registry.permissions import require_perm
from registry.rollover import RECEIVING_STAGES
from registry.services.children import _open_episode, child_exit
from registry.services.classrooms import classroom_open


def _move_to_class(child, classroom):
    # The rollover has checked the actor's reach over the whole school, and a child
    # moving within their school changes nothing full_clean would look at; saving each
    # child (not a bulk update) keeps the class change in their change history.
    child.classroom = classroom
    child.save(update_fields=["classroom", "updated_at"])


@transaction.atomic
def child_hand_on(*, actor, child, school, on):
    """Hand a child of the actor's school on to ``school``, a junior secondary or
    nine-year school of the same county, as of ``on``: the sending school closes the
    child's open registry episode as "transferred out", the receiving school gets a
    "transferred in" episode from the same day, and the child is at the receiving school
    with no class until it places them.

    The receiving school's episode is opened by ``actor``, the sending school's admin:
    the hand-on is their act, and the receiving school sees who made it. A child who is
    not on the registry moves with their file and stays off it. Dates before the open
    episode's entry are moved up to it."""
    require_perm(actor, "registry.manage_registry")
    if not Child.objects.for_user(actor).filter(pk=child.pk).exists():
        raise PermissionDenied
    if (school.county_id != child.county_id or school.stage not in RECEIVING_STAGES
            or school.pk == child.school_id):
        raise ValidationError({"school": _(
            "A child can be handed on only to a junior secondary or nine-year school of the "
            "same county."
        )})
    episode = child.episodes.select_for_update().filter(exited_on__isnull=True).first()
    if episode is not None:
        on = max(on, episode.entered_on)
        episode.exited_on, episode.exit_reason = on, ExitReason.TRANSFERRED_OUT
        episode.closed_by = actor
        episode.save()
    child.school, child.classroom = school, None
    child.full_clean()
    child.save()
    if episode is not None:
        return _open_episode(actor=actor, child=child, kind=EntryKind.TRANSFERRED_IN,
                             entered_on=on)
    return None


def _graduate(*, actor, child, on):
    """The child leaves the school's classes; their registry episode, if open, closes
    as "graduated". They stay in the school's records, with no class."""
    episode = child.episodes.filter(exited_on__isnull=True).first()
    if episode is not None:
        child_exit(actor=actor, child=child, exited_on=max(on, episode.entered_on),
                   reason=ExitReason.GRADUATED)
    _move_to_class(child, None)


@dataclass
class RolloverResult:
    classes: int = 0  # classes opened for the new year
    moved: int = 0  # children moved up into them
    graduated: int = 0
    handed_on: int = 0


@transaction.atomic
def school_rollover(*, actor, plan, choices):
    """Carry out a ``registry.rollover.RolloverPlan`` with the admin's ``choices``, all
    in one transaction: each class of ``plan.from_year`` below the top grade opens as a
    new class of ``plan.to_year`` a grade up with the same number (last year's class
    stays, with its teacher, as history) and its children move into it; the first grade
    opens the chosen number of empty classes; the top grade's children graduate or are
    handed on. Any invalid choice (a teacher of another school, a receiving school of
    another county) raises and nothing is written."""
    require_perm(actor, "registry.rollover")
    # Locking the school row makes a second rollover of the same school wait, then
    # find next year's classes and refuse.
    school = School.objects.for_user(actor).select_for_update().filter(
        pk=plan.school.pk
    ).first()
    if school is None:
        raise PermissionDenied
    if Classroom.objects.filter(school=school, school_year=plan.to_year).exists():
        raise ValidationError(_("%(school)s already has classes in %(year)s: it has moved "
                                "up already.") % {"school": school, "year": plan.to_year})
    result = RolloverResult()
    for move in plan.moves:
        old = move.classroom
        teacher = choices.homeroom_teachers.get(old.pk, old.homeroom_teacher)
        new = classroom_open(actor=actor, school=school, school_year=plan.to_year,
                             grade=move.grade, number=old.number, homeroom_teacher=teacher)
        result.classes += 1
        for child in Child.objects.filter(classroom=old):
            _move_to_class(child, new)
            result.moved += 1
    for number, teacher in enumerate(choices.first_year_teachers, start=1):
        classroom_open(actor=actor, school=school, school_year=plan.to_year,
                       grade=plan.first_grade, number=number, homeroom_teacher=teacher)
        result.classes += 1
    leavers = Child.objects.filter(classroom__in=plan.leaving).order_by("pk")
    for child in leavers:
        destination = choices.destinations.get(child.pk, choices.default_destination)
        if destination is None:
            _graduate(actor=actor, child=child, on=plan.on)
            result.graduated += 1
        else:
            child_hand_on(actor=actor, child=child, school=destination, on=plan.on)
            result.handed_on += 1
    return result
