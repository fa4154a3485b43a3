"""The date-dependent part of the demo county, built around today so the demo is always
current: this school year's terms with their holidays and make-up days, and the demo
schools' registered children (see ``build_children``).

Running the demo again resets the demo children rather than adding to them: every child of
the six demo schools is deleted (with family, registry episodes and access log lines; the
change history keeps its record of them) and the children are written afresh through the
registry's services. That keeps their dates relative to the new ``today``; anything else
recorded about children of the demo schools is lost, which is what a demo reset means.
"""

import random
from datetime import date, timedelta

from auditlog.context import set_actor
from django.utils import timezone

from registry import services
from registry.idnumber import make_id_number
from registry.models import (
    AccessLog,
    Child,
    Classroom,
    County,
    ExitReason,
    FamilyMember,
    HardshipKind,
    Role,
    School,
    Sex,
    Situation,
    Term,
    TermDay,
    User,
)
from registry.models.children import months_before
from registry.selectors import current_school_year

DEMO_PASSWORD = "guanai2026"  # noqa: S105 - the documented demo password

# (username, role description, what the login lands on); printed by `manage.py demo`.
DEMO_LOGINS = [
    ("teacher1", "homeroom teacher, 城关镇中心小学 (school A)", "my week"),
    ("teacher2", "homeroom teacher, 石桥镇初级中学 (school B)", "my week"),
    ("principal1", "school admin, 城关镇中心小学 (school A)", "the school page"),
    ("principal2", "school admin, 石桥镇初级中学 (school B)", "the school page"),
    ("township1", "township central school, 城关镇", "the township's summary"),
    ("bureau1", "county education bureau, 青山县 (county 1)", "the county summary"),
    ("bureau2", "county education bureau, 白水县 (county 2)", "the county summary"),
    ("admin", "superuser", "the summary of every county, and the admin"),
]


def _weekdays(first, last):
    day = first
    while day <= last:
        if day.weekday() < 5:
            yield day
        day += timedelta(days=1)


def _nearest_weekend_day(day, step):
    while day.weekday() < 5:
        day += timedelta(days=step)
    return day


def term_plan(school_year):
    """The two semesters of a school year with their special days, as in a typical
    county calendar: (semester, start, end, [(date, kind, name), ...])."""
    start_year = int(school_year[:4])
    y1, y2 = start_year, start_year + 1
    first = [
        *((d, TermDay.Kind.HOLIDAY, "国庆节") for d in _weekdays(date(y1, 10, 1), date(y1, 10, 7))),
        (_nearest_weekend_day(date(y1, 9, 30), -1), TermDay.Kind.MAKEUP, "国庆调休"),
        (_nearest_weekend_day(date(y1, 10, 8), 1), TermDay.Kind.MAKEUP, "国庆调休"),
        *((d, TermDay.Kind.HOLIDAY, "元旦") for d in _weekdays(date(y2, 1, 1), date(y2, 1, 1))),
    ]
    second = [
        *((d, TermDay.Kind.HOLIDAY, "清明节") for d in _weekdays(date(y2, 4, 4), date(y2, 4, 6))),
        *((d, TermDay.Kind.HOLIDAY, "劳动节") for d in _weekdays(date(y2, 5, 1), date(y2, 5, 5))),
        (_nearest_weekend_day(date(y2, 4, 30), -1), TermDay.Kind.MAKEUP, "劳动节调休"),
    ]
    return [
        (1, date(y1, 9, 1), date(y2, 1, 23), first),
        (2, date(y2, 2, 23), date(y2, 7, 10), second),
    ]


def build_terms(county, school_year):
    for semester, start, end, days in term_plan(school_year):
        key = {"county": county, "school_year": school_year, "semester": semester}
        term = Term.objects.filter(**key).first() or Term(**key)
        term.start_date, term.end_date = start, end
        services.term_save(term=term)
        term.special_days.all().delete()
        for day, kind, name in days:
            services.term_day_save(term_day=TermDay(term=term, date=day, kind=kind, name=name))


