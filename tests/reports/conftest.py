"""A county with known facts, for the reports' exact figures (see ``known``)."""

import datetime
from types import SimpleNamespace

import pytest
from django.utils import timezone

from interventions.models import Period, Responsible, StandardCode
from registry.models import EntryKind, RegistryEpisode
from tests import factories
from tests.interventions.factories import (
    CareStandardFactory,
    ConcernFactory,
    ContactLogFactory,
    PairingFactory,
)

TALK = StandardCode.WEEKLY_TALK


def monday():
    today = timezone.localdate()
    return today - datetime.timedelta(days=today.weekday())


@pytest.fixture
def known(world):
    """county1 (青山县) with a term around today and one standard, the weekly talk.

    城关镇 (t1):
      school_a, 100 pupils: a1 (girl, grade 3, boarding, both parents away, five clear,
        mentor teacher_a, talked to on Monday), a2 (boy, grade 3, single-parent,
        surrogate admin_a, never talked to), a4 (girl, grade 8, hardship, talked to last
        week only, a serious open concern); a3 left the registry on Monday.
      school_a2, 50 pupils: b1 (boy, grade 3, abandoned, talked to on Monday, an open
        concern).
    石桥镇 (t2):
      school_b, 80 pupils: c1 (girl, grade 3, nothing logged), c2 (girl, grade 3,
        registered on Monday, nothing logged).
    """
    w = world
    today = timezone.localdate()
    factories.TermFactory(county=w.county1, start_date=today - datetime.timedelta(days=60),
                          end_date=today + datetime.timedelta(days=90))
    CareStandardFactory(county=w.county1, code=TALK, period=Period.WEEK,
                        responsible=Responsible.HOMEROOM)
    for school, pupils in ((w.school_a, 100), (w.school_a2, 50), (w.school_b, 80)):
        school.pupils_enrolled = pupils
        school.save(update_fields=["pupils_enrolled"])
    w.class_a.grade = 3
    w.class_a.save(update_fields=["grade"])
    junior = factories.ClassroomFactory(school=w.school_a, grade=8, number=1)
    last_week = monday() - datetime.timedelta(days=7)

    a1 = factories.FiveClearChildFactory(classroom=w.class_a, sex="F", boarding=True)
    PairingFactory(child=a1, kind="mentor", staff=w.teacher_a)
    ContactLogFactory(child=a1, standard=TALK, happened_on=monday())
    a2 = factories.ChildFactory(classroom=w.class_a, sex="M", single_parent=True)
    PairingFactory(child=a2, kind="surrogate", staff=w.admin_a)
    a3 = factories.ChildFactory(classroom=w.class_a, sex="M")
    RegistryEpisode.objects.filter(child=a3).update(exited_on=monday(),
                                                    exit_reason="graduated")
    a4 = factories.ChildFactory(classroom=junior, sex="F", hardship_kind="poverty")
    ContactLogFactory(child=a4, standard=TALK, happened_on=last_week)
    ConcernFactory(child=a4, severity="serious", category="safety")

    w.class_a2.grade = 3
    w.class_a2.save(update_fields=["grade"])
    b1 = factories.ChildFactory(classroom=w.class_a2, sex="M", abandoned=True)
    ContactLogFactory(child=b1, standard=TALK, happened_on=monday())
    ConcernFactory(child=b1)

    w.class_b.grade = 3
    w.class_b.save(update_fields=["grade"])
    c1 = factories.ChildFactory(classroom=w.class_b, sex="F")
    c2 = factories.ChildFactory(classroom=w.class_b, sex="F", episode=False)
    RegistryEpisode.objects.create(child=c2, school=w.school_b,
                                   entry_kind=EntryKind.REGISTERED, entered_on=monday(),
                                   opened_by=w.admin_b)
    w.kids = SimpleNamespace(a1=a1, a2=a2, a3=a3, a4=a4, b1=b1, c1=c1, c2=c2)
    w.junior_class = junior
    return w
