"""Writers for the organisation: staff accounts and terms."""

import secrets

from auditlog.models import LogEntry
from axes.utils import reset as axes_reset
from django.contrib.auth.hashers import PBKDF2PasswordHasher, make_password
from django.core.exceptions import PermissionDenied
from django.db import transaction

from registry.models import User
from registry.permissions import managed_roles

# No 0/O, 1/l/I: a temporary password is read aloud or copied from a screen.
_TEMP_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def _temporary_password():
    return "".join(secrets.choice(_TEMP_ALPHABET) for _ in range(10))


class GeneratedPasswordHasher(PBKDF2PasswordHasher):
    """PBKDF2 with fewer rounds, only for passwords from ``_temporary_password()``: ten
    random characters of 55 (about 58 bits) need no key stretching to resist guessing,
    and the hash lives until the owner's first login, when Django re-hashes it at full
    cost and the owner replaces it. At full cost a staff import of a few hundred
    accounts would spend minutes hashing inside one request."""

    iterations = 20_000


def _assert_manages(actor, staff):
    """The actor manages this account's role, in a place inside the actor's area."""
    if staff.role not in managed_roles(actor):
        raise PermissionDenied
    if actor.is_superuser:
        return
    if actor.is_school_admin and staff.school_id != actor.school_id:
        raise PermissionDenied
    if actor.is_bureau:
        place_county = (
            staff.school.county_id if staff.school_id
            else staff.township.county_id if staff.township_id
            else None
        )
        if place_county != actor.county_id:
            raise PermissionDenied


@transaction.atomic
def staff_save(*, actor, staff, raw_password=None, password_generated=False):
    """Create or update a staff account on behalf of ``actor``.

    Both the account as it was and as it will be must lie within what the actor
    manages, so nobody moves an account out of their reach or raises its role.
    A new account gets the given password and must change it at first login;
    ``password_generated`` says it came from ``_temporary_password()`` and may be hashed
    at lower cost (``GeneratedPasswordHasher``).
    """
    if staff.pk:
        _assert_manages(actor, User.objects.select_related("school", "township").get(pk=staff.pk))
    _assert_manages(actor, staff)
    if staff.is_superuser or staff.is_staff:
        raise PermissionDenied
    creating = staff.pk is None
    if creating:
        if password_generated:
            staff.password = make_password(raw_password, hasher=GeneratedPasswordHasher())
        else:
            staff.set_password(raw_password)
        staff.must_change_password = True
    staff.full_clean()
    staff.save()
    return staff


@transaction.atomic
def staff_reset_password(*, actor, staff):
    """Give the account a temporary password, to be changed at next login. Returns the
    password: the caller shows it once and keeps it nowhere. The change history records
    who reset it (never the password)."""
    _assert_manages(actor, staff)
    password = _temporary_password()
    staff.set_password(password)
    staff.must_change_password = True
    staff.save(update_fields=["password", "must_change_password"])
    LogEntry.objects.log_create(
        staff, action=LogEntry.Action.UPDATE, actor=actor,
        changes={"password": ["", "reset to a temporary password"]},
    )
    return password


@transaction.atomic
def staff_unlock(*, actor, staff):
    """Lift the account's login lockout: django-axes forgets its failed attempts from
    every address, and the change history records who unlocked it. Returns how many
    attempt records were cleared."""
    _assert_manages(actor, staff)
    cleared = axes_reset(username=staff.username)
    LogEntry.objects.log_create(
        staff, action=LogEntry.Action.UPDATE, actor=actor,
        changes={"login_lockout": ["locked", "unlocked"]},
    )
    return cleared


def staff_password_changed(*, user):
    """The user chose a new password themselves: the forced change is done."""
    if user.must_change_password:
        user.must_change_password = False
        user.save(update_fields=["must_change_password"])


@transaction.atomic
def term_save(*, term):
    """Create or update a term; ``full_clean`` refuses one that overlaps another term of
    the county (PostgreSQL's exclusion constraint backs this up against races)."""
    term.full_clean()
    term.save()
    return term


@transaction.atomic
def term_day_save(*, term_day):
    term_day.full_clean()
    term_day.save()
    return term_day