def build_demo(today=None):
    """Bring the loaded demo fixture up to ``today``'s school year, and (re)build the
    demo schools' children around ``today``."""
    today = today or timezone.localdate()
    school_year = current_school_year(today)
    Classroom.objects.exclude(school_year=school_year).update(school_year=school_year)
    for county in County.objects.all():
        build_terms(county, school_year)
    build_children(today, school_year)
    return school_year


# --- The demo children ------------------------------------------------------------------
#
# About sixty registered children per demo school, written through the registry's services
# by each school's admin, so the demo has what a real school has after its spring census:
# a realistic mix of categories, profiles at varying degrees of "five clear", consent,
# a few exits and one transfer. Everything is drawn from one seeded ``random.Random``, so a
# given ``today`` always gives the same children; dates are relative to ``today``.

DEMO_SCHOOL_PKS = (1, 2, 3, 4, 5, 6)
DEMO_SEED = 20260301
CHILDREN_PER_SCHOOL = 60
# A child of school 2 taken in by school 1 (by its admin) a few weeks before today.
TRANSFER_FROM, TRANSFER_TO = 3, 1
TRANSFER_WEEKS_AGO = 3
# Schools where two children left the registry in the last two months.
EXIT_SCHOOL_PKS = (1, 2)

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶"
    "程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方邹熊孟秦邱江尹薛段雷侯龙史陶黎贺顾毛"
    "郝龚邵万严覃向"
)
SURNAME_WEIGHTS = [1 / (rank + 8) for rank in range(len(SURNAMES))]
BOY_CHARS = "子浩宇轩俊杰博文涛鑫磊晨阳明辉强鹏飞斌豪翔乐睿泽铭坤航宏毅诚凯锦瑞"
GIRL_CHARS = "欣怡梓涵诗雨婷静雅思佳慧敏琳梦琪瑶璐嘉悦萱雪玲颖可馨语彤"
FATHER_CHARS = "建国军华明强伟平刚勇斌林海波志文兵东荣春金德"
MOTHER_CHARS = "芳丽娟红霞燕梅秀英玲兰萍琴艳春桂凤云"
GRANDFATHER_CHARS = "德福贵生发才荣山财有根树清"
GRANDMOTHER_CHARS = "秀英桂兰凤珍淑翠花莲玉香"

