"""The demo county's care work, built around today: pairings, this term's contact logs
with realistic gaps — most classes fairly regular, one class exemplary, some children
overdue and a few never talked to — a few concerns per school (and one mandatory report
waiting for the first school's principal), and learning help plans, so every page shows
real states.

A synthetic-data generator: it writes with ``bulk_create``, as DESIGN.md allows for
generators only. Deterministic for a given ``today``.
"""

import random
import uuid
from datetime import timedelta

from django.utils import timezone

from interventions.models import (
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
)
from registry.models import Child, Role, Term, User

SEED = 20261127
# The class that keeps every standard: 城关镇中心小学 grade 5 class 1 (school 1).
EXEMPLARY = (1, 5, 1)
TALK_SUMMARIES = [
    "聊了这周的学习，数学作业按时完成，鼓励继续保持。",
    "说起想念在外打工的妈妈，安慰了他，约好周末视频。",
    "和同学有点小矛盾，已经调解，情绪平稳。",
    "最近睡得晚，提醒按时作息，跟爷爷沟通了。",
    "参加了学校合唱排练，很开心，主动说了很多话。",
    "作文进步明显，表扬了她，鼓励多读课外书。",
]


def _term_start(county_id, today):
    term = (Term.objects.filter(county_id=county_id, start_date__lte=today)
            .order_by("-start_date").first())
    return term.start_date if term else today - timedelta(days=60)


def _mondays(start, today):
    day = start - timedelta(days=start.weekday())
    while day <= today:
        yield day
        day += timedelta(days=7)


def _pairings(rng, children, staff_by_school, admins):
    pairings = []
    for child in children:
        teachers = staff_by_school.get(child.school_id, [])
        if not teachers:
            continue
        created_by = admins[child.school_id]
        if rng.random() < 0.8:
            pairings.append(Pairing(
                child=child, kind=PairingKind.MENTOR, staff=rng.choice(teachers),
                school_id=child.school_id, start_date=child.entered_on, created_by=created_by,
            ))
        if rng.random() < 0.6:
            pairings.append(Pairing(
                child=child, kind=PairingKind.SURROGATE, staff=rng.choice(teachers),
                school_id=child.school_id, start_date=child.entered_on, created_by=created_by,
            ))
    return pairings


def _log(rng, child, standard, day, author, channel, with_whom):
    return ContactLog(
        child=child, standard=standard, happened_on=day, channel=channel,
        with_whom=with_whom, priorities=rng.sample([p.value for p in Priority], 2),
        summary=rng.choice(TALK_SUMMARIES) if standard == StandardCode.WEEKLY_TALK else "",
        wellbeing=rng.choice([3, 4, 4, 5]), author=author, school_id=child.school_id,
        submission_token=uuid.uuid4(),
    )


def _child_logs(rng, child, today, start, regularity):
    """One child's talks, family calls and home visits from ``start`` to today."""
    author = child.classroom.homeroom_teacher
    logs = []
    this_monday = today - timedelta(days=today.weekday())
    for monday in _mondays(max(start, child.entered_on), today):
        # This week's work is about half done when the demo opens (except in the
        # exemplary class, which is done already).
        chance = regularity if regularity == 1 or monday != this_monday else regularity / 2
        if rng.random() < chance:
            day = min(monday + timedelta(days=rng.randint(0, 4)), today)
            if day >= child.entered_on:
                logs.append(_log(rng, child, StandardCode.WEEKLY_TALK, day, author,
                                 Channel.IN_PERSON, [ContactWith.CHILD]))
    month = start.replace(day=1)
    while month <= today:
        for code, channel, whom in (
            (StandardCode.FAMILY_CONTACT, Channel.PHONE, [ContactWith.CHILD, ContactWith.MOTHER]),
            (StandardCode.HOME_VISIT, Channel.IN_PERSON, [ContactWith.GUARDIAN]),
            (StandardCode.GUARDIAN_CONTACT, Channel.PHONE, [ContactWith.GUARDIAN]),
        ):
            if rng.random() < regularity:
                day = min(month + timedelta(days=rng.randint(3, 25)), today)
                if day >= child.entered_on:
                    logs.append(_log(rng, child, code, day, author, channel, whom))
        month = (month + timedelta(days=32)).replace(day=1)
    return logs


CONCERNS = [
    (ConcernCategory.LEARNING, Severity.WATCH, "最近数学作业多次未完成，上课容易走神。"),
    (ConcernCategory.PSYCHOLOGICAL, Severity.PROMPT,
     "妈妈外出后情绪低落，不愿和同学说话，需要心理疏导。"),
    (ConcernCategory.HEALTH, Severity.WATCH, "经常说肚子疼，爷爷说没带去看过医生。"),
    (ConcernCategory.FAMILY, Severity.PROMPT, "奶奶住院，孩子放学后无人照看。"),
]
SERIOUS = (ConcernCategory.SAFETY, Severity.SERIOUS,
           "孩子说放学路上被高年级学生拦住要钱，手臂有淤青，不敢告诉家里。")
SUBJECTS = [
    ("数学", "期末数学达到及格，计算题少出错", "每周二、四放学后30分钟", "分数的加减，应用题审题",
     "一对一讲解，错题本，每周批改一次"),
    ("语文", "能独立完成一篇300字作文", "每周三午休", "阅读短文，写日记", "共读课外书，面批作文"),
    ("英语", "掌握本学期单词和基本句型", "每周一、五早读", "单词听写，课文朗读",
     "同伴互助，听读打卡"),
]


