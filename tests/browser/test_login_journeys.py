"""A teacher logs in and out on a phone; wrong passwords are explained, then locked out."""

import pytest
from django.conf import settings

from tests import factories
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


def log_in(page, username, password):
    page.goto("/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()


def test_teacher_logs_in_lands_on_their_week_and_logs_out(phone):
    classroom = factories.ClassroomFactory(grade=4, number=2)
    teacher = classroom.homeroom_teacher
    log_in(phone, teacher.username, TEST_PASSWORD)

    assert phone.get_by_role("heading", name="我的本周").is_visible()
    assert phone.get_by_role("heading", name="我的班级").is_visible()
    assert phone.get_by_text("4年级2班").is_visible()
    assert phone.locator("html").get_attribute("lang") == "zh-hans"
    # No horizontal scrolling on a phone.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390

    phone.get_by_role("button", name="菜单").click()
    # Bootstrap marks the menu .show once it has finished opening (no click mid-slide).
    phone.locator("#main-nav.show:not(.collapsing)").wait_for()
    phone.get_by_test_id("user-menu").click()
    phone.get_by_role("button", name="退出登录").click()
    assert phone.get_by_role("heading", name="登录关爱台账").is_visible()
    phone.goto("/")
    assert "/accounts/login/" in phone.url


def test_wrong_password_is_explained_in_chinese(phone):
    teacher = factories.TeacherFactory()
    log_in(phone, teacher.username, "not-the-password")
    alert = phone.get_by_role("alert")
    assert "正确的用户名和密码" in alert.inner_text()
    assert phone.get_by_label("用户名").input_value() == teacher.username


def test_repeated_wrong_passwords_lock_the_account(phone):
    teacher = factories.TeacherFactory()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in(phone, teacher.username, "still-wrong")
    locked = phone.get_by_test_id("locked-out")
    assert locked.is_visible()
    assert "账号" in phone.get_by_role("heading").first.inner_text()
    assert "锁定" in locked.inner_text()

    # Even the right password is refused while the lock holds.
    log_in(phone, teacher.username, TEST_PASSWORD)
    assert phone.get_by_test_id("locked-out").is_visible()
