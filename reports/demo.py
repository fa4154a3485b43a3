"""The demo county's monthly reports (月报), built around today: last month submitted by
most demo schools — one of them a zero report, one school still missing — and the month
before it submitted by all, so the school's months, the overview and the county summary's
"not yet submitted" show real states. (A zero report needs a month with no entry or exit at
that school: after a September, when every school registered its new pupils, there is none.)

Written through ``reports.submissions.month_submit`` by each school's administrator, so
every snapshot is what the school would have reported; only the submission times are then
spread over the first days of the month (a generator's licence, as DESIGN.md allows).
Running it again replaces the demo schools' submissions.
"""

import datetime

from auditlog.context import set_actor
from django.core.exceptions import ValidationError
from django.utils import timezone

from registry.models import Role, School, User
from reports.models import MonthlySubmission
from reports.submissions import month_snapshot, month_submit

# 城关镇第二小学 has not reported last month yet; of the others, the first with nothing
# new last month files a zero report.
MISSING_SCHOOL_CODE = "QS-CG02"
ZERO_REPORT_PREFERENCE = ("QS-LX01", "BS-DL01", "BS-HK01")
NOTES = {
    "QS-CG01": "离册学生已逐一核对，结对帮扶和每周谈心按计划进行。",
    "QS-SQ01": "本月温馨家访按计划完成，个别谈心记录已补录。",
}
DEMO_SCHOOL_CODES = ("QS-CG01", "QS-SQ01", "QS-CG02", "QS-LX01", "BS-HK01", "BS-DL01")


def _previous_month(first):
    return (first - datetime.timedelta(days=1)).replace(day=1)


def _admins():
    admins = {}
    for user in (User.objects.filter(role=Role.SCHOOL_ADMIN, is_active=True)
                 .order_by("pk")):
        admins.setdefault(user.school_id, user)
    return admins


def _submitted_at(month_after, index, now):
    """A plausible time in the first days of the month after the one reported (never in
    the future)."""
    moment = timezone.make_aware(datetime.datetime.combine(
        month_after + datetime.timedelta(days=index % 4 + 1),
        datetime.time(9 + 2 * (index % 4), 10 * index % 60),
    ))
    return min(moment, now)


def _nothing_new(admin, school, month):
    changes = month_snapshot(admin, school, month)["changes"]["counts"]
    return not any(changes.values())


def build_submissions(today):
    """Submit the month before ``today``'s (all but one demo school, one as a zero report)
    and the month before that (every demo school). Returns the number of submissions."""
    schools = list(School.objects.filter(code__in=DEMO_SCHOOL_CODES)
                   .order_by("county_id", "code"))
    MonthlySubmission.objects.filter(school__in=schools).delete()
    admins = _admins()
    this_month = today.replace(day=1)
    last_month = _previous_month(this_month)
    before = _previous_month(last_month)
    now = timezone.now()

    zero_code = next((code for code in ZERO_REPORT_PREFERENCE for school in schools
                      if school.code == code and school.pk in admins
                      and _nothing_new(admins[school.pk], school, last_month)), None)
    made = 0
    for index, school in enumerate(schools):
        admin = admins.get(school.pk)
        if admin is None:
            continue
        plan = [(before, False, "")]
        if school.code != MISSING_SCHOOL_CODE:
            zero = school.code == zero_code
            plan.append((last_month, zero, "本月无新增、无离册，零报告。" if zero
                         else NOTES.get(school.code, "")))
        with set_actor(admin):
            for month, zero, note in plan:
                try:
                    submission = month_submit(actor=admin, school=school, month=month,
                                              note=note, nothing_changed=zero)
                except ValidationError:
                    continue
                month_after = (month + datetime.timedelta(days=31)).replace(day=1)
                MonthlySubmission.objects.filter(pk=submission.pk).update(
                    submitted_at=_submitted_at(month_after, index, now))
                made += 1
    return made
