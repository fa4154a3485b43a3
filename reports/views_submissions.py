"""The monthly submission pages (月报): the school admin's months and the month to review
and submit, what was submitted (the snapshot, never recomputed) with the bureau's reopen
form, and the township's and bureau's overview of who reported a month.

Who may do what is declared on each view (permissions); which submissions and schools a
user reaches is the access rule's (``for_user``): anything outside it is a 404."""

import datetime
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from registry.models import School
from reports import submissions
from reports.forms_submissions import MonthChoiceForm, MonthSubmitForm, ReopenForm
from reports.models import MonthlySubmission
from reports.periods import month_period

#: The session keeps the one-time tokens of the last submissions it made (token -> pk),
#: so that a repeated POST of the same form lands on what it submitted.
SESSION_TOKENS = "submission_tokens"
TOKENS_KEPT = 20


def any_permission_required(*perms):
    """Like ``permission_required(..., raise_exception=True)``, for any one of ``perms``."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not any(request.user.has_perm(perm) for perm in perms):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def _form_errors_from(error, form):
    """Put a service's ValidationError on the form it came from."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _own_school(request):
    """The school admin's school; anyone else has no months to submit."""
    if not request.user.school_id:
        raise Http404
    return get_object_or_404(School.objects.for_user(request.user).select_related(
        "township", "county"), pk=request.user.school_id)


def _month_label(month):
    return month_period(month).label


def _remember_token(request, token, submission):
    tokens = dict(request.session.get(SESSION_TOKENS, {}))
    tokens[str(token)] = submission.pk
    request.session[SESSION_TOKENS] = dict(list(tokens.items())[-TOKENS_KEPT:])


def _submitted_with(request, token):
    pk = request.session.get(SESSION_TOKENS, {}).get(str(token))
    if pk is None:
        return None
    return MonthlySubmission.objects.for_user(request.user).filter(pk=pk).first()


@login_required
@any_permission_required("reports.submit_month", "reports.view_submissions")
@require_http_methods(["GET"])
def submission_list(request):
    if not request.user.school_id:
        # The bureau and townships (and a superuser) read the overview instead.
        if request.user.has_perm("reports.view_submissions") or request.user.is_superuser:
            return redirect("submission_overview")
        raise Http404
    if not request.user.has_perm("reports.submit_month"):
        raise PermissionDenied
    school = _own_school(request)
    today = timezone.localdate()
    this_month = today.replace(day=1)
    last_month = (this_month - datetime.timedelta(days=1)).replace(day=1)
    rows = [
        {"month": month, "label": _month_label(month), "submission": submission,
         "current": month == this_month, "due": month == last_month}
        for month, submission in submissions.school_months(request.user, school, today)
    ]
    return render(request, "reports/submission_list.html", {
        "school": school, "rows": rows,
        "submitted_count": sum(1 for row in rows if row["submission"]
                               and row["submission"].is_submitted),
    })


def _month_context(request, school, month, submission, form):
    today = timezone.localdate()
    context = {
        "school": school, "month": month, "month_label": _month_label(month),
        "submission": submission, "form": form,
        "month_in_progress": month == today.replace(day=1),
    }
    if submission is not None and submission.is_submitted:
        context["figures"] = submissions.read_snapshot(submission.snapshot)
    else:
        context["figures"] = submissions.read_snapshot(
            submissions.month_snapshot(request.user, school, month, today))
    return context


