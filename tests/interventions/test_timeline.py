"""The child's timeline: five sources merged newest first, twenty a page, each source
through its own access rule (a transfer splits the history between the schools), free
text withheld outside the child's school, links only for those allowed, and a fixed
number of queries on the profile."""

import datetime
import itertools
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from interventions.models import Concern, ConcernNote, ContactLog, HelpPlan, Volunteer
from interventions.services import contact_log_may_correct
from interventions.timeline import child_timeline
from registry.models import EntryKind, ExitReason, RegistryEpisode
from registry.services import child_transfer_in
from tests import factories
from tests.interventions.factories import (
    ConcernFactory,
    ContactLogFactory,
    HelpPlanFactory,
    PairingFactory,
    current_term,
)

pytestmark = pytest.mark.django_db

D = datetime.date
SUMMARY = "孩子说想念在外打工的妈妈"
DESCRIPTION = "近两周情绪低落，课间独处"


def at(day):
    """A moment on ``day`` in the site's time zone."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(10, 0)))


ENTERED = D(2025, 9, 1)


def _child(classroom, entered=ENTERED):
    child = factories.ChildFactory(classroom=classroom, episode=False)
    RegistryEpisode.objects.create(child=child, school=child.school,
                                   entry_kind=EntryKind.REGISTERED, entered_on=entered,
                                   opened_by=classroom.homeroom_teacher)
    return child


def _concern(child, raised, resolved=None, **fields):
    concern = ConcernFactory(child=child, description=DESCRIPTION, **fields)
    Concern.objects.filter(pk=concern.pk).update(
        created_at=at(raised), status="resolved" if resolved else "open",
        resolved_at=at(resolved) if resolved else None,
    )
    return concern


def _help_plan(child, written, **fields):
    plan = HelpPlanFactory(child=child, **fields)
    HelpPlan.objects.filter(pk=plan.pk).update(created_at=at(written))
    return plan


@pytest.fixture
def history(world):
    """A child of class A with one record of each kind, on crafted dates."""
    child = _child(world.class_a)
    world.child = child
    world.pairing = PairingFactory(child=child, start_date=D(2025, 9, 5),
                                   end_date=D(2025, 12, 20))
    world.log = ContactLogFactory(child=child, happened_on=D(2025, 10, 10), summary=SUMMARY)
    world.concern = _concern(child, D(2025, 10, 12), resolved=D(2025, 11, 2))
    world.note = ConcernNote.objects.create(
        concern=world.concern, happened_on=D(2025, 10, 20), note="和奶奶通了电话",
        status="following_up", author=world.teacher_a,
    )
    world.plan = _help_plan(child, D(2025, 9, 15), term=current_term(world.county1))
    RegistryEpisode.objects.filter(child=child).update(
        exited_on=D(2026, 1, 10), exit_reason=ExitReason.PARENT_RETURNED,
        closed_by=world.admin_a,
    )
    return world


EXPECTED = [
    ("registry_left", D(2026, 1, 10)),
    ("pairing_ended", D(2025, 12, 20)),
    ("concern_resolved", D(2025, 11, 2)),
    ("concern_note", D(2025, 10, 20)),
    ("concern_raised", D(2025, 10, 12)),
    ("contact_log", D(2025, 10, 10)),
    ("help_plan", D(2025, 9, 15)),
    ("pairing_started", D(2025, 9, 5)),
    ("registry_entered", D(2025, 9, 1)),
]


def _entries(page):
    """(kind, date) of the timeline entries of a rendered profile, in page order."""
    return [(kind, D.fromisoformat(day)) for kind, day in re.findall(
        r'data-testid="timeline-entry" data-kind="(\w+)" data-date="([\d-]+)"', page)]


def test_all_five_sources_merge_newest_first(history):
    entries = child_timeline(history.admin_a, history.child)
    assert [(e.kind, e.date) for e in entries] == EXPECTED


def test_the_profile_shows_the_timeline_newest_first(client, history):
    client.force_login(history.teacher_a)
    page = client.get(reverse("child_detail", args=[history.child.pk])).content.decode()
    assert _entries(page) == EXPECTED
    assert SUMMARY in page and DESCRIPTION in page and "和奶奶通了电话" in page


def test_a_transfer_reads_left_then_entered(world):
    child = _child(world.class_a)
    child_transfer_in(actor=world.admin_b, child=child, classroom=world.class_b,
                      transferred_on=D(2026, 3, 2))
    kinds = [(e.kind, e.detail) for e in child_timeline(world.admin_b, child)]
    assert [kind for kind, _ in kinds] == ["registry_entered", "registry_left",
                                           "registry_entered"]
    assert world.school_b.name in kinds[0][1] and world.school_a.name in kinds[1][1]


def test_twenty_one_entries_make_two_pages(client, world):
    child = _child(world.class_a, entered=D(2025, 9, 1))
    for day in range(20):
        ContactLogFactory(child=child, happened_on=D(2025, 10, 1) + datetime.timedelta(days=day))
    client.force_login(world.admin_a)
    url = reverse("child_detail", args=[child.pk])
    first = client.get(url)
    assert first.context["timeline"].paginator.num_pages == 2
    first_entries = _entries(first.content.decode())
    assert len(first_entries) == 20
    assert first_entries[0] == ("contact_log", D(2025, 10, 20))
    assert 'href="?page=2#timeline"' in first.content.decode()
    second = _entries(client.get(url, {"page": 2}).content.decode())
    assert second == [("registry_entered", D(2025, 9, 1))]
    # A page number out of range shows the last page, like the other lists.
    assert _entries(client.get(url, {"page": 99}).content.decode()) == second


def test_after_a_transfer_each_school_sees_its_share(client, world):
    child = _child(world.class_a, entered=D(2025, 9, 1))
    old_log = ContactLogFactory(child=child, happened_on=D(2025, 10, 10), summary=SUMMARY)
    old_concern = _concern(child, D(2025, 10, 12))
    old_plan = _help_plan(child, D(2025, 9, 15), term=current_term(world.county1))
    child_transfer_in(actor=world.admin_b, child=child, classroom=world.class_b,
                      transferred_on=D(2026, 3, 2))
    child.refresh_from_db()
    new_log = ContactLogFactory(child=child, happened_on=D(2026, 3, 9),
                                author=world.teacher_b, summary="新学校第一次谈心")

    old_school = child_timeline(world.admin_a, child)
    assert [(e.kind, e.date) for e in old_school] == [
        ("registry_left", D(2026, 3, 2)),
        ("concern_raised", D(2025, 10, 12)),
        ("contact_log", D(2025, 10, 10)),
        ("help_plan", D(2025, 9, 15)),
        ("registry_entered", D(2025, 9, 1)),
    ]
    assert all(new_log.summary not in e.text for e in old_school)
    # The old school can no longer open the child, nor change what it wrote.
    client.force_login(world.admin_a)
    assert client.get(reverse("child_detail", args=[child.pk])).status_code == 404
    assert not any(e.url for e in old_school if e.kind == "help_plan")

    client.force_login(world.admin_b)
    page = client.get(reverse("child_detail", args=[child.pk])).content.decode()
    assert _entries(page) == [
        ("contact_log", D(2026, 3, 9)),
        ("registry_entered", D(2026, 3, 2)),
        ("registry_left", D(2026, 3, 2)),
        ("concern_raised", D(2025, 10, 12)),
        ("contact_log", D(2025, 10, 10)),
        ("help_plan", D(2025, 9, 15)),
        ("registry_entered", D(2025, 9, 1)),
    ]
    # The whole history follows the child, the old school's talk summaries with it.
    assert SUMMARY in page and "新学校第一次谈心" in page and DESCRIPTION in page
    assert reverse("help_plan_edit", args=[old_plan.pk]) not in page
    assert reverse("contact_log_edit", args=[old_log.pk]) not in page
    assert reverse("concern_detail", args=[old_concern.pk]) in page


@pytest.mark.parametrize("user", ["township_user", "bureau1"])
def test_township_and_bureau_see_the_entries_without_free_text(client, history, user):
    client.force_login(getattr(history, user))
    page = client.get(reverse("child_detail", args=[history.child.pk])).content.decode()
    assert _entries(page) == EXPECTED
    assert SUMMARY not in page and DESCRIPTION not in page and "和奶奶通了电话" not in page
    assert 'data-testid="timeline-text"' not in page
    # Nor links to pages they may not open.
    assert 'data-testid="timeline-link"' not in page
    entries = child_timeline(getattr(history, user), history.child)
    assert not any(e.text or e.url for e in entries)


def test_the_childs_school_reads_the_free_text(history):
    for user in (history.teacher_a, history.admin_a):
        texts = {e.kind: e.text for e in child_timeline(user, history.child)}
        assert texts["contact_log"] == SUMMARY
        assert texts["concern_raised"] == DESCRIPTION
        assert texts["concern_note"] == "和奶奶通了电话"


def test_links_follow_what_the_user_may_do(history):
    recent = ContactLogFactory(child=history.child, happened_on=D(2025, 12, 1))
    ContactLog.objects.filter(pk=history.log.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=30))
    for user in (history.teacher_a, history.admin_a, history.bureau1, history.superuser):
        urls = {(e.kind, e.pk): e.url for e in child_timeline(user, history.child)}
        for log in ContactLog.objects.filter(child=history.child):
            expected = contact_log_may_correct(user, log)
            assert bool(urls[("contact_log", log.pk)]) is expected, (user, log)
            if expected:
                assert urls[("contact_log", log.pk)] == reverse("contact_log_edit",
                                                                args=[log.pk])
        concern_url = reverse("concern_detail", args=[history.concern.pk])
        may_read = user.has_perm("interventions.view_concern")
        assert (urls[("concern_raised", history.concern.pk)] == concern_url) is may_read
    teacher = {(e.kind, e.pk): e.url for e in child_timeline(history.teacher_a, history.child)}
    assert teacher[("contact_log", recent.pk)]  # the author, within seven days
    assert not teacher[("contact_log", history.log.pk)]  # thirty days on
    assert teacher[("help_plan", history.plan.pk)] == reverse("help_plan_edit",
                                                              args=[history.plan.pk])


_subjects = itertools.count()


def _add_records(world, child, n):
    """``n`` records of every kind: a log, a concern raised, followed up and resolved, a
    help plan, and a pairing (a pupil buddy or a volunteer) started and ended."""
    term = current_term(world.county1)
    volunteer = Volunteer.objects.create(name="张阿姨", county=world.county1,
                                         school=world.school_a)
    for i in range(n):
        day = D(2025, 10, 1) + datetime.timedelta(days=i)
        ContactLogFactory(child=child, happened_on=day, summary=SUMMARY)
        concern = _concern(child, day, resolved=day + datetime.timedelta(days=3))
        ConcernNote.objects.create(concern=concern, happened_on=day, note="跟进",
                                   status="following_up", author=world.teacher_a)
        _help_plan(child, day, term=term, subject=f"科目{next(_subjects)}")
        PairingFactory(child=child, kind="volunteer" if i % 2 else "buddy", staff=None,
                       buddy_name="" if i % 2 else "同桌", volunteer=volunteer if i % 2 else None,
                       created_by=world.admin_a, start_date=day,
                       end_date=day + datetime.timedelta(days=30))


@pytest.mark.parametrize("user", ["teacher_a", "admin_a", "bureau1"])
def test_the_profile_runs_a_fixed_number_of_queries_whatever_the_history(
    client, world, user, django_assert_max_num_queries, django_assert_num_queries
):
    child = _child(world.class_a)
    PairingFactory(child=child, start_date=D(2025, 9, 2))
    _add_records(world, child, 1)
    client.force_login(getattr(world, user))
    url = reverse("child_detail", args=[child.pk])
    with django_assert_max_num_queries(25) as small:
        response = client.get(url)
    assert response.status_code == 200
    _add_records(world, child, 6)
    RegistryEpisode.objects.filter(child=child).update(exited_on=D(2026, 1, 5),
                                                       exit_reason=ExitReason.OTHER)
    RegistryEpisode.objects.create(child=child, school=child.school,
                                   entry_kind=EntryKind.REENTERED, entered_on=D(2026, 2, 1),
                                   opened_by=world.admin_a)
    with django_assert_num_queries(len(small.captured_queries)):
        response = client.get(url)
    assert response.context["timeline"].paginator.count > 40
    assert len(_entries(response.content.decode())) == 20
    with django_assert_num_queries(len(small.captured_queries)):
        client.get(url, {"page": 2})

