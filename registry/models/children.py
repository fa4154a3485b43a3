"""The child's file: the five-clear profile, the family, the categories and the registry
episodes, and the access log of who opened it.

Categories that follow from the family (left-behind, orphan) are never stored: they are
derived, in SQL for whole querysets (``ChildQuerySet.with_categories``) and in Python for
one child (``Child.categories``), and a test keeps the two in agreement. The same goes for
the five-clear state.
"""

import calendar
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import BooleanField, Case, Exists, FilteredRelation, OuterRef, Q, Value, When
from django.db.models.functions import Length
from django.db.models.lookups import Exact
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from registry.idnumber import (
    mask_id_number,
    mask_student_number,
    parse_id_number,
    validate_id_number,
    validate_phone,
)
from registry.scoping import area_filter

# A parent away this long (or longer) makes a child left-behind.
AWAY_MONTHS = 3


def months_before(day, months):
    """The same day ``months`` calendar months earlier, clamped to the month's end."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def away_threshold(today=None):
    """A parent away since this date or earlier has been away long enough."""
    return months_before(today or timezone.localdate(), AWAY_MONTHS)


class Sex(models.TextChoices):
    MALE = "M", _("Male")
    FEMALE = "F", _("Female")


class Situation(models.TextChoices):
    HOME = "home", _("At home")
    AWAY = "away", _("Working away")
    DECEASED = "deceased", _("Deceased")
    UNKNOWN = "unknown", _("Unknown")


# Parents who can be called: their phone is part of "five clear".
REACHABLE = (Situation.HOME, Situation.AWAY)


class HardshipKind(models.TextChoices):
    DISABILITY = "disability", _("Disability")
    POVERTY = "poverty", _("Poverty")
    REMOTE = "remote", _("Remote mountain area")
    ILLNESS = "illness", _("Serious illness")
    OTHER = "other", _("Other hardship")


class Category(models.TextChoices):
    """The registry's categories (DOMAIN.md). The first four are derived."""

    BOTH_AWAY = "both_away", _("Both parents away")
    FATHER_AWAY = "father_away", _("Father away")
    MOTHER_AWAY = "mother_away", _("Mother away")
    ORPHAN = "orphan", _("Orphan")
    ABANDONED = "abandoned", _("Abandoned or unattended")
    SINGLE_PARENT = "single_parent", _("Single-parent family")
    HARDSHIP = "hardship", _("Hardship")


DERIVED_CATEGORIES = (
    Category.BOTH_AWAY, Category.FATHER_AWAY, Category.MOTHER_AWAY, Category.ORPHAN,
)


class FivePart(models.TextChoices):
    BASIC = "basic", _("Basic information")
    PERSONALITY = "personality", _("Personality traits")
    HOBBIES = "hobbies", _("Hobbies and interests")
    HEALTH = "health", _("Health")
    CONTACTS = "contacts", _("Parents' and guardian's contacts")


# Fields that must be filled for each of the five parts (family rules are below).
FIVE_CLEAR_FIELDS = {
    FivePart.BASIC: [
        "name", "sex", "birth_date", "id_number", "student_number", "ethnicity", "address",
        "classroom",
    ],
    FivePart.PERSONALITY: ["personality"],
    FivePart.HOBBIES: ["hobbies"],
    FivePart.HEALTH: ["physical_condition"],
}


def category_q(category):
    """The condition "carries ``category``" on a queryset annotated by
    ``ChildQuerySet.with_categories`` (a filter, or a conditional count)."""
    if category in DERIVED_CATEGORIES:
        return Q(**{f"is_{category}": True})
    if category == Category.HARDSHIP:
        return ~Q(hardship_kind="")
    return Q(**{category: True})


