"""Children who left the registry: archived (off the active lists, still in the reports)
and, after the county's retention period, anonymised by ``anonymise_departed`` with every
figure and every submitted month's figures unchanged."""

import datetime
import io
import json

import pytest
from auditlog.context import set_actor
from auditlog.models import LogEntry
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from interventions.models import Concern, ConcernNote, ContactLog, HelpPlan, Pairing
from interventions.models import Period as CarePeriod
from registry import retention, services
from registry.models import Child, EntryKind, FamilyMember, RegistryEpisode, School
from reports.figures import county_summary
from reports.models import MonthlySubmission
from reports.periods import month_period, week_period
from reports.submissions import month_snapshot
from tests import factories
from tests.interventions.factories import (
    CareStandardFactory,
    ConcernFactory,
    ContactLogFactory,
    HelpPlanFactory,
    PairingFactory,
)

pytestmark = pytest.mark.django_db

D = datetime.date
LEFT_ON = D(2022, 6, 30)  # more than three years before today
EXIT_MONTH = D(2022, 6, 1)


def _departed(world, *, exited_on, tag, classroom=None):
    """A five-clear child registered in 2021 who left on ``exited_on``, with a full file:
    a family change, a contact log, a concern with a follow-up, a help plan and a pupil
    buddy, all in the change history; each text ends in ``tag``."""
    classroom = classroom or world.class_a
    admin = {world.school_a.pk: world.admin_a}.get(classroom.school_id, world.admin_c)
    with set_actor(admin):
        child = factories.FiveClearChildFactory(classroom=classroom, episode=False,
                                                address=f"青山县城关镇杨柳村3组{tag}",
                                                psychological_notes=f"想念妈妈，常哭{tag}")
        RegistryEpisode.objects.create(child=child, school=child.school, opened_by=admin,
                                       entry_kind=EntryKind.REGISTERED,
                                       entered_on=D(2021, 9, 1))
        father = child.family.get(kind="father")
        father.phone = f"137123456{len(tag):02d}"
        services.family_member_save(actor=admin, member=father)
        ContactLogFactory(child=child, happened_on=D(2022, 3, 7), summary=f"说起妈妈就哭{tag}")
        concern = ConcernFactory(child=child, description=f"晚上睡不着，常哭{tag}")
        ConcernNote.objects.create(concern=concern, happened_on=D(2022, 3, 9),
                                   note=f"和外婆通了电话{tag}", status="following_up",
                                   author=admin)
        HelpPlanFactory(child=child, goals=f"数学及格{tag}")
        PairingFactory(child=child, kind="buddy", staff=None, created_by=admin,
                       buddy_name=f"李小红{tag}", start_date=D(2021, 9, 1))
        services.child_exit(actor=admin, child=child, exited_on=exited_on,
                            reason="moved_away", note=f"随父母去广东读书{tag}")
    child.refresh_from_db()
    return child


@pytest.fixture
def county(world):
    """County 1 with a term around today and the weekly talk; on the registry: one child
    at school A (talked to this week) and one at school B; left: ``gone`` (June 2022,
    due) and ``recent`` (last month, not due), both at school A. A monthly report of
    June 2022 lists ``gone`` leaving."""
    today = timezone.localdate()
    factories.TermFactory(county=world.county1, start_date=today - datetime.timedelta(days=60),
                          end_date=today + datetime.timedelta(days=90))
    CareStandardFactory(county=world.county1, code="weekly_talk", period=CarePeriod.WEEK)
    world.present = factories.FiveClearChildFactory(classroom=world.class_a)
    ContactLogFactory(child=world.present, happened_on=today)
    factories.FiveClearChildFactory(classroom=world.class_b)
    world.gone = _departed(world, exited_on=LEFT_ON, tag="甲")
    world.recent = _departed(world, exited_on=today - datetime.timedelta(days=30), tag="乙乙")
    with set_actor(world.admin_a):
        world.submission = MonthlySubmission.objects.create(
            school=world.school_a, month=EXIT_MONTH, submitted_by=world.admin_a,
            submitted_at=timezone.now(),
            snapshot=month_snapshot(world.admin_a, world.school_a, EXIT_MONTH),
        )
    return world


def secrets_of(child, tag):
    """What must not survive an anonymisation of ``child``."""
    values = [child.name, child.id_number, child.student_number, child.address,
              child.psychological_notes, *(text + tag for text in (
                  "说起妈妈就哭", "晚上睡不着，常哭", "和外婆通了电话", "数学及格", "李小红",
                  "随父母去广东读书"))]
    for member in child.family.all():  # (places of work and health are the factory's)
        values += [member.name, member.phone]
    return [value for value in values if value]


