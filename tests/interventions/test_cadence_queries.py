"""The engine's query count does not grow with the number of children."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from interventions import cadence
from interventions.models import ContactLog, Pairing, StandardCode
from registry.models import Child, EntryKind, RegistryEpisode
from tests.interventions.conftest import D, make_county

CODES = [StandardCode.WEEKLY_TALK, StandardCode.HOME_VISIT, StandardCode.SEMESTER_REPORT,
         StandardCode.FESTIVAL, "other"]


def add_children(place, n, start):
    children = Child.objects.bulk_create([
        Child(name=f"孩子{start + i}", county=place.county, school=place.school,
              classroom=place.classroom)
        for i in range(n)
    ])
    RegistryEpisode.objects.bulk_create([
        RegistryEpisode(child=c, school=place.school, entry_kind=EntryKind.REGISTERED,
                        entered_on=D(2026, 3, 1), opened_by=place.teacher)
        for c in children
    ])
    ContactLog.objects.bulk_create([
        ContactLog(child=c, standard=CODES[i % len(CODES)], happened_on=D(2026, 9, 1 + i % 28),
                   channel="phone", author=place.teacher, school=place.school)
        for i, c in enumerate(children)
    ])
    Pairing.objects.bulk_create([
        Pairing(child=c, kind="mentor", staff=place.teacher, school=place.school,
                start_date=D(2026, 9, 1), created_by=place.teacher)
        for c in children[::3]
    ])
    return children


CALLS = {
    "states": lambda kids: cadence.standard_states(kids, D(2026, 9, 16), today=D(2026, 9, 16)),
    "compliance": lambda kids: cadence.compliance(kids, D(2026, 3, 1), D(2026, 12, 31)),
    "responsibles": lambda kids: cadence.responsibles(kids, on=D(2026, 9, 16)),
}


@pytest.mark.parametrize("call", CALLS)
@pytest.mark.parametrize("as_queryset", [True, False], ids=["queryset", "ids"])
def test_query_count_is_the_same_for_10_and_500_children(qingshan, call, as_queryset,
                                                         django_assert_num_queries):
    other = make_county("白水县")  # a second county in the same call
    from tests.interventions.conftest import add_term
    from tests.interventions.factories import CareStandardFactory

    add_term(other.county, D(2026, 9, 7), D(2027, 1, 15))
    CareStandardFactory(county=other.county)
    add_children(qingshan, 5, 0)
    add_children(other, 5, 5)
    schools = [qingshan.school, other.school]

    def children():
        found = Child.objects.filter(school__in=schools)
        return found if as_queryset else list(found.values_list("pk", flat=True))

    kids = children()
    with CaptureQueriesContext(connection) as small:
        small_result = CALLS[call](kids)
    assert len(getattr(small_result, "per_child", small_result)) == 10
    add_children(qingshan, 300, 10)
    add_children(other, 190, 310)
    kids = children()
    with django_assert_num_queries(len(small.captured_queries)):
        large_result = CALLS[call](kids)
    assert len(getattr(large_result, "per_child", large_result)) == 500
