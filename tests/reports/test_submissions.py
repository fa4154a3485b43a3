"""The monthly submission (月报): a school admin submits a month with a snapshot of its
figures (or a zero report), the snapshot never changes afterwards, only the county's bureau
reopens a month, and the township and the bureau see who reported. On the county with
known facts (conftest)."""

import datetime
import uuid

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from interventions.models import Pairing
from registry.models import EntryKind, RegistryEpisode, School, User
from reports.demo import MISSING_SCHOOL_CODE, build_submissions
from reports.figures import school_changes, school_figures
from reports.models import MonthlySubmission
from reports.periods import month_period
from reports.submissions import (
    month_reopen,
    month_submit,
    schools_not_submitted,
    submission_overview,
)
from tests import factories
from tests.interventions.factories import ContactLogFactory, PairingFactory
from tests.reports.conftest import TALK

pytestmark = pytest.mark.django_db


def this_month():
    return timezone.localdate().replace(day=1)


def last_month():
    return (this_month() - datetime.timedelta(days=1)).replace(day=1)


def next_month():
    return (this_month() + datetime.timedelta(days=31)).replace(day=1)


def submit(known, school=None, admin=None, month=None, note="", nothing_changed=False):
    return month_submit(actor=admin or known.admin_a, school=school or known.school_a,
                        month=month or this_month(), note=note,
                        nothing_changed=nothing_changed)


def figures_now(user, school, month):
    return school_figures(user, School.objects.filter(pk=school.pk),
                          month_period(month)).get(school.pk).as_snapshot()


def month_url(month):
    return reverse("submission_month", args=[month.year, month.month])


def registered_today(school, classroom):
    """A child who entered the registry at ``school`` today: a change of this month."""
    child = factories.ChildFactory(classroom=classroom, episode=False)
    RegistryEpisode.objects.create(child=child, school=school,
                                   entry_kind=EntryKind.REGISTERED,
                                   entered_on=timezone.localdate(),
                                   opened_by=classroom.homeroom_teacher)
    return child


# --- Submitting ------------------------------------------------------------------------------


@pytest.mark.parametrize("month", [this_month, last_month])
def test_the_snapshot_is_the_months_figures_at_that_moment(known, month):
    month = month()
    expected = figures_now(known.admin_a, known.school_a, month)
    submission = submit(known, month=month, note="本月正常")
    submission.refresh_from_db()
    snapshot = submission.snapshot
    assert {name: snapshot[name] for name in expected} == expected
    assert snapshot["registered"] == 3 and snapshot["open_concerns"] == 1
    assert snapshot["standards"] == [[TALK, "每周谈心"]]
    assert snapshot["as_of"] == timezone.localdate().isoformat()
    period = month_period(month)
    changes = school_changes(known.admin_a, known.school_a, period.start,
                             min(period.end, timezone.localdate()))
    assert snapshot["changes"]["counts"]["exited"] == len(changes.exited)
    assert [line["name"] for line in snapshot["changes"]["exited"]] == [
        episode.child.name for episode in changes.exited]
    assert (submission.status, submission.month, submission.note) == (
        MonthlySubmission.Status.SUBMITTED, month, "本月正常")
    assert submission.submitted_by == known.admin_a and not submission.nothing_changed


def test_the_snapshot_names_who_entered_and_left(known):
    child = registered_today(known.school_a, known.class_a)
    snapshot = submit(known).snapshot
    assert snapshot["changes"]["counts"]["registered"] >= 1
    assert {"child": child.pk, "name": child.name, "date": timezone.localdate().isoformat(),
            "classroom": str(known.class_a)} in snapshot["changes"]["registered"]


def test_a_zero_report_is_valid(known):
    # School A2 had no entry or exit this month.
    submission = submit(known, school=known.school_a2, admin=known.admin_a2,
                        nothing_changed=True)
    assert submission.nothing_changed and submission.is_submitted
    assert sum(submission.snapshot["changes"]["counts"].values()) == 0
    assert submission.snapshot["registered"] == 1


