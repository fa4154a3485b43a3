"""A serious concern stands out wherever the child is listed; an ordinary open one shows
as a count; a resolved one leaves no mark."""

import pytest
from django.urls import reverse
from django.utils import timezone

from interventions.models import ConcernStatus
from tests import factories
from tests.interventions.factories import ConcernFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def children(world):
    serious = factories.ChildFactory(classroom=world.class_a, name="严重")
    ordinary = factories.ChildFactory(classroom=world.class_a, name="一般")
    resolved = factories.ChildFactory(classroom=world.class_a, name="已结")
    ConcernFactory(child=serious, severity="serious", category="safety")
    ConcernFactory(child=ordinary)
    ConcernFactory(child=ordinary, status=ConcernStatus.FOLLOWING_UP)
    ConcernFactory(child=resolved, status=ConcernStatus.RESOLVED, resolved_at=timezone.now())
    return serious, ordinary, resolved


def _row(page, child):
    start = page.index(f'href="{reverse("child_detail", args=[child.pk])}"')
    return page[start:page.index("</tr>", start)]


@pytest.mark.parametrize("url_name", ["child_list", "pairing_list"])
def test_lists_mark_open_and_serious_concerns(client, world, children, url_name):
    serious, ordinary, resolved = children
    client.force_login(world.admin_a)
    page = client.get(reverse(url_name)).content.decode()
    assert 'data-testid="serious-concern"' in _row(page, serious)
    assert 'data-testid="open-concern"' in _row(page, ordinary)
    assert 'data-testid="open-concern">2' in _row(page, ordinary)
    assert "concern" not in _row(page, resolved)


def test_the_profile_lists_open_concerns_serious_first(client, world, children):
    serious, _ordinary, _resolved = children
    ConcernFactory(child=serious)
    client.force_login(world.teacher_a)
    page = client.get(reverse("child_detail", args=[serious.pk])).content.decode()
    box = page[page.index('data-testid="child-open-concerns"'):]
    box = box[:box.index("</section>")]
    assert "alert-danger" in page[page.index('data-testid="child-open-concerns"') - 60:
                                  page.index('data-testid="child-open-concerns"')]
    assert box.count("<li>") == 2


def test_township_and_bureau_do_not_get_the_concern_box(client, world, children):
    serious = children[0]
    client.force_login(world.township_user)
    page = client.get(reverse("child_detail", args=[serious.pk])).content.decode()
    assert 'data-testid="child-open-concerns"' not in page
