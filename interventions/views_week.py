"""The teacher's week (我的本周): the home page of every teacher, built for a phone."""

from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import render
from django.utils import timezone

from interventions.week import teacher_week
from interventions.week_cards import WeekCards
from registry.models import Classroom
from registry.selectors import current_school_year


@login_required
@permission_required("interventions.add_contactlog", raise_exception=True)
def my_week(request):
    user = request.user
    week = teacher_week(user, timezone.localdate())
    classrooms = (
        Classroom.objects.for_user(user)
        .filter(homeroom_teacher=user, school_year=current_school_year())
        .select_related("school").order_by("grade", "number")
    )
    return render(request, "interventions/my_week.html", {
        "week": week, "cards": WeekCards(user).html(week.rows), "classrooms": classrooms,
    })
