"""Pairings: the services and their rules, the database constraints behind them, the
teacher's access to paired children, and the pages (scope, permissions, bulk assignment,
the unpaired filter, a fixed number of queries)."""

import datetime

import factory
import pytest
from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from factory.django import DjangoModelFactory

from interventions import selectors
from interventions.models import Pairing, PairingKind, Volunteer
from interventions.services import (
    pairing_assign,
    pairing_end,
    pairings_assign_bulk,
    volunteer_save,
)
from registry.models import Child
from tests import factories

pytestmark = pytest.mark.django_db

START = datetime.date(2026, 3, 2)


class VolunteerFactory(DjangoModelFactory):
    class Meta:
        model = Volunteer

    name = factory.Faker("name", locale="zh_CN")
    school = factory.SubFactory(factories.SchoolFactory)
    county = factory.SelfAttribute("school.county")


class PairingFactory(DjangoModelFactory):
    class Meta:
        model = Pairing

    child = factory.SubFactory(factories.ChildFactory)
    kind = PairingKind.MENTOR
    staff = factory.SubFactory(factories.TeacherFactory,
                               school=factory.SelfAttribute("..child.school"))
    school = factory.SelfAttribute("child.school")
    start_date = START
    created_by = factory.SelfAttribute("staff")


@pytest.fixture
def kids(world):
    """A child in each school's class, and a teacher of school A who leads no class."""
    for key in ("a", "a2", "b", "c"):
        setattr(world, f"child_{key}",
                factories.ChildFactory(classroom=getattr(world, f"class_{key}")))
    world.mentor = factories.TeacherFactory(school=world.school_a)
    return world


def assign(world, child=None, staff=None, kind=PairingKind.MENTOR, **kwargs):
    return pairing_assign(actor=world.admin_a, child=child or world.child_a, kind=kind,
                          staff=staff or world.mentor, start_date=START, **kwargs)


# --- Services and constraints ----------------------------------------------------------


def test_a_school_admin_pairs_a_child_with_a_mentor(kids):
    pairing = assign(kids)
    assert pairing.school == kids.school_a and pairing.created_by == kids.admin_a
    assert pairing.end_date is None and pairing.person == kids.mentor


def test_a_second_active_mentor_is_refused_with_a_message(kids):
    assign(kids)
    with pytest.raises(ValidationError) as refused:
        assign(kids, staff=kids.teacher_a)
    assert kids.child_a.name in str(refused.value) and str(kids.mentor) in str(refused.value)
    assert Pairing.objects.filter(child=kids.child_a).count() == 1


def test_a_mentor_and_a_surrogate_parent_may_both_be_active(kids):
    assign(kids)
    assign(kids, staff=kids.teacher_a, kind=PairingKind.SURROGATE)
    assert Pairing.objects.active().filter(child=kids.child_a).count() == 2


@pytest.mark.parametrize("kind", [PairingKind.MENTOR, PairingKind.SURROGATE])
def test_the_database_refuses_a_second_active_mentor_or_surrogate(kids, kind):
    PairingFactory(child=kids.child_a, kind=kind)
    with pytest.raises(IntegrityError), transaction.atomic():
        PairingFactory(child=kids.child_a, kind=kind)


def test_an_ended_pairing_and_a_new_active_one_are_fine(kids):
    first = assign(kids)
    pairing_end(actor=kids.admin_a, pairing=first, end_date=START + datetime.timedelta(30))
    second = assign(kids, staff=kids.teacher_a)
    assert list(Pairing.objects.active().filter(child=kids.child_a)) == [second]
    PairingFactory(child=kids.child_a, end_date=START)  # history rows do not collide


def test_a_pairing_cannot_end_before_it_starts(kids):
    pairing = assign(kids)
    with pytest.raises(ValidationError) as refused:
        pairing_end(actor=kids.admin_a, pairing=pairing, end_date=START - datetime.timedelta(1))
    assert "end_date" in refused.value.error_dict
    pairing.refresh_from_db()
    assert pairing.end_date is None
    with pytest.raises(IntegrityError), transaction.atomic():
        Pairing.objects.filter(pk=pairing.pk).update(end_date=START - datetime.timedelta(1))


def test_a_pairing_ends_once_and_not_in_the_future(kids):
    pairing = assign(kids)
    with pytest.raises(ValidationError):
        pairing_end(actor=kids.admin_a, pairing=pairing,
                    end_date=timezone.localdate() + datetime.timedelta(1))
    pairing_end(actor=kids.admin_a, pairing=pairing, end_date=START)
    with pytest.raises(ValidationError):
        pairing_end(actor=kids.admin_a, pairing=pairing, end_date=START)


