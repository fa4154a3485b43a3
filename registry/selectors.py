"""Reads of the registry that are more than a filter; each takes the user and starts
from the scoped querysets."""

from django.db.models import Count, Q
from django.utils import timezone

from registry.models import Classroom, School, User
from registry.permissions import managed_roles


def current_school_year(today=None):
    """The school year running on ``today``: it starts in September, and the summer
    holiday (from August) already belongs to the coming year."""
    today = today or timezone.localdate()
    start = today.year if today.month >= 8 else today.year - 1
    return f"{start}-{start + 1}"


def schools_for_list(user):
    year = current_school_year()
    return (
        School.objects.for_user(user)
        .select_related("township", "county")
        .annotate(
            class_count=Count("classrooms", filter=Q(classrooms__school_year=year), distinct=True),
            staff_count=Count("staff", filter=Q(staff__is_active=True), distinct=True),
        )
        .order_by("county__code", "township__name", "code")
    )


def classrooms_for_school(user, school):
    return (
        Classroom.objects.for_user(user)
        .filter(school=school, school_year=current_school_year())
        .select_related("homeroom_teacher")
    )


def staff_for_school(user, school):
    return User.objects.for_user(user).filter(school=school).order_by("role", "real_name")


def resettable_staff(user):
    """Accounts whose password ``user`` may reset."""
    return User.objects.for_user(user).filter(role__in=managed_roles(user))