VILLAGES = (
    "杨柳", "桃源", "石门", "大坪", "新屋", "黄土", "枫树", "竹林", "龙潭", "高坑", "水口",
    "上湾", "下湾", "梅岭", "松山", "长岗", "白沙", "清水", "马鞍", "长冲", "塘背", "南坑",
    "樟树", "花园",
)
ETHNICITIES = (("汉族", 86), ("苗族", 6), ("瑶族", 4), ("土家族", 4))
WORKPLACES = (
    ("广东东莞", 16), ("广东深圳", 12), ("广东广州", 8), ("广东佛山", 5), ("浙江义乌", 10),
    ("浙江宁波", 6), ("浙江温州", 4), ("江苏苏州", 9), ("江苏昆山", 4), ("福建厦门", 7),
    ("福建晋江", 4), ("上海", 8), ("北京", 3), ("江西南昌", 4),
)
MOBILE_PREFIXES = (
    "130", "131", "132", "135", "136", "137", "138", "139", "150", "151", "152", "155",
    "157", "158", "159", "176", "177", "180", "181", "182", "183", "186", "187", "188",
    "189", "191", "198", "199",
)
PERSONALITIES = (
    "性格开朗,爱交朋友", "内向,不爱说话,做事认真", "活泼好动,注意力不易集中",
    "懂事,会帮爷爷奶奶做家务", "胆子较小,在陌生人面前害羞", "自尊心强,受到批评容易哭",
    "乐于助人,和同学相处融洽", "倔强,有主见", "文静,喜欢一个人看书", "热情,上课积极发言",
    "敏感,想念父母时情绪低落", "有礼貌,做事有条理", "好胜心强,不服输",
)
HOBBIES = (
    "画画、看书", "打篮球", "踢足球", "唱歌、跳舞", "下象棋", "跑步、跳绳", "写毛笔字",
    "看动画片、做手工", "打乒乓球", "弹电子琴", "养小动物", "讲故事", "折纸、剪纸",
    "读课外书、写日记",
)
PHYSICAL = (
    ("健康", 40), ("良好", 25), ("体质偏弱,容易感冒", 8), ("近视", 10), ("偏瘦", 6),
    ("偏胖", 4), ("有过敏性鼻炎", 3),
)
CHRONIC = ("哮喘", "过敏性紫癜", "癫痫,按时服药", "慢性胃炎")
PSYCHOLOGICAL = (
    "父母长期在外,较少表达情绪,需多关注", "与父母通话后情绪波动较大",
    "性格孤僻,需老师多鼓励", "偶有厌学情绪",
)
GUARDIAN_HEALTH = (
    ("健康", 30), ("身体尚可", 25), ("高血压", 12), ("腰腿不好,行动不便", 8),
    ("患糖尿病,需长期服药", 6), ("视力较差", 6), ("患慢性支气管炎", 5),
)
HARDSHIPS = (
    (HardshipKind.POVERTY, "脱贫监测户,家庭收入低", 5),
    (HardshipKind.ILLNESS, "患先天性心脏病,需定期复查", 2),
    (HardshipKind.DISABILITY, "听力二级残疾", 2),
    (HardshipKind.REMOTE, "家住深山,离校十余公里", 2),
    (HardshipKind.OTHER, "家中房屋受灾,暂住亲戚家", 1),
)
# Profile gaps of a child whose file is not yet complete, with their weights.
GAPS = (
    ("id_number", 3), ("student_number", 1.5), ("personality", 2), ("hobbies", 2),
    ("health", 1.5), ("guardian", 2), ("parent_phone", 1.5), ("workplace", 1),
)
COMPLETE_SHARE = 0.64
CONSENT_SHARE = 0.9


def _weighted(rng, pairs):
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights=weights)[0]


def _given(rng, chars, two=0.8):
    return "".join(rng.sample(chars, 2 if rng.random() < two else 1))


def _surname(rng):
    return rng.choices(SURNAMES, weights=SURNAME_WEIGHTS)[0]


def _mobile(rng):
    return rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"


def _clamp(day, today):
    return min(day, today)


class _Numbers:
    """Unique ID numbers and student numbers per county."""

    def __init__(self, rng):
        self.rng = rng
        self.used = set()

    def id_number(self, county, birth_date, sex):
        while True:
            sequence = self.rng.randrange(1000)
            if sequence % 2 != (sex == Sex.MALE):  # odd for boys, even for girls
                sequence ^= 1
            number = make_id_number(county.code, birth_date, sequence)
            if (county.pk, number) not in self.used:
                self.used.add((county.pk, number))
                return number

    def local_student_number(self, county, birth_date):
        """学籍号 of a pupil without an ID number: "L" and a local number."""
        while True:
            number = f"L{county.code}{birth_date:%Y%m%d}{self.rng.randrange(1000):03d}"
            if (county.pk, number) not in self.used:
                self.used.add((county.pk, number))
                return number


def _plan(rng, school):
    """The family situations of one school's children, shuffled."""
    n = CHILDREN_PER_SCHOOL + rng.randint(-4, 4)
    kinds = (
        ["orphan"] * (1 if school.pk == 1 else rng.randint(0, 1))
        + ["abandoned"] * rng.randint(1, 2)
        + ["single_parent"] * rng.randint(3, 6)
        + ["pending_both", "pending_only"]
        + ["mother_away"] * round(n * 0.09)
        + ["father_away"] * round(n * 0.24)
    )
    kinds += ["both_away"] * (n - len(kinds))
    rng.shuffle(kinds)
    return kinds


