"""The access log page (who opened which child's file), its place in the admin (read
only) and the only way entries go (prune_access_log)."""

import datetime
import html
import re

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from registry import audit, services
from registry.models import AccessLog
from tests import factories

pytestmark = pytest.mark.django_db

ACCESS_LOG = reverse("access_log")


@pytest.fixture
def opened(world):
    """A child in each school, each profile opened once by their school admin; the
    county-1 bureau exported its roster (no school), and so did county 2's."""
    for key in ("a", "a2", "b", "c"):
        child = factories.FiveClearChildFactory(classroom=getattr(world, f"class_{key}"))
        setattr(world, f"child_{key}", child)
        services.access_log_record(user=getattr(world, f"admin_{key}"),
                                   action=AccessLog.Action.VIEW_PROFILE, child=child)
    services.access_log_record(user=world.bureau1, action=AccessLog.Action.EXPORT,
                               detail="roster.xlsx status=registered", rows=3)
    services.access_log_record(user=world.bureau2, action=AccessLog.Action.EXPORT,
                               detail="roster.xlsx status=registered", rows=1)
    return world


def visit(client, user, query=None, language="en"):
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client.get(ACCESS_LOG, query or {})


def details(response):
    """The "what" lines of the page, as shown."""
    return [html.unescape(text) for text in re.findall(
        r'data-testid="access-detail">([^<]*)</div>', response.content.decode())]


def shown(response):
    return list(response.context["rows"])


@pytest.mark.parametrize("role, children, exports", [
    ("admin_a", ["child_a"], []),
    ("township_user", ["child_a", "child_a2"], []),
    ("bureau1", ["child_a", "child_a2", "child_b"], ["bureau1"]),
    ("superuser", ["child_a", "child_a2", "child_b", "child_c"], ["bureau1", "bureau2"]),
])
def test_each_role_reads_the_access_log_of_its_place(client, opened, role, children, exports):
    entries = shown(visit(client, getattr(opened, role)))
    assert {e.child for e in entries if e.child} == {getattr(opened, k) for k in children}
    assert {e.user for e in entries if e.action == "export"} == {getattr(opened, k)
                                                                 for k in exports}


def test_a_teacher_may_not_read_the_access_log(client, opened):
    assert visit(client, opened.teacher_a).status_code == 403


def test_who_opened_this_file_leads_from_the_profile_to_the_childs_entries(client, opened):
    child = opened.child_a
    services.access_log_record(user=opened.teacher_a, action=AccessLog.Action.VIEW_CARD,
                               child=child)
    other = factories.ChildFactory(classroom=opened.class_a)
    services.access_log_record(user=opened.teacher_a, action=AccessLog.Action.VIEW_CARD,
                               child=other)
    client.force_login(opened.admin_a)
    profile = client.get(reverse("child_detail", args=[child.pk]))
    link = f'{ACCESS_LOG}?child={child.pk}'
    assert link in profile.content.decode()

    response = visit(client, opened.admin_a, {"child": child.pk})
    entries = shown(response)
    assert {e.child for e in entries} == {child}
    # Who looked at this child's card, and the opening of the profile just now.
    assert [(e.user, e.action) for e in entries][:2] == [
        (opened.admin_a, "view_profile"), (opened.teacher_a, "view_card")]
    assert child.name in response.content.decode()


def test_the_link_is_only_for_those_who_read_the_access_log(client, opened):
    client.force_login(opened.teacher_a)
    page = client.get(reverse("child_detail", args=[opened.child_a.pk])).content.decode()
    assert 'data-testid="who-opened"' not in page
    client.force_login(opened.township_user)
    page = client.get(reverse("child_detail", args=[opened.child_a.pk])).content.decode()
    assert 'data-testid="who-opened"' in page


