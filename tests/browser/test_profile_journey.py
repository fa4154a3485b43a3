"""A homeroom teacher completes a child's file on a phone and sees five clear reach 5/5."""

import pytest

from registry.models import Child
from tests import factories
from tests.browser.conftest import log_in, no_sideways_scroll

pytestmark = pytest.mark.django_db(transaction=True)


def test_homeroom_teacher_completes_a_profile_to_five_clear(phone):
    child = factories.FiveClearChildFactory(name="刘小𠀀")
    Child.objects.filter(pk=child.pk).update(personality="", hobbies="", physical_condition="")
    teacher = child.classroom.homeroom_teacher

    log_in(phone, teacher)

    phone.goto(f"/children/?classroom={child.classroom_id}")
    phone.get_by_role("link", name="刘小𠀀").click()
    assert phone.get_by_test_id("five-clear-count").inner_text() == "2/5"
    assert "缺少：性格特点" in phone.get_by_test_id("five-clear").inner_text()

    phone.locator(f"a[href='/children/{child.pk}/edit/traits/']").click()
    phone.get_by_label("性格特点").fill("开朗，乐于助人")
    phone.get_by_label("兴趣爱好").fill("跳绳、画画")
    phone.get_by_role("button", name="保存").click()
    assert phone.get_by_test_id("five-clear-count").inner_text() == "4/5"

    phone.locator(f"a[href='/children/{child.pk}/edit/health/']").click()
    phone.get_by_label("身体状况").fill("良好")
    phone.get_by_role("button", name="保存").click()

    assert phone.get_by_test_id("five-clear-count").inner_text() == "5/5"
    assert phone.get_by_role("heading", name="刘小𠀀").is_visible()
    assert no_sideways_scroll(phone)
    child.refresh_from_db()
    assert (child.personality, child.physical_condition) == ("开朗，乐于助人", "良好")