def _entry_date(rng, grade, school, school_year_start, today):
    """Registered at the start of this school year, or in the spring census before it
    (not for pupils who only joined the school this September)."""
    if grade != min(school.grades) and rng.random() < 0.6:
        return _clamp(school_year_start.replace(month=3, day=rng.randint(9, 20)), today)
    return _clamp(school_year_start + timedelta(days=rng.randint(0, 12)), today)


def _long_away_since(rng, entered_on):
    """Away for long enough already when the child was registered."""
    return months_before(entered_on, rng.randint(3, 26)) - timedelta(days=rng.randint(0, 25))


def _parent(rng, kind, name, age, situation, away_since=None, workplace=""):
    member = FamilyMember(kind=kind, name=name, age=age, situation=situation)
    if situation in (Situation.HOME, Situation.AWAY):
        member.phone = _mobile(rng)
    if situation == Situation.AWAY:
        member.away_since = away_since
        member.workplace = workplace or _weighted(rng, WORKPLACES)
    elif situation == Situation.DECEASED:
        member.note = rng.choice(("因病去世", "因意外事故去世"))
    elif situation == Situation.UNKNOWN:
        member.note = rng.choice(("离异后失去联系", "离家多年,下落不明"))
    return member


def _guardian_phone(rng):
    if rng.random() < 0.1:
        return f"0797-{rng.randint(6000000, 8999999)}"
    return _mobile(rng)


def _grandparent(rng, surname, mother_surname):
    who = rng.choice(("爷爷", "奶奶", "奶奶", "外公", "外婆"))
    if who == "爷爷":
        name = surname + _given(rng, GRANDFATHER_CHARS, 0.6)
    elif who == "外公":
        name = mother_surname + _given(rng, GRANDFATHER_CHARS, 0.6)
    else:
        name = _surname(rng) + _given(rng, GRANDMOTHER_CHARS, 0.6)
    return FamilyMember(
        kind=FamilyMember.Kind.GUARDIAN, name=name, relation=FamilyMember.Relation.GRANDPARENT,
        phone=_guardian_phone(rng), age=rng.randint(58, 78),
        health=_weighted(rng, GUARDIAN_HEALTH), note=who,
    )


def _relative(rng, surname):
    who = rng.choice(("叔叔", "伯伯", "姑姑", "舅舅", "姨妈"))
    name = (surname if who in ("叔叔", "伯伯", "姑姑") else _surname(rng)) + _given(
        rng, MOTHER_CHARS if who in ("姑姑", "姨妈") else FATHER_CHARS
    )
    return FamilyMember(
        kind=FamilyMember.Kind.GUARDIAN, name=name, relation=FamilyMember.Relation.RELATIVE,
        phone=_mobile(rng), age=rng.randint(32, 52), health="健康", note=who,
    )


def _parent_as_guardian(parent):
    relation = (FamilyMember.Relation.FATHER if parent.kind == FamilyMember.Kind.FATHER
                else FamilyMember.Relation.MOTHER)
    return FamilyMember(
        kind=FamilyMember.Kind.GUARDIAN, name=parent.name, relation=relation,
        phone=parent.phone, age=parent.age, health="健康",
    )


