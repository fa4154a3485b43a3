"""Concerns and mandatory reports (强制报告): raising a concern about a child, following it
up, and alerting the school's administrators at once when it is serious.

Writers take the acting user as ``actor`` and check what the role may do (a permission)
and where (the access rule); readers take the user and start from the same rule.
"""

import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Case, F, IntegerField, Q, Value, When
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from interventions.models import (
    OPEN_CONCERN_STATUSES,
    Concern,
    ConcernAlert,
    ConcernCategory,
    ConcernNote,
    ConcernStatus,
    ContactLog,
    Severity,
)
from registry.models import Child, Role, User
from registry.models.users import SCHOOL_ROLES
from registry.permissions import require_perm

logger = logging.getLogger(__name__)

CONCERN_FIELDS = ("category", "severity", "description", "assigned_to")


# --- Who sees and who acts -----------------------------------------------------------------


def concern_assignable_staff(school):
    """Who a concern of ``school`` may be assigned to: its active teachers and admins."""
    return (User.objects.filter(school=school, role__in=SCHOOL_ROLES, is_active=True)
            .order_by("real_name", "pk"))


def concern_may_act(actor, concern):
    """Edit and follow up: the administrators of the school the concern was raised at
    and of the child's school now (after a transfer), the person who raised it and the
    person it is assigned to."""
    if not actor.has_perm("interventions.change_concern"):
        return False
    if not Concern.objects.for_user(actor).filter(pk=concern.pk).exists():
        return False
    if actor.is_superuser:
        return True
    if actor.is_school_admin and actor.school_id in (concern.school_id,
                                                     concern.child.school_id):
        return True  # the school it was raised at, and the child's school now
    return actor.pk in (concern.raised_by_id, concern.assigned_to_id)


def _require_may_act(actor, concern):
    if not concern_may_act(actor, concern):
        raise PermissionDenied


# --- Validation ----------------------------------------------------------------------------


def _clean_concern_fields(school_id, *, category, severity, description, assigned_to):
    errors = {}
    if category not in ConcernCategory.values:
        errors["category"] = _("Choose what the concern is about.")
    if severity not in Severity.values:
        errors["severity"] = _("Choose how serious it is.")
    description = (description or "").strip()
    if not description:
        errors["description"] = _("Describe what was noticed.")
    if assigned_to is None:
        errors["assigned_to"] = _("Choose who follows it up.")
    elif not (assigned_to.is_active and assigned_to.role in SCHOOL_ROLES
              and assigned_to.school_id == school_id):
        errors["assigned_to"] = _("A concern is followed up by a teacher or administrator "
                                  "of the child's school.")
    if errors:
        raise ValidationError(errors)
    return {"category": category, "severity": severity, "description": description,
            "assigned_to": assigned_to}


# --- Mandatory report alerts ---------------------------------------------------------------


def _concern_link(concern):
    """The concern page's address: absolute when ``SITE_URL`` is configured."""
    base = getattr(settings, "SITE_URL", "") or ""
    return f"{base.rstrip('/')}{reverse('concern_detail', args=[concern.pk])}"


def _alert_message(concern):
    """Subject and body of the alert e-mail. Nothing about the child — no name, no
    description: the school, that a mandatory report was raised, and the link."""
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Mandatory report raised at %(school)s") % {"school": concern.school.name}
        body = _(
            "A mandatory report (a serious concern about a child's safety) was raised at "
            "%(school)s. Please open it in CareCase, see to it and acknowledge it:\n\n"
            "%(link)s\n\n"
            "For the child's protection this message carries no details; they are in "
            "CareCase only."
        ) % {"school": concern.school.name, "link": _concern_link(concern)}
    return subject, body


def _send_alert_emails(alert_pks):
    """Send each alert's e-mail and record when it went; a failure is logged (without
    personal data) and leaves ``email_sent_at`` empty."""
    alerts = (ConcernAlert.objects.filter(pk__in=alert_pks, email_sent_at__isnull=True)
              .exclude(email_to="").select_related("concern__school"))
    for alert in alerts:
        subject, body = _alert_message(alert.concern)
        try:
            send_mail(subject, body, None, [alert.email_to], fail_silently=False)
        except Exception as error:  # any failure of the mail server: the alert stands
            logger.warning("Mandatory report alert %s (concern %s): e-mail not sent (%s)",
                           alert.pk, alert.concern_id, type(error).__name__)
            continue
        alert.email_sent_at = timezone.now()
        alert.save(update_fields=["email_sent_at"])


