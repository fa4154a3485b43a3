"""The bureau's care standards (an edit applies from the current period on) and the
county's term calendar pages."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from interventions.cadence import DUE, MET, NOT_OWED, compliance, standard_states
from interventions.models import CareStandard, Period, Responsible, StandardCode
from interventions.services import care_standard_adjust
from registry.models import Term, TermDay
from tests import factories
from tests.interventions.conftest import D, add_child, add_term, log, make_county
from tests.interventions.factories import CareStandardFactory

pytestmark = pytest.mark.django_db

MONTHLY = StandardCode.FAMILY_CONTACT
RULE = {"period": Period.MONTH, "responsible": Responsible.HOMEROOM,
        "applies_in_holidays": True}


@pytest.fixture
def place(db):
    place = make_county()
    place.bureau = factories.BureauUserFactory(county=place.county)
    CareStandardFactory(county=place.county, code=MONTHLY, **RULE)
    CareStandardFactory(county=place.county, code=StandardCode.WEEKLY_TALK)
    CareStandardFactory(county=place.county, code=StandardCode.SEMESTER_REPORT,
                        period=Period.SEMESTER)
    place.child = add_child(place, (D(2026, 1, 1), None))
    return place


def versions(place, code=MONTHLY):
    return list(CareStandard.objects.filter(county=place.county, code=code)
                .order_by("valid_from").values_list("valid_from", "valid_until",
                                                    "contacts_needed"))


def test_an_edit_applies_from_this_month_and_past_months_keep_their_rule(place):
    log(place.child, MONTHLY, D(2026, 9, 10))
    log(place.child, MONTHLY, D(2026, 10, 5))
    care_standard_adjust(actor=place.bureau, county=place.county, code=MONTHLY,
                         contacts_needed=2, today=D(2026, 10, 15), **RULE)

    assert versions(place) == [(D(2000, 1, 1), D(2026, 9, 30), 1), (D(2026, 10, 1), None, 2)]
    children = [place.child.pk]
    september = standard_states(children, D(2026, 9, 10), today=D(2026, 10, 15))
    october = standard_states(children, D(2026, 10, 10), today=D(2026, 10, 15))
    assert (september[place.child.pk][MONTHLY].needed,
            september[place.child.pk][MONTHLY].state) == (1, MET)
    assert (october[place.child.pk][MONTHLY].needed,
            october[place.child.pk][MONTHLY].state) == (2, DUE)
    assert compliance(children, D(2026, 9, 1), D(2026, 10, 31)).per_child[
        place.child.pk][MONTHLY] == (1, 2)


def test_a_second_edit_in_the_same_period_changes_the_new_version_in_place(place):
    first = care_standard_adjust(actor=place.bureau, county=place.county, code=MONTHLY,
                                 contacts_needed=2, today=D(2026, 10, 15), **RULE)
    second = care_standard_adjust(actor=place.bureau, county=place.county, code=MONTHLY,
                                  contacts_needed=3, today=D(2026, 10, 20), **RULE)
    assert second.pk == first.pk
    assert versions(place) == [(D(2000, 1, 1), D(2026, 9, 30), 1), (D(2026, 10, 1), None, 3)]
    # Next month a new version again.
    care_standard_adjust(actor=place.bureau, county=place.county, code=MONTHLY,
                         contacts_needed=1, today=D(2026, 11, 2), **RULE)
    assert versions(place)[-2:] == [(D(2026, 10, 1), D(2026, 10, 31), 3),
                                    (D(2026, 11, 1), None, 1)]


def test_the_period_kind_of_the_new_rule_decides_the_current_period(place):
    add_term(place.county, D(2026, 9, 1), D(2027, 1, 22))
    care_standard_adjust(actor=place.bureau, county=place.county,
                         code=StandardCode.WEEKLY_TALK, contacts_needed=2,
                         today=D(2026, 10, 15), period=Period.WEEK,
                         responsible=Responsible.HOMEROOM, applies_in_holidays=False)
    assert versions(place, StandardCode.WEEKLY_TALK)[-1] == (D(2026, 10, 12), None, 2)
    # Between terms a semester rule starts with the next term.
    care_standard_adjust(actor=place.bureau, county=place.county,
                         code=StandardCode.SEMESTER_REPORT, contacts_needed=2,
                         today=D(2026, 8, 10), period=Period.SEMESTER,
                         responsible=Responsible.HOMEROOM, applies_in_holidays=False)
    assert versions(place, StandardCode.SEMESTER_REPORT)[-1] == (D(2026, 9, 1), None, 2)


def test_only_the_bureau_of_the_county_adjusts_its_standards(place, client):
    other_bureau = factories.BureauUserFactory()
    for actor in (other_bureau, place.teacher):
        with pytest.raises(PermissionDenied):
            care_standard_adjust(actor=actor, county=place.county, code=MONTHLY,
                                 contacts_needed=2, today=D(2026, 10, 15), **RULE)
    assert len(versions(place)) == 1

    edit = reverse("care_standard_edit", args=[MONTHLY])
    client.force_login(other_bureau)  # its own county has no such standard
    assert client.get(edit).status_code == 404
    client.force_login(place.teacher)
    assert client.get(reverse("care_standards")).status_code == 403
    assert client.post(edit, {"period": "month", "contacts_needed": 2}).status_code == 403
    assert len(versions(place)) == 1


def test_the_bureau_edits_a_standard_through_the_page(place, client):
    client.force_login(place.bureau)
    page = client.get(reverse("care_standards"))
    assert page.status_code == 200
    assert reverse("care_standard_edit", args=[MONTHLY]) in page.content.decode()
    response = client.post(reverse("care_standard_edit", args=[MONTHLY]), {
        "period": "month", "contacts_needed": 4, "responsible": "homeroom",
        "applies_in_holidays": "on",
    })
    assert response.status_code == 302
    first = timezone.localdate().replace(day=1)
    assert versions(place)[-1] == (first, None, 4)
    assert client.get(reverse("care_standards")).status_code == 200


def term_data(start, end, *, year="2026-2027", semester=1):
    return {"action": "save_term", "term-school_year": year, "term-semester": semester,
            "term-start_date": start.isoformat(), "term-end_date": end.isoformat()}


def test_an_overlapping_term_is_refused_with_the_model_message(place, client):
    add_term(place.county, D(2026, 9, 1), D(2027, 1, 22))
    client.force_login(place.bureau)
    response = client.post(reverse("term_add"), term_data(D(2027, 1, 10), D(2027, 6, 30),
                                                          semester=2))
    assert response.status_code == 200
    errors = response.context["form"].non_field_errors().as_data()
    assert [e.code for e in errors] == ["term_overlap"]
    assert "2026-09-01" in response.content.decode()
    assert Term.objects.filter(county=place.county).count() == 1

    response = client.post(reverse("term_add"), term_data(D(2027, 2, 20), D(2027, 7, 9),
                                                          semester=2))
    assert response.status_code == 302
    assert Term.objects.filter(county=place.county).count() == 2
    assert "2027-02-20" in client.get(reverse("term_calendar")).content.decode()


def test_another_countys_term_is_404_and_other_roles_403(place, client):
    other = make_county("白水县")
    term = add_term(other.county, D(2026, 9, 1), D(2027, 1, 22))
    client.force_login(place.bureau)
    assert client.get(reverse("term_edit", args=[term.pk])).status_code == 404
    assert client.post(reverse("term_edit", args=[term.pk]),
                       term_data(D(2026, 9, 2), D(2027, 1, 22))).status_code == 404
    own = add_term(place.county, D(2026, 9, 1), D(2027, 1, 22))
    admin = factories.SchoolAdminFactory(school=place.school)
    for user in (place.teacher, admin):
        client.force_login(user)
        assert client.get(reverse("term_calendar")).status_code == 403
        assert client.get(reverse("term_edit", args=[own.pk])).status_code == 403
        assert client.post(reverse("term_add"), term_data(D(2027, 2, 20), D(2027, 7, 9),
                                                          semester=2)).status_code == 403


def test_a_week_of_holidays_added_on_the_page_owes_no_weekly_talk(place, client):
    term = add_term(place.county, D(2026, 9, 1), D(2027, 1, 22))
    children = [place.child.pk]
    on = D(2026, 11, 18)
    before = standard_states(children, on, today=on)[place.child.pk]
    assert before[StandardCode.WEEKLY_TALK].state != NOT_OWED

    client.force_login(place.bureau)
    url = reverse("term_edit", args=[term.pk])
    for day in range(16, 21):
        response = client.post(url, {"action": "add_day", "day-date": f"2026-11-{day}",
                                     "day-kind": TermDay.Kind.HOLIDAY, "day-name": "Test"})
        assert response.status_code == 302
    assert "2026-11-20" in client.get(url).content.decode()
    assert "2026-11-20" in client.get(reverse("term_calendar")).content.decode()

    after = standard_states(children, on, today=on)[place.child.pk]
    assert after[StandardCode.WEEKLY_TALK].state == NOT_OWED
    # A day outside the term is refused with the model's message.
    response = client.post(url, {"action": "add_day", "day-date": "2027-03-01",
                                 "day-kind": TermDay.Kind.HOLIDAY})
    assert response.status_code == 200
    assert response.context["day_form"].errors["date"]
    # The same day twice is refused too (the database's unique rule, via the service).
    response = client.post(url, {"action": "add_day", "day-date": "2026-11-16",
                                 "day-kind": TermDay.Kind.MAKEUP})
    assert response.status_code == 200
    assert TermDay.objects.filter(term=term).count() == 5
