"""The school-year rollover: the school admin previews the move up and confirms it."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from registry import services
from registry.models import School
from registry.rollover import RolloverForm, rollover_plan


@login_required
@permission_required("registry.rollover", raise_exception=True)
@require_http_methods(["GET", "POST"])
def school_rollover(request, pk):
    school = get_object_or_404(
        School.objects.for_user(request.user).select_related("county"), pk=pk
    )
    plan = rollover_plan(request.user, school)
    form = None
    if plan.can_run:
        form = RolloverForm(request.POST or None, plan=plan, user=request.user)
        if request.method == "POST" and "confirm" in request.POST and form.is_valid():
            try:
                result = services.school_rollover(actor=request.user, plan=plan,
                                                  choices=form.choices())
            except ValidationError as error:
                form.add_error(None, error.messages)
            else:
                messages.success(request, _(
                    "%(school)s has moved up to %(year)s: %(classes)s classes opened, "
                    "%(moved)s children moved up, %(graduated)s graduated, %(handed_on)s "
                    "handed on."
                ) % {"school": school, "year": plan.to_year, "classes": result.classes,
                     "moved": result.moved, "graduated": result.graduated,
                     "handed_on": result.handed_on})
                return redirect("school_detail", pk=school.pk)
    return render(request, "registry/school_rollover.html", {
        "school": school, "plan": plan, "form": form,
    })
