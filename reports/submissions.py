"""The monthly submission (月报): a school admin reports a month — its figures, who entered
or left the registry, a note, or a zero report (零报告) when nothing changed — and the
bureau of the county may reopen it so that it is submitted again.

What was submitted is a snapshot: the figures are taken from ``reports.figures`` at the
moment of submitting and kept as plain JSON, so later edits (a child added, a talk logged,
a pairing changed) never rewrite what was reported. The snapshot is flat: the keys of
``Figures.as_snapshot()`` (so ``Figures.from_snapshot(submission.snapshot)`` reads it)
plus ``as_of``, ``period``, ``standards`` and ``changes``.

Writers take a keyword-only ``actor`` and check the role's permission (``require_perm``)
and the actor's place (``PermissionDenied``); readers take the user and stay within the
access rule.
"""

from __future__ import annotations

import calendar
import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from interventions.models import StandardCode
from registry.models import Category, EntryKind, ExitReason, School
from registry.permissions import require_perm
from registry.scoping import area_filter
from reports.figures import Figures, school_changes, school_figures, standards_in_force
from reports.models import MonthlySubmission
from reports.periods import month_period

#: How many months (this one and those before it) the pages offer.
MONTHS_SHOWN = 12
SNAPSHOT_VERSION = 1
CHANGE_KINDS = ("registered", "reentered", "transferred_in", "exited", "transferred_out")
ENTRY_KINDS = ("registered", "reentered", "transferred_in")


# --- Months ----------------------------------------------------------------------------------


def first_of_month(day):
    return day.replace(day=1)


def months_back(today, count=MONTHS_SHOWN):
    """The first days of this month and the ``count - 1`` months before it, newest first."""
    first = first_of_month(today)
    months = []
    for _index in range(count):
        months.append(first)
        first = first_of_month(first - datetime.timedelta(days=1))
    return months


def month_from(year, month):
    """The month's first day, or None if ``year``/``month`` name no month."""
    try:
        return datetime.date(int(year), int(month), 1)
    except (TypeError, ValueError):
        return None


def month_is_reportable(month, today=None):
    """A month may be reported once it has begun: this month and any month before it."""
    today = today or timezone.localdate()
    return month is not None and month <= first_of_month(today)


def month_end(month):
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


# --- The snapshot ------------------------------------------------------------------------------


def _change_line(episode, kind, school):
    child = episode.child
    entry = kind in ENTRY_KINDS
    line = {
        # The child's id, so that anonymising the child finds its lines (registry/
        # retention.py) without going by the name, which another child may share.
        "child": child.pk,
        "name": child.name,
        "date": (episode.entered_on if entry else episode.exited_on).isoformat(),
        # The class only while the child is still at this school (not their new one).
        "classroom": str(child.classroom) if child.classroom_id and child.school_id == school.pk
        else "",
    }
    if not entry:
        line["reason"] = episode.exit_reason
        line["reason_label"] = str(episode.get_exit_reason_display())
    return line


def month_snapshot(user, school, month, today=None):
    """The month's figures for ``school`` as they stand now, as plain JSON: what a
    submission keeps, and what the month's page shows before it is submitted."""
    today = today or timezone.localdate()
    period = month_period(month)
    figures = school_figures(user, School.objects.filter(pk=school.pk), period, today)
    snapshot = figures.get(school.pk, Figures()).as_snapshot()
    end = min(period.end, today)
    changes = school_changes(user, school, period.start, end)
    # Labels are kept in the site's language, as reported, whatever the submitter's.
    with translation.override(settings.LANGUAGE_CODE):
        standards = [[code, str(label)] for code, label in
                     standards_in_force([school.county_id], end)]
        change_lists = {kind: [_change_line(episode, kind, school)
                               for episode in getattr(changes, kind)]
                        for kind in CHANGE_KINDS}
    snapshot.update({
        "version": SNAPSHOT_VERSION,
        "as_of": today.isoformat(),
        "period": {"start": period.start.isoformat(), "end": period.end.isoformat()},
        "standards": standards,
        "changes": {
            "start": period.start.isoformat(),
            "end": end.isoformat(),
            "counts": {kind: len(lines) for kind, lines in change_lists.items()},
            **change_lists,
        },
    })
    return snapshot


def _rate_text(part, whole):
    if not whole:
        return "—"
    return f"{100 * part / whole:.1f}%"


@dataclass
class StandardLine:
    code: str
    label: str
    met: int
    owed: int

    @property
    def rate(self):
        return _rate_text(self.met, self.owed)

    @property
    def complete(self):
        return self.met >= self.owed


