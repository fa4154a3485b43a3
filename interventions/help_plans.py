"""Learning help plans (学习帮扶计划): the rule of who may change one, the service that
writes them, and the reads the pages share."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from interventions.models import HelpPlan
from interventions.selectors import pairable_staff
from registry.models import Child, Term
from registry.models.users import SCHOOL_ROLES
from registry.permissions import require_perm


def help_plan_may_edit(user, plan):
    """The school admin of the school the plan was written at, the plan's teacher and
    its writer, while the child is still at that school (after a transfer the plan stays
    as the old school's history). The caller has ``plan`` (with its child) from the
    access rule; nothing here queries the database."""
    if not user.has_perm("interventions.change_helpplan"):
        return False
    if plan.child.school_id != plan.school_id:
        return False
    return ((user.is_school_admin and user.school_id == plan.school_id)
            or user.pk in (plan.teacher_id, plan.created_by_id))


def term_holding(county_id, today=None):
    """The county's term holding ``today``; between terms the next one, else the last."""
    today = today or timezone.localdate()
    terms = Term.objects.filter(county_id=county_id)
    return (terms.holding(today).first()
            or terms.filter(start_date__gt=today).order_by("start_date").first()
            or terms.order_by("-start_date").first())


def _check_teacher(actor, plan, child, stored_teacher_id):
    teacher = plan.teacher if plan.teacher_id else None
    if teacher is None:
        raise ValidationError({"teacher": _("Choose the teacher who gives the help.")})
    if not (teacher.is_active and teacher.role in SCHOOL_ROLES
            and teacher.school_id == child.school_id):
        raise ValidationError({"teacher": _(
            "The teacher must be a teacher or administrator of the child's school."
        )})
    # A teacher writes plans they give themselves; a school admin assigns anyone of the
    # school. Keeping the teacher a plan already has is always allowed.
    if teacher.pk != stored_teacher_id and not pairable_staff(actor, child.school_id).filter(
        pk=teacher.pk
    ).exists():
        raise ValidationError({"teacher": _(
            "Only a school administrator assigns a help plan to another teacher."
        )})


def _duplicate_error(plan):
    message = _(
        "%(name)s already has a %(subject)s help plan in %(term)s: change that plan "
        "instead of writing a second one."
    ) % {"name": plan.child.name, "subject": plan.subject, "term": plan.term}
    return ValidationError({"subject": ValidationError(message, code="duplicate_subject")})


def _same_subject_exists(plan):
    return (HelpPlan.objects.filter(child_id=plan.child_id, term_id=plan.term_id,
                                    subject=plan.subject)
            .exclude(pk=plan.pk).exists())


@transaction.atomic
def help_plan_save(*, actor, plan):
    """Write a new help plan (``plan.pk`` is None) or change one. The child must be in
    the actor's scope, the term one of the child's county, the teacher a teacher or
    administrator of the child's school; one plan per child, term and subject. A new plan
    is the child's school's and the actor's; a change keeps child, school and writer."""
    if plan.pk is None:
        require_perm(actor, "interventions.add_helpplan")
        stored_teacher_id = None
        plan.school_id = plan.child.school_id
        plan.created_by = actor
    else:
        require_perm(actor, "interventions.change_helpplan")
        stored = (HelpPlan.objects.for_user(actor).select_related("child")
                  .filter(pk=plan.pk).first())
        # Who may change it is read from the stored plan, never from the edited copy.
        if stored is None or not help_plan_may_edit(actor, stored):
            raise PermissionDenied
        stored_teacher_id = stored.teacher_id
        plan.child, plan.school_id, plan.created_by_id = (
            stored.child, stored.school_id, stored.created_by_id)
    child = plan.child
    # A new plan needs the child in scope; a change, the plan in scope (read above): its
    # subject teacher may not otherwise see the child.
    if plan.pk is None and not Child.objects.for_user(actor).filter(pk=child.pk).exists():
        raise PermissionDenied
    plan.subject = (plan.subject or "").strip()
    for field in ("goals", "schedule", "content", "method", "review_notes"):
        setattr(plan, field, (getattr(plan, field) or "").strip())
    if plan.term_id is None or plan.term.county_id != child.county_id:
        raise ValidationError({"term": _("Choose a term of the child's county.")})
    _check_teacher(actor, plan, child, stored_teacher_id)
    plan.full_clean(validate_unique=False, validate_constraints=False)
    if _same_subject_exists(plan):
        raise _duplicate_error(plan)
    try:
        with transaction.atomic():
            plan.save()
    except IntegrityError:
        # The same plan saved by a request racing this one (a double submit).
        if _same_subject_exists(plan):
            raise _duplicate_error(plan) from None
        raise
    return plan


def help_plan_rows(user, school, *, term=None, teacher=None):
    """The help plans of the list page, in one query: a teacher's own (those they give),
    a school admin's whole school, optionally of one term and one teacher."""
    plans = (HelpPlan.objects.for_user(user)
             .select_related("child__classroom", "term", "teacher")
             .order_by("-term__start_date", "child__classroom__grade",
                       "child__classroom__number", "child__name", "subject", "pk"))
    plans = plans.filter(teacher=user) if user.is_teacher else plans.filter(school=school)
    if term is not None:
        plans = plans.filter(term=term)
    if teacher is not None:
        plans = plans.filter(teacher=teacher)
    return plans


def child_help_plans(user, child):
    """The child's help plans the user may see, latest term first, each with
    ``may_edit``; empty for roles that do not read help plans."""
    if not user.has_perm("interventions.view_helpplan"):
        return []
    plans = list(
        HelpPlan.objects.for_user(user).filter(child=child)
        .select_related("term", "teacher")
        .order_by("-term__start_date", "subject", "pk")
    )
    for plan in plans:
        plan.child = child
        plan.may_edit = help_plan_may_edit(user, plan)
    return plans
