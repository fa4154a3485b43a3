"""Help plans: the service (scope, term, teacher, one plan per subject and term, who may
change one), the pages (write, edit, the teacher's and the school's list, 403/404) and
the card on the child's profile."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from interventions.help_plans import help_plan_may_edit, help_plan_save
from interventions.models import HelpPlan
from registry.services import child_transfer_in
from tests import factories
from tests.interventions.factories import HelpPlanFactory, PairingFactory, current_term

pytestmark = pytest.mark.django_db


@pytest.fixture
def plans(world):
    """A child of class A, the county's current term and a past one, and a subject
    teacher of school A who leads no class."""
    world.child = factories.ChildFactory(classroom=world.class_a)
    world.term = current_term(world.county1)
    world.past_term = factories.TermFactory(
        county=world.county1, school_year="2024-2025", semester=2,
        start_date=world.term.start_date - datetime.timedelta(days=200),
        end_date=world.term.start_date - datetime.timedelta(days=60),
    )
    world.subject_teacher = factories.TeacherFactory(school=world.school_a)
    return world


def new_plan(child, term, teacher, **fields):
    values = {"subject": "数学", "goals": "期末及格", "schedule": "每周二放学后",
              "content": "分数运算", "method": "一对一讲解"}
    values.update(fields)
    return HelpPlan(child=child, term=term, teacher=teacher, **values)


def post_data(term, teacher, **fields):
    data = {"term": term.pk, "subject": "语文", "teacher": teacher.pk,
            "goals": "能独立完成阅读理解", "schedule": "每周三午休",
            "content": "阅读与写作", "method": "每周一篇小作文，面批"}
    data.update(fields)
    return data


# --- The service -------------------------------------------------------------------------


def test_a_teacher_writes_a_plan_they_give(plans):
    plan = help_plan_save(actor=plans.teacher_a,
                          plan=new_plan(plans.child, plans.term, plans.teacher_a))
    assert plan.pk and plan.school == plans.school_a
    assert plan.created_by == plans.teacher_a and plan.teacher == plans.teacher_a


def test_a_school_admin_assigns_a_plan_to_a_subject_teacher(plans):
    plan = help_plan_save(actor=plans.admin_a,
                          plan=new_plan(plans.child, plans.term, plans.subject_teacher))
    assert plan.teacher == plans.subject_teacher and plan.created_by == plans.admin_a


def test_a_teacher_does_not_assign_a_plan_to_a_colleague(plans):
    with pytest.raises(ValidationError) as error:
        help_plan_save(actor=plans.teacher_a,
                       plan=new_plan(plans.child, plans.term, plans.subject_teacher))
    assert "teacher" in error.value.message_dict


@pytest.mark.parametrize("who", ["teacher_b", "inactive"])
def test_the_teacher_is_active_staff_of_the_childs_school(plans, who):
    teacher = plans.teacher_b
    if who == "inactive":
        teacher = plans.subject_teacher
        teacher.is_active = False
        teacher.save()
    with pytest.raises(ValidationError) as error:
        help_plan_save(actor=plans.admin_a, plan=new_plan(plans.child, plans.term, teacher))
    assert "teacher" in error.value.message_dict


def test_the_term_is_one_of_the_childs_county(plans):
    other = current_term(plans.county2)
    with pytest.raises(ValidationError) as error:
        help_plan_save(actor=plans.admin_a, plan=new_plan(plans.child, other, plans.teacher_a))
    assert "term" in error.value.message_dict


def test_a_second_plan_for_the_same_subject_and_term_is_refused_with_a_message(plans):
    help_plan_save(actor=plans.teacher_a,
                   plan=new_plan(plans.child, plans.term, plans.teacher_a))
    with pytest.raises(ValidationError) as error:
        help_plan_save(actor=plans.admin_a,
                       plan=new_plan(plans.child, plans.term, plans.subject_teacher,
                                     subject=" 数学 "))
    assert error.value.error_dict["subject"][0].code == "duplicate_subject"
    message = error.value.message_dict["subject"][0]
    assert plans.child.name in message and "数学" in message and str(plans.term) in message
    # Another subject, or the same subject in another term, is fine.
    help_plan_save(actor=plans.admin_a,
                   plan=new_plan(plans.child, plans.past_term, plans.teacher_a))
    help_plan_save(actor=plans.admin_a,
                   plan=new_plan(plans.child, plans.term, plans.teacher_a, subject="英语"))
    assert HelpPlan.objects.filter(child=plans.child).count() == 3


@pytest.mark.parametrize("actor", ["admin_b", "admin_c", "teacher_b"])
def test_a_child_out_of_scope_is_refused(plans, actor):
    with pytest.raises(PermissionDenied):
        help_plan_save(actor=getattr(plans, actor),
                       plan=new_plan(plans.child, plans.term, plans.teacher_a))


@pytest.mark.parametrize("actor", ["township_user", "bureau1"])
def test_township_and_bureau_do_not_write_plans(plans, actor):
    with pytest.raises(PermissionDenied):
        help_plan_save(actor=getattr(plans, actor),
                       plan=new_plan(plans.child, plans.term, plans.teacher_a))


@pytest.mark.parametrize("editor, allowed", [
    ("admin_a", True),            # the school admin
    ("subject_teacher", True),    # the plan's teacher
    ("writer", True),             # who wrote it
    ("teacher_a", False),         # the homeroom teacher, neither teacher nor writer
])
def test_who_may_change_a_plan(plans, editor, allowed):
    writer = factories.TeacherFactory(school=plans.school_a)
    plan = HelpPlanFactory(child=plans.child, term=plans.term,
                           teacher=plans.subject_teacher, created_by=writer)
    actor = writer if editor == "writer" else getattr(plans, editor)
    if editor in ("writer", "subject_teacher"):
        # A teacher who leads no class of the child sees them (and so the plan) when
        # paired with them.
        PairingFactory(child=plans.child, staff=actor)
    plan = HelpPlan.objects.get(pk=plan.pk)
    assert help_plan_may_edit(actor, plan) is allowed
    plan.review_notes = "期末考试78分，达到目标"
    if allowed:
        help_plan_save(actor=actor, plan=plan)
        assert HelpPlan.objects.get(pk=plan.pk).review_notes == "期末考试78分，达到目标"
    else:
        with pytest.raises(PermissionDenied):
            help_plan_save(actor=actor, plan=plan)


def test_making_oneself_the_teacher_gives_no_right_to_change_a_plan(plans):
    plan = HelpPlanFactory(child=plans.child, term=plans.term,
                           teacher=plans.subject_teacher, created_by=plans.admin_a)
    plan.teacher = plans.teacher_a
    with pytest.raises(PermissionDenied):
        help_plan_save(actor=plans.teacher_a, plan=plan)


def test_a_change_keeps_the_child_school_and_writer(plans):
    plan = HelpPlanFactory(child=plans.child, term=plans.term, teacher=plans.teacher_a)
    other_child = factories.ChildFactory(classroom=plans.class_a)
    plan.child, plan.created_by = other_child, plans.admin_a
    plan.subject = "英语"
    help_plan_save(actor=plans.admin_a, plan=plan)
    stored = HelpPlan.objects.get(pk=plan.pk)
    assert (stored.child, stored.created_by, stored.subject) == (
        plans.child, plans.teacher_a, "英语")


def test_after_a_transfer_the_old_schools_plan_is_history(plans):
    plan = HelpPlanFactory(child=plans.child, term=plans.term, teacher=plans.teacher_a)
    child_transfer_in(actor=plans.admin_b, child=plans.child, classroom=plans.class_b,
                      transferred_on=timezone.localdate())
    plan = HelpPlan.objects.select_related("child").get(pk=plan.pk)
    assert not help_plan_may_edit(plans.admin_a, plan)
    assert not help_plan_may_edit(plans.admin_b, plan)
    plan.review_notes = "改"
    with pytest.raises(PermissionDenied):
        help_plan_save(actor=plans.admin_a, plan=plan)


# --- The pages ---------------------------------------------------------------------------


def test_a_teacher_writes_a_plan_through_the_page(client, plans):
    client.force_login(plans.teacher_a)
    url = reverse("help_plan_add", args=[plans.child.pk])
    page = client.get(url)
    assert page.status_code == 200
    form = page.context["form"]
    assert form["term"].value() == plans.term.pk
    assert form["teacher"].value() == plans.teacher_a.pk
    assert "review_notes" not in form.fields
    assert list(form.fields["teacher"].queryset) == [plans.teacher_a]
    response = client.post(url, post_data(plans.term, plans.teacher_a))
    assert response.status_code == 302
    assert response.url == reverse("child_detail", args=[plans.child.pk])
    plan = HelpPlan.objects.get(child=plans.child)
    assert (plan.subject, plan.teacher, plan.created_by, plan.school) == (
        "语文", plans.teacher_a, plans.teacher_a, plans.school_a)


def test_the_page_follows_a_same_site_next(client, plans):
    client.force_login(plans.admin_a)
    response = client.post(reverse("help_plan_add", args=[plans.child.pk]),
                           {**post_data(plans.term, plans.subject_teacher),
                            "next": reverse("help_plan_list")})
    assert response.url == reverse("help_plan_list")
    response = client.post(reverse("help_plan_add", args=[plans.child.pk]),
                           {**post_data(plans.term, plans.subject_teacher, subject="英语"),
                            "next": "https://evil.example/"})
    assert response.url == reverse("child_detail", args=[plans.child.pk])


def test_the_duplicate_subject_message_is_on_the_form(client, plans):
    HelpPlanFactory(child=plans.child, term=plans.term, subject="语文")
    client.force_login(plans.teacher_a)
    response = client.post(reverse("help_plan_add", args=[plans.child.pk]),
                           post_data(plans.term, plans.teacher_a))
    assert response.status_code == 200
    errors = response.context["form"].errors["subject"]
    assert "语文" in errors[0] and plans.child.name in errors[0]
    # What was typed is kept.
    assert "能独立完成阅读理解" in response.content.decode()
    assert HelpPlan.objects.filter(child=plans.child).count() == 1


def test_a_missing_field_keeps_the_form(client, plans):
    client.force_login(plans.teacher_a)
    response = client.post(reverse("help_plan_add", args=[plans.child.pk]),
                           post_data(plans.term, plans.teacher_a, goals=""))
    assert response.status_code == 200
    assert "goals" in response.context["form"].errors
    assert not HelpPlan.objects.exists()


def test_the_review_is_written_at_the_end_of_term_through_the_edit_page(client, plans):
    plan = HelpPlanFactory(child=plans.child, term=plans.term, teacher=plans.teacher_a)
    client.force_login(plans.teacher_a)
    url = reverse("help_plan_edit", args=[plan.pk])
    page = client.get(url)
    assert page.status_code == 200 and "review_notes" in page.context["form"].fields
    data = post_data(plans.term, plans.teacher_a, subject=plan.subject,
                     review_notes="期末数学82分，目标达成")
    response = client.post(url, data)
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.review_notes == "期末数学82分，目标达成" and plan.goals == data["goals"]


def test_the_edit_page_is_403_for_a_teacher_who_may_not_change_the_plan(client, plans):
    plan = HelpPlanFactory(child=plans.child, term=plans.term,
                           teacher=plans.subject_teacher, created_by=plans.admin_a)
    client.force_login(plans.teacher_a)  # sees the child, neither teacher nor writer
    assert client.get(reverse("help_plan_edit", args=[plan.pk])).status_code == 403


@pytest.mark.parametrize("user", ["admin_b", "teacher_b", "admin_c", "admin_a2"])
def test_another_schools_child_and_plan_are_404(client, plans, user):
    plan = HelpPlanFactory(child=plans.child, term=plans.term)
    client.force_login(getattr(plans, user))
    assert client.get(reverse("help_plan_add", args=[plans.child.pk])).status_code == 404
    assert client.post(reverse("help_plan_add", args=[plans.child.pk]),
                       post_data(plans.term, plans.teacher_a)).status_code == 404
    assert client.get(reverse("help_plan_edit", args=[plan.pk])).status_code == 404
    assert HelpPlan.objects.count() == 1


def test_a_teacher_does_not_reach_a_colleagues_pupil(client, plans):
    other = factories.ChildFactory(classroom=factories.ClassroomFactory(school=plans.school_a))
    client.force_login(plans.teacher_a)
    assert client.get(reverse("help_plan_add", args=[other.pk])).status_code == 404


@pytest.mark.parametrize("user", ["township_user", "bureau1"])
def test_township_and_bureau_get_403_on_every_help_plan_page(client, plans, user):
    plan = HelpPlanFactory(child=plans.child, term=plans.term)
    client.force_login(getattr(plans, user))
    assert client.get(reverse("help_plan_list")).status_code == 403
    assert client.get(reverse("help_plan_add", args=[plans.child.pk])).status_code == 403
    assert client.get(reverse("help_plan_edit", args=[plan.pk])).status_code == 403


def test_the_pages_need_a_login(client, plans):
    response = client.get(reverse("help_plan_list"))
    assert response.status_code == 302 and "login" in response.url


def _listed(response):
    return {plan.pk for plan in response.context["page"]}


def test_a_teachers_list_shows_the_plans_they_give_this_term(client, plans):
    mine = HelpPlanFactory(child=plans.child, term=plans.term, teacher=plans.teacher_a)
    past = HelpPlanFactory(child=plans.child, term=plans.past_term, teacher=plans.teacher_a)
    HelpPlanFactory(child=plans.child, term=plans.term, subject="英语",
                    teacher=plans.subject_teacher, created_by=plans.admin_a)
    HelpPlanFactory(child=factories.ChildFactory(classroom=plans.class_b),
                    teacher=plans.teacher_b)
    client.force_login(plans.teacher_a)
    response = client.get(reverse("help_plan_list"))
    assert response.status_code == 200
    assert _listed(response) == {mine.pk}
    page = response.content.decode()
    assert page.count('data-testid="help-plan-row"') == 1
    assert 'data-testid="help-plan-edit"' in page
    assert _listed(client.get(reverse("help_plan_list"), {"term": plans.past_term.pk})) \
        == {past.pk}
    assert _listed(client.get(reverse("help_plan_list"), {"term": ""})) == {mine.pk, past.pk}


def test_a_school_admins_list_shows_the_school_with_a_teacher_filter(client, plans):
    by_a = HelpPlanFactory(child=plans.child, term=plans.term, teacher=plans.teacher_a)
    by_subject = HelpPlanFactory(child=plans.child, term=plans.term, subject="英语",
                                 teacher=plans.subject_teacher, created_by=plans.admin_a)
    HelpPlanFactory(child=factories.ChildFactory(classroom=plans.class_a2),
                    teacher=plans.teacher_a2)
    HelpPlanFactory(child=factories.ChildFactory(classroom=plans.class_b),
                    teacher=plans.teacher_b)
    client.force_login(plans.admin_a)
    response = client.get(reverse("help_plan_list"))
    assert _listed(response) == {by_a.pk, by_subject.pk}
    teachers = set(response.context["filters"].fields["teacher"].queryset)
    assert {plans.teacher_a, plans.subject_teacher} <= teachers
    assert plans.teacher_b not in teachers
    response = client.get(reverse("help_plan_list"), {"teacher": plans.subject_teacher.pk})
    assert _listed(response) == {by_subject.pk}
    # Another school's teacher is no choice: that filter is dropped, nothing leaks.
    response = client.get(reverse("help_plan_list"), {"teacher": plans.teacher_b.pk})
    assert _listed(response) == {by_a.pk, by_subject.pk}
    # A past term's plans, with a teacher filter.
    past = HelpPlanFactory(child=plans.child, term=plans.past_term, teacher=plans.teacher_a)
    response = client.get(reverse("help_plan_list"),
                          {"term": plans.past_term.pk, "teacher": plans.teacher_a.pk})
    assert _listed(response) == {past.pk}
    response = client.get(reverse("help_plan_list"),
                          {"term": plans.past_term.pk, "teacher": plans.teacher_b.pk})
    assert _listed(response) == {past.pk}


def _fill(plans, n):
    for i in range(n):
        child = factories.ChildFactory(classroom=plans.class_a)
        HelpPlanFactory(child=child, term=plans.term, teacher=plans.teacher_a,
                        subject=f"科目{i}")


@pytest.mark.parametrize("user", ["teacher_a", "admin_a"])
def test_the_list_runs_a_fixed_number_of_queries(
    client, plans, user, django_assert_max_num_queries, django_assert_num_queries
):
    client.force_login(getattr(plans, user))
    _fill(plans, 3)
    with django_assert_max_num_queries(15) as small:
        response = client.get(reverse("help_plan_list"))
    assert response.content.decode().count('data-testid="help-plan-row"') == 3
    _fill(plans, 17)
    with django_assert_num_queries(len(small.captured_queries)):
        response = client.get(reverse("help_plan_list"))
    assert response.content.decode().count('data-testid="help-plan-row"') == 20


# --- The card on the profile -------------------------------------------------------------


def test_the_profile_lists_the_childs_plans_with_the_links_allowed(client, plans):
    own = HelpPlanFactory(child=plans.child, term=plans.term, teacher=plans.teacher_a)
    other = HelpPlanFactory(child=plans.child, term=plans.term, subject="英语",
                            teacher=plans.subject_teacher, created_by=plans.admin_a)
    client.force_login(plans.teacher_a)
    page = client.get(reverse("child_detail", args=[plans.child.pk])).content.decode()
    assert 'data-testid="help-plans"' in page
    assert page.count('data-testid="help-plan"') == 2
    assert reverse("help_plan_add", args=[plans.child.pk]) in page
    assert reverse("help_plan_edit", args=[own.pk]) in page
    assert reverse("help_plan_edit", args=[other.pk]) not in page
    client.force_login(plans.admin_a)
    page = client.get(reverse("child_detail", args=[plans.child.pk])).content.decode()
    assert reverse("help_plan_edit", args=[other.pk]) in page


@pytest.mark.parametrize("user", ["township_user", "bureau1"])
def test_township_and_bureau_see_no_help_plan_card(client, plans, user):
    HelpPlanFactory(child=plans.child, term=plans.term)
    client.force_login(getattr(plans, user))
    page = client.get(reverse("child_detail", args=[plans.child.pk])).content.decode()
    assert 'data-testid="help-plans"' not in page
    assert reverse("help_plan_add", args=[plans.child.pk]) not in page


def test_the_subject_teacher_named_on_a_plan_lists_and_reviews_it(client, plans):
    """A subject teacher who neither leads the child's class nor is paired with the child
    still reaches the plans they give — and nothing else of that child."""
    plan = help_plan_save(actor=plans.admin_a,
                          plan=new_plan(plans.child, plans.term, plans.subject_teacher))
    client.force_login(plans.subject_teacher)
    assert plan.pk in _listed(client.get(reverse("help_plan_list")))
    response = client.post(reverse("help_plan_edit", args=[plan.pk]), {
        **post_data(plans.term, plans.subject_teacher, subject="数学"),
        "review_notes": "期末考了72分，进步明显",
    })
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.review_notes == "期末考了72分，进步明显"
    assert client.get(reverse("child_detail", args=[plans.child.pk])).status_code == 404