class ChildQuerySet(models.QuerySet):
    def for_user(self, user):
        """The access rule for children: the user's area, and for a teacher the
        classes they lead and the children they are the active mentor or surrogate
        parent of (within the area, so a transfer ends the access)."""
        qs = self.filter(area_filter(user, school_path="school"))
        if user.is_authenticated and user.is_teacher:
            # Imported here: the care work's models import this module.
            from interventions.models import Pairing, PairingKind

            paired = Exists(Pairing.objects.filter(
                child=OuterRef("pk"), staff=user, end_date__isnull=True,
                kind__in=[PairingKind.MENTOR, PairingKind.SURROGATE],
            ))
            qs = qs.filter(Q(classroom__homeroom_teacher=user) | Q(paired))
        return qs

    def in_registry(self):
        return self.with_on_registry().filter(on_registry=True)

    def with_categories(self, today=None):
        """Annotate the derived categories (``is_both_away`` …), ``has_category``, and
        ``is_away_pending`` (a parent away, but for less than three months) in SQL."""
        threshold = away_threshold(today)
        father = _MAIN_JOINS[FamilyMember.Kind.FATHER]
        mother = _MAIN_JOINS[FamilyMember.Kind.MOTHER]

        def long_away(member):
            return Q(**{f"{member}__situation": Situation.AWAY,
                        f"{member}__away_since__lte": threshold})

        def away_pending(member):
            return Q(**{f"{member}__situation": Situation.AWAY}) & (
                Q(**{f"{member}__away_since__gt": threshold})
                | Q(**{f"{member}__away_since__isnull": True}))

        def deceased(member):
            return Q(**{f"{member}__situation": Situation.DECEASED})

        qs = self._with_main_family().alias(
            father_long_away=_flag(long_away(father)),
            mother_long_away=_flag(long_away(mother)),
        ).annotate(
            is_both_away=Q(father_long_away=True) & Q(mother_long_away=True),
            is_father_away=Q(father_long_away=True) & Q(mother_long_away=False),
            is_mother_away=Q(mother_long_away=True) & Q(father_long_away=False),
            is_orphan=_flag(deceased(father) & deceased(mother)),
            is_away_pending=_flag(away_pending(father) | away_pending(mother)),
        )
        return qs.annotate(
            has_category=Q(father_long_away=True) | Q(mother_long_away=True)
            | Q(is_orphan=True) | Q(single_parent=True) | Q(abandoned=True)
            | ~Q(hardship_kind=""),
        )

    def _with_main_family(self):
        """Join the child's father, mother and guardian records (``_MAIN_JOINS``), once
        however many annotations read them.

        There is at most one of each per child (the constraint
        ``family_one_father_mother_guardian``), so the joins add no row, and "the father
        is away", "the mother's record is complete" … are tests on columns of the
        child's row. They were EXISTS subqueries, some twenty per child (each alias
        repeated where used): PostgreSQL hashed the whole county's matching family
        records for each, even for one school's 588 children (docs/benchmarks.md)."""
        missing = {name: FilteredRelation("family", condition=Q(family__kind=kind))
                   for kind, name in _MAIN_JOINS.items()
                   if name not in self.query._filtered_relations}
        return self.alias(**missing) if missing else self

    def with_on_registry(self):
        return self.annotate(on_registry=Exists(
            RegistryEpisode.objects.filter(child=OuterRef("pk"), exited_on__isnull=True)
        ))

    def with_category(self, category, today=None):
        """Only children carrying ``category`` (derived or recorded)."""
        return self.with_categories(today).carrying(category)

    def carrying(self, category):
        """Filter a queryset already annotated by ``with_categories`` to ``category``."""
        return self.filter(category_q(category))

    def with_five_clear(self):
        """Annotate ``five_clear_count`` in SQL, with the parts ``clear_basic`` …
        ``clear_contacts`` as aliases (for filters: no page shows them one by one)."""
        checks = {f"clear_{part}": _fields_filled_q(fields)
                  for part, fields in FIVE_CLEAR_FIELDS.items()}
        checks["clear_contacts"] = _flag(_contacts_clear_q())
        qs = self._with_main_family().alias(**checks)
        count = sum(
            (models.Case(models.When(Q(**{name: True}), then=Value(1)), default=Value(0))
             for name in checks),
            Value(0),
        )
        return qs.annotate(five_clear_count=count)


