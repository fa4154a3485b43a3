"""A world built once per module for the security tests: the user's own place and two
places outside it, each with one of every kind of record a URL can name.

``home`` is school A of 青山县 (township 城关镇), whose teacher, school admin, township user
and bureau user are the roles under test. ``other_school`` is a school of the same county
in another township (石桥镇), outside every home role's reach except the bureau's.
``other_county`` is a school of 白水县, outside all of them. Every free text of the two
outside places carries the place's marker, so a page that shows any of it is caught.
"""

import datetime
from dataclasses import dataclass, field
from types import SimpleNamespace

import pytest
from auditlog.models import LogEntry
from axes.models import AccessAttempt as AxesAttempt
from axes.models import AccessFailureLog as AxesFailure
from axes.models import AccessLog as AxesLogin
from django.apps import apps
from django.db import transaction
from django.utils import timezone

from interventions.models import (
    CareStandard,
    ConcernAlert,
    ConcernNote,
    Pairing,
    Period,
    Responsible,
    Volunteer,
)
from registry.models import AccessLog, PendingUpload, TermDay
from reports.models import MonthlySubmission
from tests import factories
from tests.interventions.factories import (
    ConcernFactory,
    ContactLogFactory,
    HelpPlanFactory,
    PairingFactory,
    current_term,
)


def model_pks():
    """Every row's primary key, by model: what a build step added is the difference."""
    return {
        model._meta.label_lower: set(model._base_manager.values_list("pk", flat=True))
        for model in apps.get_models()
        if model._meta.managed and not model._meta.proxy
    }


@dataclass
class Place:
    key: str
    marker: str
    county: object = None
    township: object = None
    school: object = None
    admin: object = None
    teacher: object = None
    township_user: object = None
    bureau: object = None
    classroom: object = None
    child: object = None
    pairing: object = None
    volunteer: object = None
    log: object = None
    concern: object = None
    note: object = None
    plan: object = None
    term: object = None
    term_day: object = None
    standard: object = None
    submission: object = None
    roster_upload: object = None
    staff_upload: object = None
    access_log: object = None
    audit_entry: object = None
    axes_attempt: object = None
    axes_login: object = None
    axes_failure: object = None
    #: The rows this place's build added, by model label: {label: {pk, …}}.
    rows: dict = field(default_factory=dict)

    @property
    def users(self):
        """The accounts a URL may name: those a school admin or the bureau manages."""
        return [self.teacher, self.admin, self.township_user]

    @property
    def texts(self):
        """Free texts of this place that no outsider may ever read."""
        m = self.marker
        return [f"{m}童", f"{m}父", f"{m}母", f"{m}监护人", f"{m}谈话摘要", f"{m}关切描述",
                f"{m}随访记录", f"{m}帮扶目标", f"{m}志愿者", f"{m}月报说明", f"{m}老师",
                f"{m}校长", f"{m}小学"]

    def owns(self, label, pk):
        return pk in self.rows.get(label, ())


