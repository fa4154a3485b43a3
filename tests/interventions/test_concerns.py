"""Concerns and mandatory reports (强制报告): raising one (scope, staff, the one-time
token), follow-up notes and the status workflow, who may act, the alerts and e-mails of a
serious concern (once per administrator, nothing about the child in the e-mail), the
notice on every page, acknowledging it, and the pages."""

import datetime
import logging
import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from interventions import concerns
from interventions.models import Concern, ConcernAlert, ConcernNote
from tests import factories
from tests.interventions.factories import ConcernFactory, ContactLogFactory

pytestmark = pytest.mark.django_db

DESCRIPTION = "孩子手臂上有淤青，说是爷爷打的"


def today():
    return timezone.localdate()


@pytest.fixture
def child(world):
    return factories.ChildFactory(classroom=world.class_a, name="王小丫")


@pytest.fixture
def admins(world):
    """School A's admins with e-mail addresses: admin_a and a second, active one; and an
    inactive one who is never alerted."""
    world.admin_a.email = "principal@school-a.example"
    world.admin_a.save(update_fields=["email"])
    second = factories.SchoolAdminFactory(school=world.school_a, email="care@school-a.example")
    factories.SchoolAdminFactory(school=world.school_a, email="gone@school-a.example",
                                 is_active=False)
    for other in (world.admin_a2, world.admin_b):
        other.email = f"{other.username}@example.org"
        other.save(update_fields=["email"])
    return [world.admin_a, second]


def raise_concern(actor, child, token=None, **fields):
    values = {"category": "safety", "severity": "watch", "description": DESCRIPTION,
              "assigned_to": actor}
    values.update(fields)
    return concerns.concern_raise(actor=actor, child=child,
                                  submission_token=token or uuid.uuid4(), **values)


def follow_up(actor, concern, token=None, **fields):
    values = {"happened_on": today(), "note": "和监护人谈了", "status": "following_up"}
    values.update(fields)
    return concerns.concern_follow_up(actor=actor, concern=concern,
                                      submission_token=token or uuid.uuid4(), **values)


def form_data(actor, **fields):
    data = {"submission_token": str(uuid.uuid4()), "category": "psychological",
            "severity": "prompt", "description": "最近总是一个人发呆", "assigned_to": actor.pk}
    data.update(fields)
    return data


# --- Raising a concern -----------------------------------------------------------------------

def test_the_homeroom_teacher_raises_a_concern_at_the_childs_school(world, child):
    concern, created = raise_concern(world.teacher_a, child)
    assert created
    assert (concern.school, concern.raised_by, concern.assigned_to, concern.status) == (
        world.school_a, world.teacher_a, world.teacher_a, "open")
    assert concern.resolved_at is None
    assert not ConcernAlert.objects.exists()


@pytest.mark.parametrize("actor", ["teacher_b", "admin_b", "admin_c", "teacher_a2"])
def test_another_schools_child_is_refused(world, child, actor):
    with pytest.raises(PermissionDenied):
        raise_concern(getattr(world, actor), child)
    assert not Concern.objects.exists()


@pytest.mark.parametrize("actor", ["township_user", "bureau1"])
def test_township_and_bureau_users_do_not_raise_concerns(world, child, actor):
    with pytest.raises(PermissionDenied):
        raise_concern(getattr(world, actor), child, assigned_to=world.teacher_a)


def test_a_teacher_cannot_raise_for_a_child_of_another_class(world):
    other = factories.ChildFactory(
        classroom=factories.ClassroomFactory(school=world.school_a)
    )
    with pytest.raises(PermissionDenied):
        raise_concern(world.teacher_a, other)


def test_the_assignee_is_active_staff_of_the_childs_school(world, child):
    colleague = factories.TeacherFactory(school=world.school_a)
    concern, _ = raise_concern(world.teacher_a, child, assigned_to=colleague)
    assert concern.assigned_to == colleague
    for wrong in (world.teacher_b, world.admin_b, world.township_user,
                  factories.TeacherFactory(school=world.school_a, is_active=False)):
        with pytest.raises(ValidationError) as error:
            raise_concern(world.teacher_a, child, assigned_to=wrong)
        assert "assigned_to" in error.value.error_dict


