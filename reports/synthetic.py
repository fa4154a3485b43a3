"""A synthetic county at the size of DOMAIN.md, for benchmarks (``manage.py generate_county``).

Twenty townships, three hundred schools (many small village schools, a few big town
schools), 25,000 registered children with their families, about 3,000 staff, this school
year's classes, the terms of the last and the current school year, the plan's care
standards, pairings, registry episodes (with entries, exits, re-entries, transfers and
hand-ons to junior secondary schools), a year of contact logs (about a million) and a few
hundred concerns with their follow-up notes — all scaled from the number of children.

The county's registry opened a year before today (``GO_LIVE_DAYS``): children on it then
were registered in the census weeks that followed; pupils starting a school this
September were registered at the start of the school year; a few hundred entered, left,
came back or moved school during the year. Contact logs run from each child's entry (and
never before the registry opened) to their exit or today, on dates inside the county's
terms — weekly talks on teaching days, monthly family contacts and home visits in the
holidays too — by the homeroom teacher, the mentor or the surrogate parent of the school
the child was at that day. Some classes are diligent, some patchy, a few children were
never talked to.

A synthetic-data generator: it writes without the services and without model instances
for the large tables — ``bulk_create`` where ids are needed, otherwise rows straight into
the table (``COPY`` on PostgreSQL, ``executemany`` elsewhere), in batches, one
transaction per batch, so a million logs stream through bounded memory. No signals fire
(no change history is written). Everything comes from ``random.Random(seed)`` (the
submission tokens from their own generators seeded by the seed and the county's code):
the same seed and county name, on the same day, give the same county.

Synthetic counties are marked by their code: ``SYNTHETIC_CODE_PREFIX`` and four digits,
which also makes the children's ID numbers plainly fake (no real area code starts with
99). Only such a county is ever deleted (``replace``).
"""

import json
import random
import time
import uuid
import zlib
from bisect import bisect_left, bisect_right
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as dtime
from functools import lru_cache
from itertools import accumulate

from auditlog.context import disable_auditlog
from django.apps import apps
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import connections, router, transaction
from django.db.models import JSONField, Q
from django.utils import timezone

from interventions.models import (
    CareStandard,
    Channel,
    Concern,
    ConcernAlert,
    ConcernCategory,
    ConcernNote,
    ConcernStatus,
    ContactLog,
    ContactWith,
    HelpPlan,
    Pairing,
    PairingKind,
    Priority,
    Severity,
    StandardCode,
    Volunteer,
)
from interventions.services import care_standards_install_defaults
from registry.demo import (
    BOY_CHARS,
    CHRONIC,
    DEMO_PASSWORD,
    ETHNICITIES,
    FATHER_CHARS,
    GAPS,
    GIRL_CHARS,
    GRANDFATHER_CHARS,
    GRANDMOTHER_CHARS,
    GUARDIAN_HEALTH,
    HARDSHIPS,
    HOBBIES,
    MOBILE_PREFIXES,
    MOTHER_CHARS,
    PERSONALITIES,
    PHYSICAL,
    PSYCHOLOGICAL,
    SURNAME_WEIGHTS,
    SURNAMES,
    VILLAGES,
    WORKPLACES,
    term_plan,
)
from registry.idnumber import make_id_number
from registry.models import (
    AccessLog,
    Category,
    Child,
    Classroom,
    County,
    EntryKind,
    ExitReason,
    FamilyMember,
    HardshipKind,
    RegistryEpisode,
    Role,
    School,
    SchoolStage,
    Sex,
    Situation,
    Term,
    TermDay,
    Township,
    User,
)
from registry.models.children import months_before
from registry.selectors import current_school_year

SYNTHETIC_CODE_PREFIX = "99"
DEFAULT_COUNTY_NAME = "合成县"
DEFAULT_CHILDREN = 25_000
DEFAULT_SEED = 2026
# The documents' county: 300 schools and 20 townships for 25,000 children.
CHILDREN_PER_SCHOOL = 25_000 / 300
SCHOOLS_PER_TOWNSHIP = 15
# The registry opened this many days before today.
GO_LIVE_DAYS = 365
CENSUS_DAYS = 14
BATCH = 5_000  # bulk_create
STREAM_BATCH = 20_000  # rows per COPY / executemany, one transaction each
PROGRESS_EVERY = 100_000

# Registered children per class, and class sizes (all pupils) by kind of school.
REGISTERED_PER_CLASS = 14
CLASS_SIZE = {"town": (45, 58), "village": (20, 42)}

# Shares of the registry by family situation (the rest: both parents away).
FAMILY_SHARES = (
    ("father_away", 0.22),
    ("mother_away", 0.08),
    ("single_parent", 0.08),
    ("orphan", 0.012),
    ("abandoned", 0.018),
    ("hardship", 0.04),  # parents at home; a recorded hardship
    ("pending", 0.012),  # a parent away under three months: not yet eligible
    ("returned", 0.008),  # on the registry, but the parent came home: "please check"
)
GAP_SHARE = 0.31  # profiles with something missing (about 70% five clear)
CONSENT_SHARE = 0.9
MIDYEAR_ENTRY_SHARE = 0.025
EXIT_SHARE = 0.015
REENTRY_SHARE = 0.2  # of exits for moving away or "other"
TRANSFER_SHARE = 0.006
HAND_ON_SHARE = 0.75  # of a junior school's first grade, from a primary of the county
MENTOR_SHARE, SURROGATE_SHARE, BUDDY_SHARE, VOLUNTEER_SHARE = 0.8, 0.6, 0.15, 0.02
MENTOR_CHANGE_SHARE = 0.03
NEVER_TALKED_SHARE = 0.012
CONCERN_SHARE = 0.012
SERIOUS_SHARE = 0.08
HELP_PLAN_SHARE = 0.06

# How diligent a homeroom teacher is: the chance of a weekly talk in a week owed.
DILIGENCE = ((0.97, 25), (0.9, 30), (0.8, 20), (0.62, 13), (0.4, 8), (0.15, 4))

TOWNSHIP_NAMES = (
    "城关镇", "石桥镇", "河口镇", "长岭乡", "白沙镇", "青云乡", "龙潭镇", "桃源乡", "大坪乡",
    "清水镇", "枫林乡", "杨柳镇", "高坑乡", "梅岭镇", "松山乡", "马鞍镇", "樟树乡", "黄土岭乡",
    "新屋镇", "竹林乡", "水口镇", "南坑乡", "花园镇", "塘背乡", "上湾乡", "下湾镇", "石门乡",
    "长冲镇", "金竹乡", "凤凰镇", "双溪乡", "三江镇", "柏树乡", "太平镇", "平安乡", "东山镇",
    "西岭乡", "北坪乡", "古城镇", "洪源乡",
)
EXTRA_VILLAGES = (
    "官田", "岭背", "庙前", "坳头", "湖坪", "茶园", "槐树", "荷塘", "横江", "社下", "田心",
    "老屋", "东坑", "西坑", "坪上", "桥头", "洲头", "岗上", "牛岭", "鹅公", "石角", "垇下",
)
SUBJECTS = (
    ("数学", "期末数学达到及格，计算题少出错", "每周二、四放学后30分钟",
     "计算练习，应用题审题", "一对一讲解，错题本，每周批改一次"),
    ("语文", "能独立完成一篇300字作文", "每周三午休", "阅读短文，写日记",
     "共读课外书，面批作文"),
    ("英语", "掌握本学期单词和基本句型", "每周一、五早读", "单词听写，课文朗读",
     "同伴互助，听读打卡"),
    ("物理", "理解本学期的基本概念，实验题得分", "每周四晚自习", "概念梳理，实验复习",
     "小组讨论，错题讲评"),
)
ORGANISATIONS = ("县妇联", "县团委", "县志愿者协会", "爱心企业", "村委会", "县关工委")

