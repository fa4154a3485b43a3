"""The child pages for every role: scope (404 outside it), what each role may do (403),
masked ID numbers, the access log, and the registry's episodes and transfers."""

import datetime

import pytest
from django.urls import reverse

from registry.models import AccessLog, Child, EntryKind, ExitReason, RegistryEpisode
from tests import factories

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "teacher_a", "admin_a", "township_user", "bureau1", "bureau2"]
L, OK, NO, NF = "login", 200, 403, 404


@pytest.fixture
def kids(world):
    """A five-clear child in each school's class."""
    for key in ("a", "a2", "b", "c"):
        classroom = getattr(world, f"class_{key}")
        setattr(world, f"child_{key}", factories.FiveClearChildFactory(classroom=classroom))
    return world


def _url(name, child_key=None, *extra):
    def build(w):
        args = [getattr(w, child_key).pk, *extra] if child_key else []
        return reverse(name, args=args)
    return build


# (anonymous, teacher_a, admin_a, township_user, bureau1, bureau2)
MATRIX = {
    "list": (_url("child_list"), (L, OK, OK, OK, OK, OK)),
    "add": (_url("child_add"), (L, OK, OK, NO, NO, NO)),
    "transfer": (_url("child_transfer"), (L, NO, OK, NO, NO, NO)),
    "detail own": (_url("child_detail", "child_a"), (L, OK, OK, OK, OK, NF)),
    "detail same township": (_url("child_detail", "child_a2"), (L, NF, NF, OK, OK, NF)),
    "detail same county": (_url("child_detail", "child_b"), (L, NF, NF, NF, OK, NF)),
    "detail other county": (_url("child_detail", "child_c"), (L, NF, NF, NF, NF, OK)),
    "edit own": (_url("child_edit", "child_a", "basic"), (L, OK, OK, NO, NO, NO)),
    "edit other school": (_url("child_edit", "child_b", "health"), (L, NF, NF, NO, NO, NO)),
    "edit unknown part": (_url("child_edit", "child_a", "secrets"), (L, NF, NF, NO, NO, NO)),
    "family own": (_url("child_family", "child_a"), (L, OK, OK, NO, NO, NO)),
    "family other county": (_url("child_family", "child_c"), (L, NF, NF, NO, NO, NO)),
    "consent own": (_url("child_consent", "child_a"), (L, OK, OK, NO, NO, NO)),
    "exit own": (_url("child_exit", "child_a"), (L, NO, OK, NO, NO, NO)),
    "exit other school": (_url("child_exit", "child_b"), (L, NO, NF, NO, NO, NO)),
    "reenter own": (_url("child_reenter", "child_a"), (L, NO, OK, NO, NO, NO)),
    "history own": (_url("child_history", "child_a"), (L, NO, OK, NO, NO, NO)),
    "history other school": (_url("child_history", "child_b"), (L, NO, NF, NO, NO, NO)),
}


@pytest.mark.parametrize(
    "builder, role, expected",
    [
        pytest.param(builder, role, expected, id=f"{page}-{role}")
        for page, (builder, statuses) in MATRIX.items()
        for role, expected in zip(ROLES, statuses, strict=True)
    ],
)
def test_child_url_role_matrix(client, kids, builder, role, expected):
    if role != "anonymous":
        client.force_login(getattr(kids, role))
    if expected == "login":
        response = client.get(builder(kids), follow=True)
        assert response.request["PATH_INFO"] == reverse("login")
    else:
        assert client.get(builder(kids)).status_code == expected


@pytest.mark.parametrize(
    "view, data",
    [
        ("child_edit", {"personality": "被改了", "hobbies": "x"}),
        ("child_exit", {"exited_on": "2026-11-01", "reason": "moved_away"}),
    ],
)
def test_posting_to_another_schools_child_is_a_404_and_changes_nothing(client, kids, view, data):
    client.force_login(kids.admin_a)
    args = [kids.child_b.pk, "traits"] if view == "child_edit" else [kids.child_b.pk]
    assert client.post(reverse(view, args=args), data).status_code == 404
    kids.child_b.refresh_from_db()
    assert kids.child_b.personality != "被改了"
    assert kids.child_b.episodes.get().exited_on is None