def test_a_zero_report_is_refused_when_the_registry_changed(known):
    registered_today(known.school_a2, known.class_a2)
    with pytest.raises(ValidationError) as refused:
        submit(known, school=known.school_a2, admin=known.admin_a2, nothing_changed=True)
    assert refused.value.error_dict["nothing_changed"][0].code == "not_zero"
    assert not MonthlySubmission.objects.exists()


def test_submitting_a_month_twice_is_refused(known):
    first = submit(known)
    with pytest.raises(ValidationError) as refused:
        submit(known, note="again")
    assert refused.value.code == "already_submitted"
    assert MonthlySubmission.objects.get() == first
    assert MonthlySubmission.objects.get().note == ""


def test_a_future_month_is_refused(known, client):
    with pytest.raises(ValidationError) as refused:
        submit(known, month=next_month())
    assert refused.value.code == "future_month"
    client.force_login(known.admin_a)
    assert client.get(month_url(next_month())).status_code == 404
    assert client.post(month_url(next_month()), {
        "submission_token": str(uuid.uuid4())}).status_code == 404
    assert not MonthlySubmission.objects.exists()


@pytest.mark.parametrize("who", ["admin_a2", "teacher_a", "township_user", "bureau1",
                                 "superuser"])
def test_only_an_admin_of_the_school_submits(known, who):
    with pytest.raises(PermissionDenied):
        submit(known, admin=getattr(known, who))
    assert not MonthlySubmission.objects.exists()


def test_the_snapshot_stays_after_edits(known, client):
    k = known.kids
    submission = submit(known)
    stored = submission.snapshot
    # After submitting: a child added, a talk logged, a pairing ended, one made.
    factories.ChildFactory(classroom=known.class_a)
    ContactLogFactory(child=k.a2, standard=TALK, happened_on=timezone.localdate())
    Pairing.objects.filter(child=k.a1).update(end_date=timezone.localdate())
    PairingFactory(child=k.a2, kind="mentor", staff=known.teacher_a)

    now = figures_now(known.admin_a, known.school_a, this_month())
    assert now["registered"] == stored["registered"] + 1  # the figures moved on...
    submission.refresh_from_db()
    assert submission.snapshot == stored  # ...what was reported did not

    client.force_login(known.bureau1)
    response = client.get(reverse("submission_detail", args=[submission.pk]))
    assert response.status_code == 200
    shown = response.context["figures"].figures
    assert (shown.registered, shown.with_mentor, shown.compliance) == (
        stored["registered"], stored["with_mentor"],
        {code: tuple(pair) for code, pair in stored["compliance"].items()})
    assert f'data-testid="fig-registered">{stored["registered"]}<' in response.content.decode()

    # The month's page for the school admin shows the snapshot too, not today's figures.
    client.force_login(known.admin_a)
    response = client.get(month_url(this_month()))
    assert response.context["figures"].figures.registered == stored["registered"]
    assert 'data-status="submitted"' in response.content.decode()
    assert response.context["form"] is None


# --- The pages ------------------------------------------------------------------------------


def test_the_month_page_shows_the_figures_now_and_submits(known, client):
    client.force_login(known.admin_a)
    response = client.get(month_url(this_month()))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="submission-form"' in html and 'data-status="missing"' in html
    live = response.context["figures"]
    assert live.figures.registered == 3 and [s.code for s in live.standards] == [TALK]
    token = response.context["form"]["submission_token"].value()
    response = client.post(month_url(this_month()), {
        "submission_token": str(token), "note": "一切正常", "nothing_changed": ""})
    submission = MonthlySubmission.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("submission_detail", args=[submission.pk])
    assert (submission.note, submission.submitted_by) == ("一切正常", known.admin_a)
    history = LogEntry.objects.get_for_object(submission)
    assert history.get().actor == known.admin_a