def _flag(condition):
    """``condition`` as a true-or-false column: false, not NULL, where it tests a family
    member the child does not have (the joins of ``_with_main_family``)."""
    return Case(When(condition, then=Value(True)), default=Value(False),
                output_field=BooleanField())


def _fields_filled_q(fields):
    q = Q()
    for name in fields:
        field = Child._meta.get_field(name)
        if field.is_relation or isinstance(field, models.DateField):
            q &= Q(**{f"{name}__isnull": False})
        else:
            q &= ~Q(**{name: ""})
    return q


def _parent_clear_q(kind):
    """A parent record that tells the school what it must know: a name and situation,
    a phone unless deceased or unknown, and where they work when away."""
    member = _MAIN_JOINS[kind]

    def field(name, lookup="exact"):
        return f"{member}__{name}__{lookup}"

    return (
        Q(**{field("kind"): kind})  # the record exists (the join found one)
        & ~Q(**{field("name"): ""})
        & ~(Q(**{field("situation", "in"): REACHABLE}) & Q(**{field("phone"): ""}))
        & ~(Q(**{field("situation"): Situation.AWAY})
            & (Q(**{field("workplace"): ""}) | Q(**{field("away_since", "isnull"): True})))
    )


def _contacts_clear_q():
    guardian = _MAIN_JOINS[FamilyMember.Kind.GUARDIAN]
    return (
        Q(**{f"{guardian}__kind": FamilyMember.Kind.GUARDIAN,
             f"{guardian}__age__isnull": False})
        & ~(Q(**{f"{guardian}__name": ""}) | Q(**{f"{guardian}__relation": ""})
            | Q(**{f"{guardian}__phone": ""}) | Q(**{f"{guardian}__health": ""}))
        & _parent_clear_q(FamilyMember.Kind.FATHER)
        & _parent_clear_q(FamilyMember.Kind.MOTHER)
    )