@pytest.mark.parametrize("staff_key", ["teacher_a2", "teacher_b", "teacher_c", "admin_b",
                                       "township_user", "bureau1"])
def test_staff_of_another_school_can_never_be_paired(kids, staff_key):
    with pytest.raises(ValidationError) as refused:
        assign(kids, staff=getattr(kids, staff_key))
    assert "staff" in refused.value.error_dict
    assert not Pairing.objects.exists()


def test_a_mentor_needs_a_staff_member(kids):
    with pytest.raises(ValidationError) as refused:
        pairing_assign(actor=kids.admin_a, child=kids.child_a, kind=PairingKind.MENTOR,
                       start_date=START)
    assert "staff" in refused.value.error_dict


def test_a_buddy_is_named_and_from_the_childs_school(kids):
    other_class = factories.ClassroomFactory(school=kids.school_a, grade=5)
    pairing = pairing_assign(actor=kids.admin_a, child=kids.child_a, kind=PairingKind.BUDDY,
                             start_date=START, buddy_name=" 王小明 ",
                             buddy_classroom=other_class, staff=kids.mentor)
    assert pairing.buddy_name == "王小明" and pairing.staff is None  # other kinds' fields
    with pytest.raises(ValidationError) as refused:
        pairing_assign(actor=kids.admin_a, child=kids.child_a, kind=PairingKind.BUDDY,
                       start_date=START, buddy_name="李四", buddy_classroom=kids.class_b)
    assert "buddy_classroom" in refused.value.error_dict
    with pytest.raises(ValidationError):
        pairing_assign(actor=kids.admin_a, child=kids.child_a, kind=PairingKind.BUDDY,
                       start_date=START, buddy_name="  ")


def test_a_volunteer_must_be_visible_to_the_actor(kids):
    own = VolunteerFactory(school=kids.school_a)
    county_wide = VolunteerFactory(school=None, county=kids.county1)
    elsewhere = VolunteerFactory(school=kids.school_b)
    for volunteer in (own, county_wide):
        pairing_assign(actor=kids.admin_a, child=kids.child_a, kind=PairingKind.VOLUNTEER,
                       start_date=START, volunteer=volunteer)
    with pytest.raises(ValidationError) as refused:
        pairing_assign(actor=kids.admin_a, child=kids.child_a, kind=PairingKind.VOLUNTEER,
                       start_date=START, volunteer=elsewhere)
    assert "volunteer" in refused.value.error_dict


@pytest.mark.parametrize("actor_key", ["teacher_a", "township_user", "bureau1"])
def test_only_school_admins_assign_and_end(kids, actor_key):
    actor = getattr(kids, actor_key)
    with pytest.raises(PermissionDenied):
        pairing_assign(actor=actor, child=kids.child_a, kind=PairingKind.MENTOR,
                       staff=kids.mentor, start_date=START)
    pairing = assign(kids)
    with pytest.raises(PermissionDenied):
        pairing_end(actor=actor, pairing=pairing, end_date=START)


def test_another_schools_admin_cannot_touch_the_child(kids):
    with pytest.raises(PermissionDenied):
        pairing_assign(actor=kids.admin_b, child=kids.child_a, kind=PairingKind.MENTOR,
                       staff=kids.mentor, start_date=START)
    pairing = assign(kids)
    with pytest.raises(PermissionDenied):
        pairing_end(actor=kids.admin_b, pairing=pairing, end_date=START)


def test_pairings_and_volunteers_are_in_the_change_history(kids):
    pairing = assign(kids)
    volunteer = volunteer_save(actor=kids.admin_a, volunteer=Volunteer(name="赵阿姨"))
    assert LogEntry.objects.get_for_object(pairing).count() == 1
    assert LogEntry.objects.get_for_object(volunteer).count() == 1


# --- Bulk assignment -------------------------------------------------------------------


def test_bulk_assign_pairs_every_ticked_child(kids):
    children = factories.ChildFactory.create_batch(3, classroom=kids.class_a)
    created = pairings_assign_bulk(actor=kids.admin_a, kind=PairingKind.SURROGATE,
                                   staff=kids.mentor, children=children, start_date=START)
    assert len(created) == 3
    assert set(Child.objects.for_user(kids.mentor)) == set(children)


