"""The care work: who is paired with each child, the care standards a county keeps,
and the contact logs that show the care happened."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from registry.models import Child
from registry.models.children import child_record_filter
from registry.scoping import area_filter


class VolunteerQuerySet(models.QuerySet):
    def for_user(self, user):
        """A school's volunteers are seen in that school's area; a county's volunteers
        (no school) by every user of the county."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_superuser:
            return self
        return self.filter(
            area_filter(user, school_path="school")
            | Q(school__isnull=True, county_id=user.home_county_id)
        )


class Volunteer(models.Model):
    """A community volunteer (社会爱心人士) paired with children's families."""

    name = models.CharField(pgettext_lazy("person", "name"), max_length=50)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    organisation = models.CharField(_("organisation"), max_length=100, blank=True)
    county = models.ForeignKey("registry.County", on_delete=models.PROTECT,
                               related_name="volunteers", verbose_name=_("county"))
    school = models.ForeignKey("registry.School", on_delete=models.PROTECT, null=True,
                               blank=True, related_name="volunteers", verbose_name=_("school"),
                               help_text=_("Empty for a volunteer of the whole county."))

    objects = VolunteerQuerySet.as_manager()

    class Meta:
        verbose_name = _("volunteer")
        verbose_name_plural = _("volunteers")
        ordering = ["name", "pk"]

    def __str__(self):
        return self.name


class PairingKind(models.TextChoices):
    MENTOR = "mentor", _("Staff mentor")
    SURROGATE = "surrogate", _("Surrogate parent")
    BUDDY = "buddy", _("Pupil buddy")
    VOLUNTEER = "volunteer", _("Community volunteer")


class PairingQuerySet(models.QuerySet):
    def for_user(self, user):
        return self.filter(child__in=Child.objects.for_user(user))

    def active(self):
        return self.filter(end_date__isnull=True)


class Pairing(models.Model):
    """One child paired with one person, from a start date until it is ended; ended
    pairings stay as history. At most one active mentor and one active surrogate parent
    per child."""

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="pairings",
                              verbose_name=_("child"))
    kind = models.CharField(_("kind"), max_length=10, choices=PairingKind.choices)
    staff = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                              blank=True, related_name="pairings", verbose_name=_("staff member"))
    buddy_name = models.CharField(_("pupil buddy"), max_length=50, blank=True)
    buddy_classroom = models.ForeignKey("registry.Classroom", on_delete=models.PROTECT,
                                        null=True, blank=True, related_name="+",
                                        verbose_name=_("buddy's class"))
    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="pairings", verbose_name=_("volunteer"))
    school = models.ForeignKey("registry.School", on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("school"))
    start_date = models.DateField(_("from"))
    end_date = models.DateField(_("until"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("assigned by"))

    objects = PairingQuerySet.as_manager()

    class Meta:
        verbose_name = _("pairing")
        verbose_name_plural = _("pairings")
        ordering = ["child", "-start_date", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["child"], condition=Q(kind="mentor", end_date__isnull=True),
                name="pairing_one_active_mentor",
            ),
            models.UniqueConstraint(
                fields=["child"], condition=Q(kind="surrogate", end_date__isnull=True),
                name="pairing_one_active_surrogate",
            ),
            models.CheckConstraint(
                name="pairing_has_its_person",
                condition=(
                    Q(kind__in=["mentor", "surrogate"], staff__isnull=False)
                    | (Q(kind="buddy") & ~Q(buddy_name=""))
                    | Q(kind="volunteer", volunteer__isnull=False)
                ),
            ),
            models.CheckConstraint(
                name="pairing_ends_after_start",
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
            ),
        ]
        indexes = [
            models.Index(fields=["staff", "end_date"], name="pairing_staff_active_idx"),
        ]

    def __str__(self):
        return f"{self.child} · {self.get_kind_display()} · {self.person}"

    @property
    def person(self):
        if self.kind == PairingKind.BUDDY:
            return self.buddy_name
        return self.volunteer if self.kind == PairingKind.VOLUNTEER else self.staff


class Period(models.TextChoices):
    WEEK = "week", _("week")
    MONTH = "month", _("month")
    SEMESTER = "semester", _("semester")
    YEAR = "year", _("year")


class Responsible(models.TextChoices):
    HOMEROOM = "homeroom", _("Homeroom teacher")
    MENTOR = "mentor", _("Staff mentor")
    SURROGATE = "surrogate", _("Surrogate parent")