@dataclass
class SnapshotView:
    """What the pages show of a snapshot, read from the JSON alone (never recomputed)."""

    figures: Figures
    as_of: datetime.date | None
    standards: list  # [StandardLine]
    changes: dict  # kind -> [line]
    change_total: int
    categories: list = field(default_factory=list)  # [(label, count)] of the non-zero

    @property
    def five_clear_rate(self):
        return _rate_text(self.figures.five_clear, self.figures.registered)

    @property
    def mentor_rate(self):
        return _rate_text(self.figures.with_mentor, self.figures.registered)

    @property
    def surrogate_rate(self):
        return _rate_text(self.figures.with_surrogate, self.figures.registered)

    @property
    def share(self):
        return _rate_text(self.figures.registered, self.figures.pupils)

    @property
    def change_groups(self):
        """``[(kind, label, lines)]`` of the kinds with changes, in the registry's order."""
        labels = change_kind_labels()
        return [(kind, labels[kind], self.changes[kind]) for kind in CHANGE_KINDS
                if self.changes[kind]]


def change_kind_labels():
    return {
        "registered": EntryKind.REGISTERED.label,
        "reentered": EntryKind.REENTERED.label,
        "transferred_in": EntryKind.TRANSFERRED_IN.label,
        "exited": _("Left the registry"),
        "transferred_out": ExitReason.TRANSFERRED_OUT.label,
    }


def read_snapshot(snapshot):
    """A snapshot's figures for display."""
    snapshot = snapshot or {}
    figures = Figures.from_snapshot(snapshot)
    standards = []
    # Names (of standards, of exit reasons) in the reader's language; the stored label
    # only for a code this version no longer knows. The numbers are the snapshot's.
    standard_names = dict(StandardCode.choices)
    for code, label in snapshot.get("standards", []):
        met, owed = figures.compliance.get(code, (0, 0))
        standards.append(StandardLine(code, standard_names.get(code, label), met, owed))
    stored = snapshot.get("changes", {})
    reasons = dict(ExitReason.choices)
    changes = {kind: [{**line, "reason_label": reasons.get(line["reason"],
                                                           line.get("reason_label", ""))}
                      if line.get("reason") else dict(line)
                      for line in stored.get(kind, [])]
               for kind in CHANGE_KINDS}
    as_of = snapshot.get("as_of")
    labels = dict(Category.choices)
    return SnapshotView(
        figures=figures,
        as_of=datetime.date.fromisoformat(as_of) if as_of else None,
        standards=standards,
        changes=changes,
        change_total=sum(len(lines) for lines in changes.values()),
        categories=[(labels.get(code, code), count)
                    for code, count in figures.categories.items() if count],
    )


# --- Writers -----------------------------------------------------------------------------------


def already_submitted_error(submission):
    """The refusal of a month submitted already (only the bureau reopens it)."""
    return ValidationError(
        _("The report for %(month)s was already submitted on %(when)s by %(who)s. Only the "
          "county education bureau can reopen it.") % {
            "month": f"{submission.month:%Y-%m}",
            "when": f"{timezone.localtime(submission.submitted_at):%Y-%m-%d %H:%M}",
            "who": submission.submitted_by,
        },
        code="already_submitted",
    )


@transaction.atomic
def month_submit(*, actor, school, month, note, nothing_changed):
    """Submit ``school``'s report for ``month`` (its first day) with a snapshot of the
    month's figures taken now. Only an administrator of the school submits; a month is
    reported once it has begun (this month, during it or after, and earlier months). A
    submitted month is refused — only the bureau reopens it; a reopened one is submitted
    again with a new snapshot (the earlier one stays in the change history)."""
    require_perm(actor, "reports.submit_month")
    if not (actor.is_school_admin and actor.school_id == school.pk):
        raise PermissionDenied
    month = first_of_month(month)
    today = timezone.localdate()
    if not month_is_reportable(month, today):
        raise ValidationError(
            _("%(month)s has not begun yet: a month is reported once it has begun.")
            % {"month": f"{month:%Y-%m}"}, code="future_month",
        )
    existing = (MonthlySubmission.objects.select_for_update(of=("self",))
                .filter(school=school, month=month).select_related("submitted_by").first())
    if existing is not None and existing.is_submitted:
        raise already_submitted_error(existing)
    snapshot = month_snapshot(actor, school, month, today)
    if nothing_changed and sum(snapshot["changes"]["counts"].values()):
        raise ValidationError({"nothing_changed": ValidationError(_(
            "The registry changed in %(month)s (%(count)s entries or exits), so this is not "
            "a zero report: leave the zero report box unticked."
        ) % {"month": f"{month:%Y-%m}", "count": sum(snapshot["changes"]["counts"].values())},
            code="not_zero")})
    fields = {
        "status": MonthlySubmission.Status.SUBMITTED,
        "note": (note or "").strip(),
        "nothing_changed": bool(nothing_changed),
        "snapshot": snapshot,
        "submitted_by": actor,
        "submitted_at": timezone.now(),
    }
    if existing is not None:  # reopened: submitted again; who reopened it and why stay
        for name, value in fields.items():
            setattr(existing, name, value)
        existing.full_clean(validate_unique=False, validate_constraints=False)
        existing.save()
        return existing
    submission = MonthlySubmission(school=school, month=month, **fields)
    submission.full_clean(validate_unique=False, validate_constraints=False)
    try:
        with transaction.atomic():
            submission.save()
    except IntegrityError:
        # Submitted by a request racing this one (a double click): that one stands.
        other = (MonthlySubmission.objects.filter(school=school, month=month)
                 .select_related("submitted_by").first())
        if other is None:
            raise
        raise already_submitted_error(other) from None
    return submission