def test_no_personal_data_travels_in_the_pages_links(client, opened):
    child = opened.child_a
    response = visit(client, opened.admin_a, {"child": child.pk})
    page = response.content.decode()
    hrefs = [part.split('"', 1)[0] for part in page.split('href="')[1:]]
    assert hrefs
    for href in hrefs:
        assert child.name not in href and child.id_number not in href
    assert 'name="child"' in page and 'type="hidden"' in page


def test_a_child_outside_the_users_place_is_a_404(client, opened):
    assert visit(client, opened.admin_a, {"child": opened.child_b.pk}).status_code == 404
    assert visit(client, opened.bureau1, {"child": opened.child_c.pk}).status_code == 404


def test_a_transferred_child_stays_searchable_at_the_school_that_logged_them(client, opened):
    child = opened.child_a
    child.school, child.classroom = opened.school_b, opened.class_b
    child.save()
    entries = shown(visit(client, opened.admin_a, {"child": child.pk}))
    assert [e.user for e in entries] == [opened.admin_a]


def test_filters_by_staff_member_and_action(client, opened):
    services.access_log_record(user=opened.teacher_a, action=AccessLog.Action.VIEW_CARD,
                               child=opened.child_a)
    by_teacher = shown(visit(client, opened.admin_a, {"staff": opened.teacher_a.pk}))
    assert [(e.user, e.action) for e in by_teacher] == [(opened.teacher_a, "view_card")]
    profiles = shown(visit(client, opened.bureau1, {"action": "view_profile"}))
    assert {e.action for e in profiles} == {"view_profile"}
    assert len(profiles) == 3


def test_the_school_filter_for_the_township_and_the_bureau(client, opened):
    entries = shown(visit(client, opened.bureau1, {"school": opened.school_a2.pk}))
    assert {e.child for e in entries} == {opened.child_a2}
    form = visit(client, opened.admin_a).context["form"]
    assert "school" not in form.fields


def test_the_last_30_days_by_default_and_any_range_on_request(client, opened):
    today = timezone.localdate()
    old = services.access_log_record(user=opened.admin_a, action=AccessLog.Action.VIEW_CARD,
                                     child=opened.child_a)
    old.at = timezone.now() - datetime.timedelta(days=40)
    old.save()
    assert old not in shown(visit(client, opened.admin_a))
    earlier = today - datetime.timedelta(days=45)
    entries = shown(visit(client, opened.admin_a, {
        "date_from": earlier.isoformat(),
        "date_to": (today - datetime.timedelta(days=35)).isoformat()}))
    assert entries == [old]


def test_an_end_before_the_start_is_an_error(client, opened):
    response = visit(client, opened.admin_a, {"date_from": "2026-10-10",
                                              "date_to": "2026-10-01"})
    assert response.status_code == 200
    assert "The end date is before the start date." in response.content.decode()


def test_newest_first_and_paginated(client, opened):
    base = timezone.now() - datetime.timedelta(hours=1)
    for minute in range(60):
        entry = services.access_log_record(user=opened.teacher_a,
                                           action=AccessLog.Action.VIEW_CARD,
                                           child=opened.child_a)
        entry.at = base + datetime.timedelta(minutes=minute)
        entry.save()
    first = visit(client, opened.admin_a)
    entries = shown(first)
    assert len(entries) == 50
    assert entries == sorted(entries, key=lambda e: e.at, reverse=True)
    assert first.context["page"].paginator.count == 61
    second = shown(visit(client, opened.admin_a, {"page": 2}))
    assert len(second) == 11 + 1  # and the first visit, logged


def test_searching_the_log_is_logged_without_names(client, opened):
    visit(client, opened.admin_a, {"child": opened.child_a.pk, "action": "view_card"})
    entry = AccessLog.objects.get(action="view_audit")
    assert (entry.user, entry.child, entry.school) == (opened.admin_a, opened.child_a,
                                                       opened.school_a)
    assert opened.child_a.name not in entry.detail
    assert entry.rows == 0
    # The next visit shows that search in the reader's language.
    start, end = audit.default_date_range()
    zh = visit(client, opened.admin_a, {"action": "view_audit"}, language="zh-hans")
    assert (f"访问记录，{start}至{end} · 儿童编号{opened.child_a.pk} · 查看建档卡"
            in details(zh))
    en = visit(client, opened.admin_a, {"action": "view_audit"})
    assert (f"Access log, {start} to {end} · Child no. {opened.child_a.pk} · Opened a record "
            f"card" in details(en))


