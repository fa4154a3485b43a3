"""The teacher's week: exactly the children a teacher is responsible for, what each owes,
behind first; the progress; a fixed number of queries; the log form's prefill from the
week's links; and the school's week at a glance."""

import datetime
import re
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from interventions.models import ContactLog, PairingKind, Period, Responsible, StandardCode
from registry.models import EntryKind, RegistryEpisode
from tests import factories
from tests.interventions.factories import (
    CareStandardFactory,
    ConcernFactory,
    ContactLogFactory,
    PairingFactory,
)

pytestmark = pytest.mark.django_db

TALK = StandardCode.WEEKLY_TALK
VISIT = StandardCode.HOME_VISIT


def today():
    return timezone.localdate()


def monday():
    return today() - datetime.timedelta(days=today().weekday())


def first_of_last_month():
    first = today().replace(day=1)
    return (first - datetime.timedelta(days=1)).replace(day=1)


def on_registry(child, *, exited=None):
    RegistryEpisode.objects.create(
        child=child, school=child.school, entry_kind=EntryKind.REGISTERED,
        entered_on=today() - datetime.timedelta(days=90), exited_on=exited,
        exit_reason="graduated" if exited else "", opened_by=child.school.staff.first(),
    )
    return child


def setup_county(county):
    """A term around today and two standards: the weekly talk (homeroom, shared with the
    mentor) and the monthly home visit (surrogate parent)."""
    factories.TermFactory(county=county, start_date=today() - datetime.timedelta(days=60),
                          end_date=today() + datetime.timedelta(days=90))
    CareStandardFactory(county=county, code=TALK, period=Period.WEEK,
                        responsible=Responsible.HOMEROOM)
    CareStandardFactory(county=county, code=VISIT, period=Period.MONTH,
                        responsible=Responsible.SURROGATE, applies_in_holidays=True)


@pytest.fixture
def crafted(world):
    """teacher_a leads class_a; another teacher leads class_a_other at school a.

    in class_a: 甲 (no talk ever: overdue), 乙 (talked last week and this week: done),
    丙 (talked last week only: to do), 戊 (no talk, and teacher_a is also their mentor),
    all four with the school admin as surrogate parent;
    in the other class: 丁 (teacher_a is the mentor: talk overdue), 己 (teacher_a is the
    surrogate parent: visited last month, not yet this month), 庚 (nothing to do with
    teacher_a); 辛 in class_a left the registry; 壬 at school b.
    """
    setup_county(world.county1)
    teacher = world.teacher_a
    other_class = factories.ClassroomFactory(school=world.school_a, grade=4, number=1)
    world.class_a.grade, world.class_a.number = 3, 1
    world.class_a.save()

    def child(name, classroom):
        return on_registry(factories.ChildFactory(name=name, classroom=classroom,
                                                  episode=False))

    c = {name: child(name, world.class_a) for name in ("甲", "乙", "丙", "戊")}
    c.update({name: child(name, other_class) for name in ("丁", "己", "庚")})
    c["辛"] = on_registry(factories.ChildFactory(name="辛", classroom=world.class_a,
                                                 episode=False),
                          exited=today() - datetime.timedelta(days=20))
    c["壬"] = child("壬", world.class_b)
    last_week = monday() - datetime.timedelta(days=7)
    for name in ("乙", "丙"):
        ContactLogFactory(child=c[name], standard=TALK, happened_on=last_week)
    ContactLogFactory(child=c["乙"], standard=TALK, happened_on=monday())
    PairingFactory(child=c["丁"], kind=PairingKind.MENTOR, staff=teacher)
    PairingFactory(child=c["戊"], kind=PairingKind.MENTOR, staff=teacher)
    PairingFactory(child=c["己"], kind=PairingKind.SURROGATE, staff=teacher)
    # class_a's home visits are the school admin's, as their surrogate parent (an
    # unpaired child's would fall to the homeroom teacher).
    for name in ("甲", "乙", "丙", "戊"):
        PairingFactory(child=c[name], kind=PairingKind.SURROGATE, staff=world.admin_a)
    ContactLogFactory(child=c["己"], standard=VISIT, happened_on=first_of_last_month(),
                      channel="video", author=teacher)
    world.children = c
    world.other_class = other_class
    return world


def week_rows(page):
    """(name, [(code, state)…]) per card, in page order."""
    rows = []
    for card in re.findall(r'<li id="child-\d+"(.*?)</li>', page, re.S):
        name = re.search(r'class="fw-semibold[^"]*" href="[^"]+">([^<]+)</a>', card).group(1)
        chips = re.findall(r'data-code="(\w+)" data-state="(\w+)"', card)
        rows.append((name, chips))
    return rows


def test_the_week_lists_exactly_the_teachers_children_behind_first(client, crafted):
    client.force_login(crafted.teacher_a)
    page = client.get(reverse("home")).content.decode()
    assert week_rows(page) == [
        # behind (a week missed): by class, then name
        ("戊", [(TALK, "overdue")]),
        ("甲", [(TALK, "overdue")]),
        ("丁", [(TALK, "overdue")]),
        # the rest, in class and name order
        ("丙", [(TALK, "due")]),
        ("乙", [(TALK, "met")]),
        ("己", [(VISIT, "due")]),
    ]


