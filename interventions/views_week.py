"""The teacher's week (我的本周): the home page of every teacher, built for a phone."""

from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import render
from django.utils import timezone

from interventions.week import teacher_week
from registry.models import Classroom
from registry.selectors import current_school_year


@login_required
@permission_required("interventions.add_contactlog", raise_exception=True)
def my_week(request):
    user = request.user
    week = teacher_week(user, timezone.localdate())
    # The page header shows the user's school: the children's, loaded with them.
    school = next((row.child.school for row in week.rows
                   if row.child.school_id == user.school_id), None)
    if school is not None:
        user.school = school
    classrooms = (
        Classroom.objects.for_user(user)
        .filter(homeroom_teacher=user, school_year=current_school_year())
        .select_related("school").order_by("grade", "number")
    )
    return render(request, "interventions/my_week.html", {
        "week": week, "classrooms": classrooms,
    })
