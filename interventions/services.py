"""Writers for the care work: care standards, pairings and volunteers."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from interventions.models import CareStandard, Pairing, PairingKind, Volunteer
from interventions.standards import DEFAULTS_VALID_FROM, PLAN_DEFAULTS
from registry.models import Child, School
from registry.models.users import SCHOOL_ROLES


@transaction.atomic
def care_standards_install_defaults(*, county):
    """Give a county the plan's standards, for those it has none of yet."""
    existing = set(CareStandard.objects.filter(county=county).values_list("code", flat=True))
    CareStandard.objects.bulk_create([
        CareStandard(county=county, code=code, period=period, contacts_needed=needed,
                     responsible=responsible, applies_in_holidays=in_holidays,
                     valid_from=DEFAULTS_VALID_FROM)
        for code, period, needed, responsible, in_holidays in PLAN_DEFAULTS
        if code not in existing
    ])


# --- Pairings and volunteers -------------------------------------------------------------

STAFF_KINDS = (PairingKind.MENTOR, PairingKind.SURROGATE)


def _assert_may(actor, perm):
    if not actor.has_perm(perm):
        raise PermissionDenied


def _assert_children_in_scope(actor, children):
    pks = {child.pk for child in children}
    if Child.objects.for_user(actor).filter(pk__in=pks).count() != len(pks):
        raise PermissionDenied


def _already_paired_error(kind, pairings):
    """The message for children who already have an active mentor (or surrogate parent)."""
    names = "、".join(f"{p.child.name} ({p.staff})" for p in pairings)
    if kind == PairingKind.MENTOR:
        message = _("An active staff mentor is already assigned: %(names)s. End that "
                    "pairing first, or leave the child out.")
    else:
        message = _("An active surrogate parent is already assigned: %(names)s. End that "
                    "pairing first, or leave the child out.")
    return ValidationError(message % {"names": names}, code="already_paired")


def _active_staff_pairings(kind, children):
    return (Pairing.objects.active().filter(kind=kind, child__in=children)
            .select_related("child", "staff").order_by("child__name", "pk"))


def _check_staff(staff, school_id):
    if staff is None:
        raise ValidationError({"staff": _("Choose the staff member.")})
    if not (staff.is_active and staff.role in SCHOOL_ROLES and staff.school_id == school_id):
        raise ValidationError({"staff": _(
            "A mentor or surrogate parent must be a teacher or administrator of the "
            "child's school."
        )})


def _save_pairing(pairing, **clean):
    """Save, turning the database's "one active mentor / surrogate parent" refusal (two
    assignments at the same moment) into the message the checks above give."""
    pairing.full_clean(**clean)
    try:
        with transaction.atomic():
            pairing.save()
    except IntegrityError:
        raise _already_paired_error(
            pairing.kind, _active_staff_pairings(pairing.kind, [pairing.child])
        ) from None
    return pairing


@transaction.atomic
def pairing_assign(*, actor, child, kind, start_date, staff=None, buddy_name="",
                   buddy_classroom=None, volunteer=None):
    """Pair ``child`` with a staff mentor or surrogate parent (a teacher or admin of the
    child's school), a pupil buddy (named, with a class of the child's school) or a
    volunteer the actor can see. Only the person fields of ``kind`` are kept."""
    _assert_may(actor, "interventions.manage_pairings")
    _assert_children_in_scope(actor, [child])
    pairing = Pairing(child=child, kind=kind, start_date=start_date, school_id=child.school_id,
                      created_by=actor)
    if kind in STAFF_KINDS:
        _check_staff(staff, child.school_id)
        pairing.staff = staff
        existing = list(_active_staff_pairings(kind, [child]))
        if existing:
            raise _already_paired_error(kind, existing)
    elif kind == PairingKind.BUDDY:
        pairing.buddy_name = buddy_name.strip()
        if not pairing.buddy_name:
            raise ValidationError({"buddy_name": _("Give the pupil buddy's name.")})
        if buddy_classroom is not None and buddy_classroom.school_id != child.school_id:
            raise ValidationError({"buddy_classroom": _(
                "The buddy's class must be a class of the child's school."
            )})
        pairing.buddy_classroom = buddy_classroom
    elif kind == PairingKind.VOLUNTEER:
        if volunteer is None or not Volunteer.objects.for_user(actor).filter(
            pk=volunteer.pk
        ).exists():
            raise ValidationError({"volunteer": _("Choose a volunteer of the school or "
                                                  "the county.")})
        pairing.volunteer = volunteer
    else:
        raise ValidationError({"kind": _("Choose the kind of pairing.")})
    return _save_pairing(pairing)


@transaction.atomic
def pairing_end(*, actor, pairing, end_date):
    """End an active pairing on ``end_date`` (not before its start, not in the future);
    it stays as history."""
    _assert_may(actor, "interventions.manage_pairings")
    _assert_children_in_scope(actor, [pairing.child])
    if pairing.end_date is not None:
        raise ValidationError(_("This pairing has already ended."))
    if end_date < pairing.start_date:
        raise ValidationError({"end_date": _("A pairing cannot end before it started "
                                             "(%(start)s).")
                               % {"start": pairing.start_date.isoformat()}})
    if end_date > timezone.localdate():
        raise ValidationError({"end_date": _("This date is in the future.")})
    pairing.end_date = end_date
    pairing.full_clean(validate_constraints=False)
    pairing.save(update_fields=["end_date"])
    return pairing


@transaction.atomic
def pairings_assign_bulk(*, actor, kind, staff, children, start_date):
    """Make ``staff`` the mentor (or surrogate parent) of every child in ``children``, or
    of none: a child who already has an active one refuses the whole batch, naming the
    children, so the school ends or skips those pairings deliberately (no silent
    replacement)."""
    _assert_may(actor, "interventions.manage_pairings")
    children = list(children)
    if not children:
        raise ValidationError({"children": _("Tick at least one child.")})
    if kind not in STAFF_KINDS:
        raise ValidationError({"kind": _("Choose staff mentor or surrogate parent.")})
    _assert_children_in_scope(actor, children)
    for school_id in {child.school_id for child in children}:
        _check_staff(staff, school_id)
    existing = list(_active_staff_pairings(kind, children))
    if existing:
        raise _already_paired_error(kind, existing)
    # Each rule full_clean would check by a query per row was checked above in one.
    return [
        _save_pairing(
            Pairing(child=child, kind=kind, staff=staff, start_date=start_date,
                    school_id=child.school_id, created_by=actor),
            validate_constraints=False,
        )
        for child in children
    ]


@transaction.atomic
def volunteer_save(*, actor, volunteer):
    """Add or change a volunteer. A school admin keeps the school's volunteers; a bureau
    user the county's, for the whole county (no school) or for one of its schools."""
    _assert_may(actor, "interventions.manage_volunteers")
    if volunteer.pk and not Volunteer.objects.for_user(actor).filter(pk=volunteer.pk).exists():
        raise PermissionDenied
    if actor.is_school_admin:
        volunteer.school = actor.school
    if volunteer.school is not None:
        if not School.objects.for_user(actor).filter(pk=volunteer.school.pk).exists():
            raise PermissionDenied
        volunteer.county_id = volunteer.school.county_id
    elif actor.home_county_id is not None:
        volunteer.county_id = actor.home_county_id
    else:
        raise ValidationError({"school": _("Choose the volunteer's school.")})
    volunteer.full_clean()
    volunteer.save()
    return volunteer