TALK_SUMMARIES = (
    "聊了这周的学习，数学作业按时完成，鼓励继续保持。",
    "说起想念在外打工的妈妈，安慰了他，约好周末视频。",
    "和同学有点小矛盾，已经调解，情绪平稳。",
    "最近睡得晚，提醒按时作息，跟爷爷沟通了。",
    "参加了学校合唱排练，很开心，主动说了很多话。",
    "作文进步明显，表扬了她，鼓励多读课外书。",
    "上课注意力不集中，约好每天课后检查作业。",
    "说周末帮奶奶干农活，提醒注意安全。",
    "午饭吃得少，了解到早上没吃早饭，已提醒监护人。",
    "考试没考好有些沮丧，帮他分析了错题。",
    "担任小组长，很认真，鼓励多帮助同学。",
    "聊了防溺水和交通安全，能说出注意事项。",
    "生日快到了，想让爸爸回来，答应帮她打视频电话。",
    "手机玩得多，和她约定了每天的时间。",
    "最近和同桌关系很好，性格开朗了一些。",
    "谈了寄宿生活，已经习惯，晚上能按时睡觉。",
)
FAMILY_SUMMARIES = (
    "指导孩子给爸爸妈妈打了亲情电话，聊了学习和身体。",
    "孩子写了一封信给在外的妈妈，已寄出。",
    "视频通话，父母询问了期中考试情况，孩子很开心。",
    "和父亲通电话，交流了孩子近期的表现。",
)
VISIT_SUMMARIES = (
    "家访，家里干净整洁，奶奶身体尚好，孩子作业已完成。",
    "家访，了解孩子周末在家作息，提醒监护人注意用电安全。",
    "家访，爷爷腿脚不便，孩子帮忙做家务，叮嘱注意安全。",
    "家访，和监护人一起检查了孩子的作业和学习用品。",
)
GUARDIAN_SUMMARIES = (
    "和奶奶电话沟通孩子在校表现。",
    "和监护人交流孩子的饮食和睡眠。",
    "提醒监护人假期注意孩子的安全。",
)
REPORT_SUMMARIES = (
    "向家长通报了本学期学习和在校表现。",
    "把期末成绩和评语发给了父母，约好寒假多打电话。",
)
FESTIVAL_SUMMARIES = (
    "和孩子一起过节，包饺子、做游戏。",
    "节日里陪孩子吃了团圆饭，送了学习用品。",
)
FESTIVALS = ((1, 1), (6, 1), (9, 20), (12, 22))  # 元旦, 儿童节, 中秋 (about), 冬至
WELLBEING = (1, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 4, 5, 5, 5)
CHILD_ONLY = (ContactWith.CHILD.value,)
GUARDIAN_ONLY = (ContactWith.GUARDIAN.value,)
GUARDIAN_AND_CHILD = (ContactWith.GUARDIAN.value, ContactWith.CHILD.value)
CONCERN_TEXTS = (
    (ConcernCategory.LEARNING, "最近作业多次未完成，上课容易走神。"),
    (ConcernCategory.PSYCHOLOGICAL, "父母外出后情绪低落，不愿和同学说话，需要心理疏导。"),
    (ConcernCategory.HEALTH, "经常说肚子疼，监护人说没带去看过医生。"),
    (ConcernCategory.FAMILY, "奶奶住院，孩子放学后无人照看。"),
    (ConcernCategory.OTHER, "周末常去网吧，监护人管不住。"),
)
SERIOUS_TEXTS = (
    (ConcernCategory.SAFETY, "孩子说放学路上被高年级学生拦住要钱，手臂有淤青，不敢告诉家里。"),
    (ConcernCategory.SAFETY, "孩子说周末独自去河边玩水，险些出事。"),
    (ConcernCategory.PSYCHOLOGICAL, "孩子在日记里写了不想活了，需要立即关注。"),
)
NOTE_TEXTS = (
    "和孩子及监护人谈过，约定每周跟进一次。",
    "联系了在外的父母，说明情况，父母表示会多打电话。",
    "已请学校心理老师介入疏导。",
    "情况好转，孩子情绪稳定。",
    "已转介镇卫生院检查。",
)

HARDSHIP_CHOICES = tuple(((kind, note), weight) for kind, note, weight in HARDSHIPS)

# What became of a concern raised more than two weeks ago.
LATER_STATUSES = ((ConcernStatus.RESOLVED, 50), (ConcernStatus.FOLLOWING_UP, 25),
                  (ConcernStatus.REFERRED, 10), (ConcernStatus.OPEN, 15))

_WEEK = timedelta(days=7)
_DAY = timedelta(days=1)


class CountyExists(Exception):
    """A county of that name is there already (and ``replace`` was not asked for)."""


class NotSynthetic(Exception):
    """The county of that name was not made by this generator: it is never deleted."""


@dataclass
class CountySpec:
    name: str = DEFAULT_COUNTY_NAME
    children: int = DEFAULT_CHILDREN
    schools: int | None = None
    townships: int | None = None
    seed: int = DEFAULT_SEED
    password: str = DEMO_PASSWORD

    def resolved(self):
        schools = self.schools or max(1, round(self.children / CHILDREN_PER_SCHOOL))
        townships = self.townships or max(1, round(schools / SCHOOLS_PER_TOWNSHIP))
        if self.children < 1 or schools < 1 or townships < 1:
            raise ValueError("Children, schools and townships must be at least 1.")
        if schools > self.children:
            raise ValueError("There cannot be more schools than children.")
        if townships > schools:
            raise ValueError("There cannot be more townships than schools.")
        return schools, townships


@dataclass
class Result:
    county: County
    counts: dict = field(default_factory=dict)
    phases: list = field(default_factory=list)  # [(name, seconds)]
    logins: list = field(default_factory=list)  # [(username, description)]
    seconds: float = 0.0


# --- Writing rows ------------------------------------------------------------------------


@lru_cache(maxsize=4096)
def _json_tuple(value):
    return json.dumps(list(value), ensure_ascii=False)


def _json_text(value):
    if isinstance(value, tuple):
        return _json_tuple(value)
    return None if value is None else json.dumps(value, ensure_ascii=False)


def _iso_or_none(value):
    return None if value is None else value.isoformat()


def _hex_or_none(value):
    return None if value is None else value.hex


# Field types whose Python values SQLite stores as they are (see ``RowWriter``).
_SQLITE_AS_IS = {"ForeignKey", "CharField", "TextField", "BooleanField", "IntegerField",
                 "SmallIntegerField", "PositiveIntegerField", "PositiveSmallIntegerField",
                 "BigIntegerField"}


class RowWriter:
    """Buffered inserts of one model's rows without model instances: ``COPY`` on
    PostgreSQL, ``executemany`` elsewhere, one transaction per batch. Rows are tuples in
    ``fields`` order (JSON values may be tuples); every other column gets its model
    default, and ``auto_now``/``auto_now_add`` columns ``now``."""

    def __init__(self, model, fields, *, now, batch=STREAM_BATCH, on_flush=None):
        opts = model._meta
        self.fields = [opts.get_field(name) for name in fields]
        self.connection = connections[router.db_for_write(model)]
        self.postgres = self.connection.vendor == "postgresql"
        extra = []
        for f in opts.concrete_fields:
            if f.primary_key or f.name in fields:
                continue
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                value = now
            elif f.unique:
                raise ValueError(f"{model.__name__}.{f.name} is unique: give its values.")
            elif f.has_default() or f.null or f.blank:
                value = f.get_default()
            else:
                raise ValueError(f"{model.__name__}.{f.name} needs a value.")
            extra.append((f, value))
        every = self.fields + [f for f, _ in extra]
        self.converters = [self._converter(f) for f in self.fields]
        self.extra = tuple(
            convert(v) if (convert := self._converter(f)) else v for f, v in extra)
        quote = self.connection.ops.quote_name
        columns = ", ".join(quote(f.column) for f in every)
        table = quote(opts.db_table)
        if self.postgres:
            self.sql = f"COPY {table} ({columns}) FROM STDIN"
        else:
            marks = ", ".join(["%s"] * len(every))
            # Table and column names from the model's meta, quoted; values as parameters.
            self.sql = f"INSERT INTO {table} ({columns}) VALUES ({marks})"  # noqa: S608
        self.batch = batch
        self.on_flush = on_flush
        self.rows = []
        self.count = 0

    def _converter(self, f):
        """How a value of ``f`` goes to the database (``None``: as it is)."""
        if isinstance(f, JSONField):
            return _json_text
        if self.postgres:
            return None  # COPY takes dates, datetimes, UUIDs and numbers as they are
        connection = self.connection
        if connection.vendor == "sqlite":
            kind = f.get_internal_type()
            if kind in _SQLITE_AS_IS:
                return None
            if kind == "DateField":
                return _iso_or_none
            if kind == "UUIDField":
                return _hex_or_none
            if kind == "DateTimeField" and settings.USE_TZ:
                zone = connection.timezone

                def naive(value):
                    # As the backend stores them: naive, in the connection's time zone.
                    return None if value is None else str(
                        value.astimezone(zone).replace(tzinfo=None))

                return naive

        def convert(value):
            return f.get_db_prep_save(value, connection)

        return convert

    def add(self, row):
        self.rows.append(row)
        if len(self.rows) >= self.batch:
            self.flush()

    def _prepared(self, rows):
        converters = [(i, c) for i, c in enumerate(self.converters) if c is not None]
        extra = self.extra
        for row in rows:
            if converters:
                row = list(row)
                for i, convert in converters:
                    row[i] = convert(row[i])
                row = tuple(row)
            yield row + extra

    def flush(self):
        rows, self.rows = self.rows, []
        if not rows:
            return
        with transaction.atomic(using=self.connection.alias), self.connection.cursor() as cursor:
            if self.postgres:
                with cursor.cursor.copy(self.sql) as copy:
                    for row in self._prepared(rows):
                        copy.write_row(row)
            else:
                cursor.executemany(self.sql, list(self._prepared(rows)))
        before = self.count
        self.count += len(rows)
        if self.on_flush:
            self.on_flush(before, self.count)


def _bulk_create(model, objects):
    """``bulk_create`` in batches, in one transaction; returns the objects with ids."""
    with transaction.atomic(using=router.db_for_write(model)):
        return model.objects.bulk_create(objects, batch_size=BATCH)


# The tables a county fills.
_TABLES = (County, Township, School, User, Classroom, Term, TermDay, CareStandard, Child,
           FamilyMember, RegistryEpisode, Volunteer, Pairing, ContactLog, Concern, ConcernNote,
           ConcernAlert, HelpPlan)


def vacuum(*, analyze):
    """On PostgreSQL, ``VACUUM`` (outside a transaction; inside one, only ``ANALYZE``) the
    tables a county fills: after a county is deleted its space is reused rather than the
    tables doubling, and after one is made the planner has its statistics. Returns what
    was done, or ``None`` on another database."""
    connection = connections[router.db_for_write(ContactLog)]
    if connection.vendor != "postgresql":
        return None
    if connection.in_atomic_block:
        if not analyze:
            return None
        command = "ANALYZE"
    else:
        command = "VACUUM (ANALYZE)" if analyze else "VACUUM"
    with connection.cursor() as cursor:
        for model in _TABLES:
            cursor.execute(f"{command} {connection.ops.quote_name(model._meta.db_table)}")
    return f"{command} of {len(_TABLES)} tables"


# --- Deleting a synthetic county ---------------------------------------------------------