@pytest.mark.parametrize("field, value", [
    ("category", "weather"), ("severity", "urgent"), ("description", "   "),
])
def test_fields_outside_the_rules_are_refused(world, child, field, value):
    with pytest.raises(ValidationError) as error:
        raise_concern(world.teacher_a, child, **{field: value})
    assert field in error.value.error_dict


def test_a_concern_is_raised_from_a_contact_log_of_that_child(world, child):
    log = ContactLogFactory(child=child)
    concern, _ = raise_concern(world.teacher_a, child, log=log)
    assert concern.log == log
    sibling = factories.ChildFactory(classroom=world.class_a)
    with pytest.raises(ValidationError) as error:
        raise_concern(world.teacher_a, child, log=ContactLogFactory(child=sibling))
    assert "log" in error.value.error_dict
    elsewhere = ContactLogFactory(child=factories.ChildFactory(classroom=world.class_b))
    with pytest.raises(PermissionDenied):
        raise_concern(world.teacher_a, child, log=elsewhere)


def test_the_same_token_twice_makes_one_concern(world, child):
    token = uuid.uuid4()
    first, created = raise_concern(world.teacher_a, child, token)
    again, created_again = raise_concern(world.teacher_a, child, token, description="changed")
    assert created and not created_again
    assert again.pk == first.pk
    assert Concern.objects.get().description == DESCRIPTION


def test_another_users_token_is_not_handed_out(world, child):
    token = uuid.uuid4()
    raise_concern(world.teacher_a, child, token)
    with pytest.raises(PermissionDenied):
        raise_concern(world.admin_a, child, token)


# --- Follow-up -----------------------------------------------------------------------------

def test_follow_up_notes_move_the_concern_through_its_statuses(world, child):
    concern, _ = raise_concern(world.teacher_a, child)
    note, created = follow_up(world.teacher_a, concern, note="家访，和奶奶谈了")
    assert created and note.author == world.teacher_a and note.status == "following_up"
    concern.refresh_from_db()
    assert (concern.status, concern.resolved_at) == ("following_up", None)

    follow_up(world.teacher_a, concern, status="referred", note="转介给镇派出所和妇联")
    follow_up(world.admin_a, concern, status="resolved", note="已妥善处理")
    concern.refresh_from_db()
    assert concern.status == "resolved" and concern.resolved_at is not None
    resolved_at = concern.resolved_at

    follow_up(world.teacher_a, concern, status="resolved", note="回访，一切正常")
    concern.refresh_from_db()
    assert concern.resolved_at == resolved_at  # still resolved since then

    follow_up(world.teacher_a, concern, status="open", note="又出现了")
    concern.refresh_from_db()
    assert (concern.status, concern.resolved_at) == ("open", None)
    assert [n.status for n in concern.notes.all()] == [
        "following_up", "referred", "resolved", "resolved", "open"]


def test_the_same_follow_up_token_twice_makes_one_note(world, child):
    concern, _ = raise_concern(world.teacher_a, child)
    token = uuid.uuid4()
    first, created = follow_up(world.teacher_a, concern, token)
    again, created_again = follow_up(world.teacher_a, concern, token, status="resolved")
    assert created and not created_again and again.pk == first.pk
    assert ConcernNote.objects.count() == 1
    concern.refresh_from_db()
    assert concern.status == "following_up"


def test_a_follow_up_date_is_not_in_the_future_nor_before_the_concern(world, child):
    concern, _ = raise_concern(world.teacher_a, child)
    for day in (today() + datetime.timedelta(days=1), today() - datetime.timedelta(days=1)):
        with pytest.raises(ValidationError) as error:
            follow_up(world.teacher_a, concern, happened_on=day)
        assert "happened_on" in error.value.error_dict
    with pytest.raises(ValidationError) as error:
        follow_up(world.teacher_a, concern, note="  ", status="closed")
    assert {"note", "status"} <= set(error.value.error_dict)
    assert not ConcernNote.objects.exists()