def test_teacher_sees_only_their_own_class(client, kids):
    colleague_child = factories.ChildFactory(
        classroom=factories.ClassroomFactory(school=kids.school_a)
    )
    client.force_login(kids.teacher_a)
    page = client.get(reverse("child_list")).content.decode()
    assert kids.child_a.name in page
    assert colleague_child.name not in page
    assert client.get(reverse("child_detail", args=[colleague_child.pk])).status_code == 404


@pytest.mark.parametrize("role, card_link", [("teacher_a", True), ("admin_a", True),
                                             ("township_user", False), ("bureau1", False)])
def test_the_profile_masks_the_id_number_for_every_role(client, kids, role, card_link):
    """Privacy by default: the profile needs no more than a glimpse of the ID number; those
    who may read it in full find it on the record card, whose opening is logged."""
    kids.child_a.student_number = "G" + kids.child_a.id_number
    kids.child_a.save(update_fields=["student_number"])
    client.force_login(getattr(kids, role))
    page = client.get(reverse("child_detail", args=[kids.child_a.pk])).content.decode()
    number = kids.child_a.id_number
    assert number not in page
    assert f"{number[:6]}********{number[-4:]}" in page
    assert ('data-testid="full-id-on-card"' in page) is card_link
    # The national student number is "G" and the ID number: masked the same way.
    assert kids.child_a.student_number[1:] not in page


def test_every_profile_opening_is_in_the_access_log(client, kids):
    for user in (kids.admin_a, kids.bureau1):
        client.force_login(user)
        client.get(reverse("child_detail", args=[kids.child_a.pk]))
    entries = AccessLog.objects.filter(child=kids.child_a, action="view_profile")
    assert {e.user for e in entries} == {kids.admin_a, kids.bureau1}
    assert all(e.school == kids.school_a for e in entries)


def test_child_list_runs_a_fixed_number_of_queries(
    client, world, django_assert_max_num_queries, django_assert_num_queries
):
    client.force_login(world.admin_a)
    for _ in range(3):
        factories.FiveClearChildFactory(classroom=world.class_a)
    with django_assert_max_num_queries(10) as small:
        client.get(reverse("child_list"))
    for _ in range(30):
        factories.FiveClearChildFactory(classroom=world.class_a)
    with django_assert_num_queries(len(small.captured_queries)):
        response = client.get(reverse("child_list"))
    assert response.context["page"].paginator.count == 33


def test_list_filters_by_category_and_five_clear(client, kids):
    factories.ChildFactory(classroom=kids.class_a, name="缺资料", hardship_kind="poverty")
    client.force_login(kids.admin_a)
    page = client.get(reverse("child_list"), {"incomplete": "on"}).content.decode()
    assert "缺资料" in page and kids.child_a.name not in page
    page = client.get(reverse("child_list"), {"category": "both_away"}).content.decode()
    assert kids.child_a.name in page and "缺资料" not in page
    page = client.get(reverse("child_list"), {"category": "hardship"}).content.decode()
    assert "缺资料" in page and kids.child_a.name not in page


def test_school_admin_adds_a_child_and_an_episode_opens(client, world):
    client.force_login(world.admin_a)
    response = client.post(reverse("child_add"), {
        "name": "新同学", "id_number": "", "sex": "M", "birth_date": "2017-03-02",
        "student_number": "", "ethnicity": "汉族", "address": "", "classroom": world.class_a.pk,
        "entered_on": "2026-11-20",
    })
    assert response.status_code == 302, response.context["form"].errors
    child = Child.objects.get(name="新同学")
    assert response.status_code == 302
    assert (child.school, child.county) == (world.school_a, world.county1)
    episode = child.episodes.get()
    assert (episode.entry_kind, episode.entered_on, episode.opened_by) == (
        EntryKind.REGISTERED, datetime.date(2026, 11, 20), world.admin_a)


