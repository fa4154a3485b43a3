"""The demo's care work gives real states: some children met, some due, some overdue,
one exemplary class, a few never talked to."""

from collections import Counter

import pytest
from django.core.management import call_command
from django.db.models import F
from django.utils import timezone

from interventions.cadence import standard_states
from interventions.demo import EXEMPLARY
from interventions.models import ContactLog, Pairing, StandardCode
from registry.models import Child

pytestmark = pytest.mark.django_db


def test_the_demo_term_of_logs_gives_real_states(capsys):
    call_command("demo")
    capsys.readouterr()
    today = timezone.localdate()
    school_a = Child.objects.in_registry().filter(school_id=1)
    states = standard_states(school_a, today)
    talk = Counter(s[StandardCode.WEEKLY_TALK].state for s in states.values())
    assert talk["met"] and talk["overdue"] and (talk["due"] or talk["not_owed"])

    school_id, grade, number = EXEMPLARY
    exemplary = school_a.filter(classroom__grade=grade, classroom__number=number)
    assert exemplary.exists()
    exemplary_states = standard_states(exemplary, today)
    assert {s[StandardCode.WEEKLY_TALK].state for s in exemplary_states.values()} <= {
        "met", "not_owed"}

    never = school_a.exclude(contact_logs__standard=StandardCode.WEEKLY_TALK)
    assert never.exists()
    assert Pairing.objects.filter(kind="mentor", child__school_id=1).exists()
    assert not ContactLog.objects.filter(happened_on__gt=today).exists()
    assert not ContactLog.objects.filter(
        happened_on__lt=F("child__episodes__entered_on"), child__episodes__exited_on__isnull=True
    ).exists()


def test_the_demo_has_concerns_help_plans_and_a_mandatory_report_for_principal1(
    capsys, client
):
    from django.urls import reverse

    from interventions.models import Concern, ConcernAlert, HelpPlan
    from registry.models import User

    call_command("demo")
    capsys.readouterr()
    principal1 = User.objects.get(username="principal1")
    alert = ConcernAlert.objects.get(recipient=principal1, acknowledged_at__isnull=True)
    assert alert.concern.is_serious and alert.concern.is_open
    assert alert.concern.raised_by.username == "teacher1"
    assert Concern.objects.open().filter(school_id=1).count() >= 3
    assert HelpPlan.objects.filter(school_id=1).exists()
    # teacher1's week lists children, some still owing their talk.
    client.force_login(User.objects.get(username="teacher1"))
    week = client.get(reverse("home")).context["week"]
    assert week.rows and week.open_count