def test_bulk_assign_is_all_or_nothing_and_names_the_paired_children(kids):
    children = factories.ChildFactory.create_batch(3, classroom=kids.class_a)
    assign(kids, child=children[1], staff=kids.teacher_a)
    with pytest.raises(ValidationError) as refused:
        pairings_assign_bulk(actor=kids.admin_a, kind=PairingKind.MENTOR, staff=kids.mentor,
                             children=children, start_date=START)
    assert children[1].name in str(refused.value)
    assert not Pairing.objects.filter(staff=kids.mentor).exists()


def test_bulk_assign_refuses_a_child_out_of_scope_and_staff_of_another_school(kids):
    with pytest.raises(PermissionDenied):
        pairings_assign_bulk(actor=kids.admin_a, kind=PairingKind.MENTOR, staff=kids.mentor,
                             children=[kids.child_a, kids.child_b], start_date=START)
    with pytest.raises(ValidationError):
        pairings_assign_bulk(actor=kids.admin_a, kind=PairingKind.MENTOR,
                             staff=kids.teacher_b, children=[kids.child_a], start_date=START)
    with pytest.raises(ValidationError):
        pairings_assign_bulk(actor=kids.admin_a, kind=PairingKind.BUDDY, staff=kids.mentor,
                             children=[kids.child_a], start_date=START)
    assert not Pairing.objects.exists()


# --- The access rule: a paired teacher sees the child ------------------------------------


@pytest.mark.parametrize("kind", [PairingKind.MENTOR, PairingKind.SURROGATE])
def test_a_paired_teacher_sees_the_child_until_the_pairing_ends(client, kids, kind):
    pairing = assign(kids, kind=kind)
    client.force_login(kids.mentor)
    assert set(Child.objects.for_user(kids.mentor)) == {kids.child_a}
    listing = client.get(reverse("child_list"))
    assert listing.status_code == 200 and kids.child_a.name in listing.content.decode()
    assert client.get(reverse("child_detail", args=[kids.child_a.pk])).status_code == 200

    pairing_end(actor=kids.admin_a, pairing=pairing, end_date=timezone.localdate())
    assert not Child.objects.for_user(kids.mentor).exists()
    assert client.get(reverse("child_detail", args=[kids.child_a.pk])).status_code == 404
    assert kids.child_a.name not in client.get(reverse("child_list")).content.decode()


def test_buddy_and_volunteer_pairings_give_no_teacher_access(kids):
    # Even a row carrying a staff member gives access only for a mentor or surrogate.
    PairingFactory(child=kids.child_a, kind=PairingKind.BUDDY, buddy_name="王小明",
                   staff=kids.mentor)
    PairingFactory(child=kids.child_a, kind=PairingKind.VOLUNTEER, staff=kids.mentor,
                   volunteer=VolunteerFactory(school=kids.school_a))
    assert not Child.objects.for_user(kids.mentor).exists()


def test_a_homeroom_teacher_who_also_mentors_sees_the_child_once(kids):
    assign(kids, staff=kids.teacher_a)
    assign(kids, staff=kids.teacher_a, kind=PairingKind.SURROGATE)
    assert list(Child.objects.for_user(kids.teacher_a)) == [kids.child_a]


def test_a_transfer_ends_a_paired_teachers_access(kids):
    assign(kids)
    Child.objects.filter(pk=kids.child_a.pk).update(school=kids.school_b,
                                                    classroom=kids.class_b)
    assert not Child.objects.for_user(kids.mentor).exists()


def test_pairings_and_volunteers_for_user(kids):
    pairing_a = assign(kids)
    pairing_b = PairingFactory(child=kids.child_b)
    pairing_c = PairingFactory(child=kids.child_c)
    assert set(Pairing.objects.for_user(kids.mentor)) == {pairing_a}
    assert set(Pairing.objects.for_user(kids.teacher_a2)) == set()
    assert set(Pairing.objects.for_user(kids.admin_a)) == {pairing_a}
    assert set(Pairing.objects.for_user(kids.bureau1)) == {pairing_a, pairing_b}
    assert set(Pairing.objects.for_user(kids.bureau2)) == {pairing_c}

    own = VolunteerFactory(school=kids.school_a)
    county_wide = VolunteerFactory(school=None, county=kids.county1)
    other_school = VolunteerFactory(school=kids.school_b)
    other_county = VolunteerFactory(school=kids.school_c)
    assert set(Volunteer.objects.for_user(kids.admin_a)) == {own, county_wide}
    assert set(Volunteer.objects.for_user(kids.bureau1)) == {own, county_wide, other_school}
    assert set(Volunteer.objects.for_user(kids.bureau2)) == {other_county}


