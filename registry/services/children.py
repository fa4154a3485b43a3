"""Writers for the child's file: registration, profile and family, consent, exits,
re-entries and transfers, and the access log."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from registry import access_detail
from registry.models import (
    AccessLog,
    Child,
    Classroom,
    EntryKind,
    ExitReason,
    RegistryEpisode,
)
from registry.permissions import require_perm


def _assert_child_in_scope(actor, child):
    if not Child.objects.for_user(actor).filter(pk=child.pk).exists():
        raise PermissionDenied


def _assert_classroom_in_scope(actor, classroom):
    if classroom is not None and not Classroom.objects.for_user(actor).filter(
        pk=classroom.pk
    ).exists():
        raise PermissionDenied


# Family members and episodes skip full_clean's constraint queries (one per constraint,
# per row, which made registration four times slower): these services keep the rules
# themselves (one open episode, exit after entry, one father/mother/guardian), and the
# database refuses anything that slips past.
CHEAP_CLEAN = {"validate_constraints": False}


def _open_episode(*, actor, child, kind, entered_on):
    episode = RegistryEpisode(
        child=child, school=child.school, entry_kind=kind, entered_on=entered_on,
        categories_at_entry=[str(c) for c in child.categories(entered_on)], opened_by=actor,
    )
    episode.full_clean(**CHEAP_CLEAN)
    episode.save()
    return episode


@transaction.atomic
def child_register(*, actor, child, family=(), entered_on=None):
    """Put a new child on the registry in ``child.classroom``, with their family, and
    open their first registry episode."""
    require_perm(actor, "registry.add_child")
    if child.classroom is None:
        raise ValidationError({"classroom": _("Choose the child's class.")})
    _assert_classroom_in_scope(actor, child.classroom)
    child.school = child.classroom.school
    child.county_id = child.school.county_id
    child.full_clean()
    child.save()
    for member in family:
        member.child = child
        member.full_clean(**CHEAP_CLEAN)
        member.save()
    _open_episode(actor=actor, child=child, kind=EntryKind.REGISTERED,
                  entered_on=entered_on or timezone.localdate())
    return child


@transaction.atomic
def child_update(*, actor, child):
    """Save changes to a child's profile made by ``actor`` (homeroom teacher: own
    class; school admin: own school). The class may change only within their reach."""
    require_perm(actor, "registry.change_child")
    _assert_child_in_scope(actor, child)
    _assert_classroom_in_scope(actor, child.classroom)
    child.full_clean()
    child.save()
    return child


@transaction.atomic
def family_member_save(*, actor, member):
    require_perm(actor, "registry.change_child")
    _assert_child_in_scope(actor, member.child)
    member.full_clean(**CHEAP_CLEAN)
    member.save()
    return member


@transaction.atomic
def family_member_delete(*, actor, member):
    require_perm(actor, "registry.change_child")
    _assert_child_in_scope(actor, member.child)
    member.delete()


@transaction.atomic
def consent_record(*, actor, child, consent_date, consent_method):
    """Record the guardian's consent to registration, and who recorded it."""
    require_perm(actor, "registry.change_child")
    _assert_child_in_scope(actor, child)
    if consent_method not in dict(Child._meta.get_field("consent_method").choices):
        raise ValidationError({"consent_method": _("Choose how consent was given.")})
    if consent_date > timezone.localdate():
        raise ValidationError({"consent_date": _("This date is in the future.")})
    child.consent_date = consent_date
    child.consent_method = consent_method
    child.consent_recorded_by = actor
    child.save(update_fields=["consent_date", "consent_method", "consent_recorded_by",
                              "updated_at"])
    return child


@transaction.atomic
def child_exit(*, actor, child, exited_on, reason, note=""):
    """Close the child's open registry episode."""
    require_perm(actor, "registry.manage_registry")
    _assert_child_in_scope(actor, child)
    episode = child.episodes.select_for_update().filter(exited_on__isnull=True).first()
    if episode is None:
        raise ValidationError(_("This child is not on the registry."))
    if exited_on < episode.entered_on:
        raise ValidationError(
            {"exited_on": _("The exit cannot be before the entry on %(date)s.")
             % {"date": episode.entered_on.isoformat()}}
        )
    episode.exited_on, episode.exit_reason, episode.exit_note = exited_on, reason, note
    episode.closed_by = actor
    episode.full_clean(**CHEAP_CLEAN)
    episode.save()
    return episode