def _family(rng, kind, surname, child_age, entered_on, today):
    """(father, mother, guardian, recorded flags) for one family situation."""
    Kind = FamilyMember.Kind
    mother_surname = _surname(rng)
    father_age = child_age + rng.randint(23, 34)
    mother_age = max(father_age - rng.randint(0, 5), child_age + 21)
    father_name = surname + _given(rng, FATHER_CHARS)
    mother_name = mother_surname + _given(rng, MOTHER_CHARS)
    flags = {}

    def parent(which, situation, away_since=None, workplace=""):
        if which == Kind.FATHER:
            return _parent(rng, Kind.FATHER, father_name, father_age, situation, away_since,
                           workplace)
        return _parent(rng, Kind.MOTHER, mother_name, mother_age, situation, away_since,
                       workplace)

    def long_away(which, workplace=""):
        return parent(which, Situation.AWAY, _long_away_since(rng, entered_on), workplace)

    def recently_away(which):
        return parent(which, Situation.AWAY, today - timedelta(days=rng.randint(30, 60)))

    def grandparent_or_relative(relative_share):
        if rng.random() < relative_share:
            return _relative(rng, surname)
        return _grandparent(rng, surname, mother_surname)

    if kind == "both_away":
        father = long_away(Kind.FATHER)
        together = rng.random() < 0.6
        mother = long_away(Kind.MOTHER, father.workplace if together else "")
        if together and rng.random() < 0.7:
            mother.away_since = father.away_since
        guardian = grandparent_or_relative(0.12)
    elif kind == "father_away":
        father, mother = long_away(Kind.FATHER), parent(Kind.MOTHER, Situation.HOME)
        guardian = _parent_as_guardian(mother) if rng.random() < 0.5 else (
            _grandparent(rng, surname, mother_surname))
    elif kind == "mother_away":
        father, mother = parent(Kind.FATHER, Situation.HOME), long_away(Kind.MOTHER)
        guardian = _parent_as_guardian(father) if rng.random() < 0.4 else (
            _grandparent(rng, surname, mother_surname))
    elif kind == "single_parent":
        flags["single_parent"] = True
        lost = Kind.FATHER if rng.random() < 0.5 else Kind.MOTHER
        kept = Kind.MOTHER if lost == Kind.FATHER else Kind.FATHER
        gone = parent(lost, Situation.DECEASED if rng.random() < 0.55 else Situation.UNKNOWN)
        if rng.random() < 0.5:
            stays = long_away(kept)
            guardian = _grandparent(rng, surname, mother_surname)
        else:
            stays = parent(kept, Situation.HOME)
            guardian = _parent_as_guardian(stays)
        father, mother = (gone, stays) if lost == Kind.FATHER else (stays, gone)
    elif kind == "orphan":
        father = parent(Kind.FATHER, Situation.DECEASED)
        mother = parent(Kind.MOTHER, Situation.DECEASED)
        guardian = grandparent_or_relative(0.25)
        if rng.random() < 0.7:
            flags["hardship"] = (HardshipKind.POVERTY, "父母双亡,靠祖辈务农收入生活")
    elif kind == "abandoned":
        # In fact unattended (事实无人抚养): the parents left and cannot be reached.
        flags["abandoned"] = True
        father = parent(Kind.FATHER, Situation.UNKNOWN)
        mother = parent(Kind.MOTHER, Situation.UNKNOWN)
        guardian = grandparent_or_relative(0.4)
    elif kind == "pending_both":
        # Father away for long; the mother followed him only a month or two ago.
        father = long_away(Kind.FATHER)
        mother = recently_away(Kind.MOTHER)
        mother.workplace = father.workplace
        guardian = _grandparent(rng, surname, mother_surname)
    else:  # pending_only: the father left a month or two ago, not yet eligible
        father, mother = recently_away(Kind.FATHER), parent(Kind.MOTHER, Situation.HOME)
        guardian = _parent_as_guardian(mother)
    return father, mother, guardian, flags


def _birth_date(rng, grade, school_year_start):
    """Six by 31 August to start grade 1; now and then a year older."""
    start_year = school_year_start.year - 6 - grade - (rng.random() < 0.06)
    return date(start_year, 9, 1) + timedelta(days=rng.randrange(365))