def test_a_double_submit_through_the_page_makes_one_submission(known, client):
    client.force_login(known.admin_a2)
    data = {"submission_token": str(uuid.uuid4()), "note": "", "nothing_changed": "on"}
    first = client.post(month_url(this_month()), data)
    second = client.post(month_url(this_month()), data)
    submission = MonthlySubmission.objects.get()
    detail = reverse("submission_detail", args=[submission.pk])
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"] == detail
    # Another form (another tab) is told it was submitted already, and nothing is written.
    third = client.post(month_url(this_month()), {**data,
                                                  "submission_token": str(uuid.uuid4())})
    assert third.status_code == 302 and third["Location"] == detail
    assert MonthlySubmission.objects.count() == 1
    assert MonthlySubmission.objects.get().nothing_changed


def test_a_failed_submit_keeps_what_was_typed(known, client):
    registered_today(known.school_a2, known.class_a2)
    client.force_login(known.admin_a2)
    response = client.post(month_url(this_month()), {
        "submission_token": str(uuid.uuid4()), "note": "补充说明", "nothing_changed": "on"})
    assert response.status_code == 200
    assert "nothing_changed" in response.context["form"].errors
    assert response.context["form"]["note"].value() == "补充说明"
    assert not MonthlySubmission.objects.exists()


def test_the_school_admins_months(known, client):
    submit(known, month=last_month(), nothing_changed=False)
    client.force_login(known.admin_a)
    response = client.get(reverse("submission_list"))
    assert response.status_code == 200
    rows = response.context["rows"]
    assert len(rows) == 12 and rows[0]["month"] == this_month()
    assert rows[0]["submission"] is None and rows[1]["submission"].month == last_month()
    html = response.content.decode()
    assert f'data-month="{last_month():%Y-%m}" data-status="submitted"' in html
    assert f'data-month="{this_month():%Y-%m}" data-status="missing"' in html
    assert reverse("submission_detail", args=[rows[1]["submission"].pk]) in html
    assert month_url(this_month()) in html


def test_the_school_page_shows_this_months_report(known, client):
    client.force_login(known.admin_a)
    page = reverse("school_detail", args=[known.school_a.pk])
    html = client.get(page).content.decode()
    assert 'data-testid="submission-status-line"' in html and 'data-status="missing"' in html
    assert month_url(this_month()) in html
    submission = submit(known)
    html = client.get(page).content.decode()
    assert 'data-status="submitted"' in html
    assert reverse("submission_detail", args=[submission.pk]) in html
    client.force_login(known.township_user)
    assert 'submission-status-line' not in client.get(page).content.decode()


@pytest.mark.parametrize("who, expected", [
    ("admin_a", 200), ("admin_a2", 404), ("admin_b", 404), ("township_user", 200),
    ("bureau1", 200), ("bureau2", 404), ("teacher_a", 403), ("superuser", 200),
])
def test_who_sees_a_submission(known, client, who, expected):
    submission = submit(known)
    client.force_login(getattr(known, who))
    response = client.get(reverse("submission_detail", args=[submission.pk]))
    assert response.status_code == expected
    if expected == 200:
        may_reopen = getattr(known, who).has_perm("reports.reopen_month")
        assert ('data-testid="reopen-form"' in response.content.decode()) == may_reopen


# --- Reopening --------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["admin_a", "teacher_a", "township_user", "bureau2"])
def test_only_the_bureau_of_the_county_reopens(known, client, who):
    submission = submit(known)
    user = getattr(known, who)
    with pytest.raises(PermissionDenied):
        month_reopen(actor=user, submission=submission, reason="数据有误")
    client.force_login(user)
    response = client.post(reverse("submission_reopen", args=[submission.pk]),
                           {"reason": "数据有误"})
    assert response.status_code == (404 if who == "bureau2" else 403)
    submission.refresh_from_db()
    assert submission.is_submitted and submission.reopened_by is None


def test_reopening_needs_a_reason(known, client):
    submission = submit(known)
    with pytest.raises(ValidationError) as refused:
        month_reopen(actor=known.bureau1, submission=submission, reason="  ")
    assert refused.value.error_dict["reason"][0].code == "reason_required"
    client.force_login(known.bureau1)
    response = client.post(reverse("submission_reopen", args=[submission.pk]), {"reason": ""})
    assert response.status_code == 200 and "reason" in response.context["reopen_form"].errors
    submission.refresh_from_db()
    assert submission.is_submitted


