"""Staff accounts and their roles. A user has one role and one place: a teacher or
school admin a school, a township user a township, a bureau user a county; the
database refuses anything else."""

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from registry.scoping import area_filter


class Role(models.TextChoices):
    TEACHER = "teacher", _("Teacher")
    SCHOOL_ADMIN = "school_admin", _("School administrator")
    TOWNSHIP = "township", _("Township central school")
    BUREAU = "bureau", _("County education bureau")


SCHOOL_ROLES = (Role.TEACHER, Role.SCHOOL_ADMIN)


class StaffQuerySet(models.QuerySet):
    def for_user(self, user):
        """The accounts a user may see: their own, and for the roles that manage
        people, the staff of their area."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_teacher:
            return self.filter(pk=user.pk)
        area = area_filter(user, school_path="school")
        if user.is_bureau:
            area |= Q(county_id=user.county_id) | Q(township__county_id=user.county_id)
        elif user.is_township:
            area |= Q(township_id=user.township_id)
        return self.filter(area)


class StaffManager(UserManager.from_queryset(StaffQuerySet)):
    pass


class User(AbstractUser):
    first_name = None
    last_name = None
    real_name = models.CharField(_("real name"), max_length=50)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, blank=True)
    school = models.ForeignKey(
        "registry.School",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
        verbose_name=_("school"),
    )
    township = models.ForeignKey(
        "registry.Township",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
        verbose_name=_("township"),
    )
    county = models.ForeignKey(
        "registry.County",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
        verbose_name=_("county"),
    )
    must_change_password = models.BooleanField(
        _("must change password at next login"), default=False
    )

    objects = StaffManager()

    REQUIRED_FIELDS = ["real_name"]

    class Meta:
        verbose_name = _("staff account")
        verbose_name_plural = _("staff accounts")
        ordering = ["real_name", "username"]
        constraints = [
            models.CheckConstraint(
                name="user_role_matches_place",
                condition=(
                    Q(role="", is_superuser=True, school__isnull=True, township__isnull=True,
                      county__isnull=True)
                    | Q(role__in=SCHOOL_ROLES, is_superuser=False, school__isnull=False,
                        township__isnull=True, county__isnull=True)
                    | Q(role=Role.TOWNSHIP, is_superuser=False, school__isnull=True,
                        township__isnull=False, county__isnull=True)
                    | Q(role=Role.BUREAU, is_superuser=False, school__isnull=True,
                        township__isnull=True, county__isnull=False)
                ),
            ),
        ]

    def __str__(self):
        return self.real_name or self.username

    def get_full_name(self):
        return self.real_name

    def get_short_name(self):
        return self.real_name

    @property
    def is_teacher(self):
        return self.role == Role.TEACHER

    @property
    def is_school_admin(self):
        return self.role == Role.SCHOOL_ADMIN

    @property
    def is_township(self):
        return self.role == Role.TOWNSHIP

    @property
    def is_bureau(self):
        return self.role == Role.BUREAU

    @cached_property
    def home_county_id(self):
        """The county the user works in (None for a superuser)."""
        if self.is_bureau:
            return self.county_id
        if self.is_township:
            return self.township.county_id
        if self.school_id:
            return self.school.county_id
        return None

    @property
    def place(self):
        """The school, township or county the user belongs to."""
        return self.school or self.township or self.county
