"""Template context for every page: the mandatory reports (强制报告) waiting for the
user's acknowledgement, shown as a notice above each page's content."""

from registry.permissions import RolePermissionBackend

_roles = RolePermissionBackend()


def _manages_concerns(user):
    """Asked of the superuser flag and the role table, never of ``user.has_perm``: its
    first call in a request reads the user's and groups' permissions from the database,
    and the notice must cost nothing to those who never get alerts."""
    return user.is_superuser or _roles.has_perm(user, "interventions.manage_concerns")


def mandatory_reports(request):
    """``mandatory_alerts``: for a user who manages concerns, their unacknowledged alerts
    of open concerns — a lazy queryset, one query when a page shows the notice; for
    everyone else, nothing."""
    user = getattr(request, "user", None)
    if not (user and user.is_authenticated and user.is_active and _manages_concerns(user)):
        return {}
    from interventions.concerns import pending_alerts

    return {"mandatory_alerts": pending_alerts(user)}