def test_progress_counts_the_weekly_talk_and_the_monthly_visit(client, crafted):
    client.force_login(crafted.teacher_a)
    page = client.get(reverse("my_week")).content.decode()
    assert re.search(rf'data-testid="progress-{TALK}">1/5<', page)
    assert re.search(rf'data-testid="progress-{VISIT}">0/1<', page)
    assert monday().strftime("%-m月%-d日") in page


def test_a_child_both_in_the_class_and_paired_appears_once(client, crafted):
    client.force_login(crafted.teacher_a)
    page = client.get(reverse("my_week")).content.decode()
    assert page.count(f'id="child-{crafted.children["戊"].pk}"') == 1


def test_the_mentor_sees_the_talk_and_the_surrogate_the_visit(client, crafted):
    """The other class's homeroom teacher sees the talks of 丁, 己 and 庚 (丁's mentor
    shares it), but not the home visit, which is the surrogate parent's."""
    client.force_login(crafted.other_class.homeroom_teacher)
    rows = dict(week_rows(client.get(reverse("my_week")).content.decode()))
    assert set(rows) == {"丁", "己", "庚"}
    assert rows["己"] == [(TALK, "overdue")]


def test_the_log_links_carry_the_standard_due_and_the_usual_channel(client, crafted):
    client.force_login(crafted.teacher_a)
    page = client.get(reverse("my_week")).content.decode()
    jia, ji = crafted.children["甲"], crafted.children["己"]
    assert (f'{reverse("contact_log_add", args=[jia.pk])}?standard={TALK}&amp;channel=in_person'
            f'&amp;next=/week/%23child-{jia.pk}') in page
    # The teacher visited 己 by video last month: the form starts with video.
    assert f'{reverse("contact_log_add", args=[ji.pk])}?standard={VISIT}&amp;channel=video' in page


def test_logging_from_the_week_turns_the_child_done(client, crafted):
    client.force_login(crafted.teacher_a)
    child = crafted.children["丙"]
    next_url = f"/week/#child-{child.pk}"
    form = client.get(reverse("contact_log_add", args=[child.pk]),
                      {"standard": TALK, "channel": "phone", "next": next_url})
    assert form.context["form"]["standard"].value() == TALK
    assert form.context["form"]["channel"].value() == "phone"
    response = client.post(reverse("contact_log_add", args=[child.pk]), {
        "submission_token": str(uuid.uuid4()), "happened_on": today().isoformat(),
        "standard": TALK, "channel": "phone", "with_whom": ["child"], "next": next_url,
    })
    assert response.status_code == 302 and response.url == next_url
    rows = dict(week_rows(client.get(reverse("my_week")).content.decode()))
    assert rows["丙"] == [(TALK, "met")]


def test_the_form_ignores_unknown_prefill(client, crafted):
    client.force_login(crafted.teacher_a)
    child = crafted.children["甲"]
    form = client.get(reverse("contact_log_add", args=[child.pk]),
                      {"standard": "nonsense", "channel": "<script>"}).context["form"]
    assert form["standard"].value() == TALK
    assert form["channel"].value() == "in_person"


def test_the_log_form_lists_recently_saved_tokens_for_drafts(client, crafted):
    client.force_login(crafted.teacher_a)
    child = crafted.children["甲"]
    token = uuid.uuid4()
    client.post(reverse("contact_log_add", args=[child.pk]), {
        "submission_token": str(token), "happened_on": today().isoformat(),
        "standard": TALK, "channel": "in_person", "with_whom": ["child"],
    })
    page = client.get(reverse("contact_log_add", args=[child.pk])).content.decode()
    assert f'data-saved-tokens="{token}"' in page


def test_ticking_raise_a_concern_goes_on_to_the_concern_form(client, crafted):
    client.force_login(crafted.teacher_a)
    child = crafted.children["甲"]
    response = client.post(reverse("contact_log_add", args=[child.pk]), {
        "submission_token": str(uuid.uuid4()), "happened_on": today().isoformat(),
        "standard": TALK, "channel": "in_person", "with_whom": ["child"],
        "raise_concern": "on", "next": "/week/",
    })
    log = ContactLog.objects.get(child=child)
    assert response.url.startswith(reverse("concern_add", args=[child.pk]))
    assert f"log={log.pk}" in response.url


def test_a_serious_concern_stands_out_on_the_card(client, crafted):
    child = crafted.children["丙"]
    ConcernFactory(child=child, severity="serious", category="safety")
    client.force_login(crafted.teacher_a)
    page = client.get(reverse("my_week")).content.decode()
    card = re.search(rf'<li id="child-{child.pk}"(.*?)</li>', page, re.S).group(1)
    assert 'data-testid="serious-concern"' in card


def test_a_teacher_with_no_children_gets_a_clear_empty_page(client, world):
    teacher = factories.TeacherFactory(school=world.school_a)
    client.force_login(teacher)
    response = client.get(reverse("my_week"))
    assert response.status_code == 200
    assert 'data-testid="week-row"' not in response.content.decode()


