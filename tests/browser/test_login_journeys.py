"""A teacher logs in and out on a phone. (Wrong passwords and the lockout are in the
lockout journey of test_role_journeys.py.)"""

import pytest

from tests import factories
from tests.browser.conftest import log_in, no_sideways_scroll

pytestmark = pytest.mark.django_db(transaction=True)


def test_teacher_logs_in_lands_on_their_week_and_logs_out(phone):
    classroom = factories.ClassroomFactory(grade=4, number=2)
    teacher = classroom.homeroom_teacher
    log_in(phone, teacher)

    assert phone.get_by_role("heading", name="我的本周").is_visible()
    assert phone.get_by_role("heading", name="我的班级").is_visible()
    assert phone.get_by_text("4年级2班").is_visible()
    assert phone.locator("html").get_attribute("lang") == "zh-hans"
    # No horizontal scrolling on a phone.
    assert no_sideways_scroll(phone)

    phone.get_by_role("button", name="菜单").click()
    # Bootstrap marks the menu .show once it has finished opening (no click mid-slide).
    phone.locator("#main-nav.show:not(.collapsing)").wait_for()
    phone.get_by_test_id("user-menu").click()
    phone.get_by_role("button", name="退出登录").click()
    assert phone.get_by_role("heading", name="登录关爱台账").is_visible()
    phone.goto("/")
    assert "/accounts/login/" in phone.url