@transaction.atomic
def child_reenter(*, actor, child, entered_on):
    """Open a new registry episode for a child who left the registry."""
    require_perm(actor, "registry.manage_registry")
    _assert_child_in_scope(actor, child)
    episodes = list(child.episodes.select_for_update().order_by("-entered_on", "-pk"))
    if any(e.is_open for e in episodes):
        raise ValidationError(_("This child is already on the registry."))
    if episodes and entered_on < episodes[0].exited_on:
        raise ValidationError(
            {"entered_on": _("The re-entry cannot be before the last exit on %(date)s.")
             % {"date": episodes[0].exited_on.isoformat()}}
        )
    return _open_episode(actor=actor, child=child, kind=EntryKind.REENTERED,
                         entered_on=entered_on)


def child_find_for_transfer(*, actor, id_number="", student_number=""):
    """The child of the actor's county, registered at another school, with this ID
    number (else student number); None when there is none. Every look-up is logged."""
    require_perm(actor, "registry.manage_registry")
    id_number = id_number.strip().upper()
    student_number = student_number.strip()
    if not (id_number or student_number):
        return None
    key = Q(id_number=id_number) if id_number else Q(student_number=student_number)
    child = (
        Child.objects.filter(key, county_id=actor.school.county_id)
        .exclude(school=actor.school)
        .select_related("school", "classroom")
        .first()
    )
    access_log_record(
        user=actor, action=AccessLog.Action.TRANSFER_LOOKUP, child=child, school=actor.school,
        detail=access_detail.transfer_lookup("id_number" if id_number else "student_number"),
        rows=1 if child else 0,
    )
    return child


@transaction.atomic
def _end_pairings(child, on):
    """A child leaving a school leaves its people: the active pairings end (and stay as
    history), so the receiving school can pair the child anew."""
    from interventions.models import Pairing  # the care work's models import this app's

    for pairing in Pairing.objects.select_for_update().filter(child=child,
                                                              end_date__isnull=True):
        pairing.end_date = max(pairing.start_date, on)
        pairing.save(update_fields=["end_date"])


def child_transfer_in(*, actor, child, classroom, transferred_on):
    """Take a child of another school of the county into ``classroom``. The sending
    school's episode closes as "transferred out" and its pairings end; the child's whole
    file follows."""
    require_perm(actor, "registry.manage_registry")
    _assert_classroom_in_scope(actor, classroom)
    if child.county_id != classroom.school.county_id or child.school_id == classroom.school_id:
        raise PermissionDenied
    open_episode = child.episodes.select_for_update().filter(exited_on__isnull=True).first()
    if open_episode is not None:
        if transferred_on < open_episode.entered_on:
            raise ValidationError(
                {"transferred_on": _("The transfer cannot be before the entry on %(date)s.")
                 % {"date": open_episode.entered_on.isoformat()}}
            )
        open_episode.exited_on = transferred_on
        open_episode.exit_reason = ExitReason.TRANSFERRED_OUT
        open_episode.closed_by = actor
        open_episode.save()
    _end_pairings(child, transferred_on)
    child.school, child.classroom = classroom.school, classroom
    child.full_clean()
    child.save()
    return _open_episode(actor=actor, child=child, kind=EntryKind.TRANSFERRED_IN,
                         entered_on=transferred_on)


def access_log_record(*, user, action, child=None, school=None, detail="", rows=None):
    """Append one line to the access log."""
    return AccessLog.objects.create(
        user=user, action=action, child=child,
        school=school or (child.school if child else None), detail=detail[:300], rows=rows,
    )


def access_log_record_many(*, user, action, children, detail=""):
    """Append one line per child in a single query, for pages that show many children's
    records at once (a class's record cards), so each child's log stays complete."""
    return AccessLog.objects.bulk_create([
        AccessLog(user=user, action=action, child=child, school_id=child.school_id,
                  detail=detail[:300])
        for child in children
    ])
