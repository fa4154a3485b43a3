"""A homeroom teacher on a phone opens their week, logs a weekly talk in two taps from
the card, comes back to the same card turned done; a lost connection keeps the draft."""

import pytest

from interventions.models import ContactLog
from tests import factories
from tests.factories import TEST_PASSWORD
from tests.interventions.test_week import on_registry, setup_county

pytestmark = pytest.mark.django_db(transaction=True)


def log_in(page, user):
    page.goto("/accounts/login/")
    page.get_by_label("用户名").fill(user.username)
    page.get_by_label("密码").fill(TEST_PASSWORD)
    page.get_by_role("button", name="登录").click()


@pytest.fixture
def a_class():
    classroom = factories.ClassroomFactory()
    setup_county(classroom.school.county)
    children = [on_registry(factories.ChildFactory(classroom=classroom, episode=False,
                                                   name=name))
                for name in ("王小明", "李小红", "张𠀀", "赵小刚", "陈小芳", "刘小军")]
    return classroom.homeroom_teacher, children


def test_a_teacher_logs_a_weekly_talk_in_two_taps_and_sees_it_done(phone, a_class):
    teacher, children = a_class
    child = children[4]
    log_in(phone, teacher)

    # The home page is the week: every child still needs a talk.
    card = phone.locator(f"#child-{child.pk}")
    assert card.get_attribute("data-state") in ("due", "overdue")
    assert phone.get_by_test_id("progress-weekly_talk").inner_text() == "0/6"
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390

    card.get_by_test_id("log-button").click()  # tap 1
    # Prefilled: the weekly talk, today, in person with the child.
    assert phone.locator("#id_standard").input_value() == "weekly_talk"
    assert phone.locator("input[name=channel][value=in_person]").is_checked()
    assert phone.locator("input[name=with_whom][value=child]").is_checked()
    phone.get_by_role("button", name="保存").click()  # tap 2

    assert phone.url.endswith(f"/week/#child-{child.pk}")
    card = phone.locator(f"#child-{child.pk}")
    # The talk chip turned done (the card stays where it was; an unpaired child's
    # monthly home visit is still on the homeroom teacher's list).
    assert card.locator("[data-code=weekly_talk]").get_attribute("data-state") == "met"
    assert card.is_visible()
    assert phone.get_by_test_id("progress-weekly_talk").inner_text() == "1/6"
    assert ContactLog.objects.filter(child=child, author=teacher).count() == 1


def test_what_was_typed_survives_a_lost_connection(phone, a_class, live_server):
    teacher, children = a_class
    child = children[0]
    log_in(phone, teacher)
    phone.locator(f"#child-{child.pk}").get_by_test_id("log-button").click()
    phone.get_by_label("摘要").fill("谈了期中考试，情绪稳定")

    # The signal drops as the teacher saves: the request never reaches the server.
    phone.context.set_offline(True)
    phone.get_by_role("button", name="保存").click()
    phone.wait_for_url("chrome-error://**")
    phone.context.set_offline(False)
    assert ContactLog.objects.filter(child=child).count() == 0

    # Back on the form (a fresh load), the typed text and the token are restored.
    phone.goto(f"/children/{child.pk}/log/")
    assert phone.get_by_label("摘要").input_value() == "谈了期中考试，情绪稳定"
    assert phone.locator("[data-draft-restored]").is_visible()
    phone.get_by_role("button", name="保存").click()
    phone.get_by_role("button", name="保存").wait_for(state="detached")
    assert ContactLog.objects.get(child=child).summary == "谈了期中考试，情绪稳定"

    # Opening the form again offers a clean form: the server has that draft.
    phone.goto(f"/children/{child.pk}/log/")
    assert phone.get_by_label("摘要").input_value() == ""
    assert not phone.locator("[data-draft-restored]").is_visible()