class StandardCode(models.TextChoices):
    WEEKLY_TALK = "weekly_talk", _("Weekly talk")
    FAMILY_CONTACT = "family_contact", _("Monthly family letter or call")
    HOME_VISIT = "home_visit", _("Monthly home visit")
    SEMESTER_REPORT = "semester_report", _("Semester report to parents")
    FESTIVAL = "festival", _("Yearly festival together")
    GUARDIAN_CONTACT = "guardian_contact", _("Guardian communication")


class CareStandardQuerySet(models.QuerySet):
    def for_user(self, user):
        return self.filter(area_filter(user, county_path="county"))

    def in_force(self, on):
        """The version of each standard that applies on ``on``."""
        return self.filter(valid_from__lte=on).filter(
            Q(valid_until__isnull=True) | Q(valid_until__gte=on)
        )


class CareStandard(models.Model):
    """A cadence the county keeps, as data: a weekly talk, a monthly home visit …
    A bureau's edit closes the version in force at the end of the last period and opens
    a new one from the current period, so past periods keep the rule they were owed
    under."""

    county = models.ForeignKey("registry.County", on_delete=models.PROTECT,
                               related_name="care_standards", verbose_name=_("county"))
    code = models.CharField(_("standard"), max_length=20, choices=StandardCode.choices)
    period = models.CharField(_("period"), max_length=10, choices=Period.choices)
    contacts_needed = models.PositiveSmallIntegerField(_("contacts needed per period"),
                                                       default=1)
    responsible = models.CharField(_("who is responsible"), max_length=10,
                                   choices=Responsible.choices)
    applies_in_holidays = models.BooleanField(_("applies in holidays"), default=False)
    valid_from = models.DateField(_("in force from"))
    valid_until = models.DateField(_("in force until"), null=True, blank=True)

    objects = CareStandardQuerySet.as_manager()

    class Meta:
        verbose_name = _("care standard")
        verbose_name_plural = _("care standards")
        ordering = ["county", "code", "valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["county", "code", "valid_from"],
                                    name="carestandard_version_unique"),
            models.UniqueConstraint(fields=["county", "code"],
                                    condition=Q(valid_until__isnull=True),
                                    name="carestandard_one_current_version"),
            models.CheckConstraint(condition=Q(contacts_needed__gte=1),
                                   name="carestandard_needs_a_contact"),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True)
                | Q(valid_until__gte=models.F("valid_from")),
                name="carestandard_valid_range",
            ),
        ]

    def __str__(self):
        return self.get_code_display()


class Channel(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    PHONE = "phone", _("Phone")
    VIDEO = "video", _("Video (cloud home visit)")
    LETTER = "letter", _("Letter")
    MESSAGE = "message", _("Message")


class ContactWith(models.TextChoices):
    CHILD = "child", _("The child")
    FATHER = "father", _("Father")
    MOTHER = "mother", _("Mother")
    GUARDIAN = "guardian", _("Guardian")


class Priority(models.TextChoices):
    SAFETY = "safety", _("Safety")
    LEARNING = "learning", _("Learning")
    LIFE = "life", _("Daily life")
    ACTIVITIES = "activities", _("Activities")


OTHER_CONTACT = "other"


class ContactLogQuerySet(models.QuerySet):
    def for_user(self, user):
        """A child's logs follow the child; the school a log was made at keeps it."""
        return self.filter(child_record_filter(user))


class ContactLog(models.Model):
    """One contact with a child or their family, counted toward exactly one care
    standard (or none: "other"). Each form carries a one-time token, so a double submit
    or a retried request never makes two logs."""

    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="contact_logs",
                              verbose_name=_("child"))
    standard = models.CharField(
        _("counts toward"), max_length=20,
        choices=[*StandardCode.choices, (OTHER_CONTACT, _("Other contact"))],
    )
    happened_on = models.DateField(_("date"))
    channel = models.CharField(_("how"), max_length=10, choices=Channel.choices)
    with_whom = models.JSONField(_("with whom"), default=list)
    priorities = models.JSONField(_("priorities served"), default=list, blank=True)
    summary = models.TextField(_("summary"), blank=True)
    wellbeing = models.PositiveSmallIntegerField(
        _("wellbeing"), null=True, blank=True,
        choices=[(1, _("Worrying")), (2, _("Low")), (3, _("Steady")), (4, _("Good")),
                 (5, _("Very good"))],
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="contact_logs", verbose_name=_("author"))
    school = models.ForeignKey("registry.School", on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("school"))
    submission_token = models.UUIDField(_("submission token"), default=uuid.uuid4,
                                        unique=True, editable=False)
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ContactLogQuerySet.as_manager()

    class Meta:
        verbose_name = _("contact log")
        verbose_name_plural = _("contact logs")
        ordering = ["-happened_on", "-pk"]
        indexes = [
            # The cadence engine counts a set of children's logs per standard and period.
            models.Index(fields=["child", "standard", "happened_on"],
                         name="contactlog_child_std_day_idx"),
            models.Index(fields=["school", "happened_on"], name="contactlog_school_day_idx"),
            # The engine's compliance over a whole county (the summary and its term chart):
            # the logs of a standard in a range of days, read from the index alone and
            # matched to the children by hash, instead of one probe of the index above
            # per child (25,000 probes for a week). Plans in docs/benchmarks.md.
            # (SQLite ignores INCLUDE.)
            models.Index(fields=["standard", "happened_on"], include=["child"],
                         name="contactlog_std_day_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(wellbeing__isnull=True) | Q(wellbeing__gte=1, wellbeing__lte=5),
                name="contactlog_wellbeing_1_to_5",
            ),
        ]

    def __str__(self):
        return f"{self.child} {self.happened_on} {self.get_standard_display()}"


