"""Account pages: password change (forced after a reset), the login lockout page, and
lifting a lockout."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from registry import selectors, services


class PasswordChangeView(auth_views.PasswordChangeView):
    success_url = reverse_lazy("home")

    def form_valid(self, form):
        response = super().form_valid(form)
        services.staff_password_changed(user=form.user)
        messages.success(self.request, _("Your password has been changed."))
        return response


def locked_out(request, original_response=None, credentials=None):
    """django-axes' lockout page: what happened, when to try again and who can unlock
    the account sooner, in the user's language."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(
        request,
        "registry/locked_out.html",
        {"failure_limit": settings.AXES_FAILURE_LIMIT, "minutes": minutes},
        status=429,
    )


@login_required
@permission_required("registry.reset_password", raise_exception=True)
@require_POST
def staff_unlock(request, pk):
    """Lift a staff account's login lockout; whoever may reset its password may."""
    staff = get_object_or_404(
        selectors.resettable_staff(request.user).select_related("school", "township"), pk=pk
    )
    services.staff_unlock(actor=request.user, staff=staff)
    name = staff.real_name or staff.username
    messages.success(request, gettext("The account of %(name)s is unlocked.") % {"name": name})
    if staff.school_id:
        return redirect("school_detail", pk=staff.school_id)
    return redirect("home")