class Child(models.Model):
    # Basic information (基本信息)
    name = models.CharField(pgettext_lazy("person", "name"), max_length=50)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices, blank=True)
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    id_number = models.CharField(
        _("resident ID number"), max_length=18, blank=True, validators=[validate_id_number],
        help_text=_("18 characters. When given, sex and date of birth are taken from it."),
    )
    student_number = models.CharField(_("student number"), max_length=30, blank=True)
    ethnicity = models.CharField(_("ethnicity"), max_length=20, blank=True, default="汉族")
    address = models.CharField(_("home village and address"), max_length=200, blank=True)
    county = models.ForeignKey(
        "registry.County", on_delete=models.PROTECT, related_name="children",
        verbose_name=_("county"),
    )
    school = models.ForeignKey(
        "registry.School", on_delete=models.PROTECT, related_name="children",
        verbose_name=_("school"),
    )
    classroom = models.ForeignKey(
        "registry.Classroom", on_delete=models.PROTECT, related_name="children", null=True,
        blank=True, verbose_name=_("class"),
    )
    boarding = models.BooleanField(_("boarding pupil"), default=False)
    # Personality, hobbies (性格特点, 兴趣爱好)
    personality = models.TextField(_("personality traits"), blank=True)
    hobbies = models.TextField(_("hobbies and interests"), blank=True)
    # Health (健康状况)
    physical_condition = models.CharField(_("physical condition"), max_length=200, blank=True)
    chronic_illness = models.CharField(_("chronic illness"), max_length=200, blank=True)
    disability = models.CharField(_("disability"), max_length=200, blank=True)
    psychological_notes = models.TextField(_("psychological notes"), blank=True)
    # Recorded categories; the left-behind and orphan categories are derived.
    single_parent = models.BooleanField(_("single-parent family"), default=False)
    abandoned = models.BooleanField(_("abandoned or unattended"), default=False)
    hardship_kind = models.CharField(
        _("hardship"), max_length=12, choices=HardshipKind.choices, blank=True
    )
    hardship_note = models.CharField(_("hardship details"), max_length=200, blank=True)
    # The guardian's consent to registration.
    consent_date = models.DateField(_("consent given on"), null=True, blank=True)
    consent_method = models.CharField(
        _("how consent was given"), max_length=12, blank=True,
        choices=[
            ("signed", _("Signed form")),
            ("in_person", _("In person, recorded by the teacher")),
            ("phone", _("By phone")),
            ("message", _("By message")),
        ],
    )
    consent_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", verbose_name=_("consent recorded by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ChildQuerySet.as_manager()

    class Meta:
        verbose_name = _("child")
        verbose_name_plural = _("children")
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["county", "id_number"], condition=~Q(id_number=""),
                name="child_id_number_unique_in_county",
                violation_error_message=_(
                    "A child with this ID number is already on the county's registry. "
                    "If they changed school, take them in by transfer."
                ),
            ),
            models.UniqueConstraint(
                fields=["county", "student_number"], condition=~Q(student_number=""),
                name="child_student_number_unique_in_county",
                violation_error_message=_(
                    "A child with this student number is already on the county's registry. "
                    "If they changed school, take them in by transfer."
                ),
            ),
            models.CheckConstraint(
                condition=Q(id_number="") | Q(Exact(Length("id_number"), 18)),
                name="child_id_number_18",
            ),
        ]
        indexes = [models.Index(fields=["school", "classroom"], name="child_school_class_idx")]

    def __str__(self):
        return self.name

    def clean(self):
        errors = {}
        if self.id_number:
            try:
                info = parse_id_number(self.id_number)
            except ValidationError:
                info = None  # the field validator reports it
            if info:
                self.id_number = info.number
                if self.sex and self.sex != info.sex:
                    errors["sex"] = _(
                        "The ID number says %(sex)s. Correct the sex or the ID number."
                    ) % {"sex": Sex(info.sex).label}
                if self.birth_date and self.birth_date != info.birth_date:
                    errors["birth_date"] = _(
                        "The ID number gives the date of birth %(date)s. Correct the date "
                        "or the ID number."
                    ) % {"date": info.birth_date.isoformat()}
                self.sex = self.sex or info.sex
                self.birth_date = self.birth_date or info.birth_date
        if self.school_id and self.county_id and self.school.county_id != self.county_id:
            errors["school"] = _("The school must be in the child's county.")
        if self.classroom_id and self.classroom.school_id != self.school_id:
            errors["classroom"] = _("The class must be in the child's school.")
        if errors:
            raise ValidationError(errors)

    @property
    def masked_id_number(self):
        return mask_id_number(self.id_number)

    @property
    def masked_student_number(self):
        return mask_student_number(self.student_number)

    def age(self, today=None):
        if not self.birth_date:
            return None
        today = today or timezone.localdate()
        before_birthday = (today.month, today.day) < (self.birth_date.month, self.birth_date.day)
        return today.year - self.birth_date.year - before_birthday

    # The Python twins of the SQL annotations; they read ``family`` as loaded.

    def family_by_kind(self):
        return {m.kind: m for m in self.family.all() if m.kind in FamilyMember.MAIN}

    def categories(self, today=None):
        """The child's categories, derived and recorded, in the registry's order. On a
        row from ``with_categories`` the derived ones come from the SQL annotations."""
        if hasattr(self, "is_both_away"):
            found = {c for c in DERIVED_CATEGORIES if getattr(self, f"is_{c}")}
        else:
            found = self._derived_categories(away_threshold(today))
        if self.abandoned:
            found.add(Category.ABANDONED)
        if self.single_parent:
            found.add(Category.SINGLE_PARENT)
        if self.hardship_kind:
            found.add(Category.HARDSHIP)
        return [c for c in Category if c in found]

    def _derived_categories(self, threshold):
        family = self.family_by_kind()
        father, mother = family.get(FamilyMember.Kind.FATHER), family.get(FamilyMember.Kind.MOTHER)
        father_away = bool(father and father.is_long_away(threshold))
        mother_away = bool(mother and mother.is_long_away(threshold))
        found = set()
        if father_away and mother_away:
            found.add(Category.BOTH_AWAY)
        elif father_away:
            found.add(Category.FATHER_AWAY)
        elif mother_away:
            found.add(Category.MOTHER_AWAY)
        if (father and father.situation == Situation.DECEASED
                and mother and mother.situation == Situation.DECEASED):
            found.add(Category.ORPHAN)
        return found

    def away_pending(self, today=None):
        """A parent is away, but not yet for three months: not yet eligible."""
        if hasattr(self, "is_away_pending"):
            return self.is_away_pending
        threshold = away_threshold(today)
        return any(
            m.situation == Situation.AWAY and (m.away_since is None or m.away_since > threshold)
            for m in self.family_by_kind().values()
            if m.kind in FamilyMember.PARENTS
        )

    def five_clear(self):
        """{part: list of what is missing} for the five parts; empty list = clear."""
        missing = {}
        for part, fields in FIVE_CLEAR_FIELDS.items():
            missing[part] = [
                Child._meta.get_field(name).verbose_name
                for name in fields
                if getattr(self, Child._meta.get_field(name).attname) in ("", None)
            ]
        missing[FivePart.CONTACTS] = self._contacts_missing()
        return {part: missing[part] for part in FivePart}

    def five_clear_count(self):
        return sum(1 for gaps in self.five_clear().values() if not gaps)

    def _contacts_missing(self):
        family = self.family_by_kind()
        gaps = []
        for kind in (FamilyMember.Kind.FATHER, FamilyMember.Kind.MOTHER):
            member = family.get(kind)
            if member is None:
                gaps.append(FamilyMember.Kind(kind).label)
            else:
                gaps.extend(member.missing_for_five_clear())
        guardian = family.get(FamilyMember.Kind.GUARDIAN)
        if guardian is None:
            gaps.append(FamilyMember.Kind.GUARDIAN.label)
        else:
            gaps.extend(guardian.missing_for_five_clear())
        return gaps