def test_a_reopened_month_is_submitted_again_with_a_new_snapshot(known, client):
    submission = submit(known)
    first = submission.snapshot
    client.force_login(known.bureau1)
    response = client.post(reverse("submission_reopen", args=[submission.pk]),
                           {"reason": "新转入学生未统计"})
    assert response.status_code == 302
    submission.refresh_from_db()
    assert (submission.status, submission.reopened_by, submission.reopen_reason) == (
        MonthlySubmission.Status.REOPENED, known.bureau1, "新转入学生未统计")
    assert submission.reopened_at is not None
    assert submission.snapshot == first  # until it is submitted again
    assert list(schools_not_submitted(known.bureau1, School.objects.filter(
        pk=known.school_a.pk), this_month())) == [known.school_a]

    # The school sees the reopening, and submits again.
    factories.ChildFactory(classroom=known.class_a)
    client.force_login(known.admin_a)
    page = client.get(month_url(this_month()))
    assert 'data-status="reopened"' in page.content.decode()
    assert page.context["figures"].figures.registered == first["registered"] + 1
    response = client.post(month_url(this_month()), {
        "submission_token": str(uuid.uuid4()), "note": "已补充"})
    assert response.status_code == 302
    again = MonthlySubmission.objects.get()
    assert again.pk == submission.pk and again.is_submitted and again.note == "已补充"
    assert again.snapshot["registered"] == first["registered"] + 1
    assert again.reopened_by == known.bureau1  # the reopening stays on the record

    history = list(LogEntry.objects.get_for_object(again).order_by("timestamp", "pk"))
    assert [entry.action for entry in history] == [
        LogEntry.Action.CREATE, LogEntry.Action.UPDATE, LogEntry.Action.UPDATE]
    assert [entry.actor for entry in history[1:]] == [known.bureau1, known.admin_a]
    assert history[1].changes_dict["status"] == ["submitted", "reopened"]
    assert history[2].changes_dict["status"] == ["reopened", "submitted"]
    assert "snapshot" in history[2].changes_dict  # the first snapshot is in the history


def test_reopening_a_reopened_month_is_refused(known):
    submission = submit(known)
    month_reopen(actor=known.bureau1, submission=submission, reason="重新核对")
    with pytest.raises(ValidationError) as refused:
        month_reopen(actor=known.bureau1, submission=submission, reason="再次")
    assert refused.value.code == "already_reopened"


# --- Who reported: the overview -------------------------------------------------------------


def test_schools_not_submitted(known, django_assert_num_queries):
    submit(known)
    submit(known, school=known.school_b, admin=known.admin_b, month=last_month())
    with django_assert_num_queries(1):
        missing = list(schools_not_submitted(known.bureau1, School.objects.all(),
                                             this_month()))
    assert set(missing) == {known.school_a2, known.school_b}  # not another county's
    assert set(schools_not_submitted(known.bureau1, School.objects.all(), last_month())) == {
        known.school_a, known.school_a2}
    assert set(schools_not_submitted(known.township_user, School.objects.all(),
                                     this_month())) == {known.school_a2}


def test_the_overview_lists_submitted_and_missing_schools(known, client):
    submit(known)
    submit(known, school=known.school_a2, admin=known.admin_a2, nothing_changed=True)
    overview = submission_overview(known.bureau1, School.objects.all(), this_month())
    assert [group.township for group in overview.townships] == [known.t1, known.t2]
    statuses = {row.school: row.status for row in overview.rows}
    assert statuses == {known.school_a: "submitted", known.school_a2: "submitted",
                        known.school_b: "missing"}
    assert (overview.submitted, overview.missing, overview.zero_reports) == (2, 1, 1)

    client.force_login(known.bureau1)
    response = client.get(reverse("submission_overview"), {"month": f"{this_month():%Y-%m}"})
    assert response.status_code == 200
    html = response.content.decode()
    assert f'data-school="{known.school_b.pk}" data-status="missing"' in html
    assert f'data-school="{known.school_a2.pk}" data-status="submitted" data-zero-report' in html
    assert f'data-school="{known.school_c.pk}"' not in html
    assert 'data-testid="overview-missing">1<' in html

    # Last month: nobody reported.
    response = client.get(reverse("submission_overview"), {"month": f"{last_month():%Y-%m}"})
    assert response.context["overview"].missing == 3


