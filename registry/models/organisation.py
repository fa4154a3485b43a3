"""The organisation a county's registry runs in: county, township, school, classroom,
and the county's terms with their non-teaching and make-up working days."""

import re

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from registry.scoping import area_filter

SCHOOL_YEAR_RE = re.compile(r"^(\d{4})-(\d{4})$")


def validate_school_year(value):
    match = SCHOOL_YEAR_RE.match(value or "")
    if not match or int(match.group(2)) != int(match.group(1)) + 1:
        raise ValidationError(
            _("Enter a school year such as 2026-2027."), code="invalid_school_year"
        )


class CountyQuerySet(models.QuerySet):
    def for_user(self, user):
        return self.filter(area_filter(user, school_path=None, county_path=""))


class County(models.Model):
    name = models.CharField(_("name"), max_length=100)
    code = models.CharField(_("code"), max_length=12, unique=True)
    # Read by ``python manage.py anonymise_departed`` (registry/retention.py).
    retention_years = models.PositiveSmallIntegerField(
        _("years to keep the files of children who left"), null=True, blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("After this many years off the registry a child's file is anonymised. "
                    "Empty: the site's default (RETENTION_YEARS)."),
    )

    objects = CountyQuerySet.as_manager()

    class Meta:
        verbose_name = _("county")
        verbose_name_plural = _("counties")
        ordering = ["code"]

    def __str__(self):
        return self.name


class TownshipQuerySet(models.QuerySet):
    def for_user(self, user):
        return self.filter(
            area_filter(user, school_path=None, township_path="", county_path="county")
        )


class Township(models.Model):
    county = models.ForeignKey(
        County, on_delete=models.PROTECT, related_name="townships", verbose_name=_("county")
    )
    name = models.CharField(_("name"), max_length=100)

    objects = TownshipQuerySet.as_manager()

    class Meta:
        verbose_name = _("township")
        verbose_name_plural = _("townships")
        ordering = ["county", "name"]
        constraints = [
            models.UniqueConstraint(fields=["county", "name"], name="township_name_unique"),
        ]

    def __str__(self):
        return self.name


class SchoolStage(models.TextChoices):
    PRIMARY = "primary", _("Primary school")
    JUNIOR = "junior", _("Junior secondary school")
    NINE_YEAR = "nine_year", _("Nine-year school")


class SchoolQuerySet(models.QuerySet):
    def for_user(self, user):
        return self.filter(area_filter(user, school_path=""))


class School(models.Model):
    county = models.ForeignKey(
        County, on_delete=models.PROTECT, related_name="schools", verbose_name=_("county")
    )
    township = models.ForeignKey(
        Township, on_delete=models.PROTECT, related_name="schools", verbose_name=_("township")
    )
    code = models.CharField(_("school code"), max_length=20)
    name = models.CharField(_("name"), max_length=100)
    stage = models.CharField(_("stage"), max_length=10, choices=SchoolStage.choices)
    pupils_enrolled = models.PositiveIntegerField(
        _("pupils enrolled"),
        default=0,
        help_text=_("All pupils on the school's roll, registered or not; used for rates."),
    )

    objects = SchoolQuerySet.as_manager()

    class Meta:
        verbose_name = _("school")
        verbose_name_plural = _("schools")
        ordering = ["county", "township", "code"]
        constraints = [
            models.UniqueConstraint(fields=["county", "code"], name="school_code_unique"),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        if self.township_id and self.county_id and self.township.county_id != self.county_id:
            raise ValidationError(
                {"township": _("The township must be in the school's county.")}
            )

    @property
    def grades(self):
        """The grades (1–9) this school teaches."""
        return {
            SchoolStage.PRIMARY: range(1, 7),
            SchoolStage.JUNIOR: range(7, 10),
            SchoolStage.NINE_YEAR: range(1, 10),
        }[self.stage]


class ClassroomQuerySet(models.QuerySet):
    def for_user(self, user):
        qs = self.filter(area_filter(user, school_path="school"))
        if user.is_authenticated and user.is_teacher:
            qs = qs.filter(homeroom_teacher=user)
        return qs


class Classroom(models.Model):
    school = models.ForeignKey(
        School, on_delete=models.PROTECT, related_name="classrooms", verbose_name=_("school")
    )
    school_year = models.CharField(
        _("school year"), max_length=9, validators=[validate_school_year]
    )
    grade = models.PositiveSmallIntegerField(_("grade"))
    number = models.PositiveSmallIntegerField(pgettext_lazy("class number", "class"))
    homeroom_teacher = models.ForeignKey(
        "registry.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="homeroom_classes",
        verbose_name=_("homeroom teacher"),
    )

    objects = ClassroomQuerySet.as_manager()

    class Meta:
        verbose_name = _("class")
        verbose_name_plural = _("classes")
        ordering = ["school", "-school_year", "grade", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "school_year", "grade", "number"], name="classroom_unique"
            ),
            models.CheckConstraint(
                condition=Q(grade__gte=1, grade__lte=9), name="classroom_grade_1_to_9"
            ),
            models.CheckConstraint(condition=Q(number__gte=1), name="classroom_number_positive"),
        ]

    def __str__(self):
        return _("Grade %(grade)s Class %(number)s") % {
            "grade": self.grade,
            "number": self.number,
        }

    def clean(self):
        errors = {}
        if self.school_id and self.grade and self.grade not in self.school.grades:
            errors["grade"] = _("This school does not teach grade %(grade)s.") % {
                "grade": self.grade
            }
        teacher = self.homeroom_teacher
        if teacher is not None and (
            teacher.school_id != self.school_id
            or not (teacher.is_teacher or teacher.is_school_admin)
        ):
            errors["homeroom_teacher"] = _(
                "The homeroom teacher must be a teacher of this school."
            )
        if errors:
            raise ValidationError(errors)


