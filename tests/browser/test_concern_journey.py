"""A teacher raises a mandatory report on a phone; the school admin sees the notice on
their home page, opens the report and acknowledges it."""

import pytest

from interventions.models import Concern, ConcernAlert
from tests import factories
from tests.browser.conftest import PHONE, log_in, no_sideways_scroll

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_mandatory_report_reaches_the_school_admin(phone, another_page):
    child = factories.ChildFactory(name="李小𠀀")
    teacher = child.classroom.homeroom_teacher
    admin = factories.SchoolAdminFactory(school=child.school)

    log_in(phone, teacher)
    phone.goto(f"/children/?classroom={child.classroom_id}")
    phone.get_by_role("link", name="李小𠀀").click()
    phone.locator(f"a[href='/children/{child.pk}/concerns/add/']").click()

    phone.locator("[data-testid=concern-category] input[value=safety] + label").click()
    phone.get_by_test_id("severity-serious").check()
    phone.get_by_test_id("concern-description").fill("孩子说晚上一个人在家，很害怕")
    assert no_sideways_scroll(phone)
    phone.get_by_test_id("concern-save").click()

    # Back on the child's profile, with the open report listed.
    assert phone.get_by_role("heading", name="李小𠀀").is_visible()
    assert phone.get_by_test_id("child-open-concerns").is_visible()
    concern = Concern.objects.get()
    assert (concern.category, concern.severity, concern.raised_by) == (
        "safety", "serious", teacher)
    assert phone.get_by_test_id("mandatory-notice").count() == 0  # a teacher gets no notice

    admin_phone = another_page(PHONE)  # the school admin's own phone
    log_in(admin_phone, admin)
    notice = admin_phone.get_by_test_id("mandatory-notice")
    assert notice.is_visible()
    assert "李小𠀀" in notice.inner_text()
    assert no_sideways_scroll(admin_phone)
    admin_phone.get_by_test_id("mandatory-notice-link").click()

    assert admin_phone.get_by_test_id("concern-serious").is_visible()
    assert "很害怕" in admin_phone.get_by_test_id("concern-description").inner_text()
    admin_phone.get_by_test_id("concern-acknowledge").click()

    assert admin_phone.get_by_test_id("alert-acknowledged").is_visible()
    assert admin_phone.get_by_test_id("mandatory-notice").count() == 0
    assert no_sideways_scroll(admin_phone)
    assert ConcernAlert.objects.get(recipient=admin).acknowledged_at is not None
    admin_phone.goto("/")
    assert admin_phone.get_by_test_id("mandatory-notice").count() == 0
