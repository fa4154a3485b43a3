"""What each role may do, declared in one table.

Django's permission machinery asks this table through ``RolePermissionBackend``, so views
declare what they need with ``permission_required("registry.…")`` and templates test
``perms.registry.…``. Scope (which objects) is the queryset rule's job, not this table's.
"""

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied

from registry.models.users import Role, User

ROLE_PERMISSIONS = {
    Role.TEACHER: {
        "registry.view_child",
        "registry.add_child",
        "registry.change_child",
        "registry.view_full_id_number",
        "registry.view_contact_sheet",
        "registry.export_roster",
        "interventions.view_pairing",
        "interventions.add_contactlog",
        "interventions.change_contactlog",
        "interventions.view_concern",
        "interventions.add_concern",
        "interventions.change_concern",
        "interventions.view_helpplan",
        "interventions.add_helpplan",
        "interventions.change_helpplan",
    },
    Role.SCHOOL_ADMIN: {
        "registry.view_school_page",
        "registry.view_child",
        "registry.add_child",
        "registry.change_child",
        "registry.view_full_id_number",
        "registry.manage_registry",
        "registry.view_change_history",
        "registry.view_accesslog",
        "registry.view_contact_sheet",
        "registry.export_roster",
        "registry.import_roster",
        "registry.import_staff",
        "registry.rollover",
        "registry.reset_password",
        "registry.use_admin",
        "registry.view_classroom",
        "registry.add_classroom",
        "registry.change_classroom",
        "registry.view_user",
        "registry.add_user",
        "registry.change_user",
        "registry.view_term",
        "registry.view_termday",
        "interventions.view_pairing",
        "interventions.manage_pairings",
        "interventions.manage_volunteers",
        "interventions.manage_concerns",
        "reports.view_status_sheet",
        "reports.submit_month",
        "interventions.add_contactlog",
        "interventions.change_contactlog",
        "interventions.view_concern",
        "interventions.add_concern",
        "interventions.change_concern",
        "interventions.view_helpplan",
        "interventions.add_helpplan",
        "interventions.change_helpplan",
    },
    Role.TOWNSHIP: {
        "reports.view_status_sheet",
        "reports.view_summary",
        "reports.view_submissions",
        "registry.view_child",
        "registry.view_accesslog",
        "registry.export_roster",
        "registry.view_school_list",
        "registry.view_school_page",
        "interventions.view_pairing",
    },
    Role.BUREAU: {
        "reports.view_status_sheet",
        "reports.view_summary",
        "reports.view_submissions",
        "reports.reopen_month",
        "registry.view_child",
        "registry.view_accesslog",
        "registry.export_roster",
        "registry.view_school_list",
        "registry.view_school_page",
        "registry.reset_password",
        "registry.use_admin",
        "registry.view_township",
        "registry.add_township",
        "registry.change_township",
        "registry.view_school",
        "registry.add_school",
        "registry.change_school",
        "registry.view_classroom",
        "registry.view_term",
        "registry.add_term",
        "registry.change_term",
        "registry.view_termday",
        "registry.add_termday",
        "registry.change_termday",
        "registry.delete_termday",
        "registry.view_user",
        "registry.add_user",
        "registry.change_user",
        "interventions.view_pairing",
        "interventions.manage_volunteers",
        "interventions.change_carestandard",
        "registry.manage_calendar",
    },
}

# Which roles' accounts a role creates, edits and resets.
MANAGED_ROLES = {
    Role.SCHOOL_ADMIN: (Role.TEACHER,),
    Role.BUREAU: (Role.SCHOOL_ADMIN, Role.TOWNSHIP),
}


def managed_roles(user):
    if user.is_superuser:
        return tuple(Role)
    return MANAGED_ROLES.get(user.role, ())


class RolePermissionBackend:
    """Grants permissions by role; authenticates nobody."""

    def authenticate(self, request, **credentials):
        return None

    # No get_user: logins belong to ``UserBackend`` below, which loads the user. This
    # backend comes first in AUTHENTICATION_BACKENDS (so permissions cost no query) and
    # must not be taken for a login backend.

    def has_perm(self, user_obj, perm, obj=None):
        if not user_obj.is_active or not user_obj.is_authenticated:
            return False
        return perm in ROLE_PERMISSIONS.get(user_obj.role, ())

    def has_module_perms(self, user_obj, app_label):
        if not user_obj.is_active or not user_obj.is_authenticated:
            return False
        prefix = f"{app_label}."
        return any(p.startswith(prefix) for p in ROLE_PERMISSIONS.get(user_obj.role, ()))


def require_perm(actor, perm):
    """For services: refuse an actor whose role lacks ``perm``."""
    if not actor.has_perm(perm):
        raise PermissionDenied


class UserBackend(ModelBackend):
    """Django's ModelBackend (passwords, per-user and group permissions), loading the
    logged-in user with their school, township and county: the page header names the
    user's place on every page, which would otherwise be a query of its own."""

    def get_user(self, user_id):
        try:
            user = User._default_manager.select_related(
                "school", "township", "county").get(pk=user_id)
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