@login_required
@permission_required("reports.submit_month", raise_exception=True)
@require_http_methods(["GET", "POST"])
def submission_month(request, year, month):
    school = _own_school(request)
    first = submissions.month_from(year, month)
    if not submissions.month_is_reportable(first):
        raise Http404
    submission = (MonthlySubmission.objects.for_user(request.user)
                  .filter(school=school, month=first)
                  .select_related("submitted_by", "reopened_by").first())
    form = None
    if submission is None or not submission.is_submitted:
        initial = {}
        if submission is not None:  # reopened: start from what was said before
            initial = {"note": submission.note, "nothing_changed": submission.nothing_changed}
        form = MonthSubmitForm(request.POST or None, initial=initial)
    elif request.method == "POST":
        # Submitted already: the same form posted again (a double click, a retry) lands
        # on what it submitted; anything else is told that only the bureau reopens it.
        token_form = MonthSubmitForm(request.POST)
        if token_form.is_valid():
            done = _submitted_with(request, token_form.cleaned_data["submission_token"])
            if done is not None:
                messages.info(request, _("This report was already submitted; it was not "
                                         "submitted twice."))
                return redirect("submission_detail", pk=done.pk)
        messages.warning(request, submissions.already_submitted_error(submission).messages[0])
        return redirect("submission_detail", pk=submission.pk)

    if request.method == "POST" and form.is_valid():
        token = form.cleaned_data["submission_token"]
        try:
            submitted = submissions.month_submit(actor=request.user, school=school,
                                                 month=first, **form.service_fields())
        except ValidationError as error:
            if getattr(error, "code", None) == "already_submitted":
                # Submitted by a request racing this one (or by a colleague).
                done = _submitted_with(request, token)
                if done is not None:
                    messages.info(request, _("This report was already submitted; it was "
                                             "not submitted twice."))
                    return redirect("submission_detail", pk=done.pk)
                messages.warning(request, error.messages[0])
                return redirect("submission_month", year=first.year, month=first.month)
            _form_errors_from(error, form)
        else:
            _remember_token(request, token, submitted)
            if submitted.nothing_changed:
                messages.success(request, _("Zero report for %(month)s submitted.")
                                 % {"month": _month_label(first)})
            else:
                messages.success(request, _("Report for %(month)s submitted.")
                                 % {"month": _month_label(first)})
            return redirect("submission_detail", pk=submitted.pk)
    return render(request, "reports/submission_month.html",
                  _month_context(request, school, first, submission, form))


def _scoped_submission(request, pk):
    return get_object_or_404(
        MonthlySubmission.objects.for_user(request.user).select_related(
            "school", "school__township", "school__county", "submitted_by", "reopened_by"),
        pk=pk,
    )


def _detail_context(request, submission, reopen_form=None):
    may_reopen = (request.user.has_perm("reports.reopen_month") and submission.is_submitted)
    if may_reopen and reopen_form is None:
        reopen_form = ReopenForm()
    return {
        "submission": submission,
        "school": submission.school,
        "month_label": _month_label(submission.month),
        "figures": submissions.read_snapshot(submission.snapshot),
        "reopen_form": reopen_form if may_reopen else None,
        "own_school": request.user.school_id == submission.school_id,
    }


@login_required
@any_permission_required("reports.submit_month", "reports.view_submissions")
@require_http_methods(["GET"])
def submission_detail(request, pk):
    submission = _scoped_submission(request, pk)
    return render(request, "reports/submission_detail.html",
                  _detail_context(request, submission))


@login_required
@permission_required("reports.reopen_month", raise_exception=True)
@require_POST
def submission_reopen(request, pk):
    submission = _scoped_submission(request, pk)
    form = ReopenForm(request.POST)
    if form.is_valid():
        try:
            submissions.month_reopen(actor=request.user, submission=submission,
                                     reason=form.cleaned_data["reason"])
        except ValidationError as error:
            if getattr(error, "code", None) == "already_reopened":
                messages.info(request, error.messages[0])
                return redirect("submission_detail", pk=submission.pk)
            _form_errors_from(error, form)
        else:
            messages.success(request, _("%(school)s's report for %(month)s is reopened; the "
                                        "school can submit it again.")
                             % {"school": submission.school,
                                "month": _month_label(submission.month)})
            return redirect("submission_detail", pk=submission.pk)
    return render(request, "reports/submission_detail.html",
                  _detail_context(request, submission, reopen_form=form))


@login_required
@permission_required("reports.view_submissions", raise_exception=True)
@require_http_methods(["GET"])
def submission_overview(request):
    today = timezone.localdate()
    months = submissions.months_back(today)
    selector = MonthChoiceForm(request.GET or None, months=months)
    month = months[0]
    if selector.is_valid() and selector.cleaned_data["month"]:
        month = next(m for m in months if f"{m:%Y-%m}" == selector.cleaned_data["month"])
    elif request.GET.get("month"):
        # A month the selector does not offer: say so rather than show another silently.
        messages.warning(request, _("Choose one of the last %(count)s months.")
                         % {"count": len(months)})
    selector = MonthChoiceForm(initial={"month": f"{month:%Y-%m}"}, months=months)
    overview = submissions.submission_overview(
        request.user, School.objects.for_user(request.user), month)
    return render(request, "reports/submission_overview.html", {
        "overview": overview, "selector": selector, "month": month,
        "month_label": _month_label(month), "month_in_progress": month == months[0],
        "months": [(m, _month_label(m)) for m in months],
    })