def test_the_raiser_the_assignee_and_the_school_admin_follow_up(world, child):
    colleague = factories.TeacherFactory(school=world.school_a)
    concern, _ = raise_concern(world.teacher_a, child, assigned_to=colleague)
    for actor in (world.teacher_a, colleague, world.admin_a):
        _note, created = follow_up(actor, concern)
        assert created
    bystander = factories.TeacherFactory(school=world.school_a)
    for actor in (bystander, world.admin_a2, world.admin_b, world.township_user,
                  world.bureau1):
        with pytest.raises(PermissionDenied):
            follow_up(actor, concern)
        with pytest.raises(PermissionDenied):
            concerns.concern_update(actor=actor, concern=concern, category="other",
                                    severity="watch", description="x", assigned_to=colleague)
    assert ConcernNote.objects.count() == 3


def test_the_homeroom_teacher_sees_but_does_not_act_on_anothers_concern(world, child):
    concern = ConcernFactory(child=child, raised_by=world.admin_a, assigned_to=world.admin_a)
    assert Concern.objects.for_user(world.teacher_a).filter(pk=concern.pk).exists()
    assert not concerns.concern_may_act(world.teacher_a, concern)


def test_the_assignee_sees_a_concern_about_a_child_outside_their_classes(world, child):
    colleague = factories.TeacherFactory(school=world.school_a)
    concern, _ = raise_concern(world.teacher_a, child, assigned_to=colleague)
    assert list(concerns.concern_list(colleague)) == [concern]
    assert not concerns.concern_list(factories.TeacherFactory(school=world.school_a)).exists()


# --- Mandatory reports: alerts and e-mail --------------------------------------------------

def test_a_serious_concern_alerts_each_active_admin_of_the_school_once(
    world, child, admins, mailoutbox, django_capture_on_commit_callbacks, settings
):
    settings.SITE_URL = "https://carecase.example.gov.cn/"
    with django_capture_on_commit_callbacks(execute=True):
        concern, _ = raise_concern(world.teacher_a, child, severity="serious")
    alerts = ConcernAlert.objects.filter(concern=concern)
    assert {a.recipient for a in alerts} == set(admins)
    assert all(a.acknowledged_at is None for a in alerts)
    assert all(a.email_sent_at is not None for a in alerts)
    assert {a.email_to for a in alerts} == {"principal@school-a.example",
                                            "care@school-a.example"}
    assert sorted(m.to[0] for m in mailoutbox) == ["care@school-a.example",
                                                   "principal@school-a.example"]
    link = "https://carecase.example.gov.cn" + reverse("concern_detail", args=[concern.pk])
    for message in mailoutbox:
        text = message.subject + message.body
        assert child.name not in text and DESCRIPTION not in text
        assert "王" not in text  # not even the family name
        assert world.school_a.name in text and link in message.body


