"""Writers for classes: opening a class and naming its homeroom teacher. The staff import
and the school-year rollover both go through them."""

from django.core.exceptions import PermissionDenied
from django.db import transaction

from registry.models import Classroom, School
from registry.permissions import require_perm


@transaction.atomic
def classroom_set_homeroom_teacher(*, actor, classroom, teacher):
    """Make ``teacher`` (a teacher or admin of the class's school, or None) the homeroom
    teacher of a class the actor can reach."""
    require_perm(actor, "registry.change_classroom")
    if not Classroom.objects.for_user(actor).filter(pk=classroom.pk).exists():
        raise PermissionDenied
    classroom.homeroom_teacher = teacher
    classroom.full_clean()
    classroom.save(update_fields=["homeroom_teacher"])
    return classroom


@transaction.atomic
def classroom_open(*, actor, school, school_year, grade, number, homeroom_teacher=None):
    """Open a new class at a school the actor can reach."""
    require_perm(actor, "registry.add_classroom")
    if not School.objects.for_user(actor).filter(pk=school.pk).exists():
        raise PermissionDenied
    classroom = Classroom(school=school, school_year=school_year, grade=grade, number=number,
                          homeroom_teacher=homeroom_teacher)
    classroom.full_clean()
    classroom.save()
    return classroom