def test_a_teacher_cannot_add_a_child_to_another_class(client, world):
    other_class = factories.ClassroomFactory(school=world.school_a)
    client.force_login(world.teacher_a)
    response = client.post(reverse("child_add"), {
        "name": "新同学", "sex": "M", "birth_date": "2017-03-02", "ethnicity": "汉族",
        "classroom": other_class.pk, "entered_on": "2026-11-20",
    })
    assert response.status_code == 200
    assert not Child.objects.filter(name="新同学").exists()


def test_exit_then_reenter_keeps_both_episodes(client, kids):
    client.force_login(kids.admin_a)
    child = kids.child_a
    client.post(reverse("child_exit", args=[child.pk]),
                {"exited_on": "2026-10-10", "reason": "parent_returned", "note": "父亲回乡"})
    client.post(reverse("child_reenter", args=[child.pk]), {"entered_on": "2026-11-02"})
    episodes = list(child.episodes.order_by("entered_on"))
    assert [(e.entry_kind, e.exited_on, e.exit_reason) for e in episodes] == [
        (EntryKind.REGISTERED, datetime.date(2026, 10, 10), ExitReason.PARENT_RETURNED),
        (EntryKind.REENTERED, None, ""),
    ]
    assert episodes[0].closed_by == kids.admin_a


def test_exit_before_entry_is_refused_with_a_message(client, kids):
    client.force_login(kids.admin_a)
    response = client.post(reverse("child_exit", args=[kids.child_a.pk]),
                           {"exited_on": "2020-01-01", "reason": "moved_away"})
    assert response.status_code == 200
    assert "2026-03-01" in response.content.decode()
    assert kids.child_a.episodes.get().exited_on is None


def test_reentry_needs_an_exit_first(client, kids):
    client.force_login(kids.admin_a)
    response = client.post(reverse("child_reenter", args=[kids.child_a.pk]),
                           {"entered_on": "2026-11-02"})
    assert response.status_code == 200
    assert kids.child_a.episodes.count() == 1


def _transfer(client, user, number, classroom=None, day="2026-11-15"):
    client.force_login(user)
    data = {"id_number": number, "student_number": ""}
    if classroom:
        data |= {"classroom": classroom.pk, "transferred_on": day}
    return client.post(reverse("child_transfer"), data)


def test_transfer_in_moves_the_child_with_its_history(client, kids):
    child = kids.child_b
    found = _transfer(client, kids.admin_a, child.id_number)
    assert child.name in found.content.decode()
    response = _transfer(client, kids.admin_a, child.id_number, kids.class_a)
    assert response.status_code == 302
    child.refresh_from_db()
    assert (child.school, child.classroom) == (kids.school_a, kids.class_a)
    old, new = child.episodes.order_by("entered_on", "pk")
    assert (old.school, old.exit_reason) == (kids.school_b, ExitReason.TRANSFERRED_OUT)
    assert (new.school, new.entry_kind, new.exited_on) == (kids.school_a, "transferred_in", None)

    # The new school sees the whole history; the old one only its "transferred out" line.
    page = client.get(reverse("child_detail", args=[child.pk])).content.decode()
    assert kids.school_b.name in page and kids.school_a.name in page
    client.force_login(kids.admin_b)
    assert client.get(reverse("child_detail", args=[child.pk])).status_code == 404
    visible = RegistryEpisode.objects.for_user(kids.admin_b).filter(child=child)
    assert list(visible) == [old]
    assert AccessLog.objects.filter(action="transfer_lookup", user=kids.admin_a).count() == 2


