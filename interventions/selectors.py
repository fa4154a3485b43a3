"""Reads of the care work that are more than a filter; each takes the user and starts
from the scoped querysets."""

from django.db.models import Count, Exists, F, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

from interventions.models import Concern, Pairing, PairingKind, Volunteer
from registry.models import Child, User
from registry.models.users import SCHOOL_ROLES

UNPAIRED_MENTOR = "mentor"
UNPAIRED_SURROGATE = "surrogate"


def _active(kind):
    return Pairing.objects.filter(child=OuterRef("pk"), kind=kind, end_date__isnull=True)


def with_concern_flags(children):
    """Annotate a child queryset with ``open_concerns`` (how many concerns are open) and
    ``serious_concern`` (one of them is a mandatory report), in two subqueries, so a
    serious concern stands out wherever a child is listed. A child's concerns follow the
    child: whoever may see the child sees that it has one."""
    open_concerns = Concern.objects.open().filter(child=OuterRef("pk"))
    return children.annotate(
        open_concerns=Coalesce(
            Subquery(open_concerns.order_by().values("child").annotate(n=Count("pk"))
                     .values("n")[:1], output_field=IntegerField()),
            0,
        ),
        serious_concern=Exists(open_concerns.serious()),
    )


def pairing_rows(user, school, *, classroom=None, unpaired=""):
    """The school's children on the registry, each with the name of their active mentor
    and surrogate parent, in two subqueries: one query whatever the number of children.
    ``unpaired`` keeps only those with no active mentor (or no surrogate parent)."""
    qs = (
        with_concern_flags(Child.objects.for_user(user).in_registry().filter(school=school))
        .select_related("classroom")
        .annotate(
            mentor_name=Subquery(_active(PairingKind.MENTOR).values("staff__real_name")[:1]),
            surrogate_name=Subquery(
                _active(PairingKind.SURROGATE).values("staff__real_name")[:1]
            ),
            has_mentor=Exists(_active(PairingKind.MENTOR)),
            has_surrogate=Exists(_active(PairingKind.SURROGATE)),
        )
        .order_by("classroom__grade", "classroom__number", "name", "pk")
    )
    if classroom is not None:
        qs = qs.filter(classroom=classroom)
    if unpaired == UNPAIRED_MENTOR:
        qs = qs.filter(has_mentor=False)
    elif unpaired == UNPAIRED_SURROGATE:
        qs = qs.filter(has_surrogate=False)
    return qs


def pairable_staff(user, school):
    """The teachers and admins of ``school`` who may be a mentor or surrogate parent,
    with how many children each already mentors or looks after."""
    active = Q(pairings__end_date__isnull=True,
               pairings__kind__in=[PairingKind.MENTOR, PairingKind.SURROGATE])
    return (
        User.objects.for_user(user)
        .filter(school=school, role__in=SCHOOL_ROLES, is_active=True)
        .annotate(paired_count=Count("pairings", filter=active))
        .order_by("real_name", "pk")
    )


def child_pairings(child):
    """A child's pairings, active first, then the past ones, latest ended first. The caller
    has the child from the access rule."""
    return (
        Pairing.objects.filter(child=child)
        .select_related("staff", "volunteer", "buddy_classroom")
        .order_by(F("end_date").desc(nulls_first=True), "-start_date", "-pk")
    )


def volunteers_for_list(user):
    return (
        Volunteer.objects.for_user(user).select_related("school")
        .annotate(active_pairings=Count("pairings", filter=Q(pairings__end_date__isnull=True)))
        .order_by("school__name", "name", "pk")
    )