def stored_text():
    """Everything the tables about children and their history hold, as one text."""
    rows = []
    for model in (Child, FamilyMember, RegistryEpisode, ContactLog, Concern, ConcernNote,
                  HelpPlan, Pairing, MonthlySubmission):
        rows += [json.dumps(row, ensure_ascii=False, default=str)
                 for row in model.objects.values()]
    for entry in LogEntry.objects.all():
        rows.append(json.dumps([entry.object_repr, entry.changes, entry.changes_text,
                                entry.serialized_data], ensure_ascii=False, default=str))
        # auditlog keeps a JSON field's values as JSON text (a snapshot), non-ASCII escaped.
        for values in (entry.changes or {}).values():
            rows += [json.dumps(json.loads(value), ensure_ascii=False)
                     for value in values if value.startswith("{")]
    return "\n".join(rows)


def figures(world):
    """The county summary this week and in the month ``gone`` left, per school and in
    total, and June 2022's snapshot figures as computed now."""
    schools = School.objects.for_user(world.bureau1)
    result = {}
    for name, period in (("week", week_period(timezone.localdate())),
                         ("exit month", month_period(EXIT_MONTH))):
        summary = county_summary(world.bureau1, schools, period)
        result[name] = {
            "total": summary.total.as_snapshot(),
            "schools": {line.school.pk: line.figures.as_snapshot()
                        for group in summary.townships for line in group.schools},
        }
    snapshot = month_snapshot(world.admin_a, world.school_a, EXIT_MONTH)
    result["snapshot figures"] = {key: value for key, value in snapshot.items()
                                  if key != "changes"}
    result["snapshot counts"] = snapshot["changes"]["counts"]
    return result


def counts():
    return {model.__name__: model.objects.count()
            for model in (Child, FamilyMember, RegistryEpisode, ContactLog, Concern,
                          ConcernNote, HelpPlan, Pairing, MonthlySubmission)}


def run(*args):
    out = io.StringIO()
    call_command("anonymise_departed", *args, stdout=out)
    return out.getvalue()


def test_children_who_left_are_archived_off_the_active_lists(client, county):
    client.force_login(county.admin_a)
    active = client.get(reverse("child_list")).content.decode()
    assert county.present.name in active
    assert county.gone.name not in active
    left = client.get(reverse("child_list"), {"status": "exited"}).content.decode()
    assert county.gone.name in left
    client.force_login(county.teacher_a)
    assert county.gone.name not in client.get(reverse("my_week")).content.decode()


def test_anonymising_keeps_every_figure_and_every_row(county):
    before, rows_before = figures(county), counts()
    categories = county.gone.categories()
    stored = county.submission.snapshot
    assert [line["name"] for line in stored["changes"]["exited"]] == [county.gone.name]

    run()

    assert figures(county) == before
    assert counts() == rows_before
    gone = Child.objects.get(pk=county.gone.pk)
    assert gone.categories() == categories
    assert (gone.sex, gone.school, gone.classroom, gone.birth_date) == (
        county.gone.sex, county.gone.school, county.gone.classroom, D(2016, 1, 1))
    episode = gone.episodes.get()
    assert (episode.entered_on, episode.exited_on, episode.exit_reason) == (
        D(2021, 9, 1), LEFT_ON, "moved_away")
    # The submitted month keeps its figures; its line names the child by pseudonym.
    county.submission.refresh_from_db()
    after = county.submission.snapshot
    assert {k: v for k, v in after.items() if k != "changes"} == {
        k: v for k, v in stored.items() if k != "changes"}
    assert after["changes"]["counts"] == stored["changes"]["counts"]
    assert [line["name"] for line in after["changes"]["exited"]] == [
        retention.pseudonym(gone.pk)]
    assert after["changes"]["exited"][0]["date"] == LEFT_ON.isoformat()
    logged = json.loads(LogEntry.objects.get_for_object(county.submission).get()
                        .changes["snapshot"][1])
    assert logged == after


