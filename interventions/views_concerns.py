"""The concern pages: raising a concern from a child's profile (on a phone, without
JavaScript), the concern with its follow-up notes and alerts, editing it, and the list —
the school's open concerns for its administrators, a teacher's own for a teacher.

A serious concern is a mandatory report (强制报告): raising it alerts the school's
administrators, who acknowledge it on the concern's page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from interventions import concerns
from interventions.forms_concerns import ConcernEditForm, ConcernForm, FollowUpForm
from interventions.models import Concern, ContactLog, Severity
from interventions.views import _form_errors_from
from interventions.views_logs import _next_url
from registry.models import AccessLog, Child
from registry.services import access_log_record

PAGE_SIZE = 50


def _scoped_concern(request, pk):
    """The concern, if the user may see it (else 404), with what its pages show."""
    return get_object_or_404(
        Concern.objects.for_user(request.user).select_related(
            "child", "child__classroom", "school", "assigned_to", "raised_by", "log",
        ),
        pk=pk,
    )


def _log_of(request, child):
    """The contact log a concern is raised from (``?log=``), if it is this child's and
    the user may see it; anything else is ignored."""
    pk = request.POST.get("log") or request.GET.get("log")
    if not (pk and str(pk).isdigit()):
        return None
    return ContactLog.objects.for_user(request.user).filter(pk=pk, child=child).first()


@login_required
@permission_required("interventions.add_concern", raise_exception=True)
@require_http_methods(["GET", "POST"])
def concern_add(request, pk):
    child = get_object_or_404(
        Child.objects.for_user(request.user).select_related("school", "classroom"), pk=pk
    )
    log = _log_of(request, child)
    form = ConcernForm(request.POST or None, user=request.user, school_id=child.school_id)
    next_url = _next_url(request, child)
    if request.method == "POST" and form.is_valid():
        try:
            concern, created = concerns.concern_raise(
                actor=request.user, child=child, log=log,
                submission_token=form.cleaned_data["submission_token"],
                **form.service_fields(),
            )
        except ValidationError as error:
            _form_errors_from(error, form)
        else:
            if not created:
                messages.info(request, _("This concern was already raised; it was not "
                                         "saved twice."))
            elif concern.is_serious:
                messages.warning(request, _(
                    "Mandatory report raised for %(name)s. The school administrators "
                    "were alerted."
                ) % {"name": child.name})
            else:
                messages.success(request, _("Concern raised for %(name)s.")
                                 % {"name": child.name})
            return redirect(next_url)
    return render(request, "interventions/concern_form.html", {
        "form": form, "child": child, "log": log, "next_url": next_url, "editing": False,
        "serious_value": Severity.SERIOUS,
    })


def _detail_context(request, concern, follow_up_form=None):
    user = request.user
    may_act = concerns.concern_may_act(user, concern)
    alerts = list(concern.alerts.select_related("recipient"))
    if may_act and follow_up_form is None:
        follow_up_form = FollowUpForm(concern=concern)
    return {
        "concern": concern,
        "child": concern.child,
        "notes": list(concern.notes.select_related("author")),
        "alerts": alerts,
        "my_pending_alert": next(
            (a for a in alerts if a.recipient_id == user.pk and a.acknowledged_at is None),
            None,
        ),
        "may_act": may_act,
        "may_open_child": Child.objects.for_user(user).filter(pk=concern.child_id).exists(),
        "follow_up_form": follow_up_form if may_act else None,
    }


@login_required
@permission_required("interventions.view_concern", raise_exception=True)
@require_http_methods(["GET"])
def concern_detail(request, pk):
    concern = _scoped_concern(request, pk)
    access_log_record(user=request.user, action=AccessLog.Action.VIEW_CONCERN,
                      child=concern.child, school=concern.school)
    return render(request, "interventions/concern_detail.html",
                  _detail_context(request, concern))


@login_required
@permission_required("interventions.change_concern", raise_exception=True)
@require_POST
def concern_follow_up(request, pk):
    concern = _scoped_concern(request, pk)
    if not concerns.concern_may_act(request.user, concern):
        raise PermissionDenied
    form = FollowUpForm(request.POST, concern=concern)
    if form.is_valid():
        try:
            _note, created = concerns.concern_follow_up(
                actor=request.user, concern=concern,
                submission_token=form.cleaned_data["submission_token"],
                **form.service_fields(),
            )
        except ValidationError as error:
            _form_errors_from(error, form)
        else:
            if created:
                messages.success(request, _("Follow-up recorded."))
            else:
                messages.info(request, _("This follow-up was already recorded; it was not "
                                         "saved twice."))
            return redirect("concern_detail", pk=concern.pk)
    # A failed save: the page again, with everything typed and the same token.
    return render(request, "interventions/concern_detail.html",
                  _detail_context(request, concern, follow_up_form=form))


@login_required
@permission_required("interventions.change_concern", raise_exception=True)
@require_http_methods(["GET", "POST"])
def concern_edit(request, pk):
    concern = _scoped_concern(request, pk)
    if not concerns.concern_may_act(request.user, concern):
        raise PermissionDenied
    form = ConcernEditForm(request.POST or None, concern=concern, user=request.user)
    if request.method == "POST" and form.is_valid():
        was_serious = concern.is_serious
        try:
            concerns.concern_update(actor=request.user, concern=concern,
                                    **form.service_fields())
        except ValidationError as error:
            _form_errors_from(error, form)
        else:
            if concern.is_serious and not was_serious and concern.is_open:
                messages.warning(request, _("Concern changed to a mandatory report. The "
                                            "school administrators were alerted."))
            else:
                messages.success(request, _("Concern updated."))
            return redirect("concern_detail", pk=concern.pk)
    return render(request, "interventions/concern_form.html", {
        "form": form, "child": concern.child, "concern": concern, "editing": True,
        "next_url": None, "serious_value": Severity.SERIOUS,
    })


@login_required
@permission_required("interventions.view_concern", raise_exception=True)
@require_POST
def concern_acknowledge(request, pk):
    concern = _scoped_concern(request, pk)
    if concerns.concern_acknowledge(actor=request.user, concern=concern) is not None:
        messages.success(request, _("Mandatory report acknowledged."))
    return redirect("concern_detail", pk=concern.pk)


@login_required
@permission_required("interventions.view_concern", raise_exception=True)
@require_http_methods(["GET"])
def concern_list(request):
    show_resolved = request.GET.get("show") == "all"
    page = Paginator(concerns.concern_list(request.user, show_resolved=show_resolved),
                     PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "interventions/concern_list.html", {
        "page": page, "show_resolved": show_resolved, "query": query.urlencode(),
        "school_view": bool(request.user.has_perm("interventions.manage_concerns")
                            and request.user.school_id),
    })