def synthetic_code(name, taken):
    """A free county code for ``name``: the prefix and four digits from the name."""
    start = zlib.crc32(name.encode()) % 10_000
    for step in range(10_000):
        code = f"{SYNTHETIC_CODE_PREFIX}{(start + step) % 10_000:04d}"
        if code not in taken:
            return code
    raise RuntimeError("No synthetic county code is free.")


def is_synthetic(county):
    return len(county.code) == 6 and county.code.startswith(SYNTHETIC_CODE_PREFIX)


_PROJECT_APPS = ("registry", "interventions", "reports")
# Deleted explicitly, in this order, by ``delete_county``.
_HANDLED = (ConcernAlert, ConcernNote, Concern, HelpPlan, ContactLog, Pairing, Volunteer,
            AccessLog, RegistryEpisode, FamilyMember, Child, CareStandard, TermDay, Term,
            Classroom, User, School, Township, County)


def delete_county(county, progress=None):
    """Delete a synthetic county and everything in it, in dependency order (the care
    records protect the children, staff and schools they point at). The large tables
    are deleted with plain ``DELETE`` statements: no model instances, no signals."""
    if not is_synthetic(county):
        raise NotSynthetic(county.name)
    children = Child.objects.filter(county=county)
    schools = School.objects.filter(county=county)
    users = User.objects.filter(Q(school__county=county) | Q(township__county=county)
                                | Q(county=county))
    user_ids = list(users.values_list("pk", flat=True))
    concerns = Concern.objects.filter(Q(child__in=children) | Q(school__in=schools))
    deleted = Counter()

    def raw(qs):
        # QuerySet._raw_delete: one DELETE ... WHERE, without fetching rows or sending
        # signals (auditlog would otherwise load and log every row).
        begun = time.monotonic()
        count = qs._raw_delete(qs.db) or 0
        deleted[qs.model._meta.label] += count
        if progress and count >= PROGRESS_EVERY / 10:
            progress(f"{count:,} {qs.model.__name__} rows deleted "
                     f"({time.monotonic() - begun:.1f}s)")

    with transaction.atomic(), disable_auditlog():
        # First whatever else of the project's apps points into the county (monthly
        # submissions, pending uploads, models added later), through Django's collector.
        owned = {County: [county], Township: Township.objects.filter(county=county),
                 School: schools, Classroom: Classroom.objects.filter(school__in=schools),
                 Term: Term.objects.filter(county=county), User: user_ids, Child: children}
        for model in apps.get_models():
            if model in _HANDLED or model._meta.app_label not in _PROJECT_APPS:
                continue
            condition = Q()
            for f in model._meta.concrete_fields:
                if f.is_relation and f.related_model in owned:
                    condition |= Q(**{f"{f.name}__in": owned[f.related_model]})
            if condition:
                _, by_model = model.objects.filter(condition).delete()
                deleted.update(by_model)
        raw(ConcernAlert.objects.filter(Q(concern__in=concerns) | Q(recipient__in=user_ids)))
        raw(ConcernNote.objects.filter(Q(concern__in=concerns) | Q(author__in=user_ids)))
        raw(Concern.objects.filter(Q(child__in=children) | Q(school__in=schools)
                                   | Q(assigned_to__in=user_ids) | Q(raised_by__in=user_ids)))
        raw(HelpPlan.objects.filter(Q(child__in=children) | Q(school__in=schools)
                                    | Q(teacher__in=user_ids) | Q(created_by__in=user_ids)
                                    | Q(term__county=county)))
        raw(ContactLog.objects.filter(child__in=children))
        raw(ContactLog.objects.filter(Q(school__in=schools) | Q(author__in=user_ids)))
        raw(Pairing.objects.filter(Q(child__in=children) | Q(school__in=schools)
                                   | Q(staff__in=user_ids) | Q(created_by__in=user_ids)
                                   | Q(volunteer__county=county)))
        raw(Volunteer.objects.filter(Q(county=county) | Q(school__in=schools)))
        raw(AccessLog.objects.filter(Q(child__in=children) | Q(school__in=schools)
                                     | Q(user__in=user_ids)))
        raw(RegistryEpisode.objects.filter(Q(child__in=children) | Q(school__in=schools)
                                           | Q(opened_by__in=user_ids)
                                           | Q(closed_by__in=user_ids)))
        raw(FamilyMember.objects.filter(child__in=children))
        raw(Child.objects.filter(county=county))
        raw(CareStandard.objects.filter(county=county))
        raw(TermDay.objects.filter(term__county=county))
        raw(Term.objects.filter(county=county))
        raw(Classroom.objects.filter(school__in=schools))
        # The staff through the collector: the admin's log entries go with them, the
        # change history keeps its entries without an actor.
        for start in range(0, len(user_ids), BATCH):
            _, by_model = User.objects.filter(pk__in=user_ids[start:start + BATCH]).delete()
            deleted.update(by_model)
        raw(School.objects.filter(county=county))
        raw(Township.objects.filter(county=county))
        county.delete()
        deleted[County._meta.label] += 1
    return deleted


# --- The plan of the county --------------------------------------------------------------


@dataclass(eq=False)
class _School:
    index: int
    township: int
    code: str
    name: str
    stage: str
    kind: str  # "seat", "central", "junior", "nine", "village"
    weight: float
    children: int = 0
    pupils: int = 0
    pk: int = 0
    grades: tuple = ()
    classes: dict = field(default_factory=dict)  # grade -> [_Class]
    admins: list = field(default_factory=list)  # user pks
    teachers: list = field(default_factory=list)  # user pks (homeroom and subject)
    subject_teachers: list = field(default_factory=list)

    @property
    def is_town(self):
        return self.kind in ("seat", "central", "junior")


@dataclass(eq=False)
class _Class:
    school: _School
    grade: int
    number: int
    teacher: int = 0  # user pk
    pk: int = 0
    diligence: float = 0.8


@dataclass(eq=False)
class _Stay:
    """One registry episode, and what the logs of that time need."""

    school: _School
    classroom: _Class  # whose homeroom teacher logs (at a former school: a stand-in)
    entered: date
    kind: str
    exited: date | None = None
    reason: str = ""
    note: str = ""
    mentors: list = field(default_factory=list)  # [(staff pk, start, end or None)]
    surrogates: list = field(default_factory=list)


class _Kid:
    """A child as the generator plans them: where they are now (school, class), their
    family situation, their registry episodes, and whom a family contact reaches."""

    __slots__ = ("pk", "index", "school", "classroom", "grade", "situation", "categories",
                 "stays", "reachable")

    def __init__(self, index, school, classroom, situation):
        self.index = index
        self.school = school
        self.classroom = classroom
        self.grade = classroom.grade
        self.situation = situation
        self.pk = 0
        self.categories = []
        self.stays = []
        self.reachable = ()


def _active(intervals, day):
    """Who of ``[(person, start, end or None)]`` is paired on ``day``."""
    for person, start, stop in intervals:
        if start <= day and (stop is None or day <= stop):
            return person
    return None


@lru_cache(maxsize=64)
def _cumulative(pairs):
    values, weights = zip(*pairs, strict=True)
    return values, list(accumulate(weights))


def _weighted(rng, pairs):
    """One of ``((value, weight), ...)`` (a tuple), by weight."""
    values, cum_weights = _cumulative(pairs)
    return rng.choices(values, cum_weights=cum_weights)[0]


def _aware(day, minutes, tz):
    return datetime.combine(day, dtime(0, 0), tzinfo=tz) + timedelta(minutes=minutes)


def _stage_grades(stage):
    return {
        SchoolStage.PRIMARY: (1, 2, 3, 4, 5, 6),
        SchoolStage.JUNIOR: (7, 8, 9),
        SchoolStage.NINE_YEAR: (1, 2, 3, 4, 5, 6, 7, 8, 9),
    }[stage]


class _Calendar:
    """The county's terms, their teaching days, and which days are in a term."""

    def __init__(self, plans):
        self.terms = []  # (start, end)
        self.teaching = set()
        self.in_term = set()
        for start, end, special in plans:
            self.terms.append((start, end))
            holidays = {d for d, kind, _n in special if kind == TermDay.Kind.HOLIDAY}
            makeups = {d for d, kind, _n in special if kind == TermDay.Kind.MAKEUP}
            day = start
            while day <= end:
                self.in_term.add(day)
                if (day.weekday() < 5 and day not in holidays) or day in makeups:
                    self.teaching.add(day)
                day += _DAY
        self.teaching_sorted = sorted(self.teaching)
        self.week = defaultdict(list)  # Monday -> teaching days of that week
        for day in self.teaching_sorted:
            self.week[day - timedelta(days=day.weekday())].append(day)

    def teaching_between(self, lo, hi):
        i, j = bisect_left(self.teaching_sorted, lo), bisect_right(self.teaching_sorted, hi)
        return self.teaching_sorted[i:j]


