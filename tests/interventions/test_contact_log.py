"""Contact logs: the rules of recording one (dates, registry entry, scope, roles), the
one-time token that makes a double submit harmless, corrections within seven days and
their change history, and the log form page."""

import datetime
import uuid

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from interventions.models import ContactLog
from interventions.services import contact_log_record, contact_log_update
from registry.models import EntryKind, RegistryEpisode
from tests import factories
from tests.interventions.factories import ContactLogFactory

pytestmark = pytest.mark.django_db


def today():
    return timezone.localdate()


def on_registry_child(classroom, entered=None):
    """A child of ``classroom`` who entered the registry 30 days ago (or on ``entered``)."""
    child = factories.ChildFactory(classroom=classroom, episode=False)
    RegistryEpisode.objects.create(
        child=child, school=child.school, entry_kind=EntryKind.REGISTERED,
        entered_on=entered or today() - datetime.timedelta(days=30),
        opened_by=classroom.homeroom_teacher,
    )
    return child


def record(actor, child, token=None, **fields):
    values = {"standard": "weekly_talk", "happened_on": today(), "channel": "in_person",
              "with_whom": ["child"], "priorities": ["safety"], "summary": "聊了学习"}
    values.update(fields)
    return contact_log_record(actor=actor, child=child,
                              submission_token=token or uuid.uuid4(), **values)


def post_data(**fields):
    data = {"submission_token": str(uuid.uuid4()), "happened_on": today().isoformat(),
            "standard": "weekly_talk", "channel": "in_person", "with_whom": ["child"],
            "priorities": ["learning"], "summary": "和孩子谈了期中考试", "wellbeing": "4"}
    data.update(fields)
    return data


@pytest.fixture
def child(world):
    return on_registry_child(world.class_a)


# --- The service -------------------------------------------------------------------------

def test_the_homeroom_teacher_records_a_log_at_the_childs_school(world, child):
    log, created = record(world.teacher_a, child, with_whom=["child", "child", "mother"])
    assert created
    assert log.author == world.teacher_a
    assert log.school == world.school_a
    assert log.with_whom == ["child", "mother"]


def test_a_date_in_the_future_is_refused(world, child):
    with pytest.raises(ValidationError) as error:
        record(world.teacher_a, child, happened_on=today() + datetime.timedelta(days=1))
    assert "happened_on" in error.value.error_dict
    assert not ContactLog.objects.exists()


def test_a_date_before_the_registry_entry_is_refused(world):
    child = on_registry_child(world.class_a, entered=today() - datetime.timedelta(days=5))
    with pytest.raises(ValidationError) as error:
        record(world.teacher_a, child, happened_on=today() - datetime.timedelta(days=6))
    assert "happened_on" in error.value.error_dict
    log, _ = record(world.teacher_a, child, happened_on=today() - datetime.timedelta(days=5))
    assert log.pk


def test_a_date_after_the_child_left_the_registry_is_refused(world):
    child = on_registry_child(world.class_a, entered=today() - datetime.timedelta(days=30))
    child.episodes.update(exited_on=today() - datetime.timedelta(days=10),
                          exit_reason="moved_away")
    with pytest.raises(ValidationError) as error:
        record(world.teacher_a, child, happened_on=today() - datetime.timedelta(days=9))
    assert "不在册" in error.value.error_dict["happened_on"][0].messages[0]
    log, _ = record(world.teacher_a, child, happened_on=today() - datetime.timedelta(days=10))
    assert log.pk


def test_a_child_never_on_the_registry_cannot_be_logged(world):
    child = factories.ChildFactory(classroom=world.class_a, episode=False)
    with pytest.raises(ValidationError, match="从未建档"):
        record(world.teacher_a, child)


@pytest.mark.parametrize("field, value", [
    ("with_whom", []), ("with_whom", ["neighbour"]), ("priorities", ["money"]),
    ("channel", "pigeon"), ("standard", "nonsense"), ("wellbeing", 9),
])
def test_choices_outside_the_lists_are_refused(world, child, field, value):
    with pytest.raises(ValidationError) as error:
        record(world.teacher_a, child, **{field: value})
    assert field in error.value.error_dict


def test_another_schools_child_is_refused_by_the_service(world, child):
    with pytest.raises(PermissionDenied):
        record(world.teacher_b, child)
    with pytest.raises(PermissionDenied):
        record(world.admin_b, child)


@pytest.mark.parametrize("user", ["township_user", "bureau1"])
def test_township_and_bureau_users_do_not_log(world, child, user):
    with pytest.raises(PermissionDenied):
        record(getattr(world, user), child)


def test_the_same_token_twice_makes_one_log(world, child):
    token = uuid.uuid4()
    first, created = record(world.teacher_a, child, token)
    again, created_again = record(world.teacher_a, child, token, summary="changed")
    assert created and not created_again
    assert again.pk == first.pk
    assert ContactLog.objects.count() == 1
    assert ContactLog.objects.get().summary == "聊了学习"


def test_another_users_token_is_not_handed_out(world, child):
    token = uuid.uuid4()
    record(world.teacher_a, child, token)
    with pytest.raises(PermissionDenied):
        record(world.admin_a, child, token)


# --- Corrections -------------------------------------------------------------------------