@transaction.atomic
def month_reopen(*, actor, submission, reason):
    """Reopen a submitted month so that the school submits it again: the county's
    education bureau only, with a reason. The snapshot stays until it is resubmitted."""
    require_perm(actor, "reports.reopen_month")
    if not MonthlySubmission.objects.for_user(actor).filter(pk=submission.pk).exists():
        raise PermissionDenied
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": ValidationError(
            _("Give the reason for reopening the month."), code="reason_required")})
    limit = MonthlySubmission._meta.get_field("reopen_reason").max_length
    if len(reason) > limit:
        raise ValidationError({"reason": ValidationError(
            _("Keep the reason to %(limit)s characters.") % {"limit": limit},
            code="reason_too_long")})
    locked = MonthlySubmission.objects.select_for_update().get(pk=submission.pk)
    if not locked.is_submitted:
        raise ValidationError(_("This month is already reopened; the school has not "
                                "submitted it again yet."), code="already_reopened")
    submission.status = MonthlySubmission.Status.REOPENED
    submission.reopened_by = actor
    submission.reopened_at = timezone.now()
    submission.reopen_reason = reason
    submission.full_clean(validate_unique=False, validate_constraints=False)
    submission.save(update_fields=["status", "reopened_by", "reopened_at", "reopen_reason"])
    return submission


# --- Readers -----------------------------------------------------------------------------------


def schools_not_submitted(user, schools, month):
    """The schools of ``schools`` (within the user's place) without a submitted report
    for ``month`` (a reopened month counts as not submitted): one query."""
    submitted = MonthlySubmission.objects.filter(
        school=OuterRef("pk"), month=first_of_month(month),
        status=MonthlySubmission.Status.SUBMITTED,
    )
    return (schools.filter(area_filter(user, school_path=""))
            .exclude(Exists(submitted)).order_by("township__name", "township_id", "code"))


def school_months(user, school, today=None):
    """The school's last MONTHS_SHOWN months, newest first: ``[(month, submission or
    None)]`` (one query)."""
    months = months_back(today or timezone.localdate())
    submissions = {
        s.month: s for s in MonthlySubmission.objects.for_user(user)
        .filter(school=school, month__in=months).select_related("submitted_by", "reopened_by")
    }
    return [(month, submissions.get(month)) for month in months]


MISSING = "missing"


@dataclass
class OverviewRow:
    school: School
    submission: MonthlySubmission | None

    @property
    def status(self):
        """``submitted``, ``reopened`` or ``missing``."""
        return self.submission.status if self.submission else MISSING

    @property
    def is_submitted(self):
        return self.submission is not None and self.submission.is_submitted


@dataclass
class OverviewGroup:
    township: object
    rows: list  # [OverviewRow]

    @property
    def submitted(self):
        return sum(1 for row in self.rows if row.is_submitted)

    @property
    def missing(self):
        return len(self.rows) - self.submitted


@dataclass
class Overview:
    month: datetime.date
    townships: list  # [OverviewGroup]

    @property
    def rows(self):
        return [row for group in self.townships for row in group.rows]

    @property
    def submitted(self):
        return sum(group.submitted for group in self.townships)

    @property
    def missing(self):
        return sum(group.missing for group in self.townships)

    @property
    def reopened(self):
        return sum(1 for row in self.rows if row.status == MonthlySubmission.Status.REOPENED)

    @property
    def zero_reports(self):
        return sum(1 for row in self.rows if row.is_submitted and row.submission.nothing_changed)


def submission_overview(user, schools, month):
    """Who reported ``month``: every school of ``schools`` within the user's place, grouped
    by township, with its submission (when, by whom, zero report) or none. Two queries,
    however many schools."""
    month = first_of_month(month)
    school_list = list(
        schools.filter(area_filter(user, school_path="")).select_related("township")
        .order_by("township__name", "township_id", "code", "pk")
    )
    submissions = {
        s.school_id: s for s in MonthlySubmission.objects.for_user(user)
        .filter(month=month, school__in=[school.pk for school in school_list])
        .select_related("submitted_by", "reopened_by")
    } if school_list else {}
    groups = []
    for school in school_list:
        if not groups or groups[-1].township.pk != school.township_id:
            groups.append(OverviewGroup(school.township, []))
        groups[-1].rows.append(OverviewRow(school, submissions.get(school.pk)))
    return Overview(month=month, townships=groups)


__all__ = [
    "MONTHS_SHOWN", "Overview", "OverviewGroup", "OverviewRow", "SnapshotView",
    "month_is_reportable", "month_reopen", "month_snapshot", "month_submit", "months_back",
    "read_snapshot", "school_months", "schools_not_submitted", "submission_overview",
]