def _concerns(rng, children, today):
    """A few open concerns per school (one followed up, one resolved), and a serious one
    (a mandatory report) in the first school, waiting for its principal."""
    now = timezone.now()
    by_school = {}
    for child in children:
        by_school.setdefault(child.school_id, []).append(child)
    made = []
    for school_id, pupils in sorted(by_school.items()):
        for index, child in enumerate(rng.sample(pupils, min(4, len(pupils)))):
            category, severity, text = CONCERNS[index % len(CONCERNS)]
            teacher = child.classroom.homeroom_teacher
            status = [ConcernStatus.OPEN, ConcernStatus.FOLLOWING_UP, ConcernStatus.RESOLVED,
                      ConcernStatus.REFERRED][index % 4]
            made.append((Concern(
                child=child, school_id=school_id, category=category, severity=severity,
                description=text, assigned_to=teacher, raised_by=teacher, status=status,
                resolved_at=now if status == ConcernStatus.RESOLVED else None,
            ), 5 + 9 * index))
    first_school = min(by_school)
    # A child of teacher1's class, when the demo has one.
    victim = next((child for child in by_school[first_school]
                   if child.classroom.homeroom_teacher.username == "teacher1"),
                  by_school[first_school][0])
    made.append((Concern(
        child=victim, school_id=first_school, category=SERIOUS[0], severity=SERIOUS[1],
        description=SERIOUS[2], assigned_to=victim.classroom.homeroom_teacher,
        raised_by=victim.classroom.homeroom_teacher,
    ), 0))
    concerns = Concern.objects.bulk_create([concern for concern, _days in made])
    notes = []
    for concern, days in made:
        raised = now - timedelta(days=days, hours=2)
        Concern.objects.filter(pk=concern.pk).update(created_at=raised)
        if concern.status != ConcernStatus.OPEN:
            notes.append(ConcernNote(
                concern=concern, happened_on=(raised + timedelta(days=2)).date(),
                note="和孩子及监护人谈过，约定每周跟进一次。", status=concern.status,
                author=concern.assigned_to, submission_token=uuid.uuid4(),
            ))
    ConcernNote.objects.bulk_create(notes)
    serious = concerns[-1]
    alerts = ConcernAlert.objects.bulk_create([
        ConcernAlert(concern=serious, recipient=admin, email_to=admin.email)
        for admin in User.objects.filter(school_id=first_school, role=Role.SCHOOL_ADMIN,
                                         is_active=True)
    ])
    # Alerted (and e-mailed, where there is an address) the moment it was raised.
    raised = Concern.objects.get(pk=serious.pk).created_at
    ConcernAlert.objects.filter(pk__in=[a.pk for a in alerts]).update(alerted_at=raised)
    ConcernAlert.objects.filter(pk__in=[a.pk for a in alerts]).exclude(email_to="").update(
        email_sent_at=raised)
    return len(concerns)


def _help_plans(rng, children, today):
    """Learning help plans for about one child in eight, in the current term."""
    terms = {}
    for term in Term.objects.holding(today):
        terms[term.county_id] = term
    plans = []
    for child in children:
        term = terms.get(child.county_id)
        if term is None or rng.random() > 0.125:
            continue
        subject, goals, schedule, content, method = rng.choice(SUBJECTS)
        teacher = child.classroom.homeroom_teacher
        plans.append(HelpPlan(child=child, school_id=child.school_id, term=term,
                              subject=subject, teacher=teacher, goals=goals,
                              schedule=schedule, content=content, method=method,
                              created_by=teacher))
    HelpPlan.objects.bulk_create(plans)
    return len(plans)


def clear_care(counties):
    """Remove the demo counties' care records (they protect the children they are
    about, so this runs before the registry's demo is rebuilt)."""
    ConcernAlert.objects.filter(concern__child__county__in=counties).delete()
    Concern.objects.filter(child__county__in=counties).delete()
    HelpPlan.objects.filter(child__county__in=counties).delete()
    ContactLog.objects.filter(child__county__in=counties).delete()
    Pairing.objects.filter(child__county__in=counties).delete()


def build_care(today):
    """Pair the demo's children and write this term's contact logs."""
    rng = random.Random(SEED)
    children = list(
        Child.objects.in_registry()
        .filter(classroom__homeroom_teacher__isnull=False)
        .select_related("classroom__homeroom_teacher")
        .order_by("pk")
    )
    first_entry = dict(
        Child.objects.filter(pk__in=[c.pk for c in children])
        .values_list("pk", "episodes__entered_on")
        .order_by("pk", "episodes__entered_on")  # the current stay's entry wins
    )
    for child in children:
        child.entered_on = first_entry[child.pk]
    staff_by_school, admins = {}, {}
    for user in User.objects.filter(role__in=[Role.TEACHER, Role.SCHOOL_ADMIN], is_active=True):
        if user.role == Role.TEACHER:
            staff_by_school.setdefault(user.school_id, []).append(user)
        else:
            admins[user.school_id] = user
    Pairing.objects.bulk_create(_pairings(rng, children, staff_by_school, admins))

    logs = []
    for child in children:
        classroom = child.classroom
        if (child.school_id, classroom.grade, classroom.number) == EXEMPLARY:
            regularity = 1.0
        else:
            regularity = rng.choice([0.0, 0.35, 0.7, 0.85, 0.85, 0.95])
        start = _term_start(child.county_id, today)
        logs.extend(_child_logs(rng, child, today, start, regularity))
    ContactLog.objects.bulk_create(logs, batch_size=1000)
    _concerns(rng, children, today)
    _help_plans(rng, children, today)
    return len(logs)
