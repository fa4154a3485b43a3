"""The demo command's children: about sixty per demo school, a realistic mix of categories
and five-clear completeness, valid ID numbers, exits and one transfer, and no doubling when
the command runs again."""

from collections import Counter
from datetime import date, timedelta
from io import StringIO

import pytest
from auditlog.models import LogEntry
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from registry.demo import DEMO_SCHOOL_PKS, TRANSFER_FROM, TRANSFER_TO
from registry.idnumber import parse_id_number
from registry.models import (
    AccessLog,
    Category,
    Child,
    EntryKind,
    ExitReason,
    FamilyMember,
    RegistryEpisode,
    User,
)
from registry.selectors import current_school_year

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo, loaded once for the module (it takes a while) and rolled back after it;
    each test runs in a savepoint inside this transaction."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("demo", stdout=StringIO())
        yield timezone.localdate()
        transaction.set_rollback(True)


def _registry():
    return Child.objects.in_registry()


def test_each_demo_school_has_about_sixty_children_on_the_registry(demo):
    for school_pk in DEMO_SCHOOL_PKS:
        assert 50 <= _registry().filter(school_id=school_pk).count() <= 70


def test_children_sit_in_a_class_that_fits_their_age(demo):
    start = date(int(current_school_year(demo)[:4]), 9, 1)
    for child in _registry().select_related("classroom"):
        assert child.age(start) - child.classroom.grade in (5, 6, 7), child.pk


def test_categories_are_varied(demo):
    registry = _registry().with_categories(demo)
    both = registry.filter(is_both_away=True).count()
    father = registry.filter(is_father_away=True).count()
    mother = registry.filter(is_mother_away=True).count()
    assert both > father > mother > 0
    assert 0.35 <= both / registry.count() <= 0.6
    for category in (Category.ORPHAN, Category.ABANDONED, Category.SINGLE_PARENT,
                     Category.HARDSHIP):
        assert _registry().with_category(category, demo).exists(), category
    # A few whose parent left only a month or two ago: flagged, not yet eligible.
    pending = [c for c in _registry().prefetch_related("family") if c.away_pending(demo)]
    assert 6 <= len(pending) <= 30


def test_single_parents_and_orphans_have_the_family_to_match(demo):
    for child in _registry().filter(single_parent=True).prefetch_related("family"):
        situations = {m.situation for m in child.family.all() if m.kind in FamilyMember.PARENTS}
        assert situations & {"deceased", "unknown"}, child.pk
    for child in _registry().with_category(Category.ORPHAN, demo):
        guardian = child.family.get(kind=FamilyMember.Kind.GUARDIAN)
        assert guardian.name and guardian.phone


def test_five_clear_completeness_varies(demo):
    counts = Counter(_registry().with_five_clear().values_list("five_clear_count", flat=True))
    total = sum(counts.values())
    assert 0.55 <= counts[5] / total <= 0.75
    assert sum(n for clear, n in counts.items() if clear < 5) > 0


def test_id_numbers_are_valid_and_match_sex_and_birth_date(demo):
    children = list(_registry())
    for child in children:
        if child.id_number:
            info = parse_id_number(child.id_number)
            assert (info.sex, info.birth_date) == (child.sex, child.birth_date)
            assert child.student_number in ("", "G" + child.id_number)
        assert child.sex and child.birth_date
    without_id = sum(1 for c in children if not c.id_number)
    without_student_number = sum(1 for c in children if not c.student_number)
    assert 0.04 <= without_id / len(children) <= 0.16
    assert 0.01 <= without_student_number / len(children) <= 0.1


def test_demo_data_is_written_by_the_school_admins(demo):
    principal1 = User.objects.get(username="principal1")
    child = _registry().filter(school_id=1, episodes__entry_kind=EntryKind.REGISTERED).first()
    episode = child.episodes.get()
    assert episode.opened_by == principal1
    created = LogEntry.objects.get_for_object(child).filter(action=LogEntry.Action.CREATE)
    assert created.get().actor == principal1
    with_consent = _registry().exclude(consent_date=None)
    assert with_consent.count() >= 0.8 * _registry().count()
    assert set(with_consent.values_list("consent_method", flat=True)) == {"signed"}
    assert set(with_consent.values_list("consent_recorded_by__role", flat=True)) == {
        "school_admin"
    }


@pytest.mark.parametrize("school_pk", [1, 2])
def test_schools_1_and_2_have_recent_exits_with_both_reasons(demo, school_pk):
    exits = RegistryEpisode.objects.filter(school_id=school_pk, exited_on__isnull=False).exclude(
        exit_reason=ExitReason.TRANSFERRED_OUT
    )
    assert set(exits.values_list("exit_reason", flat=True)) == {
        ExitReason.PARENT_RETURNED, ExitReason.MOVED_AWAY,
    }
    for episode in exits:
        assert demo - timedelta(days=61) <= episode.exited_on <= demo
        assert episode.closed_by.school_id == school_pk
        assert not _registry().filter(pk=episode.child_id).exists()
    returned = exits.get(exit_reason=ExitReason.PARENT_RETURNED).child
    assert returned.family.get(kind=FamilyMember.Kind.FATHER).situation == "home"


def test_one_child_of_school_3_was_transferred_into_school_1(demo):
    child = Child.objects.get(school_id=TRANSFER_TO, episodes__school_id=TRANSFER_FROM)
    episodes = list(child.episodes.order_by("entered_on", "pk"))
    assert [(e.school_id, e.entry_kind, e.exit_reason) for e in episodes] == [
        (TRANSFER_FROM, EntryKind.REGISTERED, ExitReason.TRANSFERRED_OUT),
        (TRANSFER_TO, EntryKind.TRANSFERRED_IN, ""),
    ]
    assert demo - timedelta(weeks=5) <= episodes[1].entered_on <= demo
    assert child.classroom.school_id == TRANSFER_TO
    principal1 = User.objects.get(username="principal1")
    principal3 = User.objects.get(username="principal3")
    assert episodes[1].opened_by == principal1
    assert Child.objects.for_user(principal1).filter(pk=child.pk).exists()
    assert not Child.objects.for_user(principal3).filter(pk=child.pk).exists()
    assert RegistryEpisode.objects.for_user(principal3).filter(
        child=child, exit_reason=ExitReason.TRANSFERRED_OUT
    ).exists()
    assert AccessLog.objects.filter(user=principal1, child=child,
                                    action=AccessLog.Action.TRANSFER_LOOKUP).exists()


def _snapshot(today):
    registry = _registry()
    return {
        "children": Child.objects.count(),
        "family": FamilyMember.objects.count(),
        "episodes": RegistryEpisode.objects.count(),
        "access_log": AccessLog.objects.count(),
        "by_school": Counter(registry.values_list("school_id", flat=True)),
        "categories": {c: registry.with_category(c, today).count() for c in Category},
        "names": sorted(Child.objects.values_list("name", flat=True)),
    }


def test_running_the_command_again_gives_the_same_children(demo):
    before = _snapshot(demo)
    call_command("demo", stdout=StringIO())
    assert _snapshot(demo) == before