class FamilyMemberQuerySet(models.QuerySet):
    def for_user(self, user):
        return self.filter(child__in=Child.objects.for_user(user))


class FamilyMember(models.Model):
    """A parent, the second guardian who raises the child at home, or another contact."""

    class Kind(models.TextChoices):
        FATHER = "father", _("Father")
        MOTHER = "mother", _("Mother")
        GUARDIAN = "guardian", _("Guardian at home")
        OTHER = "other", _("Other contact")

    class Relation(models.TextChoices):
        GRANDPARENT = "grandparent", _("Grandparent")
        FATHER = "father", _("Father")
        MOTHER = "mother", _("Mother")
        SIBLING = "sibling", _("Brother or sister")
        RELATIVE = "relative", _("Other relative")
        OTHER = "other", _("Other")

    MAIN = (Kind.FATHER, Kind.MOTHER, Kind.GUARDIAN)
    PARENTS = (Kind.FATHER, Kind.MOTHER)

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="family",
                              verbose_name=_("child"))
    kind = models.CharField(_("who"), max_length=10, choices=Kind.choices)
    name = models.CharField(pgettext_lazy("person", "name"), max_length=50, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True, validators=[validate_phone])
    situation = models.CharField(_("situation"), max_length=10, choices=Situation.choices,
                                 blank=True)
    workplace = models.CharField(_("place of work"), max_length=100, blank=True)
    away_since = models.DateField(_("away since"), null=True, blank=True)
    relation = models.CharField(_("relation to the child"), max_length=12,
                                choices=Relation.choices, blank=True)
    age = models.PositiveSmallIntegerField(_("age"), null=True, blank=True)
    health = models.CharField(_("health"), max_length=100, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    objects = FamilyMemberQuerySet.as_manager()

    class Meta:
        verbose_name = _("family member")
        verbose_name_plural = _("family members")
        ordering = ["child", "kind", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["child", "kind"], condition=Q(kind__in=["father", "mother", "guardian"]),
                name="family_one_father_mother_guardian",
            ),
            models.CheckConstraint(
                condition=Q(away_since__isnull=True) | Q(situation="away"),
                name="family_away_since_only_when_away",
            ),
            models.CheckConstraint(
                condition=Q(age__isnull=True) | Q(age__lte=120), name="family_age_plausible"
            ),
        ]
        indexes = [
            # ChildQuerySet.with_categories: "father (mother) away since three months or
            # more", "deceased", "away under three months" are EXISTS subqueries that
            # PostgreSQL runs once as a hashed set of child ids; this index gives that set
            # by an index-only scan instead of a scan of the whole table, for every page
            # that lists categories (the status sheet, the summary, the child list and
            # the roster export). Plans in docs/benchmarks.md. (SQLite ignores INCLUDE.)
            models.Index(fields=["kind", "situation", "away_since"], include=["child"],
                         name="family_kind_situation_idx"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.name}"

    def clean(self):
        if self.situation != Situation.AWAY:
            self.away_since = None
        elif self.away_since and self.away_since > timezone.localdate():
            raise ValidationError({"away_since": _("This date is in the future.")})

    def get_additional_data(self):
        """Stored with each change-history entry, so a child's history finds the
        changes to family members even after they are removed."""
        return {"child_id": self.child_id}

    def is_long_away(self, threshold):
        return bool(
            self.situation == Situation.AWAY and self.away_since and self.away_since <= threshold
        )

    def missing_for_five_clear(self):
        label = self.get_kind_display()
        fields = ["name"]
        if self.kind in self.PARENTS:
            fields.append("situation")
            if self.situation in REACHABLE:
                fields.append("phone")
            if self.situation == Situation.AWAY:
                fields += ["workplace", "away_since"]
        else:
            fields += ["relation", "phone", "age", "health"]
        return [
            f"{label}{self._meta.get_field(name).verbose_name}"
            for name in fields
            if getattr(self, name) in ("", None)
        ]


# The names of the joins of ``ChildQuerySet._with_main_family``: father, mother, guardian.
_MAIN_JOINS = {kind: f"family_{kind}" for kind in FamilyMember.MAIN}


class ExitReason(models.TextChoices):
    PARENT_RETURNED = "parent_returned", _("Parent returned home")
    GRADUATED = "graduated", _("Graduated")
    TRANSFERRED_OUT = "transferred_out", _("Transferred out")
    MOVED_AWAY = "moved_away", _("Moved away")
    OTHER = "other", _("Other")


class EntryKind(models.TextChoices):
    REGISTERED = "registered", _("Newly registered")
    REENTERED = "reentered", _("Re-entered")
    TRANSFERRED_IN = "transferred_in", _("Transferred in")


def child_record_filter(user, *, own=()):
    """The access rule for records about a child that keep the school they were made at
    (registry episodes, contact logs): a child's whole history follows them, so the
    school they are at now sees every record; the school a record was made at keeps
    seeing it, so a sending school still sees its "transferred out" line, and nothing
    after it.

    ``own`` names the record's fields that point at a person (who raised a concern, who
    gives a help plan): at the user's own school the records that name them there are
    theirs too, though the child is not in their class."""
    in_scope = Q(child__in=Child.objects.for_user(user))
    if user.is_authenticated and not user.is_teacher:
        in_scope |= area_filter(user, school_path="school")
    if own and user.is_authenticated and user.is_active and user.school_id:
        named = Q()
        for field in own:
            named |= Q(**{field: user})
        in_scope |= Q(school_id=user.school_id) & named
    return in_scope


class RegistryEpisodeQuerySet(models.QuerySet):
    def for_user(self, user):
        return self.filter(child_record_filter(user))


class RegistryEpisode(models.Model):
    """A stretch of time a child is on the registry at one school. Only a person or an
    import opens or closes one; history is never overwritten."""

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="episodes",
                              verbose_name=_("child"))
    school = models.ForeignKey("registry.School", on_delete=models.PROTECT,
                               related_name="registry_episodes", verbose_name=_("school"))
    entry_kind = models.CharField(_("how entered"), max_length=16, choices=EntryKind.choices)
    entered_on = models.DateField(_("entered on"))
    categories_at_entry = models.JSONField(_("categories at entry"), default=list, blank=True)
    exited_on = models.DateField(_("exited on"), null=True, blank=True)
    exit_reason = models.CharField(_("exit reason"), max_length=16, choices=ExitReason.choices,
                                   blank=True)
    exit_note = models.CharField(_("exit note"), max_length=200, blank=True)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                  related_name="+", verbose_name=_("opened by"))
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                  related_name="+", null=True, blank=True,
                                  verbose_name=_("closed by"))

    objects = RegistryEpisodeQuerySet.as_manager()

    class Meta:
        verbose_name = _("registry episode")
        verbose_name_plural = _("registry episodes")
        ordering = ["child", "entered_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["child"], condition=Q(exited_on__isnull=True),
                name="episode_one_open_per_child",
            ),
            models.CheckConstraint(
                condition=Q(exited_on__isnull=True) | Q(exited_on__gte=models.F("entered_on")),
                name="episode_exit_after_entry",
            ),
            models.CheckConstraint(
                condition=(Q(exited_on__isnull=True, exit_reason="")
                           | (Q(exited_on__isnull=False) & ~Q(exit_reason=""))),
                name="episode_exit_has_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["school", "entered_on"], name="episode_school_entered_idx"),
            models.Index(fields=["school", "exited_on"], name="episode_school_exited_idx"),
        ]

    def __str__(self):
        return f"{self.child} {self.entered_on}–{self.exited_on or ''}"

    @property
    def is_open(self):
        return self.exited_on is None