def test_an_entry_written_as_plain_text_is_shown_as_it_is(client, opened):
    """Entries written before the "what" was stored as data, and file names."""
    page = visit(client, opened.bureau1, {"action": "export"}, language="zh-hans")
    assert details(page) == ["roster.xlsx status=registered"]


def test_a_fixed_number_of_queries_whatever_the_size(client, opened, django_assert_num_queries):
    def query_count():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as context:
            assert visit(client, opened.bureau1, {"child": opened.child_a.pk}).status_code == 200
        return len(context.captured_queries)

    query_count()
    few = query_count()
    staff = [factories.TeacherFactory(school=opened.school_a) for _ in range(5)]
    for n in range(40):
        services.access_log_record(user=staff[n % 5], action=AccessLog.Action.VIEW_CARD,
                                   child=opened.child_a)
    with django_assert_num_queries(few):
        visit(client, opened.bureau1, {"child": opened.child_a.pk})


# --- Append-only: the admin reads, nobody edits; entries go only by prune_access_log -----


def test_the_admin_shows_the_access_log_read_only(client, opened):
    entry = AccessLog.objects.filter(child=opened.child_a).get()
    for user in (opened.admin_a, opened.superuser):
        client.force_login(user)
        assert client.get(reverse("admin:registry_accesslog_changelist")).status_code == 200
        change_url = reverse("admin:registry_accesslog_change", args=[entry.pk])
        page = client.get(change_url)
        assert page.status_code == 200
        assert b'type="submit"' not in page.content.split(b'id="content"')[1]
        assert client.post(change_url, {"detail": "tampered"}).status_code == 403
        delete_url = reverse("admin:registry_accesslog_delete", args=[entry.pk])
        assert client.post(delete_url, {"post": "yes"}).status_code == 403
        assert client.get(reverse("admin:registry_accesslog_add")).status_code == 403
    entry.refresh_from_db()
    assert entry.detail == ""
    client.force_login(opened.admin_a)
    other = AccessLog.objects.filter(child=opened.child_b).get()
    assert client.get(reverse("admin:registry_accesslog_change",
                              args=[other.pk])).status_code == 404


def _aged(days, world):
    entry = services.access_log_record(user=world.admin_a, action=AccessLog.Action.VIEW_CARD,
                                       child=world.child_a)
    entry.at = timezone.now() - datetime.timedelta(days=days)
    entry.save()
    return entry


def test_prune_deletes_only_entries_past_the_retention_period(opened):
    kept, gone = _aged(180, opened), _aged(190, opened)
    before = AccessLog.objects.count()
    call_command("prune_access_log", "--dry-run", stdout=None)
    assert AccessLog.objects.count() == before
    call_command("prune_access_log")
    assert AccessLog.objects.filter(pk=kept.pk).exists()
    assert not AccessLog.objects.filter(pk=gone.pk).exists()
    assert AccessLog.objects.count() == before - 1


def test_prune_follows_a_longer_retention_period(opened, settings):
    settings.ACCESS_LOG_RETENTION_DAYS = 365
    kept = _aged(300, opened)
    call_command("prune_access_log")
    assert AccessLog.objects.filter(pk=kept.pk).exists()


def test_prune_refuses_less_than_six_months(opened, settings):
    settings.ACCESS_LOG_RETENTION_DAYS = 90
    entry = _aged(100, opened)
    with pytest.raises(CommandError, match="at least 183 days"):
        call_command("prune_access_log")
    assert AccessLog.objects.filter(pk=entry.pk).exists()
