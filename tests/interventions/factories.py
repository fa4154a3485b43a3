"""Factories for the care work: standards, contact logs, pairings."""

import datetime

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from interventions.models import (
    CareStandard,
    Concern,
    ConcernCategory,
    ContactLog,
    HelpPlan,
    Pairing,
    PairingKind,
    Period,
    Responsible,
    StandardCode,
)
from registry.models import Term
from tests.factories import ChildFactory, CountyFactory, TeacherFactory, TermFactory


class CareStandardFactory(DjangoModelFactory):
    class Meta:
        model = CareStandard

    county = factory.SubFactory(CountyFactory)
    code = StandardCode.WEEKLY_TALK
    period = Period.WEEK
    contacts_needed = 1
    responsible = Responsible.HOMEROOM
    applies_in_holidays = False
    valid_from = datetime.date(2000, 1, 1)


class ContactLogFactory(DjangoModelFactory):
    class Meta:
        model = ContactLog

    child = factory.SubFactory(ChildFactory)
    standard = StandardCode.WEEKLY_TALK
    happened_on = datetime.date(2026, 9, 7)
    channel = "in_person"
    with_whom = factory.LazyFunction(lambda: ["child"])
    author = factory.LazyAttribute(lambda o: o.child.classroom.homeroom_teacher)
    school = factory.SelfAttribute("child.school")


class PairingFactory(DjangoModelFactory):
    class Meta:
        model = Pairing

    child = factory.SubFactory(ChildFactory)
    kind = PairingKind.MENTOR
    staff = factory.SubFactory(TeacherFactory, school=factory.SelfAttribute("..child.school"))
    school = factory.SelfAttribute("child.school")
    start_date = datetime.date(2026, 9, 1)
    created_by = factory.SelfAttribute("staff")


def current_term(county):
    """The county's term holding today, made (today − 60 days … today + 90) if none does."""
    today = timezone.localdate()
    term = Term.objects.filter(county=county, start_date__lte=today,
                               end_date__gte=today).first()
    return term or TermFactory(county=county, start_date=today - datetime.timedelta(days=60),
                               end_date=today + datetime.timedelta(days=90))


class ConcernFactory(DjangoModelFactory):
    """An open concern, raised (and followed up) by the child's homeroom teacher."""

    class Meta:
        model = Concern

    child = factory.SubFactory(ChildFactory)
    school = factory.SelfAttribute("child.school")
    category = ConcernCategory.LEARNING
    severity = "watch"
    description = "上课注意力不集中，作业常未完成"
    raised_by = factory.LazyAttribute(lambda o: o.child.classroom.homeroom_teacher)
    assigned_to = factory.SelfAttribute("raised_by")


class HelpPlanFactory(DjangoModelFactory):
    class Meta:
        model = HelpPlan

    child = factory.SubFactory(ChildFactory)
    school = factory.SelfAttribute("child.school")
    term = factory.LazyAttribute(lambda o: current_term(o.child.county))
    subject = "数学"
    teacher = factory.LazyAttribute(lambda o: o.child.classroom.homeroom_teacher)
    goals = "期末数学成绩达到及格"
    schedule = "每周二、四放学后"
    content = "分数的加减法，应用题"
    method = "一对一讲解，每周批改一次练习"
    created_by = factory.SelfAttribute("teacher")