def test_the_author_corrects_within_seven_days_with_history(world, child):
    log, _ = record(world.teacher_a, child)
    ContactLog.objects.filter(pk=log.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=6)
    )
    log.refresh_from_db()
    contact_log_update(actor=world.teacher_a, log=log, summary="补充：孩子想念妈妈",
                       with_whom=["child", "guardian"])
    log.refresh_from_db()
    assert log.summary == "补充：孩子想念妈妈"
    assert log.with_whom == ["child", "guardian"]
    entry = LogEntry.objects.get_for_object(log).filter(action=LogEntry.Action.UPDATE).get()
    assert "summary" in entry.changes_dict


def test_after_seven_days_only_the_school_admin_corrects(world, child):
    log, _ = record(world.teacher_a, child)
    ContactLog.objects.filter(pk=log.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=8)
    )
    log.refresh_from_db()
    with pytest.raises(PermissionDenied):
        contact_log_update(actor=world.teacher_a, log=log, summary="late")
    contact_log_update(actor=world.admin_a, log=log, summary="校正")
    log.refresh_from_db()
    assert log.summary == "校正"


def test_others_cannot_correct(world, child):
    log, _ = record(world.teacher_a, child)
    other_teacher = factories.TeacherFactory(school=world.school_a)
    for actor in (other_teacher, world.admin_b, world.township_user, world.bureau1):
        with pytest.raises(PermissionDenied):
            contact_log_update(actor=actor, log=log, summary="x")


def test_a_correction_keeps_the_rules(world, child):
    log, _ = record(world.teacher_a, child)
    with pytest.raises(ValidationError):
        contact_log_update(actor=world.teacher_a, log=log,
                           happened_on=today() + datetime.timedelta(days=2))


# --- The pages ---------------------------------------------------------------------------

def test_the_form_is_prefilled_with_a_fresh_token(client, world, child):
    client.force_login(world.teacher_a)
    url = reverse("contact_log_add", args=[child.pk])
    first, second = client.get(url), client.get(url)
    assert first.status_code == 200
    form = first.context["form"]
    assert form["happened_on"].value() == today()
    assert form["standard"].value() == "weekly_talk"
    assert form["channel"].value() == "in_person"
    assert form["with_whom"].value() == ["child"]
    assert form["submission_token"].value() != second.context["form"]["submission_token"].value()
    assert 'name="submission_token"' in first.content.decode()


def test_the_teacher_of_the_class_logs_and_returns_to_the_child(client, world, child):
    client.force_login(world.teacher_a)
    response = client.post(reverse("contact_log_add", args=[child.pk]), post_data())
    assert response.status_code == 302
    assert response.url == reverse("child_detail", args=[child.pk])
    log = ContactLog.objects.get()
    assert (log.author, log.priorities, log.wellbeing) == (world.teacher_a, ["learning"], 4)


def test_a_double_submit_makes_one_log_and_both_redirect(client, world, child):
    client.force_login(world.teacher_a)
    url = reverse("contact_log_add", args=[child.pk])
    data = post_data()
    first, second = client.post(url, data), client.post(url, data)
    assert first.status_code == second.status_code == 302
    assert first.url == second.url == reverse("child_detail", args=[child.pk])
    assert ContactLog.objects.count() == 1


def test_a_safe_next_is_followed_and_a_foreign_one_ignored(client, world, child):
    client.force_login(world.teacher_a)
    url = reverse("contact_log_add", args=[child.pk])
    response = client.post(url, post_data(next="/children/?page=2"))
    assert response.url == "/children/?page=2"
    response = client.post(url, post_data(next="https://evil.example/"))
    assert response.url == reverse("child_detail", args=[child.pk])


def test_a_failed_submission_keeps_what_was_typed_and_the_token(client, world, child):
    client.force_login(world.teacher_a)
    data = post_data(happened_on=(today() + datetime.timedelta(days=3)).isoformat(),
                     summary="奶奶说孩子最近睡得晚")
    response = client.post(reverse("contact_log_add", args=[child.pk]), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "奶奶说孩子最近睡得晚" in page
    assert data["submission_token"] in page
    assert "happened_on" in response.context["form"].errors
    assert not ContactLog.objects.exists()


def test_another_schools_child_is_not_found(client, world, child):
    client.force_login(world.teacher_b)
    url = reverse("contact_log_add", args=[child.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, post_data()).status_code == 404


@pytest.mark.parametrize("user", ["township_user", "bureau1"])
def test_township_and_bureau_get_403_on_the_form(client, world, child, user):
    client.force_login(getattr(world, user))
    assert client.get(reverse("contact_log_add", args=[child.pk])).status_code == 403


def test_the_child_page_offers_the_log_button(client, world, child):
    client.force_login(world.teacher_a)
    page = client.get(reverse("child_detail", args=[child.pk])).content.decode()
    assert reverse("contact_log_add", args=[child.pk]) in page


def test_the_correction_page(client, world, child):
    log = ContactLogFactory(child=child, author=world.teacher_a, happened_on=today())
    url = reverse("contact_log_edit", args=[log.pk])
    client.force_login(world.teacher_b)
    assert client.get(url).status_code == 404
    client.force_login(world.teacher_a)
    assert client.get(url).status_code == 200
    response = client.post(url, post_data(summary="改正后的记录"))
    assert response.status_code == 302
    log.refresh_from_db()
    assert log.summary == "改正后的记录"
    ContactLog.objects.filter(pk=log.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=8)
    )
    assert client.get(url).status_code == 403
    assert client.post(url, post_data(summary="太晚了")).status_code == 403
    client.force_login(world.admin_a)
    assert client.get(url).status_code == 200
