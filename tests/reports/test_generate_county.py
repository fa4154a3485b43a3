"""``manage.py generate_county``: a small synthetic county, generated once for the module,
must be consistent in every way the registry relies on; the seed makes it repeatable and
``--replace`` replaces it (and nothing else)."""

from collections import defaultdict
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from interventions import cadence
from interventions.models import (
    CareStandard,
    Concern,
    ConcernAlert,
    ConcernNote,
    ContactLog,
    HelpPlan,
    Pairing,
    PairingKind,
    StandardCode,
)
from registry.idnumber import parse_id_number, validate_phone
from registry.models import (
    Category,
    Child,
    Classroom,
    County,
    FamilyMember,
    RegistryEpisode,
    Role,
    School,
    Term,
    TermDay,
    Township,
    User,
)
from registry.selectors import current_school_year
from reports.synthetic import delete_county

NAME = "测试合成县"
OTHER_NAME = "另一个合成县"
SMALL = ["--children", "300", "--schools", "6", "--townships", "2"]
TINY = ["--children", "90", "--schools", "3", "--townships", "1"]


def generate(*args, name=NAME):
    out = StringIO()
    call_command("generate_county", *args, "--county-name", name, stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def generated(django_db_setup, django_db_blocker):
    """One county for the module's read-only checks (committed, and deleted after)."""
    with django_db_blocker.unblock():
        output = generate(*SMALL, "--seed", "11", "--replace")  # (a kept database's too)
        county = County.objects.get(name=NAME)
    yield county, output
    with django_db_blocker.unblock():
        delete_county(County.objects.get(pk=county.pk))


@pytest.fixture
def county(generated, db):
    return generated[0]


def staff_school(county):
    return dict(User.objects.filter(school__county=county).values_list("pk", "school_id"))


def episodes_by_child(county):
    found = defaultdict(list)
    for episode in RegistryEpisode.objects.filter(child__county=county).order_by(
            "entered_on", "pk"):
        found[episode.child_id].append(episode)
    return found


def test_the_organisation_is_whole(county):
    assert county.code.startswith("99")
    townships = Township.objects.filter(county=county)
    assert townships.count() == 2
    schools = School.objects.filter(county=county)
    assert schools.count() == 6
    assert set(schools.values_list("township__county", flat=True)) == {county.pk}
    year = current_school_year()
    staff = staff_school(county)
    for school in schools:
        classes = list(Classroom.objects.filter(school=school, school_year=year))
        assert {c.grade for c in classes} == set(school.grades)
        for classroom in classes:
            assert staff[classroom.homeroom_teacher_id] == school.pk
        assert User.objects.filter(school=school, role=Role.SCHOOL_ADMIN).exists()
        assert school.pupils_enrolled >= school.children.count()
    assert User.objects.filter(township__county=county, role=Role.TOWNSHIP).count() >= 2
    assert User.objects.filter(county=county, role=Role.BUREAU).exists()
    # Last year's terms and this year's, with their holidays and make-up days.
    assert Term.objects.filter(county=county, school_year=year).count() == 2
    assert Term.objects.filter(county=county).count() == 4
    assert TermDay.objects.filter(term__county=county, kind=TermDay.Kind.MAKEUP).exists()
    assert CareStandard.objects.filter(county=county).count() == len(StandardCode)


def test_every_child_is_in_a_class_of_their_school(county):
    children = Child.objects.filter(county=county).select_related("school", "classroom")
    assert children.count() == 300
    year = current_school_year()
    for child in children:
        assert child.school.county_id == county.pk
        assert child.classroom.school_id == child.school_id
        assert child.classroom.school_year == year
        assert child.classroom.grade in child.school.grades


def test_the_files_are_valid_and_mixed(county):
    children = Child.objects.filter(county=county).order_by("pk")
    for child in children[:10]:
        child.full_clean(validate_constraints=False)  # the database holds those
        for member in child.family.all():
            member.full_clean(validate_constraints=False)
    for id_number in children.exclude(id_number="").values_list("id_number", flat=True):
        parse_id_number(id_number)
    members = FamilyMember.objects.filter(child__county=county)
    assert members.count() >= 900
    for phone in members.exclude(phone="").values_list("phone", flat=True):
        validate_phone(phone)
    annotated = list(children.with_five_clear().with_categories())
    five_clear = sum(1 for c in annotated if c.five_clear_count == 5) / len(annotated)
    assert 0.55 < five_clear < 0.85
    carried = {category for child in annotated for category in child.categories()}
    assert carried == set(Category)
    assert any(child.is_away_pending for child in annotated)
    assert sum(1 for c in annotated if c.is_both_away) > len(annotated) / 3


def test_episodes_follow_one_another(county):
    episodes = episodes_by_child(county)
    children = dict(Child.objects.filter(county=county).values_list("pk", "school_id"))
    assert set(episodes) == set(children)
    schools = set(School.objects.filter(county=county).values_list("pk", flat=True))
    kinds, reasons = set(), set()
    for child_id, stays in episodes.items():
        assert sum(1 for e in stays if e.exited_on is None) <= 1
        for before, after in zip(stays, stays[1:], strict=False):
            assert before.exited_on is not None
            assert before.exited_on <= after.entered_on
        for episode in stays:
            assert episode.school_id in schools
            assert episode.entered_on <= timezone.localdate()
            kinds.add(episode.entry_kind)
            reasons.add(episode.exit_reason)
        # The child is at the school of their latest episode.
        assert stays[-1].school_id == children[child_id]
    assert {"registered", "transferred_in"} <= kinds
    assert "transferred_out" in reasons
    assert len(reasons - {"", "transferred_out"}) >= 1
    # Most children entered at the start of the school year or before it.
    year_start = Term.objects.filter(county=county, school_year=current_school_year()).earliest(
        "start_date").start_date
    first_entries = [stays[0].entered_on for stays in episodes.values()]
    early = sum(1 for day in first_entries if day <= year_start + timedelta(days=14))
    assert early > 0.9 * len(first_entries)


def test_contact_logs_fall_in_terms_and_episodes(county):
    today = timezone.localdate()
    terms = list(Term.objects.filter(county=county).values_list("start_date", "end_date"))
    special = dict(TermDay.objects.filter(term__county=county).values_list("date", "kind"))
    in_holidays = dict(CareStandard.objects.filter(county=county)
                       .values_list("code", "applies_in_holidays"))
    staff = staff_school(county)
    episodes = episodes_by_child(county)
    logs = list(ContactLog.objects.filter(child__county=county).values_list(
        "child_id", "standard", "happened_on", "author_id", "school_id"))
    assert len(logs) > 300 * 20  # about forty a child over a year
    assert {log[1] for log in logs} >= {c.value for c in StandardCode}
    for child_id, standard, day, author_id, school_id in logs:
        assert day <= today
        in_term = any(start <= day <= end for start, end in terms)
        assert in_term or in_holidays[standard]
        if standard == StandardCode.WEEKLY_TALK:
            teaching = ((day.weekday() < 5 and special.get(day) != TermDay.Kind.HOLIDAY)
                        or special.get(day) == TermDay.Kind.MAKEUP)
            assert in_term and teaching
        stays = [e for e in episodes[child_id]
                 if e.entered_on <= day and (e.exited_on is None or day <= e.exited_on)]
        assert stays, "a log outside the child's time on the registry"
        assert school_id == stays[-1].school_id
        assert staff[author_id] == school_id
    # Realistic gaps: a few children never talked to, and talks in most weeks for most.
    talked = {log[0] for log in logs if log[1] == StandardCode.WEEKLY_TALK}
    assert 0 < 300 - len(talked) < 30


def test_pairings_are_with_staff_of_the_school(county):
    staff = staff_school(county)
    children = dict(Child.objects.filter(county=county).values_list("pk", "school_id"))
    pairings = list(Pairing.objects.filter(child__county=county))
    active = [p for p in pairings if p.end_date is None]
    for pairing in pairings:
        if pairing.kind in (PairingKind.MENTOR, PairingKind.SURROGATE):
            assert staff[pairing.staff_id] == pairing.school_id
        if pairing.end_date is None:
            assert pairing.school_id == children[pairing.child_id]
        assert pairing.start_date <= timezone.localdate()
    mentored = {p.child_id for p in active if p.kind == PairingKind.MENTOR}
    surrogates = {p.child_id for p in active if p.kind == PairingKind.SURROGATE}
    assert 0.65 < len(mentored) / 300 < 0.9
    assert 0.45 < len(surrogates) / 300 < 0.75
    assert any(p.kind == PairingKind.BUDDY for p in active)


def test_concerns_and_help_plans(county):
    staff = staff_school(county)
    concerns = list(Concern.objects.filter(child__county=county))
    assert concerns
    for concern in concerns:
        assert staff[concern.raised_by_id] == concern.school_id
        assert staff[concern.assigned_to_id] == concern.school_id
        raised = timezone.localdate(concern.created_at)
        for note in ConcernNote.objects.filter(concern=concern):
            assert raised <= note.happened_on <= timezone.localdate()
    for alert in ConcernAlert.objects.filter(concern__child__county=county):
        assert alert.recipient.role == Role.SCHOOL_ADMIN
        assert alert.recipient.school_id == alert.concern.school_id
    for plan in HelpPlan.objects.filter(child__county=county):
        assert staff[plan.teacher_id] == plan.school_id
        assert plan.term.county_id == county.pk


def test_the_cadence_engine_reads_it(county):
    children = Child.objects.filter(county=county)
    today = timezone.localdate()
    states = cadence.standard_states(children, today)
    assert len(states) > 250
    term = Term.objects.filter(county=county, start_date__lte=today).latest("start_date")
    result = cadence.compliance(children, term.start_date, min(term.end_date, today))
    rate = result.rate(StandardCode.WEEKLY_TALK)
    assert rate is not None and 0.5 < rate < 1


def test_it_prints_the_logins(generated, db):
    county, output = generated
    assert "Done in" in output
    names = [line.split()[0] for line in output.splitlines()[-3:]]
    admin, teacher, bureau = (User.objects.get(username=name) for name in names)
    assert admin.role == Role.SCHOOL_ADMIN and "_admin" in admin.username
    largest = max(School.objects.filter(county=county), key=lambda s: s.children.count())
    assert admin.school == largest
    assert teacher.role == Role.TEACHER and teacher.school.county == county
    assert bureau.role == Role.BUREAU and bureau.county == county
    assert "guanai2026" in output and bureau.check_password("guanai2026")


def test_same_seed_same_county_and_replace(world):
    others = (County.objects.count(), School.objects.count(), User.objects.count())

    def snapshot():
        county = County.objects.get(name=OTHER_NAME)
        children = Child.objects.filter(county=county).order_by("pk")
        return (
            list(children.values_list("name", flat=True)[:25]),
            children.count(),
            ContactLog.objects.filter(child__county=county).count(),
            Pairing.objects.filter(child__county=county).count(),
            User.objects.filter(school__county=county).count(),
        )

    generate(*TINY, "--seed", "5", name=OTHER_NAME)
    first = snapshot()
    with pytest.raises(CommandError, match="already exists.*--replace"):
        generate(*TINY, "--seed", "5", name=OTHER_NAME)
    generate(*TINY, "--seed", "5", "--replace", name=OTHER_NAME)
    assert snapshot() == first
    assert County.objects.filter(name=OTHER_NAME).count() == 1
    generate(*TINY, "--seed", "6", "--replace", name=OTHER_NAME)
    assert snapshot()[0] != first[0]
    # Nothing of the other counties was touched.
    county = County.objects.get(name=OTHER_NAME)
    assert (County.objects.count() - 1, School.objects.exclude(county=county).count(),
            User.objects.exclude(school__county=county).exclude(township__county=county)
            .exclude(county=county).count()) == others
    # A county the generator did not make is never deleted.
    with pytest.raises(CommandError, match="never deleted"):
        generate(*TINY, "--replace", name=world.county1.name)
    assert County.objects.filter(pk=world.county1.pk).exists()


def test_sizes_are_checked(db):
    with pytest.raises(CommandError, match="more schools than children"):
        generate("--children", "5", "--schools", "10")


def test_the_database_constraints_hold(county):
    """Foreign keys (deferred on both engines) checked now; unique, check and, on
    PostgreSQL, the terms' exclusion constraint held as the rows went in."""
    connection.check_constraints()
    assert not Term.objects.filter(county=county).filter(
        pk__in=[t.pk for t in Term.objects.filter(county=county)
                if Term.objects.overlapping(county_id=county.pk, start_date=t.start_date,
                                            end_date=t.end_date).exclude(pk=t.pk).exists()]
    ).exists()