def _alert_school_admins(concern, actor):
    """Alert every active administrator of the concern's school who has not been alerted
    of it yet: a row each at once, an e-mail each (where they have an address) once the
    report is committed. An administrator who raised or escalated it knows already: their
    alert is recorded as acknowledged and not e-mailed. Returns the new alerts."""
    admins = User.objects.filter(school_id=concern.school_id, role=Role.SCHOOL_ADMIN,
                                 is_active=True).exclude(concern_alerts__concern=concern)
    created = []
    now = timezone.now()
    for admin in admins:
        own = admin.pk == actor.pk
        alert = ConcernAlert(concern=concern, recipient=admin,
                             email_to="" if own else admin.email,
                             acknowledged_at=now if own else None)
        try:
            with transaction.atomic():
                alert.save()
        except IntegrityError:
            continue  # alerted by a request racing this one
        created.append(alert)
    to_email = [alert.pk for alert in created if alert.email_to]
    if to_email:
        transaction.on_commit(lambda: _send_alert_emails(to_email))
    return created


# --- Writers -------------------------------------------------------------------------------


@transaction.atomic
def concern_raise(*, actor, child, submission_token, category, severity, description,
                  assigned_to, log=None):
    """Raise a concern about ``child`` at the child's current school; a serious one is a
    mandatory report and alerts the school's administrators at once.

    Idempotent on ``submission_token`` (the form's one-time token): a double submit or a
    retried request returns the concern already saved with ``created=False``. Returns
    ``(concern, created)``."""
    require_perm(actor, "interventions.add_concern")
    if not Child.objects.for_user(actor).filter(pk=child.pk).exists():
        raise PermissionDenied
    existing = Concern.objects.filter(submission_token=submission_token).first()
    if existing is not None:
        return _same_concern_submission(existing, actor, child), False
    if log is not None:
        if not ContactLog.objects.for_user(actor).filter(pk=log.pk).exists():
            raise PermissionDenied
        if log.child_id != child.pk:
            raise ValidationError({"log": _("This contact log is about another child.")})
    fields = _clean_concern_fields(child.school_id, category=category, severity=severity,
                                   description=description, assigned_to=assigned_to)
    concern = Concern(child=child, school_id=child.school_id, log=log, raised_by=actor,
                      status=ConcernStatus.OPEN, submission_token=submission_token, **fields)
    concern.full_clean(validate_unique=False, validate_constraints=False)
    try:
        with transaction.atomic():
            concern.save()
    except IntegrityError:
        existing = Concern.objects.filter(submission_token=submission_token).first()
        if existing is None:
            raise
        return _same_concern_submission(existing, actor, child), False
    if concern.is_serious:
        _alert_school_admins(concern, actor)
    return concern, True


def _same_concern_submission(concern, actor, child):
    """A token names one person's submission about one child; anything else is refused."""
    if concern.raised_by_id != actor.pk or concern.child_id != child.pk:
        raise PermissionDenied
    return concern


@transaction.atomic
def concern_update(*, actor, concern, category, severity, description, assigned_to):
    """Change what a concern says, how serious it is and who follows it up. Making an
    open concern serious alerts the school's administrators (never twice the same one)."""
    _require_may_act(actor, concern)
    # One writer at a time; what it was before comes from the row, not the caller's copy.
    was_serious = Concern.objects.select_for_update().get(pk=concern.pk).is_serious
    fields = _clean_concern_fields(concern.school_id, category=category, severity=severity,
                                   description=description, assigned_to=assigned_to)
    for name, value in fields.items():
        setattr(concern, name, value)
    concern.full_clean(validate_unique=False, validate_constraints=False)
    concern.save(update_fields=list(CONCERN_FIELDS))
    if concern.is_serious and not was_serious and concern.is_open:
        _alert_school_admins(concern, actor)
    return concern