class TermQuerySet(models.QuerySet):
    def for_user(self, user):
        return self.filter(area_filter(user, school_path=None, county_path="county"))

    def overlapping(self, *, county_id, start_date, end_date):
        return self.filter(county_id=county_id, start_date__lte=end_date, end_date__gte=start_date)

    def holding(self, day):
        """The terms ``day`` falls in (one per county: a county's terms never overlap)."""
        return self.filter(start_date__lte=day, end_date__gte=day)


class Term(models.Model):
    """A semester of a county's school year. Terms of one county never overlap: the
    service checks it, and on PostgreSQL an exclusion constraint backs it up."""

    county = models.ForeignKey(
        County, on_delete=models.PROTECT, related_name="terms", verbose_name=_("county")
    )
    school_year = models.CharField(
        _("school year"), max_length=9, validators=[validate_school_year]
    )
    semester = models.PositiveSmallIntegerField(
        _("semester"), choices=[(1, _("First semester")), (2, _("Second semester"))]
    )
    start_date = models.DateField(_("first day"))
    end_date = models.DateField(_("last day"))

    objects = TermQuerySet.as_manager()

    class Meta:
        verbose_name = _("term")
        verbose_name_plural = _("terms")
        ordering = ["county", "start_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["county", "school_year", "semester"], name="term_unique"
            ),
            models.CheckConstraint(
                condition=Q(end_date__gt=models.F("start_date")), name="term_ends_after_start"
            ),
            models.CheckConstraint(condition=Q(semester__in=[1, 2]), name="term_semester_1_or_2"),
        ]

    def __str__(self):
        return f"{self.school_year} {self.get_semester_display()}"

    def clean(self):
        if self.start_date and self.end_date and self.end_date <= self.start_date:
            raise ValidationError({"end_date": _("The last day must be after the first day.")})
        if self.county_id and self.start_date and self.end_date:
            clash = (
                Term.objects.overlapping(
                    county_id=self.county_id, start_date=self.start_date, end_date=self.end_date
                )
                .exclude(pk=self.pk)
                .first()
            )
            if clash:
                raise ValidationError(
                    _("These dates overlap the term %(term)s (%(start)s to %(end)s).")
                    % {"term": clash, "start": clash.start_date, "end": clash.end_date},
                    code="term_overlap",
                )


class TermDay(models.Model):
    """A day that breaks a term's normal week: a holiday on a weekday, or a make-up
    working day (调休) on a weekend."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("Non-teaching day")
        MAKEUP = "makeup", _("Make-up working day")

    term = models.ForeignKey(
        Term, on_delete=models.CASCADE, related_name="special_days", verbose_name=_("term")
    )
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("non-teaching or make-up day")
        verbose_name_plural = _("non-teaching and make-up days")
        ordering = ["term", "date"]
        constraints = [
            models.UniqueConstraint(fields=["term", "date"], name="termday_unique"),
        ]

    def __str__(self):
        return f"{self.date} {self.get_kind_display()}"

    def clean(self):
        term = self.term if self.term_id else None
        if term and self.date and not term.start_date <= self.date <= term.end_date:
            raise ValidationError({"date": _("The day must fall inside the term.")})
