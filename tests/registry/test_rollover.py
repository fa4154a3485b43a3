"""The school-year rollover: the plan (written nowhere), the move up in one atomic step,
the leavers graduating or handed on, refusals, and who may do it."""

import datetime
from types import SimpleNamespace

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from registry import services
from registry.models import Child, Classroom, EntryKind, ExitReason, RegistryEpisode
from registry.rollover import (
    RolloverChoices,
    rollover_date,
    rollover_plan,
    rollover_years,
    shift_school_year,
)
from registry.selectors import current_school_year
from tests import factories

pytestmark = pytest.mark.django_db

THIS_YEAR = current_school_year()
NEXT_YEAR = shift_school_year(THIS_YEAR, 1)
CHANGE_DATE = datetime.date(int(NEXT_YEAR[:4]), 9, 1)


@pytest.fixture(autouse=True)
def english(client, settings):
    """Pages in English, so the messages checked here do not depend on the catalogue."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture
def primary(world):
    """A primary school of county 1 with classes 1-1, 1-2, 2-1 … 5-1, 6-1, 6-2 this year,
    each with its own teacher and two children on the registry; grade 6 also has a
    child off the registry and one who entered the registry after the change date. A
    junior school in the same county receives leavers."""
    school = factories.SchoolFactory(township=world.t1, stage="primary")
    p = SimpleNamespace(school=school, admin=factories.SchoolAdminFactory(school=school))
    p.classes = {}
    for grade in range(1, 7):
        for number in (1, 2) if grade in (1, 6) else (1,):
            p.classes[grade, number] = factories.ClassroomFactory(
                school=school, grade=grade, number=number
            )
    p.children = {key: [factories.ChildFactory(classroom=c) for _ in range(2)]
                  for key, c in p.classes.items()}
    p.off_registry = factories.ChildFactory(classroom=p.classes[6, 1], episode=False)
    p.late = factories.ChildFactory(classroom=p.classes[6, 2], episode=False)
    p.late_entry = CHANGE_DATE + datetime.timedelta(days=20)
    RegistryEpisode.objects.create(child=p.late, school=school, entry_kind=EntryKind.REGISTERED,
                                   entered_on=p.late_entry, opened_by=p.admin)
    p.junior = factories.SchoolFactory(township=world.t2, stage="junior")
    p.new_teacher = factories.TeacherFactory(school=school)
    p.url = reverse("school_rollover", args=[school.pk])
    return p


def form_data(form, **changes):
    """What the browser would post for the form as drawn, with ``changes``."""
    data = {}
    for name in form.fields:
        value = form[name].value()
        data[name] = "" if value is None else str(value)
    data.update({k: str(v) for k, v in changes.items()})
    return data


def snapshot():
    return (
        sorted(Classroom.objects.values_list("pk", "school_year", "grade", "number",
                                             "homeroom_teacher_id")),
        sorted(Child.objects.values_list("pk", "school_id", "classroom_id")),
        sorted(RegistryEpisode.objects.values_list("pk", "school_id", "exited_on",
                                                   "exit_reason")),
    )


def test_preview_shows_the_plan_and_writes_nothing(client, primary,
                                                   django_assert_max_num_queries):
    p = primary
    client.force_login(p.admin)
    before = snapshot()
    # 14: the layout's mandatory-report notice adds one query for school admins.
    with django_assert_max_num_queries(14):
        response = client.get(p.url)
    assert response.status_code == 200
    plan = response.context["plan"]
    assert (plan.from_year, plan.to_year, plan.on) == (THIS_YEAR, NEXT_YEAR, CHANGE_DATE)
    assert [(m.classroom.grade, m.classroom.number, m.grade, m.children) for m in plan.moves] \
        == [(1, 1, 2, 2), (1, 2, 2, 2), (2, 1, 3, 2), (3, 1, 4, 2), (4, 1, 5, 2), (5, 1, 6, 2)]
    assert len(plan.leavers) == 6 and plan.first_year_classes == 2
    page = response.content.decode()
    assert f"From {THIS_YEAR} to {NEXT_YEAR}" in page
    assert "Grade 6 Class 2" in page and p.junior.name in page
    for child in p.children[6, 1]:
        assert child.name in page
    # Last year's teachers are suggested; the leaving classes' teachers for grade 1.
    form = response.context["form"]
    move = plan.moves[2]
    assert form[move.field_name].value() == move.classroom.homeroom_teacher_id
    assert form["first_year_teacher_1"].value() == p.classes[6, 1].homeroom_teacher_id
    # Redrawing with three first-year classes writes nothing either.
    response = client.post(p.url, form_data(form, first_year_count=3))
    assert response.status_code == 200
    assert len(response.context["form"].first_year_rows()) == 3
    assert snapshot() == before


def test_rollover_moves_up_opens_classes_and_sees_the_leavers_off(client, primary):
    p = primary
    client.force_login(p.admin)
    form = client.get(p.url).context["form"]
    plan = form.plan
    moved_class = p.classes[3, 1]
    handed_on = p.children[6, 2][0]
    data = form_data(
        form, confirm=1, first_year_count=2,
        **{f"teacher_{moved_class.pk}": p.new_teacher.pk,
           "first_year_teacher_2": p.new_teacher.pk,
           f"fate_{handed_on.pk}": p.junior.pk},
    )
    response = client.post(p.url, data)
    assert response.status_code == 302
    assert response["Location"] == reverse("school_detail", args=[p.school.pk])

    new = {(c.grade, c.number): c
           for c in Classroom.objects.filter(school=p.school, school_year=NEXT_YEAR)}
    assert sorted(new) == [(1, 1), (1, 2), (2, 1), (2, 2), (3, 1), (4, 1), (5, 1), (6, 1)]
    for (grade, number), old in p.classes.items():
        old.refresh_from_db()
        assert old.school_year == THIS_YEAR  # last year's class stays, with its teacher
        assert not old.children.exists()
        if grade < 6:
            successor = new[grade + 1, number]
            expected = p.new_teacher if old == moved_class else old.homeroom_teacher
            assert successor.homeroom_teacher == expected
            assert {c.pk for c in successor.children.all()} == {
                c.pk for c in p.children[grade, number]}
    assert new[1, 1].homeroom_teacher == p.classes[6, 1].homeroom_teacher
    assert new[1, 2].homeroom_teacher == p.new_teacher
    assert not new[1, 1].children.exists()

    leavers = [*p.children[6, 1], *p.children[6, 2], p.off_registry, p.late]
    for child in leavers:
        child.refresh_from_db()
        assert child.classroom is None
        if child != handed_on:
            assert child.school == p.school
    graduated = RegistryEpisode.objects.filter(exit_reason=ExitReason.GRADUATED)
    assert {e.child_id for e in graduated} == {
        c.pk for c in leavers if c not in (handed_on, p.off_registry)}
    assert {e.exited_on for e in graduated if e.child != p.late} == {CHANGE_DATE}
    assert graduated.get(child=p.late).exited_on == p.late_entry  # never before entry
    assert not p.off_registry.episodes.exists()

    assert handed_on.school == p.junior
    out, into = handed_on.episodes.order_by("pk")
    assert (out.school, out.exit_reason, out.exited_on, out.closed_by) == (
        p.school, ExitReason.TRANSFERRED_OUT, CHANGE_DATE, p.admin)
    assert (into.school, into.entry_kind, into.entered_on, into.exited_on, into.opened_by) == (
        p.junior, EntryKind.TRANSFERRED_IN, CHANGE_DATE, None, p.admin)
    assert plan.to_year == NEXT_YEAR


def test_running_twice_is_refused(client, primary):
    p = primary
    client.force_login(p.admin)
    form = client.get(p.url).context["form"]
    assert client.post(p.url, form_data(form, confirm=1)).status_code == 302
    before = snapshot()
    response = client.get(p.url)
    assert response.context["plan"].already_done and response.context["form"] is None
    assert f"already moved up: its classes for {NEXT_YEAR} exist" in response.content.decode()
    response = client.post(p.url, form_data(form, confirm=1))
    assert response.status_code == 200
    assert snapshot() == before


def test_the_service_refuses_a_second_run_too(primary):
    p = primary
    plan = rollover_plan(p.admin, p.school)
    choices = RolloverChoices(homeroom_teachers={}, first_year_teachers=[None])
    services.school_rollover(actor=p.admin, plan=plan, choices=choices)
    before = snapshot()
    with pytest.raises(ValidationError):
        services.school_rollover(actor=p.admin, plan=plan, choices=choices)
    assert snapshot() == before


@pytest.mark.parametrize("bad", ["foreign teacher", "county 2 school", "primary school"])
def test_an_invalid_choice_in_the_form_changes_nothing(client, world, primary, bad):
    p = primary
    client.force_login(p.admin)
    form = client.get(p.url).context["form"]
    leaver = p.children[6, 1][0]
    change = {
        "foreign teacher": {f"teacher_{p.classes[5, 1].pk}": world.teacher_b.pk},
        "county 2 school": {f"fate_{leaver.pk}": world.school_c.pk},
        "primary school": {"destination": world.school_a.pk},
    }[bad]
    world.school_a.stage = "primary"
    world.school_a.save()
    before = snapshot()
    response = client.post(p.url, form_data(form, confirm=1, **change))
    assert response.status_code == 200
    assert response.context["form"].errors
    assert snapshot() == before


@pytest.mark.parametrize("bad", ["foreign teacher", "county 2 school"])
def test_a_failure_late_in_the_service_rolls_everything_back(world, primary, bad):
    """The service checks too; a bad choice met after classes were opened and children
    moved leaves nothing behind."""
    p = primary
    plan = rollover_plan(p.admin, p.school)
    last_leaver = max(c.pk for c in Child.objects.filter(classroom__in=plan.leaving))
    choices = RolloverChoices(homeroom_teachers={}, first_year_teachers=[None, None])
    if bad == "foreign teacher":
        choices.first_year_teachers[-1] = world.teacher_b
    else:
        choices.destinations = {last_leaver: world.school_c}
    before = snapshot()
    with pytest.raises(ValidationError):
        services.school_rollover(actor=p.admin, plan=plan, choices=choices)
    assert snapshot() == before


def test_a_stale_form_is_refused(client, primary):
    p = primary
    client.force_login(p.admin)
    form = client.get(p.url).context["form"]
    before = snapshot()
    response = client.post(p.url, form_data(form, confirm=1, to_year="2099-2100"))
    assert response.status_code == 200
    assert "changed since this page was opened" in response.content.decode()
    assert snapshot() == before


def test_another_schools_admin_gets_a_404(client, world, primary):
    client.force_login(world.admin_a)
    before = snapshot()
    assert client.get(primary.url).status_code == 404
    assert client.post(primary.url, {"confirm": "1"}).status_code == 404
    assert snapshot() == before


@pytest.mark.parametrize("role", ["teacher", "township_user", "bureau1"])
def test_other_roles_get_a_403(client, world, primary, role):
    user = primary.classes[6, 1].homeroom_teacher if role == "teacher" else getattr(world, role)
    client.force_login(user)
    assert client.get(primary.url).status_code == 403
    assert client.post(primary.url, {"confirm": "1"}).status_code == 403


def test_the_service_checks_who_acts(world, primary):
    plan = rollover_plan(primary.admin, primary.school)
    choices = RolloverChoices(homeroom_teachers={}, first_year_teachers=[])
    for actor in (world.admin_a, primary.classes[1, 1].homeroom_teacher):
        with pytest.raises(PermissionDenied):
            services.school_rollover(actor=actor, plan=plan, choices=choices)


def test_a_nine_year_school_moves_grade_6_up_to_7_and_grade_9_graduates(client, world):
    school, admin = world.school_a, world.admin_a  # a nine-year school
    six = factories.ClassroomFactory(school=school, grade=6, number=1)
    nine = factories.ClassroomFactory(school=school, grade=9, number=1)
    sixth_graders = [factories.ChildFactory(classroom=six) for _ in range(2)]
    ninth_grader = factories.ChildFactory(classroom=nine)
    url = reverse("school_rollover", args=[school.pk])
    client.force_login(admin)
    response = client.get(url)
    form = response.context["form"]
    assert "destination" not in form.fields  # grade 9 leaves compulsory education
    assert response.context["plan"].first_grade == 1
    assert client.post(url, form_data(form, confirm=1)).status_code == 302
    seven = Classroom.objects.get(school=school, school_year=NEXT_YEAR, grade=7, number=1)
    assert seven.homeroom_teacher == six.homeroom_teacher
    assert {c.pk for c in seven.children.all()} == {c.pk for c in sixth_graders}
    assert Classroom.objects.filter(school=school, school_year=NEXT_YEAR,
                                    grade=world.class_a.grade + 1).exists()
    ninth_grader.refresh_from_db()
    assert ninth_grader.classroom is None and ninth_grader.school == school
    assert ninth_grader.episodes.get().exit_reason == ExitReason.GRADUATED
    assert not Classroom.objects.filter(school=school, school_year=NEXT_YEAR, grade=1).exists()


def test_a_school_that_missed_the_start_of_the_year_moves_from_last_year(world):
    school = factories.SchoolFactory(township=world.t1, stage="junior")
    last_year = shift_school_year(THIS_YEAR, -1)
    factories.ClassroomFactory(school=school, grade=7, number=1, school_year=last_year)
    assert rollover_years(school) == (last_year, THIS_YEAR)
    factories.ClassroomFactory(school=school, grade=8, number=1)
    assert rollover_years(school) == (THIS_YEAR, NEXT_YEAR)


def test_the_change_date_is_the_first_term_when_the_county_has_it(world):
    assert rollover_date(world.county1.pk, NEXT_YEAR) == CHANGE_DATE
    start = CHANGE_DATE - datetime.timedelta(days=3)
    factories.TermFactory(county=world.county1, school_year=NEXT_YEAR, semester=1,
                          start_date=start)
    assert rollover_date(world.county1.pk, NEXT_YEAR) == start
    assert rollover_date(world.county2.pk, NEXT_YEAR) == CHANGE_DATE


def test_hand_on_refuses_a_school_that_cannot_receive(world, primary):
    child = primary.children[6, 1][0]
    before = snapshot()
    for school in (world.school_c, factories.SchoolFactory(township=world.t2, stage="primary")):
        with pytest.raises(ValidationError):
            services.child_hand_on(actor=primary.admin, child=child, school=school,
                                   on=CHANGE_DATE)
    with pytest.raises(PermissionDenied):
        services.child_hand_on(actor=world.admin_a, child=child, school=primary.junior,
                               on=CHANGE_DATE)
    assert snapshot()[1:] == before[1:]


def test_hand_on_of_a_child_off_the_registry_moves_the_file_only(primary):
    child = primary.off_registry
    assert services.child_hand_on(actor=primary.admin, child=child, school=primary.junior,
                                  on=CHANGE_DATE) is None
    child.refresh_from_db()
    assert (child.school, child.classroom) == (primary.junior, None)
    assert not child.episodes.exists()


def test_school_page_links_to_the_rollover_for_its_admin_only(client, world, primary):
    page_url = reverse("school_detail", args=[primary.school.pk])
    client.force_login(primary.admin)
    assert primary.url in client.get(page_url).content.decode()
    client.force_login(world.township_user)
    assert primary.url not in client.get(page_url).content.decode()