# --- Concerns and mandatory reports --------------------------------------------------------


class ConcernCategory(models.TextChoices):
    SAFETY = "safety", _("Safety")
    PSYCHOLOGICAL = "psychological", _("Psychological")
    HEALTH = "health", _("Health")
    LEARNING = "learning", _("Learning")
    FAMILY = "family", _("Family")
    OTHER = "other", _("Other")


class Severity(models.TextChoices):
    WATCH = "watch", _("Keep an eye on it")
    PROMPT = "prompt", _("Needs prompt follow-up")
    SERIOUS = "serious", _("Serious: safety, abuse or self-harm (mandatory report)")


class ConcernStatus(models.TextChoices):
    OPEN = "open", _("Open")
    FOLLOWING_UP = "following_up", _("Following up")
    REFERRED = "referred", _("Referred")
    RESOLVED = "resolved", _("Resolved")


OPEN_CONCERN_STATUSES = (ConcernStatus.OPEN, ConcernStatus.FOLLOWING_UP, ConcernStatus.REFERRED)


class ConcernQuerySet(models.QuerySet):
    def for_user(self, user):
        """A concern follows the child, like a contact log; the school it was raised at
        keeps it. Besides, at the user's own school, those they raised or are assigned
        to: an assignee need not lead the child's class, and a concern handed to someone
        must reach them."""
        return self.filter(child_record_filter(user, own=("assigned_to", "raised_by")))

    def open(self):
        return self.filter(status__in=OPEN_CONCERN_STATUSES)

    def serious(self):
        return self.filter(severity=Severity.SERIOUS)


class Concern(models.Model):
    """Something a talk (or anything else) revealed that needs follow-up. A serious one
    is a mandatory report (强制报告): the school's administrators are alerted at once."""

    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="concerns",
                              verbose_name=_("child"))
    school = models.ForeignKey("registry.School", on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("school"))
    log = models.ForeignKey(ContactLog, on_delete=models.SET_NULL, null=True, blank=True,
                            related_name="concerns", verbose_name=_("raised from contact"))
    category = models.CharField(_("category"), max_length=15,
                                choices=ConcernCategory.choices)
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices,
                                default=Severity.WATCH)
    description = models.TextField(_("what was noticed"))
    assigned_to = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="assigned_concerns",
                                    verbose_name=_("assigned to"))
    status = models.CharField(_("status"), max_length=15, choices=ConcernStatus.choices,
                              default=ConcernStatus.OPEN)
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                  related_name="+", verbose_name=_("raised by"))
    submission_token = models.UUIDField(_("submission token"), default=uuid.uuid4,
                                        unique=True, editable=False)
    created_at = models.DateTimeField(_("raised"), auto_now_add=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)

    objects = ConcernQuerySet.as_manager()

    class Meta:
        verbose_name = _("concern")
        verbose_name_plural = _("concerns")
        ordering = ["created_at", "pk"]
        indexes = [
            # The school's open concerns, oldest first; a child's open concerns.
            models.Index(fields=["school", "status", "created_at"],
                         name="concern_school_status_idx"),
            models.Index(fields=["child", "status"], name="concern_child_status_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                name="concern_resolved_when_resolved",
                condition=Q(status="resolved", resolved_at__isnull=False)
                | (~Q(status="resolved") & Q(resolved_at__isnull=True)),
            ),
        ]

    def __str__(self):
        return f"{self.child} · {self.get_category_display()}"

    @property
    def is_serious(self):
        return self.severity == Severity.SERIOUS

    @property
    def is_open(self):
        return self.status in OPEN_CONCERN_STATUSES