@pytest.mark.parametrize("role", ["township_user", "bureau1"])
def test_township_and_bureau_have_no_week(client, world, role):
    client.force_login(getattr(world, role))
    assert client.get(reverse("my_week")).status_code == 403


def _class_of(world, size):
    last_week = monday() - datetime.timedelta(days=7)
    for i in range(size):
        child = on_registry(factories.ChildFactory(classroom=world.class_a, episode=False))
        if i % 2:
            ContactLogFactory(child=child, standard=TALK, happened_on=last_week)
        if i % 3 == 0:
            ConcernFactory(child=child)
        if i % 5 == 0:
            PairingFactory(child=child, kind=PairingKind.SURROGATE, staff=world.teacher_a)


def test_the_week_runs_the_same_few_queries_for_5_or_40_children(
    client, world, django_assert_max_num_queries
):
    client.force_login(world.teacher_a)
    setup_county(world.county1)
    _class_of(world, 5)
    with CaptureQueriesContext(connection) as small:
        assert client.get(reverse("my_week")).status_code == 200
    _class_of(world, 35)
    with django_assert_max_num_queries(len(small)) as large:
        page = client.get(reverse("my_week")).content.decode()
    assert page.count('data-testid="week-row"') == 40
    assert len(large) == len(small)
    # session, user, permissions (2), the navbar's school, children, the engine (9),
    # who is responsible (3), standard periods, usual channels, term, classes
    assert len(small) <= 21


# --- The school's week at a glance ---------------------------------------------------------


def test_the_school_page_shows_the_week_by_class(client, crafted):
    ConcernFactory(child=crafted.children["甲"], severity="serious", category="safety")
    ConcernFactory(child=crafted.children["丁"])
    client.force_login(crafted.admin_a)
    response = client.get(reverse("school_detail", args=[crafted.school_a.pk]))
    glance = response.context["glance"]
    by_class = {row.classroom.pk: (row.talked, row.owed, row.children, row.unpaired)
                for row in glance.classes}
    # class_a: 甲 乙 丙 戊 owe a talk (辛 left), 乙 talked; 戊 has a mentor.
    assert by_class[crafted.class_a.pk] == (1, 4, 4, 3)
    # the other class: 丁 己 庚, no talk this week; 丁 has a mentor.
    assert by_class[crafted.other_class.pk] == (0, 3, 3, 2)
    assert (glance.talked, glance.owed, glance.unpaired) == (1, 7, 5)
    assert (glance.open_concerns, glance.serious_concerns) == (2, 1)
    page = response.content.decode()
    assert re.search(r'data-testid="glance-talked">1/7<', page)
    assert 'data-testid="glance-serious"' in page


def test_the_glance_agrees_with_the_teachers_weeks(client, crafted):
    """Children talked to this week, as the school sees it, equal the done talks on the
    weeks of the homeroom teachers."""
    client.force_login(crafted.admin_a)
    glance = client.get(reverse("school_detail", args=[crafted.school_a.pk])).context["glance"]
    done = 0
    for teacher in (crafted.teacher_a, crafted.other_class.homeroom_teacher):
        client.force_login(teacher)
        week = client.get(reverse("my_week")).context["week"]
        done += sum(1 for row in week.rows
                    if row.child.classroom.homeroom_teacher_id == teacher.pk
                    and (TALK, "met") in [(chip.code, chip.state) for chip in row.chips])
    assert done == glance.talked


def test_a_terms_standard_shows_only_when_overdue(client, crafted):
    report = StandardCode.SEMESTER_REPORT
    CareStandardFactory(county=crafted.county1, code=report, period=Period.SEMESTER,
                        responsible=Responsible.HOMEROOM)
    client.force_login(crafted.teacher_a)
    rows = dict(week_rows(client.get(reverse("my_week")).content.decode()))
    assert rows["甲"] == [(TALK, "overdue")]  # this term's report is due, not shown

    # A previous term the children were on the registry for, without a report.
    factories.TermFactory(county=crafted.county1, semester=2, school_year="2025-2026",
                          start_date=today() - datetime.timedelta(days=200),
                          end_date=today() - datetime.timedelta(days=70))
    rows = dict(week_rows(client.get(reverse("my_week")).content.decode()))
    assert rows["甲"] == [(TALK, "overdue"), (report, "overdue")]


def test_the_cards_speak_chinese(client, crafted):
    """The cards are written in Python (interventions/week_cards.py): their strings must
    be in the catalogue like the template's were."""
    client.force_login(crafted.teacher_a)
    page = client.get(reverse("my_week")).content.decode()
    ding = re.search(rf'<li id="child-{crafted.children["丁"].pk}".*?</li>', page, re.S)[0]
    yi = re.search(rf'<li id="child-{crafted.children["乙"].pk}".*?</li>', page, re.S)[0]
    assert "与您结对" in ding and "逾期" in ding
    assert "已完成" in yi and "记录" in yi
    for english in ("paired with you", ">overdue<", ">to do<", ">done<", ">Log<"):
        assert english not in page