def test_a_concern_that_is_not_serious_alerts_nobody(world, child, admins, mailoutbox,
                                                     django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        raise_concern(world.teacher_a, child, severity="prompt")
    assert not ConcernAlert.objects.exists() and not mailoutbox


def test_an_admin_without_e_mail_is_alerted_in_the_app(world, child, mailoutbox,
                                                       django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        concern, _ = raise_concern(world.teacher_a, child, severity="serious")
    alert = ConcernAlert.objects.get(concern=concern)
    assert (alert.recipient, alert.email_to, alert.email_sent_at) == (world.admin_a, "", None)
    assert not mailoutbox


def test_a_failed_e_mail_is_logged_without_personal_data(world, child, admins, monkeypatch,
                                                         caplog,
                                                         django_capture_on_commit_callbacks):
    def refuse(*args, **kwargs):
        raise ConnectionRefusedError("smtp down")

    monkeypatch.setattr(concerns, "send_mail", refuse)
    with caplog.at_level(logging.WARNING, logger="interventions.concerns"), \
            django_capture_on_commit_callbacks(execute=True):
        concern, _ = raise_concern(world.teacher_a, child, severity="serious")
    alerts = ConcernAlert.objects.filter(concern=concern)
    assert alerts.count() == 2 and all(a.email_sent_at is None for a in alerts)
    assert len(caplog.records) == 2
    for record in caplog.records:
        text = record.getMessage()
        assert child.name not in text and "example" not in text and DESCRIPTION not in text


def test_an_admin_raising_a_serious_concern_is_not_alerted_of_their_own_report(
    world, child, admins, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        concern, _ = raise_concern(world.admin_a, child, severity="serious")
    own = ConcernAlert.objects.get(concern=concern, recipient=world.admin_a)
    assert own.acknowledged_at is not None and own.email_to == ""
    assert [m.to for m in mailoutbox] == [["care@school-a.example"]]
    assert not concerns.pending_alerts(world.admin_a).exists()


def test_escalation_by_an_edit_alerts_once(world, child, admins, mailoutbox,
                                           django_capture_on_commit_callbacks):
    concern, _ = raise_concern(world.teacher_a, child, severity="watch")

    def edit(severity):
        with django_capture_on_commit_callbacks(execute=True):
            concerns.concern_update(actor=world.teacher_a, concern=concern, category="safety",
                                    severity=severity, description=DESCRIPTION,
                                    assigned_to=world.teacher_a)

    edit("serious")
    assert ConcernAlert.objects.filter(concern=concern).count() == 2
    assert len(mailoutbox) == 2
    edit("serious")
    edit("prompt")
    edit("serious")
    assert ConcernAlert.objects.filter(concern=concern).count() == 2
    assert len(mailoutbox) == 2


def test_acknowledging_sets_only_the_actors_own_alert(world, child, admins):
    concern, _ = raise_concern(world.teacher_a, child, severity="serious")
    concerns.concern_acknowledge(actor=world.admin_a, concern=concern)
    acknowledged = dict(ConcernAlert.objects.values_list("recipient", "acknowledged_at"))
    assert acknowledged[world.admin_a.pk] is not None
    assert acknowledged[admins[1].pk] is None
    assert concerns.concern_acknowledge(actor=world.teacher_a, concern=concern) is None


def test_pending_alerts_are_the_unacknowledged_ones_of_open_concerns(
    world, child, admins, django_assert_num_queries
):
    first, _ = raise_concern(world.teacher_a, child, severity="serious")
    second, _ = raise_concern(world.teacher_a, child, severity="serious")
    third, _ = raise_concern(world.teacher_a, child, severity="serious")
    concerns.concern_acknowledge(actor=world.admin_a, concern=first)
    follow_up(world.teacher_a, second, status="resolved")
    with django_assert_num_queries(1):
        pending = list(concerns.pending_alerts(world.admin_a))
        assert [a.concern.child.name for a in pending] == [child.name]
    assert [a.concern for a in pending] == [third]
    assert {a.concern for a in concerns.pending_alerts(admins[1])} == {first, third}


# --- The pages ----------------------------------------------------------------------------

@pytest.mark.parametrize("user", ["township_user", "bureau1"])
def test_township_and_bureau_users_get_403_on_the_concern_pages(client, world, child, user):
    concern = ConcernFactory(child=child)
    client.force_login(getattr(world, user))
    for url in (reverse("concern_list"), reverse("concern_add", args=[child.pk]),
                reverse("concern_detail", args=[concern.pk]),
                reverse("concern_edit", args=[concern.pk])):
        assert client.get(url).status_code == 403
    assert client.post(reverse("concern_follow_up", args=[concern.pk])).status_code == 403


@pytest.mark.parametrize("user", ["teacher_b", "admin_b", "admin_c"])
def test_out_of_scope_concerns_and_children_are_404(client, world, child, user):
    concern = ConcernFactory(child=child)
    client.force_login(getattr(world, user))
    assert client.get(reverse("concern_add", args=[child.pk])).status_code == 404
    assert client.get(reverse("concern_detail", args=[concern.pk])).status_code == 404
    assert client.get(reverse("concern_edit", args=[concern.pk])).status_code == 404
    assert client.post(reverse("concern_follow_up", args=[concern.pk])).status_code == 404
    assert client.post(reverse("concern_acknowledge", args=[concern.pk])).status_code == 404


def test_the_form_defaults_to_the_actor_and_offers_the_schools_staff(client, world, child):
    client.force_login(world.teacher_a)
    response = client.get(reverse("concern_add", args=[child.pk]))
    assert response.status_code == 200
    form = response.context["form"]
    assert form["assigned_to"].value() == world.teacher_a.pk
    assert set(form.fields["assigned_to"].queryset) == {world.teacher_a, world.admin_a}
    page = response.content.decode()
    assert 'name="submission_token"' in page and 'data-testid="severity-serious"' in page


def test_raising_on_the_page_and_a_double_submit_make_one_concern(client, world, child):
    client.force_login(world.teacher_a)
    url = reverse("concern_add", args=[child.pk])
    data = form_data(world.teacher_a)
    first = client.post(url, data)
    assert first.status_code == 302 and first.url == reverse("child_detail", args=[child.pk])
    second = client.post(url, data)
    assert second.status_code == 302
    concern = Concern.objects.get()
    assert (concern.category, concern.severity, concern.description) == (
        "psychological", "prompt", "最近总是一个人发呆")


def test_a_failed_save_keeps_what_was_typed_and_the_token(client, world, child):
    client.force_login(world.teacher_a)
    data = form_data(world.teacher_a, category="", description="她说不想回家，怕被打")
    response = client.post(reverse("concern_add", args=[child.pk]), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "她说不想回家，怕被打" in page
    assert data["submission_token"] in page
    assert 'value="prompt" data-testid="severity-prompt" checked' in page
    assert "category" in response.context["form"].errors
    assert not Concern.objects.exists()


def test_the_page_ties_the_concern_to_a_contact_log_of_that_child_only(client, world, child):
    log = ContactLogFactory(child=child)
    other = ContactLogFactory(child=factories.ChildFactory(classroom=world.class_a))
    client.force_login(world.teacher_a)
    url = reverse("concern_add", args=[child.pk])
    assert 'data-testid="concern-from-log"' in client.get(f"{url}?log={log.pk}").content.decode()
    client.post(f"{url}?log={log.pk}", form_data(world.teacher_a))
    client.post(f"{url}?log={other.pk}", form_data(world.teacher_a))
    assert sorted(Concern.objects.values_list("log", flat=True), key=str) == sorted(
        [log.pk, None], key=str)


def test_a_serious_concern_on_the_page_alerts_and_says_so(client, world, child, admins,
                                                         mailoutbox,
                                                         django_capture_on_commit_callbacks):
    client.force_login(world.teacher_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("concern_add", args=[child.pk]),
                               form_data(world.teacher_a, severity="serious"), follow=True)
    assert [m.level_tag for m in response.context["messages"]] == ["warning"]
    assert ConcernAlert.objects.count() == 2 and len(mailoutbox) == 2


def test_the_detail_page_shows_notes_alerts_and_the_follow_up_form(client, world, child,
                                                                  admins):
    concern, _ = raise_concern(world.teacher_a, child, severity="serious")
    follow_up(world.teacher_a, concern, note="联系了孩子的父亲")
    client.force_login(world.admin_a)
    page = client.get(reverse("concern_detail", args=[concern.pk])).content.decode()
    assert "联系了孩子的父亲" in page and DESCRIPTION in page
    assert page.count('data-testid="concern-alert"') == 2
    assert page.count('data-testid="alert-pending"') == 2
    assert 'data-testid="concern-acknowledge"' in page
    assert 'data-testid="follow-up-form"' in page and 'data-testid="concern-edit"' in page

    client.force_login(world.teacher_a)
    page = client.get(reverse("concern_detail", args=[concern.pk])).content.decode()
    assert page.count('data-testid="concern-alert"') == 2
    assert 'data-testid="alert-pending"' not in page  # the details are the admins'
    assert 'data-testid="concern-acknowledge"' not in page


def test_following_up_on_the_page(client, world, child):
    concern, _ = raise_concern(world.teacher_a, child)
    client.force_login(world.teacher_a)
    url = reverse("concern_follow_up", args=[concern.pk])
    data = {"submission_token": str(uuid.uuid4()), "happened_on": today().isoformat(),
            "note": "已和班主任、家长沟通", "status": "resolved"}
    assert client.post(url, data).status_code == 302
    assert client.post(url, data).status_code == 302
    concern.refresh_from_db()
    assert concern.status == "resolved" and concern.resolved_at is not None
    assert concern.notes.count() == 1

    failed = {**data, "submission_token": str(uuid.uuid4()), "note": "明天再家访",
              "happened_on": (today() + datetime.timedelta(days=3)).isoformat()}
    response = client.post(url, failed)
    assert response.status_code == 200
    page = response.content.decode()
    assert "明天再家访" in page and failed["submission_token"] in page
    assert "happened_on" in response.context["follow_up_form"].errors
    assert concern.notes.count() == 1


def test_only_those_who_may_act_follow_up_and_edit_on_the_pages(client, world, child):
    concern = ConcernFactory(child=child, raised_by=world.admin_a, assigned_to=world.admin_a)
    client.force_login(world.teacher_a)
    page = client.get(reverse("concern_detail", args=[concern.pk])).content.decode()
    assert 'data-testid="follow-up-form"' not in page and 'data-testid="concern-edit"' not in page
    assert client.get(reverse("concern_edit", args=[concern.pk])).status_code == 403
    response = client.post(reverse("concern_follow_up", args=[concern.pk]), {
        "submission_token": str(uuid.uuid4()), "happened_on": today().isoformat(),
        "note": "x", "status": "resolved"})
    assert response.status_code == 403


def test_editing_on_the_page_escalates_to_a_mandatory_report(client, world, child, admins,
                                                            django_capture_on_commit_callbacks):
    concern, _ = raise_concern(world.teacher_a, child)
    client.force_login(world.teacher_a)
    url = reverse("concern_edit", args=[concern.pk])
    assert client.get(url).context["form"]["description"].value() == DESCRIPTION
    data = {"category": "safety", "severity": "serious", "description": DESCRIPTION + "。又来了",
            "assigned_to": world.admin_a.pk}
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url, data).status_code == 302
    concern.refresh_from_db()
    assert (concern.severity, concern.assigned_to) == ("serious", world.admin_a)
    assert ConcernAlert.objects.filter(concern=concern).count() == 2


# --- The notice on every page --------------------------------------------------------------

def notice(client, user):
    client.force_login(user)
    page = client.get(reverse("child_list")).content.decode()
    return page if 'data-testid="mandatory-notice"' in page else None


def test_the_notice_is_shown_to_the_schools_admin_on_every_page(client, world, child):
    concern, _ = raise_concern(world.teacher_a, child, severity="serious")
    page = notice(client, world.admin_a)
    assert page is not None
    assert child.name in page and reverse("concern_detail", args=[concern.pk]) in page
    assert notice(client, world.teacher_a) is None
    assert notice(client, world.admin_a2) is None
    assert notice(client, world.admin_b) is None
    assert notice(client, world.bureau1) is None


def test_acknowledging_removes_the_notice(client, world, child):
    concern, _ = raise_concern(world.teacher_a, child, severity="serious")
    client.force_login(world.admin_a)
    response = client.post(reverse("concern_acknowledge", args=[concern.pk]))
    assert response.status_code == 302
    assert ConcernAlert.objects.get().acknowledged_at is not None
    assert notice(client, world.admin_a) is None


def test_resolving_removes_the_notice(client, world, child):
    concern, _ = raise_concern(world.teacher_a, child, severity="serious")
    follow_up(world.teacher_a, concern, status="resolved")
    assert notice(client, world.admin_a) is None


def test_the_notice_costs_one_query_for_admins_and_none_for_others(rf, world, child):
    from interventions.context_processors import mandatory_reports

    raise_concern(world.teacher_a, child, severity="serious")
    for user, expected in [(world.admin_a, 1), (world.teacher_a, 0), (world.bureau1, 0)]:
        request = rf.get("/")
        request.user = user
        with CaptureQueriesContext(connection) as queries:
            alerts = mandatory_reports(request).get("mandatory_alerts", [])
            assert len(list(alerts)) == expected
            list(alerts)
        assert len(queries.captured_queries) == expected


# --- The list ------------------------------------------------------------------------------

def _aged(concern, days):
    Concern.objects.filter(pk=concern.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=days))
    return concern


def test_the_school_list_shows_open_concerns_oldest_first(client, world, child):
    newest = _aged(ConcernFactory(child=child), 1)
    oldest = _aged(ConcernFactory(child=child, severity="serious"), 20)
    middle = _aged(ConcernFactory(child=child), 5)
    resolved = ConcernFactory(child=child, status="resolved", resolved_at=timezone.now())
    ConcernFactory(child=factories.ChildFactory(classroom=world.class_b))
    client.force_login(world.admin_a)
    response = client.get(reverse("concern_list"))
    assert list(response.context["page"]) == [oldest, middle, newest]
    page = response.content.decode()
    assert page.count("data-serious") == 1
    everything = client.get(reverse("concern_list"), {"show": "all"}).context["page"]
    assert list(everything) == [oldest, middle, newest, resolved]


def test_a_teacher_lists_their_childrens_and_their_own_concerns(client, world, child):
    mine = ConcernFactory(child=child, raised_by=world.admin_a, assigned_to=world.admin_a)
    other_class = factories.ChildFactory(classroom=factories.ClassroomFactory(
        school=world.school_a))
    assigned = ConcernFactory(child=other_class, raised_by=world.admin_a,
                              assigned_to=world.teacher_a)
    ConcernFactory(child=other_class, raised_by=world.admin_a, assigned_to=world.admin_a)
    client.force_login(world.teacher_a)
    assert set(client.get(reverse("concern_list")).context["page"]) == {mine, assigned}
    assert client.get(reverse("concern_detail", args=[assigned.pk])).status_code == 200


def test_concern_list_runs_a_fixed_number_of_queries(client, world, child,
                                                     django_assert_num_queries):
    def add(n):
        for i in range(n):
            ConcernFactory(child=factories.ChildFactory(classroom=world.class_a),
                           severity="serious" if i % 3 == 0 else "watch")

    for user in (world.admin_a, world.teacher_a):
        Concern.objects.all().delete()
        client.force_login(user)
        add(3)
        with CaptureQueriesContext(connection) as small:
            assert client.get(reverse("concern_list")).status_code == 200
        add(27)
        with django_assert_num_queries(len(small.captured_queries)):
            response = client.get(reverse("concern_list"))
        assert len(response.context["page"]) == 30


def test_after_a_transfer_the_new_school_lists_and_follows_up_the_open_concern(
    client, world, child
):
    """The concern follows the child: the receiving school's admin finds it in their list
    and may follow it up; the sending school keeps it too."""
    from registry.services import child_transfer_in

    concern, _created = raise_concern(world.teacher_a, child)
    class_b2 = factories.ClassroomFactory(school=world.school_a2)
    child_transfer_in(actor=world.admin_a2, child=child, classroom=class_b2,
                      transferred_on=today())
    child.refresh_from_db()
    assert list(concerns.concern_list(world.admin_a2)) == [concern]
    assert concerns.concern_may_act(world.admin_a2, concern)
    follow_up(world.admin_a2, concern, note="转入后家访了")
    assert concern.notes.get().author == world.admin_a2
    assert list(concerns.concern_list(world.admin_a)) == [concern]
    # Another school's admin neither sees nor acts.
    assert not concerns.concern_list(world.admin_b).exists()
    assert not concerns.concern_may_act(world.admin_b, concern)


def test_opening_a_concern_is_in_the_access_log(client, world, child):
    from registry.models import AccessLog

    concern, _created = raise_concern(world.teacher_a, child)
    client.force_login(world.admin_a)
    client.get(reverse("concern_detail", args=[concern.pk]))
    entry = AccessLog.objects.get(action=AccessLog.Action.VIEW_CONCERN)
    assert (entry.user, entry.child, entry.school) == (world.admin_a, child, world.school_a)