def test_volunteer_save_keeps_a_school_admin_to_their_school(kids):
    volunteer = volunteer_save(actor=kids.admin_a,
                               volunteer=Volunteer(name="赵阿姨", school=kids.school_b))
    assert volunteer.school == kids.school_a and volunteer.county == kids.county1
    county_wide = volunteer_save(actor=kids.bureau1, volunteer=Volunteer(name="钱叔叔"))
    assert county_wide.school is None and county_wide.county == kids.county1
    with pytest.raises(PermissionDenied):
        volunteer_save(actor=kids.bureau1, volunteer=Volunteer(name="孙", school=kids.school_c))
    with pytest.raises(PermissionDenied):
        volunteer_save(actor=kids.teacher_a, volunteer=Volunteer(name="李"))


# --- Pages -----------------------------------------------------------------------------


def _pages(world):
    """Every pairing URL, as (method, url, data), for school A's objects."""
    pairing = assign(world)
    return [
        ("get", reverse("pairing_list"), None),
        ("post", reverse("pairing_list"), {"staff": world.mentor.pk, "kind": "mentor",
                                           "start_date": "2026-03-02",
                                           "children": [world.child_a.pk]}),
        ("get", reverse("child_pairing_add", args=[world.child_a.pk]), None),
        ("post", reverse("pairing_end", args=[pairing.pk]), {"end_date": "2026-04-01"}),
        ("get", reverse("volunteer_list"), None),
    ]


@pytest.mark.parametrize("role", ["teacher_a", "township_user"])
def test_management_pages_are_403_for_roles_that_do_not_manage(client, kids, role):
    client.force_login(getattr(kids, role))
    for method, url, data in _pages(kids):
        if role == "township_user" or url != reverse("volunteer_list"):
            assert getattr(client, method)(url, data).status_code == 403, url
    assert Pairing.objects.active().count() == 1


def test_another_schools_child_is_a_404_on_every_pairing_url(client, kids):
    pairing = PairingFactory(child=kids.child_b)
    client.force_login(kids.admin_a)
    add = reverse("child_pairing_add", args=[kids.child_b.pk])
    assert client.get(add).status_code == 404
    assert client.post(add, {"kind": "mentor", "staff": kids.mentor.pk,
                             "start_date": "2026-03-02"}).status_code == 404
    end = reverse("pairing_end", args=[pairing.pk])
    assert client.post(end, {"end_date": "2026-04-01"}).status_code == 404
    pairing.refresh_from_db()
    assert pairing.end_date is None
    # Another school's child ticked on the bulk form is not a choice.
    response = client.post(reverse("pairing_list"), {
        "staff": kids.mentor.pk, "kind": "mentor", "start_date": "2026-03-02",
        "children": [kids.child_b.pk]})
    assert response.status_code == 200 and not Pairing.objects.filter(staff=kids.mentor)


def test_the_profile_lists_pairings_with_end_buttons_for_the_admin(client, kids):
    assign(kids)
    client.force_login(kids.admin_a)
    page = client.get(reverse("child_detail", args=[kids.child_a.pk])).content.decode()
    assert str(kids.mentor) in page and reverse("child_pairing_add", args=[kids.child_a.pk]) \
        in page and "/end/" in page
    client.force_login(kids.teacher_a)
    page = client.get(reverse("child_detail", args=[kids.child_a.pk])).content.decode()
    assert str(kids.mentor) in page and "/end/" not in page and "/pairings/add/" not in page


def test_add_and_end_a_pairing_through_the_pages(client, kids):
    client.force_login(kids.admin_a)
    add = reverse("child_pairing_add", args=[kids.child_a.pk])
    response = client.post(add, {"kind": "mentor", "staff": kids.mentor.pk,
                                 "start_date": "2026-03-02"})
    assert response.status_code == 302
    pairing = Pairing.objects.get(child=kids.child_a)
    response = client.post(add, {"kind": "mentor", "staff": kids.teacher_a.pk,
                                 "start_date": "2026-03-02"})
    assert response.status_code == 200 and str(kids.mentor) in response.content.decode()
    client.post(reverse("pairing_end", args=[pairing.pk]), {"end_date": "2026-03-01"})
    pairing.refresh_from_db()
    assert pairing.end_date is None  # before the start: refused with a message
    client.post(reverse("pairing_end", args=[pairing.pk]), {"end_date": "2026-04-01"})
    pairing.refresh_from_db()
    assert pairing.end_date == datetime.date(2026, 4, 1)