class _Generator:
    def __init__(self, spec, progress):
        self.spec = spec
        self.n_schools, self.n_townships = spec.resolved()
        self.rng = random.Random(spec.seed)
        self.progress = progress
        self.today = timezone.localdate()
        self.now = timezone.now()
        self.tz = timezone.get_current_timezone()
        self.school_year = current_school_year(self.today)
        self.year_start = date(int(self.school_year[:4]), 9, 1)
        self.go_live = self.today - timedelta(days=GO_LIVE_DAYS)
        self.surname_cum = list(accumulate(SURNAME_WEIGHTS))
        self.counts = Counter()
        self.used_numbers = set()
        self.midnights = {}

    # Names and numbers

    def surname(self):
        return self.rng.choices(SURNAMES, cum_weights=self.surname_cum)[0]

    def given(self, chars, two=0.8):
        return "".join(self.rng.sample(chars, 2 if self.rng.random() < two else 1))

    def mobile(self):
        return self.rng.choice(MOBILE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"

    def adult_name(self, female=None):
        if female is None:
            female = self.rng.random() < 0.55
        return self.surname() + self.given(MOTHER_CHARS if female else FATHER_CHARS)

    def id_number(self, birth_date, sex):
        while True:
            sequence = self.rng.randrange(1000)
            if sequence % 2 != (sex == Sex.MALE):  # odd for boys, even for girls
                sequence ^= 1
            number = make_id_number(self.code, birth_date, sequence)
            if number not in self.used_numbers:
                self.used_numbers.add(number)
                return number

    def local_student_number(self, birth_date):
        while True:
            number = f"L{self.code}{birth_date:%Y%m%d}{self.rng.randrange(1000):03d}"
            if number not in self.used_numbers:
                self.used_numbers.add(number)
                return number

    def stamp(self, day, late=0.08):
        """When a contact on ``day`` was recorded: that afternoon or evening, now and
        then a day or two later; never after now."""
        base = self.midnights.get(day)
        if base is None:
            base = self.midnights[day] = _aware(day, 0, self.tz)
        random_ = self.rng.random
        minutes = 720 + int(random_() * 601)
        if random_() < late:
            minutes += 1440 * (1 + (random_() < 0.5))
        at = base + timedelta(minutes=minutes)
        return at if at < self.now else self.now

    def pick(self, options):
        """``rng.choice``, faster (for the million logs)."""
        return options[int(self.rng.random() * len(options))]

    # Phases

    def organisation(self):
        taken = set(County.objects.values_list("code", flat=True))
        self.code = synthetic_code(self.spec.name, taken)
        self.county = County.objects.create(name=self.spec.name, code=self.code)
        names = list(TOWNSHIP_NAMES)
        while len(names) < self.n_townships:
            names.append(f"第{len(names) + 1}乡")
        townships = _bulk_create(Township, [
            Township(county=self.county, name=names[t]) for t in range(self.n_townships)
        ])
        self.townships = townships
        # The county seat (the first township) has about twice the share of schools.
        shares = [2.0] + [1.0] * (self.n_townships - 1)
        per_township = [1] * self.n_townships
        for _ in range(self.n_schools - self.n_townships):
            t = max(range(self.n_townships), key=lambda i: shares[i] / per_township[i])
            per_township[t] += 1
        self.schools = []
        for t, count in enumerate(per_township):
            self.schools.extend(self._plan_township(t, townships[t].name, count))
        self._size_schools()
        objects = _bulk_create(School, [
            School(county=self.county, township=townships[s.township], code=s.code, name=s.name,
                   stage=s.stage, pupils_enrolled=s.pupils)
            for s in self.schools
        ])
        for plan, obj in zip(self.schools, objects, strict=True):
            plan.pk = obj.pk
        # Terms: last school year's and this one's, with their special days.
        start_year = int(self.school_year[:4])
        years = [f"{y}-{y + 1}" for y in (start_year - 1, start_year)]
        plans, terms, days = [], [], []
        for year in years:
            for semester, start, end, special in term_plan(year):
                plans.append((start, end, special))
                terms.append((Term(county=self.county, school_year=year, semester=semester,
                                   start_date=start, end_date=end), special))
        created = _bulk_create(Term, [term for term, _ in terms])
        for term, (_t, special) in zip(created, terms, strict=True):
            days.extend(TermDay(term=term, date=d, kind=kind, name=name)
                        for d, kind, name in special)
        _bulk_create(TermDay, days)
        self.term_objects = created
        self.calendar = _Calendar(plans)
        with transaction.atomic():
            care_standards_install_defaults(county=self.county)
        self.in_holidays = dict(CareStandard.objects.filter(county=self.county, valid_until=None)
                                .values_list("code", "applies_in_holidays"))
        self.counts.update(townships=len(townships), schools=len(objects), terms=len(created),
                           term_days=len(days), care_standards=len(self.in_holidays))
        return (f"county {self.spec.name} (code {self.code}), {len(townships)} townships, "
                f"{len(objects)} schools, {len(created)} terms with {len(days)} special days, "
                f"{len(self.in_holidays)} care standards")

    def _plan_township(self, t, township, count):
        rng = self.rng
        seat = t == 0
        short = township[:-1] if township.endswith(("镇", "乡")) else township
        villages = list(VILLAGES) + list(EXTRA_VILLAGES)
        rng.shuffle(villages)
        plans = []

        def add(kind, stage, name, weight):
            index = len(self.schools) + len(plans)
            code = f"S{t + 1:02d}-{len(plans) + 1:03d}"
            plans.append(_School(index=index, township=t, code=code, name=name, stage=stage,
                                 kind=kind, weight=weight))

        if count == 1:
            add("nine", SchoolStage.NINE_YEAR, f"{short}九年一贯制学校", 3.5)
            return plans
        if seat:
            add("seat", SchoolStage.PRIMARY, f"{short}第一小学", 9.0)
        else:
            add("central", SchoolStage.PRIMARY, f"{township}中心小学", 3.0)
        add("junior", SchoolStage.JUNIOR, f"{short}中学" if not seat else f"{short}第一中学",
            5.0 if seat else 3.5)
        if seat:
            extra = [("seat", SchoolStage.PRIMARY, f"{short}第二小学", 4.5),
                     ("junior", SchoolStage.JUNIOR, f"{short}第二中学", 3.5),
                     ("seat", SchoolStage.PRIMARY, f"{short}第三小学", 3.5)]
            for kind, stage, name, weight in extra[:max(0, count - 3)]:
                add(kind, stage, name, weight)
        n = 0
        while len(plans) < count:
            village = villages[n % len(villages)] + ("" if n < len(villages)
                                                     else str(n // len(villages) + 1))
            n += 1
            if rng.random() < 0.1:
                add("nine", SchoolStage.NINE_YEAR, f"{township}{village}学校",
                    rng.uniform(1.2, 2.4))
            else:
                add("village", SchoolStage.PRIMARY, f"{township}{village}小学",
                    min(1.6, max(0.2, rng.lognormvariate(-0.45, 0.5))))
        return plans

    def _size_schools(self):
        """Share the children out by weight (largest remainders), then classes and the
        school's roll."""
        rng = self.rng
        total = self.spec.children
        weights = [s.weight for s in self.schools]
        scale = total / sum(weights)
        exact = [w * scale for w in weights]
        sizes = [max(1, int(x)) for x in exact]
        order = sorted(range(len(sizes)), key=lambda i: exact[i] - int(exact[i]), reverse=True)
        i = 0
        while sum(sizes) < total:
            sizes[order[i % len(order)]] += 1
            i += 1
        while sum(sizes) > total:
            j = max(range(len(sizes)), key=lambda k: sizes[k])
            sizes[j] -= 1
        for school, size in zip(self.schools, sizes, strict=True):
            school.children = size
            school.grades = _stage_grades(school.stage)
            per_grade = max(1, round(size / len(school.grades) / REGISTERED_PER_CLASS))
            low, high = CLASS_SIZE["town" if school.is_town else "village"]
            pupils = 0
            for grade in school.grades:
                school.classes[grade] = [_Class(school, grade, n + 1) for n in range(per_grade)]
                pupils += sum(rng.randint(low, high) for _ in range(per_grade))
            school.pupils = max(pupils, size)

    def staff(self):
        rng = self.rng
        password = make_password(self.spec.password)
        users, owners = [], []  # (user, callback on pk)
        prefix = self.code

        def account(username, role, *, school=None, township=None, county=None, on_pk=None):
            female = rng.random() < 0.6
            users.append(User(
                username=username, password=password, real_name=self.adult_name(female),
                phone=self.mobile(), role=role, school_id=school.pk if school else None,
                township=township, county=county, is_active=True,
            ))
            owners.append(on_pk)

        for n in range(max(2, min(8, self.n_townships // 4 + 1))):
            account(f"{prefix}_bureau{n + 1}", Role.BUREAU, county=self.county)
        for t, township in enumerate(self.townships):
            for n in range(3):
                account(f"{prefix}_tw{t + 1:02d}_{n + 1}", Role.TOWNSHIP, township=township)
        for school in self.schools:
            base = f"{prefix}_{school.code.lower()}"
            for n in range(2 if school.children >= 120 else 1):
                account(f"{base}_admin{n + 1}", Role.SCHOOL_ADMIN, school=school,
                        on_pk=school.admins.append)
            number = 0
            for grade in school.grades:
                for classroom in school.classes[grade]:
                    number += 1

                    def homeroom(pk, classroom=classroom, school=school):
                        classroom.teacher = pk
                        school.teachers.append(pk)

                    account(f"{base}_t{number:03d}", Role.TEACHER, school=school, on_pk=homeroom)
            subject = round(number * 0.08) + (1 if school.children >= 60 else 0)
            for _ in range(subject):
                number += 1

                def subject_teacher(pk, school=school):
                    school.teachers.append(pk)
                    school.subject_teachers.append(pk)

                account(f"{base}_t{number:03d}", Role.TEACHER, school=school,
                        on_pk=subject_teacher)
        created = _bulk_create(User, users)
        for user, on_pk in zip(created, owners, strict=True):
            if on_pk:
                on_pk(user.pk)
        self.bureau_username = created[0].username
        # This school year's classes, each with its homeroom teacher and how diligent
        # that teacher is.
        plans = [c for s in self.schools for g in s.grades for c in s.classes[g]]
        objects = _bulk_create(Classroom, [
            Classroom(school_id=c.school.pk, school_year=self.school_year, grade=c.grade,
                      number=c.number, homeroom_teacher_id=c.teacher)
            for c in plans
        ])
        for plan, obj in zip(plans, objects, strict=True):
            plan.pk = obj.pk
            plan.diligence = _weighted(rng, DILIGENCE)
        self.usernames = {u.pk: u.username for u in created}
        self.counts.update(staff=len(created), classes=len(objects))
        return f"{len(created)} staff accounts, {len(objects)} classes"

    # Children

    def children(self):
        rng = self.rng
        total = self.spec.children
        situations = []
        for kind, share in FAMILY_SHARES:
            situations += [kind] * max(1, round(share * total))
        situations += ["both_away"] * max(0, total - len(situations))
        situations = situations[:total]
        rng.shuffle(situations)
        kids = []
        for school in self.schools:
            for _ in range(school.children):
                grade = rng.choice(school.grades)
                classroom = rng.choice(school.classes[grade])
                kids.append(_Kid(len(kids), school, classroom, situations[len(kids)]))
        self.kids = kids
        self._plan_stays()
        children, families = [], []
        for kid in kids:
            child, family = self._child(kid)
            children.append(child)
            families.append(family)
        created = _bulk_create(Child, children)
        for kid, child in zip(kids, created, strict=True):
            kid.pk = child.pk
        members = RowWriter(FamilyMember, ["child", "kind", "name", "phone", "situation",
                                           "workplace", "away_since", "relation", "age",
                                           "health", "note"], now=self.now)
        for kid, family in zip(kids, families, strict=True):
            for member in family:
                members.add((kid.pk, *member))
        members.flush()
        episodes = RowWriter(RegistryEpisode, [
            "child", "school", "entry_kind", "entered_on", "categories_at_entry", "exited_on",
            "exit_reason", "exit_note", "opened_by", "closed_by"], now=self.now)
        for kid in kids:
            for i, stay in enumerate(kid.stays):
                opened_by = stay.school.admins[0]
                closed_by = stay.school.admins[0] if stay.exited else None
                following = kid.stays[i + 1] if i + 1 < len(kid.stays) else None
                if (stay.reason == ExitReason.TRANSFERRED_OUT and following is not None
                        and following.school.stage == stay.school.stage):
                    # A transfer: the receiving school's admin takes the child in.
                    closed_by = following.school.admins[0]
                if stay.kind == EntryKind.TRANSFERRED_IN and i and (
                        kid.stays[i - 1].school.stage != stay.school.stage):
                    # A hand-on: the sending school's admin opens the new episode too.
                    opened_by = kid.stays[i - 1].school.admins[0]
                episodes.add((
                    kid.pk, stay.school.pk, stay.kind, stay.entered, tuple(kid.categories),
                    stay.exited, stay.reason, stay.note, opened_by, closed_by,
                ))
        episodes.flush()
        on_registry = sum(1 for k in kids if k.stays[-1].exited is None)
        self.counts.update(children=len(created), family_members=members.count,
                           episodes=episodes.count, on_registry=on_registry,
                           transfers=self.transfers, hand_ons=self.hand_ons, exits=self.exits,
                           reentries=self.reentries)
        return (f"{len(created)} children ({on_registry} on the registry), {members.count} "
                f"family members, {episodes.count} registry episodes ({self.hand_ons} "
                f"hand-ons, {self.transfers} transfers, {self.exits} exits, "
                f"{self.reentries} re-entries)")

    def _census_day(self):
        return min(self.go_live + timedelta(days=self.rng.randrange(CENSUS_DAYS)), self.today)

    def _between(self, lo, hi):
        if hi <= lo:
            return lo
        return lo + timedelta(days=self.rng.randint(0, (hi - lo).days))

    def _plan_stays(self):
        """Each child's registry episodes: census, start of the year, hand-on from a
        primary school, mid-year entry; then exits, re-entries and transfers."""
        rng, today = self.rng, self.today
        primaries_by_township = defaultdict(list)
        primaries = []
        for school in self.schools:
            if school.stage == SchoolStage.PRIMARY:
                primaries_by_township[school.township].append(school)
                primaries.append(school)
        by_grade_stage = defaultdict(list)
        for school in self.schools:
            for grade in school.grades:
                by_grade_stage[(grade, school.stage)].append(school)
        self.hand_ons = self.transfers = self.exits = self.reentries = 0
        census = []
        for kid in self.kids:
            school = kid.school
            first_grade = kid.grade == min(school.grades)
            if kid.situation == "pending":
                entered = max(today - timedelta(days=rng.randint(3, 20)), self.go_live)
                kid.stays.append(_Stay(school, kid.classroom, entered, EntryKind.REGISTERED))
            elif first_grade and school.stage == SchoolStage.JUNIOR and primaries \
                    and rng.random() < HAND_ON_SHARE:
                origins = primaries_by_township.get(school.township) or primaries
                origin = rng.choices(origins, weights=[o.children for o in origins])[0]
                # Last year's sixth grade had the teacher who now starts grade 1 again.
                stand_in = rng.choice(origin.classes[min(origin.grades)])
                entered = self._census_day()
                handed = max(min(self.year_start - timedelta(days=rng.randint(3, 10)), today),
                             entered)
                kid.stays.append(_Stay(origin, stand_in, entered, EntryKind.REGISTERED,
                                       exited=handed, reason=ExitReason.TRANSFERRED_OUT))
                kid.stays.append(_Stay(school, kid.classroom, handed,
                                       EntryKind.TRANSFERRED_IN))
                self.hand_ons += 1
            elif first_grade:
                # New at the school this September (the registry opened a year ago).
                entered = min(self.year_start + timedelta(days=rng.randrange(13)), today)
                kid.stays.append(_Stay(school, kid.classroom, entered, EntryKind.REGISTERED))
            elif rng.random() < MIDYEAR_ENTRY_SHARE:
                entered = self._between(self.go_live + timedelta(days=30),
                                        today - timedelta(days=3))
                kid.stays.append(_Stay(school, kid.classroom, entered, EntryKind.REGISTERED))
            else:
                kid.stays.append(_Stay(school, kid.classroom, self._census_day(),
                                       EntryKind.REGISTERED))
                census.append(kid)
        # Transfers between schools of the county: the child's earlier school taught
        # the same grade at the same stage.
        movers = rng.sample(census, min(len(census), round(len(self.kids) * TRANSFER_SHARE)))
        moved = set()
        for kid in movers:
            origins = [s for s in by_grade_stage[(kid.grade, kid.school.stage)]
                       if s is not kid.school]
            if not origins or kid.situation in ("returned", "pending"):
                continue
            stay = kid.stays[0]
            earliest = stay.entered + timedelta(days=20)
            latest = today - timedelta(days=7)
            if latest <= earliest:
                continue
            moved_on = self._between(earliest, latest)
            origin = rng.choice(origins)
            stay.school = origin
            stay.classroom = rng.choice(origin.classes[kid.grade])
            stay.exited, stay.reason = moved_on, ExitReason.TRANSFERRED_OUT
            kid.stays.append(_Stay(kid.school, kid.classroom, moved_on,
                                   EntryKind.TRANSFERRED_IN))
            moved.add(kid.index)
            self.transfers += 1
        # Exits during the year (and a few coming back).
        candidates = [k for k in self.kids if k.index not in moved and len(k.stays) == 1
                      and k.situation not in ("pending", "returned")]
        for kid in rng.sample(candidates, min(len(candidates),
                                              round(len(self.kids) * EXIT_SHARE))):
            stay = kid.stays[0]
            earliest, latest = stay.entered + timedelta(days=20), today - timedelta(days=1)
            if latest <= earliest:
                continue
            stay.exited = self._between(earliest, latest)
            if kid.situation in ("father_away", "mother_away", "both_away") \
                    and rng.random() < 0.5:
                stay.reason, stay.note = ExitReason.PARENT_RETURNED, "父母返乡,在家照顾"
            elif rng.random() < 0.6:
                stay.reason, stay.note = ExitReason.MOVED_AWAY, "随父母迁往务工地"
            else:
                stay.reason, stay.note = ExitReason.OTHER, "家庭情况变化"
            self.exits += 1
            back_earliest = stay.exited + timedelta(days=20)
            if stay.reason != ExitReason.PARENT_RETURNED and rng.random() < REENTRY_SHARE \
                    and back_earliest < today:
                back = self._between(back_earliest, min(today, stay.exited
                                                        + timedelta(days=90)))
                kid.stays.append(_Stay(kid.school, kid.classroom, back, EntryKind.REENTERED))
                self.reentries += 1

    def _child(self, kid):
        """An unsaved child and their family (tuples without the child), for ``kid``."""
        rng = self.rng
        school, grade = kid.school, kid.grade
        sex = Sex.MALE if rng.random() < 0.53 else Sex.FEMALE
        surname = self.surname()
        start_year = self.year_start.year - 6 - grade - (rng.random() < 0.06)
        birth_date = date(start_year, 9, 1) + timedelta(days=rng.randrange(365))
        id_number = self.id_number(birth_date, sex)
        township = self.townships[school.township].name
        child = Child(
            name=surname + self.given(BOY_CHARS if sex == Sex.MALE else GIRL_CHARS, 0.85),
            sex=sex, birth_date=birth_date, id_number=id_number, student_number="G" + id_number,
            ethnicity=_weighted(rng, ETHNICITIES),
            address=f"{self.spec.name}{township}{rng.choice(VILLAGES)}村{rng.randint(1, 9)}组",
            county=self.county, school_id=school.pk, classroom_id=kid.classroom.pk,
            boarding=rng.random() < (0.55 if grade >= 7 else 0.1 if grade >= 4 else 0),
            personality=rng.choice(PERSONALITIES),
            hobbies=",".join(rng.sample(HOBBIES, 1 if rng.random() < 0.7 else 2)),
            physical_condition=_weighted(rng, PHYSICAL),
        )
        if rng.random() < 0.05:
            child.chronic_illness = rng.choice(CHRONIC)
        first = kid.stays[0]
        age = self.year_start.year - birth_date.year
        father, mother, guardian, flags = self._family(kid, surname, age, first.entered)
        if kid.situation in ("both_away", "orphan", "abandoned") and rng.random() < 0.2:
            child.psychological_notes = rng.choice(PSYCHOLOGICAL)
        child.single_parent = flags.get("single_parent", False)
        child.abandoned = flags.get("abandoned", False)
        hardship = flags.get("hardship")
        if hardship is None and rng.random() < 0.09:
            hardship = _weighted(rng, HARDSHIP_CHOICES)
        if hardship:
            child.hardship_kind, child.hardship_note = hardship
            if hardship[0] == HardshipKind.DISABILITY:
                child.disability = hardship[1]
            elif hardship[0] == HardshipKind.ILLNESS:
                child.chronic_illness = hardship[1]
        kid.categories = self._categories(father, mother, child, first.entered)
        # A parent came home: the child left the registry (or, "returned", is still on
        # it and the school is prompted to check).
        if kid.situation == "returned" or any(
                s.reason == ExitReason.PARENT_RETURNED for s in kid.stays):
            for parent in (father, mother):
                if parent["situation"] == Situation.AWAY:
                    parent.update(situation=Situation.HOME, away_since=None, workplace="",
                                  note="已返乡")
        if rng.random() < GAP_SHARE:
            self._gaps(child, father, mother, guardian)
        if not child.id_number and child.student_number:
            child.student_number = self.local_student_number(birth_date)
        # Whom a family contact reaches: the parents away, else those at home.
        kid.reachable = tuple(
            (ContactWith.FATHER if p is father else ContactWith.MOTHER).value
            for p in (father, mother) if p["situation"] == Situation.AWAY
        ) or tuple(
            (ContactWith.FATHER if p is father else ContactWith.MOTHER).value
            for p in (father, mother) if p["situation"] == Situation.HOME
        )
        admin = first.school.admins[0]
        if rng.random() < CONSENT_SHARE:
            child.consent_date = first.entered - timedelta(days=rng.randint(0, 6))
            child.consent_method = rng.choice(("signed", "signed", "in_person", "phone"))
            child.consent_recorded_by_id = admin
        family = [
            tuple(m[k] for k in ("kind", "name", "phone", "situation", "workplace",
                                 "away_since", "relation", "age", "health", "note"))
            for m in (father, mother, guardian)
        ]
        if rng.random() < 0.05:
            family.append((FamilyMember.Kind.OTHER, self.adult_name(), self.mobile(), "", "",
                           None, FamilyMember.Relation.RELATIVE, None, "", "舅舅,可紧急联系"))
        return child, family

    def _member(self, kind, name, age, situation="", away_since=None, workplace="",
                relation="", phone=None, health="", note=""):
        if phone is None:
            phone = self.mobile() if situation in (Situation.HOME, Situation.AWAY) else ""
        if situation == Situation.AWAY and not workplace:
            workplace = _weighted(self.rng, WORKPLACES)
        return {"kind": kind, "name": name, "phone": phone, "situation": situation,
                "workplace": workplace if situation == Situation.AWAY else "",
                "away_since": away_since if situation == Situation.AWAY else None,
                "relation": relation, "age": age, "health": health, "note": note}

    def _family(self, kid, surname, child_age, entered):
        rng = self.rng
        Kind = FamilyMember.Kind
        mother_surname = self.surname()
        father_age = child_age + rng.randint(23, 34)
        mother_age = max(father_age - rng.randint(0, 5), child_age + 21)
        names = {Kind.FATHER: (surname + self.given(FATHER_CHARS), father_age),
                 Kind.MOTHER: (mother_surname + self.given(MOTHER_CHARS), mother_age)}
        flags = {}

        def parent(which, situation, away_since=None, workplace=""):
            name, age = names[which]
            member = self._member(which, name, age, situation, away_since, workplace)
            if situation == Situation.DECEASED:
                member["note"] = rng.choice(("因病去世", "因意外事故去世"))
            elif situation == Situation.UNKNOWN:
                member["note"] = rng.choice(("离异后失去联系", "离家多年,下落不明"))
            return member

        def long_away(which, workplace=""):
            since = months_before(entered, rng.randint(3, 26)) - timedelta(
                days=rng.randint(0, 25))
            return parent(which, Situation.AWAY, since, workplace)

        def grandparent():
            who = rng.choice(("爷爷", "奶奶", "奶奶", "外公", "外婆"))
            if who in ("爷爷", "外公"):
                name = (surname if who == "爷爷" else mother_surname) + self.given(
                    GRANDFATHER_CHARS, 0.6)
            else:
                name = self.surname() + self.given(GRANDMOTHER_CHARS, 0.6)
            phone = (f"0797-{rng.randint(6000000, 8999999)}" if rng.random() < 0.1
                     else self.mobile())
            return self._member(Kind.GUARDIAN, name, rng.randint(58, 78),
                                relation=FamilyMember.Relation.GRANDPARENT, phone=phone,
                                health=_weighted(rng, GUARDIAN_HEALTH), note=who)

        def relative():
            who = rng.choice(("叔叔", "伯伯", "姑姑", "舅舅", "姨妈"))
            female = who in ("姑姑", "姨妈")
            name = (surname if who in ("叔叔", "伯伯", "姑姑") else self.surname()) + self.given(
                MOTHER_CHARS if female else FATHER_CHARS)
            return self._member(Kind.GUARDIAN, name, rng.randint(32, 52),
                                relation=FamilyMember.Relation.RELATIVE, phone=self.mobile(),
                                health="健康", note=who)

        def as_guardian(member):
            relation = (FamilyMember.Relation.FATHER if member["kind"] == Kind.FATHER
                        else FamilyMember.Relation.MOTHER)
            return self._member(Kind.GUARDIAN, member["name"], member["age"], relation=relation,
                                phone=member["phone"], health="健康")

        def guardian_at_home(relative_share=0.12):
            return relative() if rng.random() < relative_share else grandparent()

        situation = kid.situation
        if situation == "both_away":
            father = long_away(Kind.FATHER)
            together = rng.random() < 0.6
            mother = long_away(Kind.MOTHER, father["workplace"] if together else "")
            if together and rng.random() < 0.7:
                mother["away_since"] = father["away_since"]
            guardian = guardian_at_home()
        elif situation in ("father_away", "returned"):
            father, mother = long_away(Kind.FATHER), parent(Kind.MOTHER, Situation.HOME)
            guardian = as_guardian(mother) if rng.random() < 0.5 else grandparent()
        elif situation == "mother_away":
            father, mother = parent(Kind.FATHER, Situation.HOME), long_away(Kind.MOTHER)
            guardian = as_guardian(father) if rng.random() < 0.4 else grandparent()
        elif situation == "single_parent":
            flags["single_parent"] = True
            lost = Kind.FATHER if rng.random() < 0.5 else Kind.MOTHER
            kept = Kind.MOTHER if lost == Kind.FATHER else Kind.FATHER
            gone = parent(lost, Situation.DECEASED if rng.random() < 0.55 else Situation.UNKNOWN)
            if rng.random() < 0.5:
                stays, guardian = long_away(kept), grandparent()
            else:
                stays = parent(kept, Situation.HOME)
                guardian = as_guardian(stays)
            father, mother = (gone, stays) if lost == Kind.FATHER else (stays, gone)
        elif situation == "orphan":
            father = parent(Kind.FATHER, Situation.DECEASED)
            mother = parent(Kind.MOTHER, Situation.DECEASED)
            guardian = guardian_at_home(0.25)
            if rng.random() < 0.7:
                flags["hardship"] = (HardshipKind.POVERTY, "父母双亡,靠祖辈务农收入生活")
        elif situation == "abandoned":
            flags["abandoned"] = True
            father = parent(Kind.FATHER, Situation.UNKNOWN)
            mother = parent(Kind.MOTHER, Situation.UNKNOWN)
            guardian = guardian_at_home(0.4)
        elif situation == "hardship":
            father = parent(Kind.FATHER, Situation.HOME)
            mother = parent(Kind.MOTHER, Situation.HOME)
            guardian = as_guardian(mother if rng.random() < 0.6 else father)
            flags["hardship"] = _weighted(rng, HARDSHIP_CHOICES)
        else:  # pending: the father left a month or two ago, not yet eligible
            father = parent(Kind.FATHER, Situation.AWAY,
                            self.today - timedelta(days=rng.randint(30, 80)))
            mother = parent(Kind.MOTHER, Situation.HOME)
            guardian = as_guardian(mother)
        return father, mother, guardian, flags

    @staticmethod
    def _categories(father, mother, child, on):
        """The categories on ``on`` (as ``Child.categories`` derives them)."""
        threshold = months_before(on, 3)

        def long_away(member):
            return (member["situation"] == Situation.AWAY and member["away_since"]
                    and member["away_since"] <= threshold)

        found = set()
        if long_away(father) and long_away(mother):
            found.add(Category.BOTH_AWAY)
        elif long_away(father):
            found.add(Category.FATHER_AWAY)
        elif long_away(mother):
            found.add(Category.MOTHER_AWAY)
        if father["situation"] == mother["situation"] == Situation.DECEASED:
            found.add(Category.ORPHAN)
        if child.abandoned:
            found.add(Category.ABANDONED)
        if child.single_parent:
            found.add(Category.SINGLE_PARENT)
        if child.hardship_kind:
            found.add(Category.HARDSHIP)
        return [str(c) for c in Category if c in found]

    def _gaps(self, child, father, mother, guardian):
        rng = self.rng
        count = 1 if rng.random() < 0.65 else 2
        names, weights = zip(*GAPS, strict=True)
        gaps = set()
        while len(gaps) < count:
            gaps.add(rng.choices(names, weights=weights)[0])
        away = [p for p in (father, mother) if p["situation"] == Situation.AWAY]
        reachable = [p for p in (father, mother)
                     if p["situation"] in (Situation.HOME, Situation.AWAY)]
        for gap in sorted(gaps):
            if gap in ("id_number", "student_number", "personality", "hobbies"):
                setattr(child, gap, "")
            elif gap == "health":
                child.physical_condition = ""
            elif gap == "guardian":
                if rng.random() < 0.5:
                    guardian["age"] = None
                else:
                    guardian["health"] = ""
            elif gap == "parent_phone" and reachable:
                rng.choice(reachable)["phone"] = ""
            elif gap == "workplace" and away:
                rng.choice(away)["workplace"] = ""

    # Pairings

    def pairings(self):
        volunteers = []
        for n in range(max(1, round(len(self.kids) / 1000))):
            volunteers.append(Volunteer(name=self.adult_name(), phone=self.mobile(),
                                        organisation=ORGANISATIONS[n % len(ORGANISATIONS)],
                                        county=self.county))
        town_schools = [s for s in self.schools if s.is_town]
        for school in town_schools[: max(1, len(town_schools) // 2)]:
            volunteers.append(Volunteer(name=self.adult_name(), phone=self.mobile(),
                                        organisation="家长志愿者", county=self.county,
                                        school_id=school.pk))
        volunteers = _bulk_create(Volunteer, volunteers)
        self.county_volunteers = [v.pk for v in volunteers if v.school_id is None]
        self.school_volunteers = defaultdict(list)
        for v in volunteers:
            if v.school_id is not None:
                self.school_volunteers[v.school_id].append(v.pk)
        self.pairing_writer = RowWriter(Pairing, [
            "child", "kind", "staff", "buddy_name", "buddy_classroom", "volunteer", "school",
            "start_date", "end_date", "created_by"], now=self.now)
        self.pairing_counts = Counter()
        for kid in self.kids:
            for stay in kid.stays:
                self._stay_pairings(kid, stay, current=stay is kid.stays[-1])
        self.pairing_writer.flush()
        counts = self.pairing_counts
        self.counts.update(volunteers=len(volunteers), pairings=self.pairing_writer.count)
        return (f"{self.pairing_writer.count} pairings ({counts[PairingKind.MENTOR]} mentor, "
                f"{counts[PairingKind.SURROGATE]} surrogate, {counts[PairingKind.BUDDY]} buddy, "
                f"{counts[PairingKind.VOLUNTEER]} volunteer), {len(volunteers)} volunteers")

    def _pair(self, kid, stay, kind, start, stop, *, staff=None, buddy="", buddy_class=None,
              volunteer=None):
        self.pairing_writer.add((kid.pk, kind, staff, buddy, buddy_class, volunteer,
                                 stay.school.pk, start, stop, stay.school.admins[0]))
        if kind == PairingKind.MENTOR:
            stay.mentors.append((staff, start, stop))
        elif kind == PairingKind.SURROGATE:
            stay.surrogates.append((staff, start, stop))
        self.pairing_counts[kind] += 1

    def _stay_pairings(self, kid, stay, *, current):
        """The pairings of one stay at a school: made in its first weeks, ended when the
        child left (a mentor now and then replaced)."""
        rng, today = self.rng, self.today
        school = stay.school
        staff = school.teachers + school.admins
        end = stay.exited
        first_day = min(stay.entered + timedelta(days=rng.randint(0, 20)), end or today, today)
        mentor = None
        if rng.random() < MENTOR_SHARE:
            mentor = stay.classroom.teacher if rng.random() < 0.35 else rng.choice(staff)
            start = first_day
            if end is None and rng.random() < MENTOR_CHANGE_SHARE \
                    and (today - first_day).days > 40:
                change = self._between(first_day + timedelta(days=20), today - timedelta(days=10))
                self._pair(kid, stay, PairingKind.MENTOR, first_day, change, staff=mentor)
                mentor, start = rng.choice(staff), change
            self._pair(kid, stay, PairingKind.MENTOR, start, end, staff=mentor)
        if rng.random() < SURROGATE_SHARE:
            choices = [s for s in staff if s != mentor] or staff
            self._pair(kid, stay, PairingKind.SURROGATE, first_day, end,
                       staff=rng.choice(choices))
        if current and end is None:
            if rng.random() < BUDDY_SHARE:
                buddy_class = rng.choice(school.classes[kid.grade])
                self._pair(kid, stay, PairingKind.BUDDY, first_day, None,
                           buddy=self.surname() + self.given(BOY_CHARS + GIRL_CHARS),
                           buddy_class=buddy_class.pk)
            if rng.random() < VOLUNTEER_SHARE:
                volunteer = rng.choice(self.school_volunteers[school.pk]
                                       + self.county_volunteers)
                self._pair(kid, stay, PairingKind.VOLUNTEER, first_day, None,
                           volunteer=volunteer)

    # Contact logs

    def contact_logs(self, started):
        rng = self.rng
        tokens = random.Random(f"{self.spec.seed}:{self.code}:tokens")
        self.token = lambda: uuid.UUID(int=tokens.getrandbits(128), version=4)

        def report(before, after):
            if after // PROGRESS_EVERY > before // PROGRESS_EVERY:
                self.progress(f"  {after // PROGRESS_EVERY * PROGRESS_EVERY:>9,} logs "
                              f"({time.monotonic() - started:.1f}s)")

        self.log_writer = RowWriter(ContactLog, [
            "child", "standard", "happened_on", "channel", "with_whom", "priorities", "summary",
            "wellbeing", "author", "school", "submission_token", "created_at", "updated_at",
        ], now=self.now, on_flush=report)
        priorities = [p.value for p in Priority]
        self.priority_sets = [(p,) for p in priorities] + [
            (a, b) for i, a in enumerate(priorities) for b in priorities[i + 1:]]
        self.concern_kids = {k.index for k in rng.sample(
            self.kids, min(len(self.kids), max(1, round(len(self.kids) * CONCERN_SHARE))))}
        self.concern_sources = {}  # kid index -> (token, day, author, stay)
        self.concern_talks = Counter()
        self.logs_by_author = Counter()
        for kid in self.kids:
            if rng.random() < NEVER_TALKED_SHARE:
                continue
            factor = rng.uniform(0.85, 1.0)
            for stay in kid.stays:
                self._stay_logs(kid, stay, stay.classroom.diligence * factor)
        self.log_writer.flush()
        self.counts.update(contact_logs=self.log_writer.count)
        return f"{self.log_writer.count:,} contact logs"

    def _emit(self, kid, stay, code, day, channel, whom, summary, author):
        token = self.token()
        self.log_writer.add((kid.pk, code, day, channel, whom, self.pick(self.priority_sets),
                             summary, self.pick(WELLBEING), author, stay.school.pk, token,
                             self.stamp(day), self.now))
        self.logs_by_author[author] += 1
        if code == StandardCode.WEEKLY_TALK and kid.index in self.concern_kids:
            # Any one of the child's talks, each as likely (reservoir sampling).
            seen = self.concern_talks[kid.index] = self.concern_talks[kid.index] + 1
            if self.rng.random() * seen < 1:
                self.concern_sources[kid.index] = (token, day, author, stay)

    def _stay_logs(self, kid, stay, d):
        """One stay's contact logs, ``d`` how diligent (0–1) the child's teachers were."""
        rng, today, cal = self.rng, self.today, self.calendar
        first = max(stay.entered, self.go_live)
        last = min(stay.exited or today, today)
        if stay.reason == ExitReason.TRANSFERRED_OUT:
            last = min(last, stay.exited - _DAY)  # the day itself is the new school's
        if last < first:
            return
        homeroom = stay.classroom.teacher
        this_monday = today - timedelta(days=today.weekday())
        # Weekly talks, on a teaching day of each week owed (this week's half done).
        monday = first - timedelta(days=first.weekday())
        while monday <= last:
            days = cal.week.get(monday)
            if days:
                if days[0] < first or days[-1] > last:
                    days = [x for x in days if first <= x <= last]
                chance = d / 2 if monday == this_monday else d
                if days and rng.random() < chance:
                    day = self.pick(days)
                    author = homeroom
                    if stay.mentors and rng.random() < 0.15:
                        author = _active(stay.mentors, day) or homeroom
                    channel = (Channel.IN_PERSON if rng.random() < 0.9
                               else self.pick((Channel.MESSAGE, Channel.PHONE)))
                    self._emit(kid, stay, StandardCode.WEEKLY_TALK, day, channel, CHILD_ONLY,
                               self.pick(TALK_SUMMARIES), author)
            monday += _WEEK
        # Monthly contacts, in the holidays too (by phone or video then).
        parents = kid.reachable
        month = first.replace(day=1)
        while month <= last:
            next_month = (month + timedelta(days=32)).replace(day=1)
            lo, hi = max(month, first), min(next_month - _DAY, last)
            span = (hi - lo).days
            month = next_month
            if span < 0:
                continue
            if rng.random() < 0.35 + 0.5 * d:
                day = lo + timedelta(days=rng.randint(0, span))
                channel = (self.pick((Channel.PHONE, Channel.VIDEO)) if day not in cal.in_term
                           else self.pick((Channel.PHONE, Channel.PHONE, Channel.LETTER,
                                            Channel.VIDEO)))
                whom = ((ContactWith.CHILD.value, *parents) if parents
                        else (ContactWith.CHILD.value, ContactWith.GUARDIAN.value))
                self._emit(kid, stay, StandardCode.FAMILY_CONTACT, day, channel, whom,
                           self.pick(FAMILY_SUMMARIES), homeroom)
            day = lo + timedelta(days=rng.randint(0, span))
            surrogate = _active(stay.surrogates, day)
            if rng.random() < ((0.3 + 0.5 * d) if surrogate else 0.2 * d):
                self._emit(kid, stay, StandardCode.HOME_VISIT, day, Channel.IN_PERSON,
                           GUARDIAN_AND_CHILD, self.pick(VISIT_SUMMARIES),
                           surrogate or homeroom)
            if rng.random() < 0.2 * d:
                day = lo + timedelta(days=rng.randint(0, span))
                self._emit(kid, stay, StandardCode.GUARDIAN_CONTACT, day, Channel.PHONE,
                           GUARDIAN_ONLY, self.pick(GUARDIAN_SUMMARIES), homeroom)
        # The semester report to the parents, in the term's last four weeks.
        for start, end in cal.terms:
            if rng.random() >= 0.45 + 0.5 * d:
                continue
            days = cal.teaching_between(max(start, end - timedelta(days=28), first),
                                        min(end, last))
            if days:
                self._emit(kid, stay, StandardCode.SEMESTER_REPORT, self.pick(days),
                           Channel.PHONE, parents or GUARDIAN_ONLY,
                           self.pick(REPORT_SUMMARIES), homeroom)
        # A festival together, once a year.
        for year in range(first.year, last.year + 1):
            days = [date(year, m, dd) for m, dd in FESTIVALS if first <= date(year, m, dd) <= last]
            if days and rng.random() < 0.35 + 0.4 * d:
                day = self.pick(days)
                self._emit(kid, stay, StandardCode.FESTIVAL, day, Channel.IN_PERSON, CHILD_ONLY,
                           self.pick(FESTIVAL_SUMMARIES), _active(stay.mentors, day) or homeroom)

    # Concerns and help plans

    def concerns(self):
        rng, today = self.rng, self.today
        tokens = random.Random(f"{self.spec.seed}:{self.code}:concerns")

        def token():
            return uuid.UUID(int=tokens.getrandbits(128), version=4)

        log_ids = dict(ContactLog.objects.filter(
            submission_token__in=[source[0] for source in self.concern_sources.values()]
        ).values_list("submission_token", "pk"))
        writer = RowWriter(Concern, [
            "child", "school", "log", "category", "severity", "description", "assigned_to",
            "status", "raised_by", "submission_token", "created_at", "resolved_at",
        ], now=self.now)
        plans = []
        for index in sorted(self.concern_sources):
            kid = self.kids[index]
            t, day, author, stay = self.concern_sources[index]
            serious = rng.random() < SERIOUS_SHARE
            category, text = rng.choice(SERIOUS_TEXTS if serious else CONCERN_TEXTS)
            severity = Severity.SERIOUS if serious else (
                Severity.PROMPT if rng.random() < 0.4 else Severity.WATCH)
            age = (today - day).days
            if age < 14:
                status = ConcernStatus.OPEN if rng.random() < 0.6 else ConcernStatus.FOLLOWING_UP
            else:
                status = _weighted(rng, LATER_STATUSES)
            assigned = stay.school.admins[0] if serious else stay.classroom.teacher
            raised_at = self.stamp(day, late=0)
            notes = []
            if status != ConcernStatus.OPEN:
                steps = 1 if status == ConcernStatus.FOLLOWING_UP else rng.randint(1, 3)
                note_day = day
                for step in range(steps):
                    note_day = min(note_day + timedelta(days=rng.randint(1, 12)), today)
                    final = step == steps - 1
                    notes.append((note_day, rng.choice(NOTE_TEXTS),
                                  status if final else ConcernStatus.FOLLOWING_UP))
            resolved_at = (max(self.stamp(notes[-1][0], late=0), raised_at)
                           if status == ConcernStatus.RESOLVED else None)
            concern_token = token()
            writer.add((kid.pk, stay.school.pk, log_ids.get(t), category, severity, text,
                        assigned, status, author, concern_token, raised_at, resolved_at))
            plans.append((concern_token, stay, assigned, raised_at, notes, serious))
        writer.flush()
        ids = dict(Concern.objects.filter(submission_token__in=[p[0] for p in plans])
                   .values_list("submission_token", "pk"))
        notes_writer = RowWriter(ConcernNote, ["concern", "happened_on", "note", "status",
                                               "author", "submission_token", "created_at"],
                                 now=self.now)
        alerts = RowWriter(ConcernAlert, ["concern", "recipient", "alerted_at",
                                          "acknowledged_at"], now=self.now)
        serious_count = 0
        for concern_token, stay, assigned, raised_at, notes, serious in plans:
            pk = ids[concern_token]
            for note_day, text, status in notes:
                notes_writer.add((pk, note_day, text, status, assigned, token(),
                                  max(self.stamp(note_day, late=0), raised_at)))
            if serious:
                serious_count += 1
                for admin in stay.school.admins:
                    acknowledged = None
                    if (self.now - raised_at).days >= 2 and rng.random() < 0.9:
                        acknowledged = min(raised_at + timedelta(hours=rng.randint(1, 40)),
                                           self.now)
                    alerts.add((pk, admin, raised_at, acknowledged))
        notes_writer.flush()
        alerts.flush()
        # Learning help plans, this term and last, for about one child in eight.
        current = [t for t in self.term_objects if t.start_date <= today]
        terms = current[-2:]
        plans_writer = RowWriter(HelpPlan, [
            "child", "school", "term", "subject", "teacher", "goals", "schedule", "content",
            "method", "review_notes", "created_by", "created_at", "updated_at"], now=self.now)
        for kid in self.kids:
            if rng.random() >= HELP_PLAN_SHARE * len(terms):
                continue
            term = rng.choice(terms)
            stay = next((s for s in kid.stays if s.entered <= term.end_date
                         and (s.exited is None or s.exited > term.start_date)), None)
            if stay is None:
                continue
            written = min(max(term.start_date, stay.entered) + timedelta(days=rng.randint(7, 30)),
                          term.end_date, today, stay.exited or today)
            subjects = SUBJECTS if kid.grade >= 8 else SUBJECTS[:3]
            subject, goals, schedule, content, method = rng.choice(subjects)
            teacher = rng.choice(stay.school.subject_teachers or [stay.classroom.teacher])
            review = "目标基本达成,下学期继续巩固。" if term.end_date < today else ""
            stamp = self.stamp(written, late=0)
            plans_writer.add((kid.pk, stay.school.pk, term.pk, subject, teacher, goals, schedule,
                              content, method, review, teacher, stamp, stamp))
        plans_writer.flush()
        self.counts.update(concerns=writer.count, serious_concerns=serious_count,
                           concern_notes=notes_writer.count, concern_alerts=alerts.count,
                           help_plans=plans_writer.count)
        return (f"{writer.count} concerns ({serious_count} serious), {notes_writer.count} "
                f"follow-up notes, {alerts.count} alerts, {plans_writer.count} help plans")

    def analyze(self):
        """Fresh planner statistics for the tables just filled (and, outside a
        transaction, a vacuum: visibility maps for index-only scans), so a benchmark
        right after measures the real plans."""
        return vacuum(analyze=True) or "nothing to do (not PostgreSQL)"

    def logins(self):
        """The largest school's admin, the busiest teacher and a bureau user."""
        largest = max(self.schools, key=lambda s: (s.children, -s.index))
        load = Counter()
        names = {}
        for kid in self.kids:
            stay = kid.stays[-1]
            if stay.exited is not None:
                continue
            people = {stay.classroom.teacher}
            people.update(p for p, _s, stop in stay.mentors + stay.surrogates if stop is None)
            for person in people:
                load[person] += 1
                names[person] = stay.school.name
        teacher_pks = {pk for s in self.schools for pk in s.teachers}
        busiest, children = max(((pk, n) for pk, n in load.items() if pk in teacher_pks),
                                key=lambda item: (item[1], -item[0]))
        return [
            (self.usernames[largest.admins[0]],
             f"school admin, {largest.name} ({largest.children} children)"),
            (self.usernames[busiest],
             f"teacher, {names[busiest]} ({children} children on their list, "
             f"{self.logs_by_author[busiest]} contact logs)"),
            (self.bureau_username, f"county education bureau, {self.spec.name}"),
        ]


def generate_county(spec=None, *, replace=False, progress=None):
    """Generate a synthetic county (see the module's docstring); returns a ``Result``."""
    spec = spec or CountySpec()
    progress = progress or (lambda line: None)
    started = time.monotonic()
    generator = _Generator(spec, progress)  # checks the sizes before anything is deleted
    phases = []

    def run(name, step, *args):
        begun = time.monotonic()
        progress(f"[{begun - started:7.1f}s] {name} ...")
        detail = step(*args)
        seconds = time.monotonic() - begun
        phases.append((name, seconds))
        progress(f"[{time.monotonic() - started:7.1f}s] {name}: {detail} ({seconds:.1f}s)")

    existing = County.objects.filter(name=spec.name).first()
    if existing is not None:
        if not replace:
            raise CountyExists(spec.name)
        if not is_synthetic(existing):
            raise NotSynthetic(spec.name)

        def clear():
            deleted = delete_county(existing, progress=lambda line: progress(f"  {line}"))
            vacuumed = vacuum(analyze=False)
            return f"{sum(deleted.values()):,} rows deleted" + (
                f", then {vacuumed}" if vacuumed else "")

        run("delete the earlier county", clear)
    run("organisation", generator.organisation)
    run("staff and classes", generator.staff)
    run("children, families and episodes", generator.children)
    run("pairings", generator.pairings)
    run("contact logs", generator.contact_logs, started)
    run("concerns and help plans", generator.concerns)
    run("statistics", generator.analyze)
    result = Result(county=generator.county, counts=dict(generator.counts), phases=phases,
                    logins=generator.logins())
    result.seconds = time.monotonic() - started
    return result