def test_a_namesake_in_the_same_months_report_keeps_their_name(county):
    """Another child of the same name registered at the school on the day ``gone`` left:
    the month's report lists both; only ``gone``'s line takes the pseudonym."""
    namesake = factories.FiveClearChildFactory(classroom=county.class_a, episode=False,
                                               name=county.gone.name)
    RegistryEpisode.objects.create(child=namesake, school=county.school_a,
                                   opened_by=county.admin_a, entry_kind=EntryKind.REGISTERED,
                                   entered_on=LEFT_ON)
    county.submission.snapshot = month_snapshot(county.admin_a, county.school_a, EXIT_MONTH)
    county.submission.save(update_fields=["snapshot"])
    changes = county.submission.snapshot["changes"]
    assert [line["name"] for line in changes["registered"] + changes["exited"]] == [
        county.gone.name, county.gone.name]

    run()

    county.submission.refresh_from_db()
    changes = county.submission.snapshot["changes"]
    assert [(line["child"], line["name"]) for line in changes["registered"]] == [
        (namesake.pk, county.gone.name)]
    assert [(line["child"], line["name"]) for line in changes["exited"]] == [
        (county.gone.pk, retention.pseudonym(county.gone.pk))]


def test_a_report_submitted_before_lines_named_their_child_by_id(county):
    """Such a line is matched by the child's name on one of the child's dates."""
    snapshot = county.submission.snapshot
    for line in snapshot["changes"]["exited"]:
        del line["child"]
    MonthlySubmission.objects.filter(pk=county.submission.pk).update(snapshot=snapshot)

    run()

    county.submission.refresh_from_db()
    assert [line["name"] for line in county.submission.snapshot["changes"]["exited"]] == [
        retention.pseudonym(county.gone.pk)]


def test_anonymising_removes_the_personal_data_from_rows_and_history(client, county):
    secrets = secrets_of(county.gone, "甲")
    assert all(secret in stored_text() for secret in secrets)
    recent_secrets = secrets_of(county.recent, "乙乙")

    run()

    text = stored_text()
    assert [secret for secret in secrets if secret in text] == []
    assert all(secret in text for secret in recent_secrets)
    gone = Child.objects.get(pk=county.gone.pk)
    assert gone.name == retention.pseudonym(gone.pk)
    assert (gone.id_number, gone.student_number) == ("", "")
    assert gone.address == retention.anonymised_text()
    father = gone.family.get(kind="father")
    assert (father.situation, father.away_since, father.phone) == ("away", D(2025, 2, 1), "")
    assert father.workplace == retention.anonymised_text()
    assert ContactLog.objects.get(child=gone).summary == retention.anonymised_text()
    # The history is still there, with who and when, and now says nothing of the child.
    client.force_login(county.admin_a)
    response = client.get(reverse("child_history", args=[gone.pk]))
    rows = response.context["rows"]
    assert len(rows) > 10
    assert {row["entry"].actor for row in rows} == {county.admin_a}
    page = response.content.decode()
    assert retention.anonymised_text() in page
    assert [secret for secret in secrets if secret in page] == []


def test_a_dry_run_counts_per_school_without_names_and_changes_nothing(county):
    text, rows_before = stored_text(), counts()
    out = run("--dry-run")
    assert f"{county.school_a.name} ({county.school_a.code}): 1" in out
    assert "1 child file(s) would be anonymised" in out
    assert county.gone.name not in out
    assert stored_text() == text
    assert counts() == rows_before


def test_running_again_changes_nothing(county):
    assert "1 child file(s) anonymised" in run()
    text = stored_text()
    assert "0 child file(s) anonymised" in run()
    assert stored_text() == text


def test_one_county_at_a_time(county):
    other = _departed(county, exited_on=LEFT_ON, tag="丙", classroom=county.class_c)
    out = run("--county", county.county2.code)
    assert "1 child file(s) anonymised" in out
    assert Child.objects.get(pk=other.pk).name == retention.pseudonym(other.pk)
    assert Child.objects.get(pk=county.gone.pk).name == county.gone.name
    with pytest.raises(CommandError, match="No county"):
        run("--county", "NOPE")


def test_the_countys_own_retention_period(county, settings):
    county.county1.retention_years = 5
    county.county1.save()
    assert "0 child file(s)" in run()
    settings.RETENTION_YEARS = 10
    county.county1.retention_years = None
    county.county1.save()
    assert "0 child file(s)" in run()
    settings.RETENTION_YEARS = 1
    assert "1 child file(s) anonymised" in run()  # not the one who left a month ago
    assert Child.objects.get(pk=county.gone.pk).name == retention.pseudonym(county.gone.pk)
    assert Child.objects.get(pk=county.recent.pk).name == county.recent.name


def test_a_child_back_on_the_registry_is_not_due(county):
    with set_actor(county.admin_a):
        services.child_reenter(actor=county.admin_a, child=county.gone,
                               entered_on=timezone.localdate())
    assert "0 child file(s)" in run()