class ConcernNote(models.Model):
    """A dated follow-up note; it may move the concern to another status."""

    concern = models.ForeignKey(Concern, on_delete=models.CASCADE, related_name="notes",
                                verbose_name=_("concern"))
    happened_on = models.DateField(_("date"))
    note = models.TextField(_("follow-up"))
    status = models.CharField(_("status afterwards"), max_length=15,
                              choices=ConcernStatus.choices)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="+", verbose_name=_("author"))
    submission_token = models.UUIDField(_("submission token"), default=uuid.uuid4,
                                        unique=True, editable=False)
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        verbose_name = _("follow-up note")
        verbose_name_plural = _("follow-up notes")
        ordering = ["happened_on", "pk"]

    def __str__(self):
        return f"{self.concern} {self.happened_on}"


class ConcernAlert(models.Model):
    """Who was alerted of a mandatory report, when, how, and when they acknowledged it."""

    concern = models.ForeignKey(Concern, on_delete=models.CASCADE, related_name="alerts",
                                verbose_name=_("concern"))
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                  related_name="concern_alerts", verbose_name=_("alerted"))
    alerted_at = models.DateTimeField(_("alerted at"), auto_now_add=True)
    email_to = models.EmailField(_("e-mailed to"), blank=True)
    email_sent_at = models.DateTimeField(_("e-mail sent at"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)

    class Meta:
        verbose_name = _("mandatory report alert")
        verbose_name_plural = _("mandatory report alerts")
        ordering = ["alerted_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["concern", "recipient"],
                                    name="concernalert_once_per_recipient"),
        ]
        indexes = [
            # The layout's notice: a recipient's unacknowledged alerts, on every page.
            models.Index(fields=["recipient", "acknowledged_at"],
                         name="concernalert_pending_idx"),
        ]

    def __str__(self):
        return f"{self.concern} → {self.recipient}"


# --- Help plans ----------------------------------------------------------------------------


class HelpPlanQuerySet(models.QuerySet):
    def for_user(self, user):
        """A plan follows the child; besides, at the user's own school, the plans they
        give or wrote: a subject teacher need not lead the child's class."""
        return self.filter(child_record_filter(user, own=("teacher", "created_by")))


class HelpPlan(models.Model):
    """A learning help plan (学习帮扶计划): for one child in one term, by a subject
    teacher — the subject, goals, when, what and how, and the review at the end."""

    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="help_plans",
                              verbose_name=_("child"))
    school = models.ForeignKey("registry.School", on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("school"))
    term = models.ForeignKey("registry.Term", on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("term"))
    subject = models.CharField(_("subject"), max_length=30)
    teacher = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                related_name="help_plans", verbose_name=_("teacher"))
    goals = models.TextField(_("goals"))
    schedule = models.CharField(_("schedule"), max_length=200,
                                help_text=_("When the help happens, e.g. Tuesday and "
                                            "Thursday after school."))
    content = models.TextField(_("content"))
    method = models.TextField(_("method"))
    review_notes = models.TextField(_("review notes"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("written by"))
    created_at = models.DateTimeField(_("written"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = HelpPlanQuerySet.as_manager()

    class Meta:
        verbose_name = _("help plan")
        verbose_name_plural = _("help plans")
        ordering = ["-created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["child", "term", "subject"],
                                    name="helpplan_one_per_subject_and_term"),
        ]
        indexes = [models.Index(fields=["teacher", "term"], name="helpplan_teacher_term_idx")]

    def __str__(self):
        return f"{self.child} · {self.subject}"
