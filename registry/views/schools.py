"""Each role's home, the schools, and staff password resets."""

from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from interventions.views_week import my_week
from interventions.week import school_week_glance
from registry import selectors, services
from registry.models import School
from reports.charts import school_term_chart


@login_required
def home(request):
    user = request.user
    if user.is_teacher:
        return my_week(request)
    if user.is_school_admin:
        return redirect("school_detail", pk=user.school_id)
    if user.is_superuser or user.has_perm("reports.view_summary"):
        return redirect("county_summary")
    return redirect("school_list")


@login_required
@permission_required("registry.view_school_list", raise_exception=True)
def school_list(request):
    return render(
        request,
        "registry/school_list.html",
        {"schools": selectors.schools_for_list(request.user)},
    )


@login_required
@permission_required("registry.view_school_page", raise_exception=True)
def school_detail(request, pk):
    school = get_object_or_404(
        School.objects.for_user(request.user).select_related("township", "county"), pk=pk
    )
    user = request.user
    staff = selectors.staff_for_school(user, school)
    return render(
        request,
        "registry/school_detail.html",
        {
            "school": school,
            "classrooms": selectors.classrooms_for_school(user, school),
            "staff": staff,
            "locked_usernames": selectors.locked_out_usernames(staff),
            "resettable_ids": set(
                selectors.resettable_staff(user).filter(school=school).values_list("pk", flat=True)
            ),
            "school_year": selectors.current_school_year(),
            "glance": school_week_glance(user, school, timezone.localdate()),
            "term_chart": school_term_chart(user, school, timezone.localdate()),
        },
    )


@login_required
@permission_required("registry.reset_password", raise_exception=True)
@require_http_methods(["GET", "POST"])
@never_cache
def staff_reset_password(request, pk):
    staff = get_object_or_404(selectors.resettable_staff(request.user), pk=pk)
    if request.method == "POST":
        password = services.staff_reset_password(actor=request.user, staff=staff)
        # Shown in this response only: never stored, never in a URL or a message.
        return render(
            request,
            "registry/staff_reset_password_done.html",
            {"staff": staff, "password": password},
        )
    return render(request, "registry/staff_reset_password.html", {"staff": staff})