class AccessLogQuerySet(models.QuerySet):
    def for_user(self, user):
        """The entries about the user's area's schools; for a township or the bureau
        also what its own area's accounts did at no school (a county roster or summary
        export), which would otherwise be seen by nobody but the operator."""
        in_area = area_filter(user, school_path="school")
        if user.is_authenticated and user.is_active and user.is_bureau:
            in_area |= Q(school__isnull=True) & (Q(user__county_id=user.county_id)
                                                 | Q(user__township__county_id=user.county_id))
        elif user.is_authenticated and user.is_active and user.is_township:
            in_area |= Q(school__isnull=True, user__township_id=user.township_id)
        return self.filter(in_area)


class AccessLog(models.Model):
    """Append-only: who opened which child's file, or exported or imported how many
    rows. Written only by ``registry.services.access_log_record`` (and its bulk twin
    ``access_log_record_many`` for pages showing many files at once)."""

    class Action(models.TextChoices):
        VIEW_PROFILE = "view_profile", _("Opened a profile")
        VIEW_HISTORY = "view_history", _("Opened a change history")
        VIEW_CARD = "view_card", _("Opened a record card")
        VIEW_CONTACTS = "view_contacts", _("Opened a contact sheet")
        EXPORT = "export", _("Exported")
        IMPORT = "import", _("Imported")
        TRANSFER_LOOKUP = "transfer_lookup", _("Looked up a child for transfer")
        VIEW_CONCERN = "view_concern", _("Opened a concern")
        VIEW_SHEET = "view_sheet", _("Opened a school's status sheet")
        VIEW_AUDIT = "view_audit", _("Searched the access log")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                             related_name="access_logs", verbose_name=_("user"))
    at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    action = models.CharField(_("action"), max_length=16, choices=Action.choices)
    child = models.ForeignKey(Child, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="access_logs", verbose_name=_("child"))
    school = models.ForeignKey("registry.School", on_delete=models.PROTECT, null=True,
                               blank=True, related_name="+", verbose_name=_("school"))
    detail = models.CharField(_("what"), max_length=300, blank=True)
    rows = models.PositiveIntegerField(_("rows"), null=True, blank=True)

    objects = AccessLogQuerySet.as_manager()

    class Meta:
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")
        ordering = ["-at"]
        indexes = [models.Index(fields=["child", "-at"], name="accesslog_child_at_idx")]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.user} {self.get_action_display()}"

    @property
    def detail_text(self):
        """``detail`` in words, in the reader's language (``registry.access_detail``)."""
        from registry import access_detail  # it reads this module's choices

        return access_detail.describe(self.detail)

