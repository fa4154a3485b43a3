"""The Django admin, opened to the roles that manage data (school admins and the
bureau) by the role table instead of the ``is_staff`` flag."""

from functools import update_wrapper

from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class CareCaseAdminSite(admin.AdminSite):
    site_header = _("CareCase administration")
    site_title = _("CareCase")
    index_title = _("Data administration")

    def has_permission(self, request):
        user = request.user
        return user.is_active and (user.is_superuser or user.has_perm("registry.use_admin"))

    def admin_view(self, view, cacheable=False):
        inner = super().admin_view(view, cacheable)

        def refuse_other_roles(request, *args, **kwargs):
            # A signed-in user whose role has no admin gets a 403, not a login form.
            if request.user.is_authenticated and not self.has_permission(request):
                raise PermissionDenied
            return inner(request, *args, **kwargs)

        return update_wrapper(refuse_other_roles, inner)

    def login(self, request, extra_context=None):
        # One login page for the whole site; a signed-in user without the admin is
        # refused outright rather than shown a second login form.
        if request.user.is_authenticated:
            raise PermissionDenied
        return redirect_to_login(request.GET.get("next", reverse("admin:index")))

