"""Reads of the registry that are more than a filter; each takes the user and starts
from the scoped querysets."""

from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Count, Q, Sum
from django.utils import timezone

from interventions.selectors import with_concern_flags
from registry.models import (
    Child,
    Classroom,
    FivePart,
    RegistryEpisode,
    School,
    User,
)
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
    """Accounts whose password ``user`` may reset (and whose lockout they may lift)."""
    return User.objects.for_user(user).filter(role__in=managed_roles(user))


def locked_out_usernames(staff):
    """The usernames among the accounts ``staff`` that django-axes holds locked now: as
    many wrong passwords as AXES_FAILURE_LIMIT from one address within the cool-off time
    (AXES_LOCKOUT_PARAMETERS: username and address together). One query."""
    return set(
        AccessAttempt.objects.filter(
            username__in=staff.values("username"),
            attempt_time__gte=timezone.now() - settings.AXES_COOLOFF_TIME,
        )
        .values("username", "ip_address")
        .annotate(failures=Sum("failures_since_start"))
        .filter(failures__gte=settings.AXES_FAILURE_LIMIT)
        .values_list("username", flat=True)
    )


def child_list(user, filters=None, today=None):
    """The children a user may see, filtered as the child list's form says, with their
    categories, five-clear state and open concerns computed in SQL (a fixed number of
    queries)."""
    filters = filters or {}
    qs = (
        with_concern_flags(Child.objects.for_user(user))
        .with_categories(today)
        .with_five_clear()
        .with_on_registry()
        .select_related("classroom", "school")
        .order_by("school__code", "classroom__grade", "classroom__number", "name", "pk")
    )
    if filters.get("q"):
        qs = qs.filter(name__contains=filters["q"].strip())
    if filters.get("school"):
        qs = qs.filter(school=filters["school"])
    if filters.get("classroom"):
        qs = qs.filter(classroom=filters["classroom"])
    if filters.get("category"):
        qs = qs.carrying(filters["category"])
    if filters.get("incomplete"):
        qs = qs.filter(five_clear_count__lt=len(FivePart))
    status = filters.get("status") or "registered"
    if status != "all":
        qs = qs.filter(on_registry=status == "registered")
    attention = filters.get("attention")
    if attention == "exit":
        qs = qs.filter(on_registry=True, has_category=False)
    elif attention == "enter":
        qs = qs.filter(on_registry=False, has_category=True)
    return qs


def registry_attention(user, today=None):
    """How many children the school should look at again, because what the system
    derives changed: on the registry with no category left (a parent came home), or
    off it while meeting a category (three months reached). The school decides."""
    qs = Child.objects.for_user(user).with_categories(today).with_on_registry()
    return qs.aggregate(
        exit=Count("pk", filter=Q(on_registry=True, has_category=False)),
        enter=Count("pk", filter=Q(on_registry=False, has_category=True)),
    )


def child_episodes(user, child):
    return (
        RegistryEpisode.objects.for_user(user)
        .filter(child=child)
        .select_related("school", "opened_by", "closed_by")
        .order_by("-entered_on", "-pk")
    )