def _apply_gaps(rng, child, father, mother, guardian):
    count = 1 if rng.random() < 0.65 else 2
    names, weights = zip(*GAPS, strict=True)
    gaps = set()
    while len(gaps) < count:
        gaps.add(rng.choices(names, weights=weights)[0])
    away = [p for p in (father, mother) if p.situation == Situation.AWAY]
    reachable = [p for p in (father, mother) if p.situation in (Situation.HOME, Situation.AWAY)]
    for gap in gaps:
        if gap in ("id_number", "student_number", "personality", "hobbies"):
            setattr(child, gap, "")
        elif gap == "health":
            child.physical_condition = ""
        elif gap == "guardian":
            if rng.random() < 0.5:
                guardian.age = None
            else:
                guardian.health = ""
        elif gap == "parent_phone" and reachable:
            rng.choice(reachable).phone = ""
        elif gap == "workplace" and away:
            rng.choice(away).workplace = ""


def _make_child(rng, numbers, kind, classroom, school, school_year_start, today, villages):
    """An unsaved child with their family, and the date they entered the registry."""
    grade = classroom.grade
    sex = Sex.MALE if rng.random() < 0.53 else Sex.FEMALE
    surname = _surname(rng)
    birth_date = _birth_date(rng, grade, school_year_start)
    id_number = numbers.id_number(school.county, birth_date, sex)
    child = Child(
        name=surname + _given(rng, BOY_CHARS if sex == Sex.MALE else GIRL_CHARS, 0.85),
        sex=sex, birth_date=birth_date, id_number=id_number, student_number="G" + id_number,
        ethnicity=_weighted(rng, ETHNICITIES),
        address=f"{school.county.name}{school.township.name}{rng.choice(villages)}村"
        f"{rng.randint(1, 9)}组",
        classroom=classroom,
        boarding=rng.random() < (0.55 if grade >= 7 else 0.1 if grade >= 4 else 0),
        personality=rng.choice(PERSONALITIES),
        hobbies=",".join(rng.sample(HOBBIES, 1 if rng.random() < 0.7 else 2)),
        physical_condition=_weighted(rng, PHYSICAL),
    )
    if rng.random() < 0.05:
        child.chronic_illness = rng.choice(CHRONIC)
    if kind in ("both_away", "orphan", "abandoned") and rng.random() < 0.2:
        child.psychological_notes = rng.choice(PSYCHOLOGICAL)
    if kind == "pending_only":
        entered_on = today - timedelta(days=rng.randint(3, 14))
    else:
        entered_on = _entry_date(rng, grade, school, school_year_start, today)
    age = child.age(school_year_start)
    father, mother, guardian, flags = _family(rng, kind, surname, age, entered_on, today)
    child.single_parent = flags.get("single_parent", False)
    child.abandoned = flags.get("abandoned", False)
    hardship = flags.get("hardship")
    if hardship is None and rng.random() < 0.09:
        hardship = _weighted(rng, [((k, note), w) for k, note, w in HARDSHIPS])
    if hardship:
        child.hardship_kind, child.hardship_note = hardship
        if hardship[0] == HardshipKind.DISABILITY:
            child.disability = hardship[1]
        elif hardship[0] == HardshipKind.ILLNESS:
            child.chronic_illness = hardship[1]
    if rng.random() >= COMPLETE_SHARE:
        _apply_gaps(rng, child, father, mother, guardian)
    if not child.id_number and child.student_number:
        child.student_number = numbers.local_student_number(school.county, birth_date)
    return child, [father, mother, guardian], entered_on


def _school_admin(school):
    return User.objects.filter(role=Role.SCHOOL_ADMIN, school=school, is_active=True).earliest("pk")


def reset_demo_children(*, schools):
    """Remove every child of the demo schools, with their family, registry episodes and
    access log lines (the change history keeps its record of them)."""
    children = Child.objects.filter(school__in=schools)
    AccessLog.objects.filter(child__in=children).delete()
    children.delete()


