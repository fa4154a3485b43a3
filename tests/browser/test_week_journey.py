"""On a phone, what a teacher typed in the log form survives a lost connection and is saved
once. (Logging the week's talks card by card is the teacher's journey in
test_role_journeys.py.)"""

import pytest

from interventions.models import ContactLog
from tests import factories
from tests.browser.conftest import log_in
from tests.interventions.test_week import on_registry, setup_county

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def a_class():
    classroom = factories.ClassroomFactory()
    setup_county(classroom.school.county)
    children = [on_registry(factories.ChildFactory(classroom=classroom, episode=False,
                                                   name=name))
                for name in ("王小明", "李小红", "张𠀀", "赵小刚", "陈小芳", "刘小军")]
    return classroom.homeroom_teacher, children


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
