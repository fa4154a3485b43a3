"""Writers for the care work: care standards, pairings and volunteers."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from interventions.models import (
    OTHER_CONTACT,
    CareStandard,
    Channel,
    ContactLog,
    ContactWith,
    Pairing,
    PairingKind,
    Priority,
    StandardCode,
    Volunteer,
)
from interventions.standards import DEFAULTS_VALID_FROM, PLAN_DEFAULTS
from registry.models import Child, RegistryEpisode, School
from registry.models.users import SCHOOL_ROLES
from registry.permissions import require_perm


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
    require_perm(actor, "interventions.manage_pairings")
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
    require_perm(actor, "interventions.manage_pairings")
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
    require_perm(actor, "interventions.manage_pairings")
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
    require_perm(actor, "interventions.manage_volunteers")
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


# --- Contact logs ------------------------------------------------------------------------

#: How many calendar days (Asia/Shanghai) after recording its author may correct a log.
LOG_CORRECTION_DAYS = 7

LOG_FIELDS = ("standard", "happened_on", "channel", "with_whom", "priorities", "summary",
              "wellbeing")


def _registry_stays(child):
    """The child's stays on the registry: [(entered_on, exited_on or None), …]."""
    return list(RegistryEpisode.objects.filter(child=child)
                .order_by("entered_on").values_list("entered_on", "exited_on"))


def _distinct(values):
    return list(dict.fromkeys(values or ()))


def _clean_log_fields(child, *, standard, happened_on, channel, with_whom, priorities,
                      summary, wellbeing):
    """Check a log's fields against the rules; return them normalised, or raise a
    ValidationError naming the field at fault."""
    errors = {}
    stays = _registry_stays(child)
    entered_on = stays[0][0] if stays else None
    if entered_on is None:
        raise ValidationError(
            _("%(name)s has never been on the registry, so no contact can be logged.")
            % {"name": child.name}, code="not_registered",
        )
    if happened_on is None:
        errors["happened_on"] = _("Give the date of the contact.")
    elif happened_on > timezone.localdate():
        errors["happened_on"] = _("This date is in the future.")
    elif happened_on < entered_on:
        errors["happened_on"] = _(
            "This date is before the child entered the registry (%(date)s)."
        ) % {"date": entered_on.isoformat()}
    elif not any(start <= happened_on and (end is None or happened_on <= end)
                 for start, end in stays):
        errors["happened_on"] = _("On this date the child was not on the registry.")
    if standard not in {*StandardCode.values, OTHER_CONTACT}:
        errors["standard"] = _("Choose what the contact counts toward.")
    if channel not in Channel.values:
        errors["channel"] = _("Choose how the contact happened.")
    with_whom = _distinct(with_whom)
    if not with_whom:
        errors["with_whom"] = _("Tick at least one person the contact was with.")
    elif not set(with_whom) <= set(ContactWith.values):
        errors["with_whom"] = _("Choose people from the list.")
    priorities = _distinct(priorities)
    if not set(priorities) <= set(Priority.values):
        errors["priorities"] = _("Choose priorities from the list.")
    if wellbeing is not None and wellbeing not in range(1, 6):
        errors["wellbeing"] = _("Choose a wellbeing from the list.")
    if errors:
        raise ValidationError(errors)
    return {"standard": standard, "happened_on": happened_on, "channel": channel,
            "with_whom": with_whom, "priorities": priorities,
            "summary": (summary or "").strip(), "wellbeing": wellbeing}


def contact_log_record(*, actor, child, submission_token, standard, happened_on, channel,
                       with_whom, priorities, summary="", wellbeing=None):
    """Log one contact with ``child`` by ``actor``, at the child's current school.

    Idempotent on ``submission_token`` (the form's one-time token): when a log with that
    token exists already — a double submit, a retried request, two requests racing — it
    is returned with ``created=False`` and nothing is written. Returns ``(log, created)``.
    """
    require_perm(actor, "interventions.add_contactlog")
    _assert_children_in_scope(actor, [child])
    existing = ContactLog.objects.filter(submission_token=submission_token).first()
    if existing is not None:
        return _same_submission(existing, actor, child), False
    fields = _clean_log_fields(
        child, standard=standard, happened_on=happened_on, channel=channel,
        with_whom=with_whom, priorities=priorities, summary=summary, wellbeing=wellbeing,
    )
    log = ContactLog(child=child, school_id=child.school_id, author=actor,
                     submission_token=submission_token, **fields)
    # The child, its school and the author were just read: no query to check that they
    # exist (a query each); the other fields are checked.
    log.full_clean(exclude={"child", "school", "author"}, validate_unique=False,
                   validate_constraints=False)
    try:
        with transaction.atomic():
            log.save()
    except IntegrityError:
        # The same token saved by a request racing this one: the unique token refused
        # the second row, so hand back the first.
        existing = ContactLog.objects.filter(submission_token=submission_token).first()
        if existing is None:
            raise
        return _same_submission(existing, actor, child), False
    return log, True