def build_children(today, school_year):
    """Register the demo children of the demo schools, then the exits and the transfer;
    returns {school pk: [(family situation, child), ...]}."""
    rng = random.Random(DEMO_SEED)
    schools = list(
        School.objects.filter(pk__in=DEMO_SCHOOL_PKS).select_related("county", "township")
        .order_by("pk")
    )
    reset_demo_children(schools=schools)
    school_year_start = date(int(school_year[:4]), 9, 1)
    numbers = _Numbers(rng)
    villages = {}
    made = {}
    for school in schools:
        admin = _school_admin(school)
        classrooms = list(school.classrooms.filter(school_year=school_year)
                          .order_by("grade", "number"))
        if not classrooms:
            continue
        township_villages = villages.setdefault(school.township_id, rng.sample(VILLAGES, 7))
        made[school.pk] = []
        with set_actor(admin):
            for i, kind in enumerate(_plan(rng, school)):
                child, family, entered_on = _make_child(
                    rng, numbers, kind, classrooms[i % len(classrooms)], school,
                    school_year_start, today, township_villages,
                )
                services.child_register(actor=admin, child=child, family=family,
                                        entered_on=entered_on)
                if rng.random() < CONSENT_SHARE:
                    consent_on = entered_on - timedelta(days=rng.randint(0, 6))
                    services.consent_record(actor=admin, child=child, consent_date=consent_on,
                                            consent_method="signed")
                made[school.pk].append((kind, child))
    transferred = _transfer(rng, made, school_year, today)
    _exits(rng, made, today, exclude=transferred)
    return made


def _open_entry(child):
    return child.episodes.get(exited_on__isnull=True).entered_on


def _transfer(rng, made, school_year, today):
    """A pupil of school 3 (城关镇第二小学) taken in by school 1 (城关镇中心小学), both
    primary schools of 城关镇, looked up by ID number as the transfer page does; the
    pupil keeps their grade."""
    if TRANSFER_FROM not in made or TRANSFER_TO not in made:
        return None
    candidates = [c for kind, c in made[TRANSFER_FROM] if kind == "both_away" and c.id_number]
    if not candidates:
        return None
    child = candidates[0]
    receiving = School.objects.get(pk=TRANSFER_TO)
    classroom = (receiving.classrooms.filter(school_year=school_year, grade=child.classroom.grade)
                 .order_by("number").first())
    admin = _school_admin(receiving)
    with set_actor(admin):
        found = services.child_find_for_transfer(actor=admin, id_number=child.id_number)
        transferred_on = max(_open_entry(found), today - timedelta(weeks=TRANSFER_WEEKS_AGO))
        services.child_transfer_in(actor=admin, child=found, classroom=classroom,
                                   transferred_on=transferred_on)
    return child.pk


def _exits(rng, made, today, exclude):
    """At each exit school: a father came home for good, and a family moved away."""
    for school_pk in EXIT_SCHOOL_PKS:
        children = [(kind, c) for kind, c in made.get(school_pk, []) if c.pk != exclude]
        if not children:
            continue
        admin = _school_admin(children[0][1].school)
        returned = next((c for kind, c in children if kind == "father_away"), None)
        moved = next((c for kind, c in children if kind == "both_away"), None)
        with set_actor(admin):
            if returned is not None:
                exited_on = max(_open_entry(returned), today - timedelta(days=rng.randint(7, 55)))
                father = returned.family.get(kind=FamilyMember.Kind.FATHER)
                father.situation, father.away_since, father.workplace = Situation.HOME, None, ""
                father.note = "已返乡,在县城务工"
                services.family_member_save(actor=admin, member=father)
                services.child_exit(actor=admin, child=returned, exited_on=exited_on,
                                    reason=ExitReason.PARENT_RETURNED, note="父亲返乡,在家照顾")
            if moved is not None:
                exited_on = max(_open_entry(moved), today - timedelta(days=rng.randint(7, 55)))
                city = moved.family.get(kind=FamilyMember.Kind.FATHER).workplace or "外地"
                services.child_exit(actor=admin, child=moved, exited_on=exited_on,
                                    reason=ExitReason.MOVED_AWAY, note=f"随父母迁往{city}就读")
