"""Factories for the care work: standards, contact logs, pairings."""

import datetime

import factory
from factory.django import DjangoModelFactory

from interventions.models import (
    CareStandard,
    ContactLog,
    Pairing,
    PairingKind,
    Period,
    Responsible,
    StandardCode,
)
from tests.factories import ChildFactory, CountyFactory, TeacherFactory


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