def test_transfer_lookup_finds_no_child_of_another_county(client, kids):
    response = _transfer(client, kids.admin_a, kids.child_c.id_number)
    assert "没有" in response.content.decode()
    response = _transfer(client, kids.admin_a, kids.child_c.id_number, kids.class_a)
    kids.child_c.refresh_from_db()
    assert kids.child_c.school == kids.school_c


def test_transfer_lookup_is_a_post_and_never_puts_the_number_in_a_url(client, kids):
    client.force_login(kids.admin_a)
    response = client.get(reverse("child_transfer"), {"id_number": kids.child_b.id_number})
    assert kids.child_b.name not in response.content.decode()
    assert 'method="post"' in response.content.decode()


def test_editing_the_family_updates_five_clear(client, kids):
    child = factories.ChildFactory(classroom=kids.class_a)
    client.force_login(kids.teacher_a)
    data = {
        "father-name": "张大山", "father-situation": "away", "father-phone": "138 0013 8000",
        "father-workplace": "广东东莞", "father-away_since": "2025-03-01",
        "mother-name": "李小红", "mother-situation": "deceased", "mother-phone": "",
        "mother-workplace": "", "mother-away_since": "",
        "guardian-name": "张爷爷", "guardian-relation": "grandparent",
        "guardian-phone": "0791-88886666", "guardian-age": "70", "guardian-health": "良好",
        "others-TOTAL_FORMS": "1", "others-INITIAL_FORMS": "0", "others-MIN_NUM_FORMS": "0",
        "others-MAX_NUM_FORMS": "1000", "others-0-name": "", "others-0-relation": "",
        "others-0-phone": "", "others-0-note": "",
    }
    response = client.post(reverse("child_family", args=[child.pk]), data)
    assert response.status_code == 302
    father = child.family.get(kind="father")
    assert (father.phone, father.away_since) == ("13800138000", datetime.date(2025, 3, 1))
    assert child.family.get(kind="guardian").phone == "0791-88886666"
    child = Child.objects.prefetch_related("family").get(pk=child.pk)
    assert child.five_clear()["contacts"] == []


def test_a_bad_phone_number_is_explained_and_nothing_is_saved(client, kids):
    child = factories.ChildFactory(classroom=kids.class_a)
    client.force_login(kids.teacher_a)
    data = {
        "father-name": "张大山", "father-situation": "home", "father-phone": "12345",
        "mother-name": "", "mother-situation": "", "guardian-name": "",
        "others-TOTAL_FORMS": "0", "others-INITIAL_FORMS": "0",
    }
    response = client.post(reverse("child_family", args=[child.pk]), data)
    assert response.status_code == 200
    assert "0791-12345678" in response.content.decode()
    assert not child.family.exists()


def test_change_history_shows_who_changed_what_with_the_id_masked(client, kids):
    child = kids.child_a
    client.force_login(kids.teacher_a)
    client.post(reverse("child_edit", args=[child.pk, "traits"]),
                {"personality": "内向，爱画画", "hobbies": "画画"})
    client.force_login(kids.admin_a)
    page = client.get(reverse("child_history", args=[child.pk])).content.decode()
    assert "内向，爱画画" in page
    assert kids.teacher_a.real_name in page
    assert child.id_number not in page
    assert AccessLog.objects.filter(child=child, action="view_history").count() == 1


def test_attention_panel_prompts_when_a_parent_came_home(client, kids):
    kids.child_a.family.filter(kind__in=["father", "mother"]).update(
        situation="home", away_since=None, workplace="")
    client.force_login(kids.admin_a)
    response = client.get(reverse("child_list"))
    assert response.context["attention"] == {"exit": 1, "enter": 0}
    assert "已不符合任何类别" in response.content.decode()
    flagged = client.get(reverse("child_list"), {"attention": "exit", "status": "registered"})
    assert [c.pk for c in flagged.context["page"]] == [kids.child_a.pk]
    # The system only prompts: the child stays on the registry until a person decides.
    assert kids.child_a.episodes.get().exited_on is None
