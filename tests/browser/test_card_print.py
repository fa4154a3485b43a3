"""A school admin prints a class's record cards: on paper there is nothing of the site
(navigation, footer, buttons), and each child's card takes a page of its own."""

import pytest

from tests import factories
from tests.browser.conftest import log_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_school_admin_prints_a_class_of_record_cards(desktop):
    classroom = factories.ClassroomFactory(grade=3, number=2)
    children = [factories.FiveClearChildFactory(classroom=classroom) for _ in range(3)]
    admin = factories.SchoolAdminFactory(school=classroom.school)
    page = desktop
    csp_errors = []
    page.on("console", lambda message: csp_errors.append(message.text)
            if "Content Security Policy" in message.text else None)

    log_in(page, admin)
    page.locator(f"a[href='/classes/{classroom.pk}/cards/']").click()

    cards = page.get_by_test_id("record-card")
    assert cards.count() == len(children)
    for child in children:
        assert cards.filter(has_text=child.name).count() == 1
    print_button = page.locator("button[data-print]")
    assert page.locator("nav.navbar").is_visible() and print_button.is_visible()

    # The button is wired by carecase.js (no inline script under the CSP).
    page.evaluate("window.print = () => { window.printed = true; }")
    print_button.click()
    assert page.evaluate("window.printed") is True

    page.emulate_media(media="print")
    assert not page.locator("nav.navbar").is_visible()
    assert not page.locator("footer").is_visible()
    assert not print_button.is_visible()
    assert not page.locator("main a:has-text('←')").is_visible()
    assert all(cards.nth(i).is_visible() for i in range(len(children)))
    breaks = cards.evaluate_all(
        "cards => cards.map(card => getComputedStyle(card).breakAfter)"
    )
    assert breaks == ["page", "page", "auto"]
    assert csp_errors == []
