"""Wrong passwords lock an account (django-axes); whoever may reset its password — the
school admin for their teachers, the bureau for its county's school admins — sees it
locked on the school page and unlocks it, and the unlock is in the change history."""

import datetime

import pytest
from auditlog.models import LogEntry
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from registry.models import User
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db


def zh(message):
    with translation.override("zh-hans"):
        return translation.gettext(message)


def log_in(client, user, password):
    return client.post(reverse("login"), {"username": user.username, "password": password})


def lock(user):
    """As many wrong passwords as the limit, from one browser: the last answer."""
    browser = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = log_in(browser, user, "not-the-password")
    return response


def school_page(client, actor, school):
    client.force_login(actor)
    return client.get(reverse("school_detail", args=[school.pk])).content.decode()


def unlock(client, actor, staff):
    client.force_login(actor)
    return client.post(reverse("staff_unlock", args=[staff.pk]))


def unlock_entries(staff):
    return LogEntry.objects.filter(content_type=ContentType.objects.get_for_model(User),
                                   object_pk=str(staff.pk))


def test_wrong_passwords_lock_the_account_with_a_clear_chinese_message(world):
    response = lock(world.teacher_a)
    page = response.content.decode()
    assert response.status_code == 429
    assert "账号已锁定" in page
    assert "锁定" in page and "分钟后再试" in page
    assert zh("To log in sooner, ask your school administrator to unlock your account; "
              "a school administrator asks the county education bureau.") in page
    # Even the right password is refused while the lock holds.
    assert log_in(Client(), world.teacher_a, TEST_PASSWORD).status_code == 429


def test_school_admin_sees_the_lock_unlocks_and_the_teacher_logs_in(client, world):
    lock(world.teacher_a)
    page = school_page(client, world.admin_a, world.school_a)
    assert page.count('data-testid="staff-locked"') == 1
    assert page.count('data-testid="staff-unlock"') == 1
    assert reverse("staff_unlock", args=[world.teacher_a.pk]) in page
    assert zh("locked") in page and zh("Unlock") in page

    response = unlock(client, world.admin_a, world.teacher_a)
    assert response.status_code == 302
    assert response.url == reverse("school_detail", args=[world.school_a.pk])
    page = client.get(response.url).content.decode()
    assert zh("The account of %(name)s is unlocked.") % {
        "name": world.teacher_a.real_name} in page
    assert 'data-testid="staff-locked"' not in page
    assert not AccessAttempt.objects.filter(username=world.teacher_a.username).exists()

    entry = unlock_entries(world.teacher_a).get()
    assert entry.actor == world.admin_a
    assert entry.changes_dict == {"login_lockout": ["locked", "unlocked"]}

    teacher = Client()
    response = log_in(teacher, world.teacher_a, TEST_PASSWORD)
    assert response.status_code == 302
    assert teacher.get(reverse("home")).status_code == 200


def test_a_school_admin_of_another_school_gets_a_404(client, world):
    lock(world.teacher_a)
    assert 'data-testid="staff-locked"' not in school_page(client, world.admin_b, world.school_b)
    assert unlock(client, world.admin_b, world.teacher_a).status_code == 404
    assert AccessAttempt.objects.filter(username=world.teacher_a.username).exists()
    assert lock(world.teacher_a).status_code == 429  # still locked
    assert not unlock_entries(world.teacher_a).exists()


def test_the_bureau_unlocks_its_county_s_school_admins_only(client, world):
    lock(world.admin_b)
    lock(world.admin_c)
    page = school_page(client, world.bureau1, world.school_b)
    assert page.count('data-testid="staff-unlock"') == 1
    assert unlock(client, world.bureau1, world.admin_b).status_code == 302
    assert unlock(client, world.bureau1, world.admin_c).status_code == 404
    assert log_in(Client(), world.admin_b, TEST_PASSWORD).status_code == 302
    assert log_in(Client(), world.admin_c, TEST_PASSWORD).status_code == 429


def test_who_may_not_reset_a_password_may_not_unlock(client, world):
    lock(world.teacher_a)
    # The bureau manages school admins, not teachers: the same rule as password resets.
    assert unlock(client, world.bureau1, world.teacher_a).status_code == 404
    assert unlock(client, world.teacher_a2, world.teacher_a).status_code == 403
    assert unlock(client, world.township_user, world.teacher_a).status_code == 403
    assert AccessAttempt.objects.filter(username=world.teacher_a.username).exists()


def test_unlocking_needs_a_post_with_a_csrf_token(world):
    lock(world.teacher_a)
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(world.admin_a)
    url = reverse("staff_unlock", args=[world.teacher_a.pk])
    assert browser.get(url).status_code == 405
    assert browser.post(url).status_code == 403
    assert AccessAttempt.objects.filter(username=world.teacher_a.username).exists()


def test_a_lock_past_its_cool_off_is_not_shown(client, world):
    lock(world.teacher_a)
    AccessAttempt.objects.filter(username=world.teacher_a.username).update(
        attempt_time=datetime.datetime.now(datetime.UTC) - settings.AXES_COOLOFF_TIME
        - datetime.timedelta(minutes=1)
    )
    assert 'data-testid="staff-locked"' not in school_page(client, world.admin_a,
                                                            world.school_a)


def test_fewer_wrong_passwords_than_the_limit_are_no_lock(client, world):
    browser = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        log_in(browser, world.teacher_a, "not-the-password")
    assert 'data-testid="staff-locked"' not in school_page(client, world.admin_a,
                                                            world.school_a)


def test_the_school_page_asks_one_query_for_the_locks(client, world):
    lock(world.teacher_a)
    client.force_login(world.admin_a)
    url = reverse("school_detail", args=[world.school_a.pk])
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    assert sum("axes_accessattempt" in q["sql"] for q in queries.captured_queries) == 1