def contact_log_recent_tokens(actor, child):
    """The one-time tokens of the logs ``actor`` saved for ``child`` in the last two days:
    the log form's page lists them so a draft kept in the browser after a lost
    connection is not offered again once the server has it."""
    since = timezone.now() - datetime.timedelta(days=2)
    return [str(token) for token in ContactLog.objects.filter(
        author=actor, child=child, created_at__gte=since,
    ).values_list("submission_token", flat=True)]


def _same_submission(log, actor, child):
    """A token names one person's submission for one child; anything else is refused."""
    if log.author_id != actor.pk or log.child_id != child.pk:
        raise PermissionDenied
    return log


def contact_log_correctable_until(log):
    """The last day (Asia/Shanghai) the author may correct ``log``."""
    return timezone.localdate(log.created_at) + datetime.timedelta(days=LOG_CORRECTION_DAYS)


def contact_log_may_correct(actor, log, *, in_scope=None):
    """The author, for LOG_CORRECTION_DAYS days after recording it; afterwards only the
    school admin of the school the log was made at. ``in_scope=True`` skips the access
    rule's query for a log the caller read through it (a page listing many logs)."""
    if not actor.has_perm("interventions.change_contactlog"):
        return False
    if not (in_scope or ContactLog.objects.for_user(actor).filter(pk=log.pk).exists()):
        return False
    if actor.is_school_admin and actor.school_id == log.school_id:
        return True
    return (log.author_id == actor.pk
            and timezone.localdate() <= contact_log_correctable_until(log))


@transaction.atomic
def contact_log_update(*, actor, log, **fields):
    """Correct ``log`` (any of LOG_FIELDS); the same rules as recording it apply."""
    unknown = set(fields) - set(LOG_FIELDS)
    if unknown:
        raise TypeError(f"Not a correctable field of a contact log: {sorted(unknown)}")
    if not contact_log_may_correct(actor, log):
        raise PermissionDenied
    cleaned = _clean_log_fields(
        log.child, **{name: fields.get(name, getattr(log, name)) for name in LOG_FIELDS}
    )
    for name, value in cleaned.items():
        setattr(log, name, value)
    log.full_clean(validate_unique=False, validate_constraints=False)
    log.save(update_fields=[*LOG_FIELDS, "updated_at"])
    return log


# --- Care standards: the bureau's adjustments ----------------------------------------------


def current_period_start(*, county, period, today):
    """The first day of the period of kind ``period`` that holds ``today``: this week's
    Monday, this month's 1st, this year's 1 January, or the first day of the county's
    term holding ``today`` (between terms: the next term's)."""
    from datetime import date, timedelta

    from interventions.models import Period
    from registry.models import Term

    if period == Period.WEEK:
        return today - timedelta(days=today.weekday())
    if period == Period.MONTH:
        return today.replace(day=1)
    if period == Period.YEAR:
        return date(today.year, 1, 1)
    terms = Term.objects.filter(county=county)
    term = (terms.holding(today).first()
            or terms.filter(start_date__gt=today).order_by("start_date").first())
    if term is None:
        raise ValidationError({"period": _(
            "The county has no current or coming term: add the term to the calendar first."
        )})
    return term.start_date


@transaction.atomic
def care_standard_adjust(*, actor, county, code, period, contacts_needed, responsible,
                         applies_in_holidays, today=None):
    """Change a county's care standard from the current period on (the period kind of
    the new rule decides which period is current). The version in force is closed on
    the day before the current period starts and a new one opens on that day, so past
    periods keep the rule they were owed under; a version that itself started in the
    current period (a second edit) is changed in place. Bureau of the county only."""
    if not actor.has_perm("interventions.change_carestandard"):
        raise PermissionDenied
    if not (actor.is_superuser or (actor.is_bureau and actor.county_id == county.pk)):
        raise PermissionDenied
    from datetime import timedelta

    if contacts_needed is None or contacts_needed < 1:
        raise ValidationError({"contacts_needed": _("A period needs at least one contact.")})
    today = today or timezone.localdate()
    current = (CareStandard.objects.select_for_update()
               .filter(county=county, code=code, valid_until__isnull=True).first())
    if current is None:
        raise ValidationError(_("This care standard is not in force in the county."))
    rule = {"period": period, "contacts_needed": contacts_needed, "responsible": responsible,
            "applies_in_holidays": applies_in_holidays}
    if all(getattr(current, field) == value for field, value in rule.items()):
        return current
    start = current_period_start(county=county, period=period, today=today)
    if current.valid_from >= start:
        for field, value in rule.items():
            setattr(current, field, value)
        current.full_clean(validate_constraints=False)
        current.save(update_fields=list(rule))
        return current
    new = CareStandard(county=county, code=code, valid_from=start, **rule)
    new.full_clean(validate_constraints=False)
    current.valid_until = start - timedelta(days=1)
    current.save(update_fields=["valid_until"])
    new.save()
    return new
