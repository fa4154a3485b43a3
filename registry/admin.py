"""The admin, scoped by the same rule as every page: each list starts from
``for_user``, foreign-key choices too, and a user's own place is fixed in the forms
(shown, not editable) so nobody moves data or accounts out of their reach."""

from django.contrib import admin
from django.contrib.auth.forms import BaseUserCreationForm
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from interventions.services import care_standards_install_defaults
from registry import services
from registry.models import (
    AccessLog,
    Classroom,
    County,
    School,
    Term,
    TermDay,
    Township,
    User,
)
from registry.permissions import managed_roles

admin.site.unregister(Group)


class ScopedAdmin(admin.ModelAdmin):
    def get_queryset(self, request):
        return super().get_queryset(request).for_user(request.user)

    def get_object(self, request, object_id, from_field=None):
        # A model the role may never use is a 403 whatever the object; out of scope
        # is a 404, as on every other page, not the admin's redirect.
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404
        return obj

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        related = db_field.related_model
        if hasattr(related.objects, "for_user"):
            kwargs["queryset"] = related.objects.for_user(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def fixed_fields(self, request):
        """Fields whose value is the user's own place: {field name: value}."""
        return {}

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change=change, **kwargs)
        fixed = {
            name: value
            for name, value in self.fixed_fields(request).items()
            if name in form_class.base_fields
        }
        if not fixed:
            return form_class

        class FixedPlaceForm(form_class):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, **kwargs)
                for name, value in fixed.items():
                    field = self.fields[name]
                    field.disabled = True
                    if self.instance.pk is None:
                        self.initial[name] = getattr(value, "pk", value)

        return FixedPlaceForm


@admin.register(County)
class CountyAdmin(ScopedAdmin):
    list_display = ["name", "code"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # A new county starts with the action plan's care standards.
        care_standards_install_defaults(county=obj)


@admin.register(Township)
class TownshipAdmin(ScopedAdmin):
    list_display = ["name", "county"]
    search_fields = ["name"]

    def fixed_fields(self, request):
        return {"county": request.user.county} if request.user.is_bureau else {}


@admin.register(School)
class SchoolAdmin(ScopedAdmin):
    list_display = ["name", "code", "township", "stage", "pupils_enrolled"]
    list_filter = ["stage", "township"]
    search_fields = ["name", "code"]

    def fixed_fields(self, request):
        return {"county": request.user.county} if request.user.is_bureau else {}


@admin.register(Classroom)
class ClassroomAdmin(ScopedAdmin):
    list_display = ["__str__", "school_year", "school", "homeroom_teacher"]
    list_filter = ["school_year", "grade"]
    list_select_related = ["school", "homeroom_teacher"]

    def fixed_fields(self, request):
        return {"school": request.user.school} if request.user.is_school_admin else {}


class TermDayInline(admin.TabularInline):
    model = TermDay
    extra = 1


@admin.register(Term)
class TermAdmin(ScopedAdmin):
    list_display = ["__str__", "county", "start_date", "end_date"]
    inlines = [TermDayInline]

    def fixed_fields(self, request):
        return {"county": request.user.county} if request.user.is_bureau else {}

    def save_model(self, request, obj, form, change):
        services.term_save(term=obj)

    def save_formset(self, request, form, formset, change):
        for term_day in formset.save(commit=False):
            services.term_day_save(term_day=term_day)
        for term_day in formset.deleted_objects:
            term_day.delete()


class StaffCreationForm(BaseUserCreationForm):
    class Meta:
        model = User
        fields = ["username", "real_name", "phone", "role", "school", "township", "county"]


@admin.register(User)
class StaffAdmin(ScopedAdmin):
    list_display = ["real_name", "username", "role", "place", "is_active", "last_login"]
    list_filter = ["role", "is_active"]
    list_select_related = ["school", "township", "county"]
    search_fields = ["real_name", "username"]
    readonly_fields = ["password_reset", "last_login", "date_joined"]
    add_form = StaffCreationForm

    @admin.display(description=_("place"))
    def place(self, obj):
        return obj.place

    @admin.display(description=_("password"))
    def password_reset(self, obj):
        if obj.pk is None:
            return ""
        return format_html(
            '<a href="{}">{}</a>',
            reverse("staff_reset_password", args=[obj.pk]),
            _("Reset to a temporary password"),
        )

    def get_queryset(self, request):
        return super().get_queryset(request).filter(role__in=managed_roles(request.user))

    def _place_fields(self, request):
        if request.user.is_superuser:
            return ["role", "school", "township", "county"]
        if request.user.is_bureau:
            return ["role", "school", "township"]
        return ["role", "school"]

    def get_fields(self, request, obj=None):
        fields = ["username", "real_name", "phone", *self._place_fields(request)]
        if obj is None:
            return [*fields, "password1", "password2"]
        return [*fields, "is_active", "password_reset", "last_login", "date_joined"]

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = self.add_form
        return super().get_form(request, obj, **kwargs)

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        if db_field.name == "role":
            allowed = managed_roles(request.user)
            kwargs["choices"] = [c for c in db_field.choices if c[0] in allowed]
        return super().formfield_for_choice_field(db_field, request, **kwargs)

    def fixed_fields(self, request):
        user = request.user
        if user.is_school_admin:
            return {"role": "teacher", "school": user.school}
        return {}

    def save_model(self, request, obj, form, change):
        services.staff_save(
            actor=request.user, staff=obj, raw_password=form.cleaned_data.get("password1")
        )


@admin.register(AccessLog)
class AccessLogAdmin(ScopedAdmin):
    """Read-only for everyone, the operator included: the access log is append-only
    (``access_log_record`` writes it) and only ``prune_access_log`` removes entries,
    once they are older than the retention period."""

    list_display = ["at", "user", "action", "child", "school", "rows", "what"]
    list_filter = ["action"]
    list_select_related = ["user", "child", "school"]
    date_hierarchy = "at"

    @admin.display(description=_("what"))
    def what(self, entry):
        return entry.detail_text

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