def test_bulk_assign_page_is_all_or_nothing(client, kids):
    children = factories.ChildFactory.create_batch(3, classroom=kids.class_a)
    assign(kids, child=children[0], staff=kids.teacher_a)
    client.force_login(kids.admin_a)
    data = {"staff": kids.mentor.pk, "kind": "mentor", "start_date": "2026-03-02",
            "children": [c.pk for c in children]}
    response = client.post(reverse("pairing_list"), data)
    assert response.status_code == 200 and children[0].name in response.content.decode()
    assert not Pairing.objects.filter(staff=kids.mentor).exists()
    data["children"] = [c.pk for c in children[1:]]
    assert client.post(reverse("pairing_list"), data).status_code == 302
    assert Pairing.objects.filter(staff=kids.mentor).count() == 2


def test_the_unpaired_filter(client, kids):
    mentored, looked_after = factories.ChildFactory.create_batch(2, classroom=kids.class_a)
    assign(kids, child=mentored)
    assign(kids, child=looked_after, kind=PairingKind.SURROGATE)
    no_mentor = set(selectors.pairing_rows(kids.admin_a, kids.school_a, unpaired="mentor"))
    assert no_mentor == {kids.child_a, looked_after}
    no_surrogate = selectors.pairing_rows(kids.admin_a, kids.school_a, unpaired="surrogate")
    assert set(no_surrogate) == {kids.child_a, mentored}
    client.force_login(kids.admin_a)
    page = client.get(reverse("pairing_list"), {"unpaired": "mentor"}).content.decode()
    assert looked_after.name in page and mentored.name not in page


def test_children_off_the_registry_are_not_listed(kids):
    left = factories.ChildFactory(classroom=kids.class_a, episode=False)
    assert left not in set(selectors.pairing_rows(kids.admin_a, kids.school_a))


def _count_pairing_page_queries(client, world, children):
    for child in factories.ChildFactory.create_batch(children, classroom=world.class_a):
        PairingFactory(child=child, staff=world.mentor)
    client.force_login(world.admin_a)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("pairing_list"))
    assert response.status_code == 200
    return len(queries)


def test_the_pairings_page_runs_a_fixed_number_of_queries(client, kids):
    few = _count_pairing_page_queries(client, kids, 5)
    Pairing.objects.all().delete()
    Child.objects.filter(classroom=kids.class_a).exclude(pk=kids.child_a.pk).delete()
    many = _count_pairing_page_queries(client, kids, 30)
    assert few == many


def test_the_volunteers_page_adds_a_volunteer(client, kids):
    client.force_login(kids.admin_a)
    response = client.post(reverse("volunteer_list"), {"name": "周阿姨", "phone": "",
                                                       "organisation": "妇联"})
    assert response.status_code == 302
    volunteer = Volunteer.objects.get()
    assert volunteer.school == kids.school_a
    assert "周阿姨" in client.get(reverse("volunteer_list")).content.decode()
    client.force_login(kids.admin_b)
    assert "周阿姨" not in client.get(reverse("volunteer_list")).content.decode()


def test_a_mentor_completes_the_file_but_leaves_basic_information_to_the_class(client, world):
    child = factories.FiveClearChildFactory(classroom=world.class_a)
    mentor = PairingFactory(child=child).staff
    client.force_login(mentor)
    assert client.get(reverse("child_edit", args=[child.pk, "traits"])).status_code == 200
    assert client.get(reverse("child_edit", args=[child.pk, "basic"])).status_code == 403
    page = client.get(reverse("child_detail", args=[child.pk])).content.decode()
    assert reverse("child_edit", args=[child.pk, "basic"]) not in page


def test_a_transfer_ends_the_childs_pairings_and_frees_a_new_mentor(world):
    from registry.services import child_transfer_in

    child = factories.ChildFactory(classroom=world.class_a)
    old = PairingFactory(child=child, kind="mentor", staff=world.teacher_a,
                         start_date=timezone.localdate() - datetime.timedelta(days=30))
    class_a2 = factories.ClassroomFactory(school=world.school_a2)
    child_transfer_in(actor=world.admin_a2, child=child, classroom=class_a2,
                      transferred_on=timezone.localdate())
    old.refresh_from_db()
    assert old.end_date == timezone.localdate()
    child.refresh_from_db()
    new = pairing_assign(actor=world.admin_a2, child=child, kind="mentor",
                         start_date=timezone.localdate(), staff=world.teacher_a2)
    assert new.end_date is None and new.school == world.school_a2