def test_the_township_sees_its_own_schools(known, client):
    submit(known)
    client.force_login(known.township_user)
    response = client.get(reverse("submission_overview"))
    overview = response.context["overview"]
    assert {row.school for row in overview.rows} == {known.school_a, known.school_a2}
    assert (overview.submitted, overview.missing) == (1, 1)


def test_the_overview_offers_this_month_and_the_eleven_before(known, client):
    client.force_login(known.bureau1)
    response = client.get(reverse("submission_overview"))
    months = [month for month, _label in response.context["months"]]
    assert len(months) == 12 and months[0] == this_month() and months[1] == last_month()
    assert response.context["month"] == this_month()
    # A month it does not offer falls back to this month.
    response = client.get(reverse("submission_overview"), {"month": f"{next_month():%Y-%m}"})
    assert response.status_code == 200 and response.context["month"] == this_month()


def test_the_overview_runs_a_fixed_number_of_queries(known, client, django_assert_num_queries,
                                                     django_assert_max_num_queries):
    submit(known)
    client.force_login(known.bureau1)
    url = reverse("submission_overview")
    with django_assert_max_num_queries(12) as small:
        client.get(url)
    for number in range(6):
        township = factories.TownshipFactory(county=known.county1)
        school = factories.SchoolFactory(township=township)
        admin = factories.SchoolAdminFactory(school=school)
        if number % 2:
            month_submit(actor=admin, school=school, month=this_month(), note="",
                         nothing_changed=True)
    with django_assert_num_queries(len(small.captured_queries)):
        response = client.get(url)
    assert len(response.context["overview"].rows) == 9


# --- Roles ------------------------------------------------------------------------------------


def test_a_teacher_is_refused_everywhere(known, client):
    submission = submit(known)
    client.force_login(known.teacher_a)
    for url in (reverse("submission_list"), month_url(this_month()),
                reverse("submission_detail", args=[submission.pk]),
                reverse("submission_overview")):
        assert client.get(url).status_code == 403, url
    assert client.post(month_url(this_month()), {
        "submission_token": str(uuid.uuid4())}).status_code == 403
    assert client.post(reverse("submission_reopen", args=[submission.pk]),
                       {"reason": "x"}).status_code == 403


@pytest.mark.parametrize("who, expected", [
    ("admin_a", 200), ("township_user", 302), ("bureau1", 302), ("teacher_a", 403),
])
def test_the_months_page_is_the_school_admins(known, client, who, expected):
    client.force_login(getattr(known, who))
    response = client.get(reverse("submission_list"))
    assert response.status_code == expected
    if expected == 302:
        assert response["Location"] == reverse("submission_overview")
    month_page = client.get(month_url(this_month())).status_code
    assert month_page == (200 if who == "admin_a" else 403)
    assert client.get(reverse("submission_overview")).status_code == (
        200 if who in ("township_user", "bureau1") else 403)


# --- The demo ----------------------------------------------------------------------------------


def test_the_demo_reports_last_month_for_most_schools(capsys):
    call_command("demo")
    capsys.readouterr()
    today = timezone.localdate()
    assert build_submissions(today) == build_submissions(today) == 11  # and again: replaced
    bureau1 = User.objects.get(username="bureau1")
    missing = schools_not_submitted(bureau1, School.objects.all(), last_month())
    assert [school.code for school in missing] == [MISSING_SCHOOL_CODE]
    reported = MonthlySubmission.objects.filter(month=last_month())
    assert reported.count() == 5
    # One zero report, by a school with nothing new (in a month when every school
    # registered children, a September, there can be none).
    zero = list(reported.filter(nothing_changed=True))
    assert len(zero) <= 1
    assert all(not any(s.snapshot["changes"]["counts"].values()) for s in zero)
    assert all(s.is_submitted and s.submitted_at <= timezone.now() for s in reported)
    assert not MonthlySubmission.objects.filter(month=this_month()).exists()