@transaction.atomic
def concern_follow_up(*, actor, concern, submission_token, happened_on, note, status):
    """Add a dated follow-up note and move the concern to ``status``: resolving it records
    when, reopening it clears that. Idempotent on ``submission_token``. Returns
    ``(note, created)``."""
    _require_may_act(actor, concern)
    existing = ConcernNote.objects.filter(submission_token=submission_token).first()
    if existing is not None:
        if existing.author_id != actor.pk or existing.concern_id != concern.pk:
            raise PermissionDenied
        return existing, False
    locked = Concern.objects.select_for_update().get(pk=concern.pk)
    errors = {}
    raised_on = timezone.localdate(locked.created_at)
    if happened_on is None:
        errors["happened_on"] = _("Give the date of the follow-up.")
    elif happened_on > timezone.localdate():
        errors["happened_on"] = _("This date is in the future.")
    elif happened_on < raised_on:
        errors["happened_on"] = _("This date is before the concern was raised "
                                  "(%(date)s).") % {"date": raised_on.isoformat()}
    text = (note or "").strip()
    if not text:
        errors["note"] = _("Write what was done or found.")
    if status not in ConcernStatus.values:
        errors["status"] = _("Choose the status afterwards.")
    if errors:
        raise ValidationError(errors)
    follow_up = ConcernNote(concern=concern, happened_on=happened_on, note=text, status=status,
                            author=actor, submission_token=submission_token)
    follow_up.full_clean(validate_unique=False, validate_constraints=False)
    try:
        with transaction.atomic():
            follow_up.save()
    except IntegrityError:
        existing = ConcernNote.objects.filter(submission_token=submission_token).first()
        if existing is None:
            raise
        return existing, False
    concern.status = status
    if status == ConcernStatus.RESOLVED:
        concern.resolved_at = locked.resolved_at or timezone.now()
    else:
        concern.resolved_at = None
    concern.save(update_fields=["status", "resolved_at"])
    return follow_up, True


@transaction.atomic
def concern_acknowledge(*, actor, concern):
    """The actor has seen the mandatory report: their own alert of it is acknowledged
    (nothing happens when they have none, or acknowledged it already). Returns the alert
    or None."""
    alert = (ConcernAlert.objects.select_for_update()
             .filter(concern=concern, recipient=actor, acknowledged_at__isnull=True).first())
    if alert is None:
        return None
    alert.acknowledged_at = timezone.now()
    alert.save(update_fields=["acknowledged_at"])
    return alert


# --- Readers -------------------------------------------------------------------------------


def pending_alerts(user):
    """The user's unacknowledged alerts of concerns still open (and still theirs to see),
    oldest first, with the concern and the child: one query."""
    return (
        ConcernAlert.objects
        .filter(recipient=user, acknowledged_at__isnull=True,
                concern__status__in=OPEN_CONCERN_STATUSES,
                concern__in=Concern.objects.for_user(user))
        .select_related("concern", "concern__child")
        .order_by("alerted_at", "pk")
    )


def _for_list(concerns):
    return concerns.select_related("child", "child__classroom", "school", "assigned_to",
                                   "raised_by")


def _of_school(school):
    """Raised at ``school``, or about a child who is at ``school`` now (transferred in)."""
    return Q(school=school) | Q(child__school=school)


def school_open_concerns(user, school):
    """The open concerns of ``school`` (raised there, or about a child now there), oldest
    first; ``concern.is_serious`` marks the mandatory reports."""
    return _for_list(
        Concern.objects.for_user(user).open().filter(_of_school(school))
    ).order_by("created_at", "pk")


def concern_list(user, *, show_resolved=False):
    """The concerns page: for a school admin their school's concerns (raised there), for
    anyone else the concerns they may see (their children's, and those they raised or are
    assigned to). Open ones oldest first; with ``show_resolved`` the resolved ones follow,
    latest resolved first."""
    manages_school = user.has_perm("interventions.manage_concerns") and user.school_id
    if manages_school and not show_resolved:
        return school_open_concerns(user, user.school_id)
    if manages_school:
        concerns = Concern.objects.for_user(user).filter(_of_school(user.school_id))
    else:
        concerns = Concern.objects.for_user(user)
    if not show_resolved:
        return _for_list(concerns.open()).order_by("created_at", "pk")
    resolved_last = Case(When(status=ConcernStatus.RESOLVED, then=Value(1)), default=Value(0),
                         output_field=IntegerField())
    return _for_list(concerns).order_by(
        resolved_last, F("resolved_at").desc(nulls_last=True), "created_at", "pk",
    )
