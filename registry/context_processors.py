"""Template context shared by every page: the navigation for the user's role."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from registry.models import Role

CHILDREN = ("child_list", _("Children"))
ADMIN = ("admin:index", _("Administration"))
CONCERNS = ("concern_list", _("Concerns"))
HELP_PLANS = ("help_plan_list", _("Help plans"))
ACCESS_LOG = ("access_log", _("Access log"))
_NAV_BY_ROLE = {
    Role.TEACHER: [("my_week", _("My week")), CHILDREN, CONCERNS, HELP_PLANS],
    Role.SCHOOL_ADMIN: [("school_detail", _("My school")), ("status_sheet", _("Status sheet")),
                        ("my_week", _("My week")), CHILDREN, ("pairing_list", _("Pairings")),
                        CONCERNS, HELP_PLANS, ("submission_list", _("Monthly report")),
                        ACCESS_LOG, ADMIN],
    Role.TOWNSHIP: [("county_summary", _("Summary")), ("school_list", _("Schools")), CHILDREN,
                    ("submission_overview", _("Monthly reports")), ACCESS_LOG],
    Role.BUREAU: [("county_summary", _("Summary")), ("school_list", _("Schools")), CHILDREN,
                  ("submission_overview", _("Monthly reports")),
                  ("care_standards", _("Standards and calendar")), ACCESS_LOG, ADMIN],
    "": [("county_summary", _("Summary")), ("school_list", _("Schools")), CHILDREN,
         ("submission_overview", _("Monthly reports")), ACCESS_LOG, ADMIN],
}


def navigation(request):
    user = getattr(request, "user", None)
    if not (user and user.is_authenticated):
        return {}
    items = []
    for url_name, label in _NAV_BY_ROLE.get(user.role, []):
        args = [user.school_id] if url_name in ("school_detail", "status_sheet") else []
        url = reverse(url_name, args=args)
        items.append({"url": url, "label": label, "active": request.path == url})
    return {"nav_items": items}
