"""On a phone, the county summary's table scrolls inside its box, not the page. (The
bureau's journey through the summary is in test_role_journeys.py.)"""

import pytest
from django.urls import reverse

from tests.browser.conftest import log_in, no_sideways_scroll
from tests.reports import conftest as reports_conftest

pytestmark = pytest.mark.django_db(transaction=True)

# The county with known facts of the reports' tests.
known = reports_conftest.known


def test_on_a_phone_the_table_scrolls_inside_its_box_not_the_page(phone, known):
    log_in(phone, known.township_user)
    phone.goto(reverse("county_summary"))
    assert phone.get_by_test_id("summary-table").locator(
        '[data-testid="summary-school"]').count() == 2
    assert no_sideways_scroll(phone)
    box = phone.locator(".summary-scroll")
    assert box.evaluate("el => el.scrollWidth > el.clientWidth")
    assert phone.locator('[data-testid="chart-talk-by-week"] svg').is_visible()