def build_place(key, marker, *, township_name, county_name=None, shares=None):
    """One school of its own township, with its people and records. A place given
    ``county_name`` makes its county with the county's bureau user, term and care
    standard; a place that ``shares`` another's county uses that place's."""
    before = model_pks()
    now = timezone.now()
    today = timezone.localdate()
    county_wide = shares is None
    place = Place(key=key, marker=marker)
    if county_wide:
        place.county = factories.CountyFactory(name=county_name)
        place.bureau = factories.BureauUserFactory(county=place.county,
                                                   real_name=f"{marker}局员")
    else:
        place.county, place.bureau = shares.county, shares.bureau
    county = place.county
    place.township = township = factories.TownshipFactory(county=county, name=township_name)
    place.school = factories.SchoolFactory(township=township, name=f"{marker}小学")
    place.admin = factories.SchoolAdminFactory(school=place.school, real_name=f"{marker}校长",
                                               email=f"{key}@example.cn")
    place.teacher = factories.TeacherFactory(school=place.school, real_name=f"{marker}老师")
    place.township_user = factories.TownshipUserFactory(township=township,
                                                        real_name=f"{marker}镇干部")
    place.classroom = factories.ClassroomFactory(school=place.school,
                                                 homeroom_teacher=place.teacher)
    place.child = factories.FiveClearChildFactory(classroom=place.classroom, name=f"{marker}童")
    for kind, name in (("father", "父"), ("mother", "母"), ("guardian", "监护人")):
        place.child.family.filter(kind=kind).update(name=f"{marker}{name}")
    place.pairing = PairingFactory(child=place.child, kind="mentor", staff=place.admin)
    place.volunteer = Volunteer.objects.create(name=f"{marker}志愿者", county=county,
                                               school=place.school)
    Pairing.objects.create(child=place.child, kind="volunteer", volunteer=place.volunteer,
                           school=place.school, start_date=datetime.date(2026, 9, 1),
                           created_by=place.admin)
    if county_wide:
        factories.TermFactory(county=county, start_date=today - datetime.timedelta(days=60),
                              end_date=today + datetime.timedelta(days=90))
    place.term = current_term(county)
    place.term_day = TermDay.objects.filter(term=place.term).first() or \
        factories.TermDayFactory(term=place.term, date=today - datetime.timedelta(days=30),
                                 name=f"{marker}假日")
    # Each county has its own standards; the other county's differs in its code, so that
    # a code names an object only the other county has.
    place.standard = CareStandard.objects.filter(county=county).first() or \
        CareStandard.objects.create(
            county=county, code="festival" if key == "other_county" else "weekly_talk",
            period=Period.YEAR if key == "other_county" else Period.WEEK,
            contacts_needed=1, responsible=Responsible.HOMEROOM,
            applies_in_holidays=False, valid_from=datetime.date(2000, 1, 1),
        )
    place.log = ContactLogFactory(child=place.child, happened_on=today,
                                  summary=f"{marker}谈话摘要")
    place.concern = ConcernFactory(child=place.child, description=f"{marker}关切描述",
                                   severity="serious", category="safety", log=place.log)
    place.note = ConcernNote.objects.create(concern=place.concern, happened_on=today,
                                            note=f"{marker}随访记录", status="following",
                                            author=place.teacher)
    ConcernAlert.objects.create(concern=place.concern, recipient=place.admin)
    place.plan = HelpPlanFactory(child=place.child, term=place.term,
                                 goals=f"{marker}帮扶目标")
    last_month = (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    place.submission = MonthlySubmission.objects.create(
        school=place.school, month=last_month, note=f"{marker}月报说明",
        submitted_by=place.admin, submitted_at=now,
    )
    place.roster_upload, place.staff_upload = (
        PendingUpload.objects.create(
            user=place.admin, school=place.school, kind=kind, filename=f"{kind}.xlsx",
            content=b"not read before the owner is checked",
            expires_at=now + datetime.timedelta(hours=1),
        )
        for kind in (PendingUpload.Kind.ROSTER, PendingUpload.Kind.STAFF)
    )
    place.access_log = AccessLog.objects.create(
        user=place.admin, action=AccessLog.Action.VIEW_PROFILE, child=place.child,
        school=place.school)
    place.audit_entry = LogEntry.objects.get_for_object(place.child).first()
    login = {"username": place.admin.username, "ip_address": "10.0.0.1",
             "user_agent": "sweep", "http_accept": "*/*", "path_info": "/accounts/login/"}
    place.axes_attempt = AxesAttempt.objects.create(**login, get_data="", post_data="",
                                                    failures_since_start=1)
    place.axes_login = AxesLogin.objects.create(**login)
    place.axes_failure = AxesFailure.objects.create(**login)
    after = model_pks()
    place.rows = {label: after[label] - before.get(label, set()) for label in after}
    return place


def build_world():
    home = build_place("home", "青禾", county_name="青山县", township_name="城关镇")
    other_school = build_place("other_school", "石榴", township_name="石桥镇", shares=home)
    other_county = build_place("other_county", "白鹭", county_name="白水县",
                               township_name="河口镇")
    superuser = factories.SuperuserFactory()
    return SimpleNamespace(
        home=home, other_school=other_school, other_county=other_county,
        superuser=superuser,
        roles={
            "teacher": home.teacher,
            "school_admin": home.admin,
            "township": home.township_user,
            "bureau": home.bureau,
        },
    )


@pytest.fixture(scope="module")
def sweep_world(django_db_setup, django_db_blocker):
    """The world, built once for the module and rolled back after it; each test runs in
    a savepoint inside this transaction."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_world()
        transaction.set_rollback(True)
