"""What reports keep: the monthly submission (月报) of each school, with a snapshot of the
month's figures so that later edits never rewrite what was reported."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from registry.scoping import area_filter


class MonthlySubmissionQuerySet(models.QuerySet):
    def for_user(self, user):
        return self.filter(area_filter(user, school_path="school"))


class MonthlySubmission(models.Model):
    """A school's report for one month: submitted with a note ("nothing changed" is a
    valid, zero report) and a snapshot of the month's figures. Only the bureau reopens
    it; a reopened month is submitted again (a new snapshot)."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        REOPENED = "reopened", _("Reopened")

    school = models.ForeignKey("registry.School", on_delete=models.PROTECT,
                               related_name="submissions", verbose_name=_("school"))
    month = models.DateField(_("month"), help_text=_("The first day of the month reported."))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices,
                              default=Status.SUBMITTED)
    nothing_changed = models.BooleanField(_("nothing changed (zero report)"), default=False)
    note = models.TextField(_("note"), blank=True)
    snapshot = models.JSONField(_("figures as submitted"), default=dict)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     related_name="+", verbose_name=_("submitted by"))
    submitted_at = models.DateTimeField(_("submitted at"))
    reopened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    null=True, blank=True, related_name="+",
                                    verbose_name=_("reopened by"))
    reopened_at = models.DateTimeField(_("reopened at"), null=True, blank=True)
    reopen_reason = models.CharField(_("reason for reopening"), max_length=200, blank=True)

    objects = MonthlySubmissionQuerySet.as_manager()

    class Meta:
        verbose_name = _("monthly submission")
        verbose_name_plural = _("monthly submissions")
        ordering = ["-month", "school"]
        constraints = [
            models.UniqueConstraint(fields=["school", "month"],
                                    name="submission_one_per_school_and_month"),
            models.CheckConstraint(condition=Q(month__day=1),
                                   name="submission_month_is_first_day"),
            models.CheckConstraint(
                name="submission_reopened_has_who",
                condition=~Q(status="reopened")
                | Q(reopened_by__isnull=False, reopened_at__isnull=False),
            ),
        ]

    def __str__(self):
        return f"{self.school} {self.month:%Y-%m}"

    @property
    def is_submitted(self):
        return self.status == self.Status.SUBMITTED


class ChartWeeks(models.Model):
    """The county summary's term chart: the figures of its weeks that are over, each with
    the fingerprint of everything it was computed from (``reports.term_chart``). A memo,
    never edited: a row is rewritten when a week's fingerprint no longer matches, and may
    be deleted at any time (the weeks are then computed again)."""

    # A digest of the summary's schools, the term's first day and the standards charted.
    # Unique: its index is what a visit reads the row by, and what the upsert of two
    # visits at once meets on (ON CONFLICT).
    key = models.CharField(max_length=32, unique=True)
    # {code: {monday (ISO): [fingerprint, periods met, periods owed]}}
    weeks = models.JSONField(default=dict)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return self.key
