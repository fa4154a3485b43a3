"""The child's change history: every kind of record about the child (the file, the
family, pairings, contact logs, concerns and their follow-ups, help plans) shows its
creation, changes and deletion with who and when; ID numbers stay masked."""

import datetime

import pytest
from auditlog.context import set_actor
from django.conf import settings
from django.urls import reverse

from interventions.models import ConcernNote
from registry import services
from registry.models import FamilyMember
from tests import factories
from tests.interventions.factories import (
    ConcernFactory,
    ContactLogFactory,
    HelpPlanFactory,
    PairingFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def child(world):
    return factories.FiveClearChildFactory(classroom=world.class_a)


def history(client, world, child):
    """The history page as the school admin reads it, in English."""
    client.force_login(world.admin_a)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(reverse("child_history", args=[child.pk]))
    assert response.status_code == 200
    return response


def rows_of(response, kind, pk=None):
    return [row for row in response.context["rows"]
            if row["kind"] == kind and pk in (None, row["entry"].object_id)]


def changed(row):
    return {label: (old, new) for label, old, new in row["changes"]}


def assert_created_changed_deleted(response, kind, actor, field_label, old, new, pk=None):
    rows = rows_of(response, kind, pk)
    assert [row["action"] for row in rows] == ["Deleted", "Changed", "Created"]
    assert all(row["entry"].actor == actor for row in rows)
    assert changed(rows[1])[field_label] == (old, new)
    page = response.content.decode()
    assert actor.real_name in page
    assert rows[0]["entry"].timestamp.astimezone().strftime("%Y-%m-%d") in page


def test_the_childs_own_changes_show_who_and_when_with_the_id_number_masked(client, world,
                                                                           child):
    with set_actor(world.teacher_a):
        child.address = "青山县城关镇柳树村5组"
        services.child_update(actor=world.teacher_a, child=child)
    response = history(client, world, child)
    row = rows_of(response, "Child")[0]
    assert row["action"] == "Changed"
    assert changed(row)["Home village and address"] == ("青山县城关镇杨柳村3组",
                                                        "青山县城关镇柳树村5组")
    page = response.content.decode()
    assert world.teacher_a.real_name in page
    assert child.id_number not in page


def test_a_new_childs_id_number_is_masked_in_the_history(client, world):
    with set_actor(world.admin_a):
        child = factories.FiveClearChildFactory(classroom=world.class_a)
    response = history(client, world, child)
    created = rows_of(response, "Child")[-1]
    assert created["action"] == "Created"
    assert changed(created)["Resident ID number"] == ("", child.masked_id_number)
    assert "Chronic illness" not in changed(created)  # empty, before and after
    assert child.id_number not in response.content.decode()


def test_family_members_created_changed_and_deleted(client, world, child):
    with set_actor(world.teacher_a):
        member = FamilyMember(child=child, kind=FamilyMember.Kind.OTHER, name="王舅舅",
                              phone="13900001111", situation="home")
        services.family_member_save(actor=world.teacher_a, member=member)
        member.phone = "13900002222"
        services.family_member_save(actor=world.teacher_a, member=member)
        member_pk = member.pk
        services.family_member_delete(actor=world.teacher_a, member=member)
    response = history(client, world, child)
    assert_created_changed_deleted(response, "Family member", world.teacher_a, "Phone",
                                   "13900001111", "13900002222", pk=member_pk)


def test_pairings_created_changed_and_deleted(client, world, child):
    with set_actor(world.admin_a):
        pairing = PairingFactory(child=child, staff=world.teacher_a)
        pairing.end_date = datetime.date(2026, 10, 1)
        pairing.save()
        pairing.delete()
    response = history(client, world, child)
    assert_created_changed_deleted(response, "Pairing", world.admin_a, "Until",
                                   "", "2026-10-01")
    created = changed(rows_of(response, "Pairing")[-1])
    assert created["Staff member"][1] == str(world.teacher_a)


def test_contact_logs_created_changed_and_deleted(client, world, child):
    with set_actor(world.teacher_a):
        log = ContactLogFactory(child=child, summary="聊了学习")
        log.summary = "聊了学习和想念妈妈"
        log.save()
        log.delete()
    response = history(client, world, child)
    assert_created_changed_deleted(response, "Contact log", world.teacher_a, "Summary",
                                   "聊了学习", "聊了学习和想念妈妈")


def test_concerns_and_their_follow_ups_created_changed_and_deleted(client, world, child):
    with set_actor(world.teacher_a):
        concern = ConcernFactory(child=child)
        note = ConcernNote.objects.create(concern=concern, happened_on=datetime.date(2026, 9, 8),
                                          note="和奶奶通了电话", status="following_up",
                                          author=world.teacher_a)
        note.note = "和奶奶通了电话，下周家访"
        note.save()
        concern.severity = "prompt"
        concern.save()
        note.delete()
        concern.delete()
    response = history(client, world, child)
    assert_created_changed_deleted(response, "Concern", world.teacher_a, "Severity",
                                   "Keep an eye on it", "Needs prompt follow-up")
    assert_created_changed_deleted(response, "Follow-up note", world.teacher_a, "Follow-up",
                                   "和奶奶通了电话", "和奶奶通了电话，下周家访")


def test_help_plans_created_changed_and_deleted(client, world, child):
    with set_actor(world.teacher_a):
        plan = HelpPlanFactory(child=child)
        plan.goals = "期末数学成绩达到良好"
        plan.save()
        plan.delete()
    response = history(client, world, child)
    assert_created_changed_deleted(response, "Help plan", world.teacher_a, "Goals",
                                   "期末数学成绩达到及格", "期末数学成绩达到良好")


def test_another_childs_records_stay_out_of_the_history(client, world, child):
    other = factories.ChildFactory(classroom=world.class_a)
    with set_actor(world.teacher_a):
        ContactLogFactory(child=other, summary="别的孩子")
        FamilyMember.objects.create(child=other, kind="father", name="别人的爸爸")
    page = history(client, world, child).content.decode()
    assert "别的孩子" not in page
    assert "别人的爸爸" not in page


def test_the_history_runs_a_fixed_number_of_queries(client, world, child):
    def query_count():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as context:
            history(client, world, child)
        return len(context.captured_queries)

    def one_of_each(day):
        with set_actor(world.teacher_a):
            ContactLogFactory(child=child, happened_on=datetime.date(2026, 10, day))
            PairingFactory(child=child, staff=world.teacher_a, kind="buddy", buddy_name="小明")
            ConcernFactory(child=child)

    one_of_each(1)
    HelpPlanFactory(child=child)
    query_count()  # content types are cached from the first visit on
    few = query_count()
    for day in range(2, 12):
        one_of_each(day)
    assert query_count() == few
