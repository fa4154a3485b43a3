"""The help plan pages: a teacher's (or the school's) list of plans, writing a plan for a
child from their profile, and changing one (the review at the end of the term)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from interventions.forms_plans import HelpPlanFilterForm, HelpPlanForm
from interventions.help_plans import help_plan_may_edit, help_plan_rows, help_plan_save
from interventions.models import HelpPlan
from interventions.views import _form_errors_from, _managed_school
from interventions.views_logs import _next_url
from registry.models import Child

PAGE_SIZE = 30


@login_required
@permission_required("interventions.view_helpplan", raise_exception=True)
@require_GET
def help_plan_list(request):
    school = _managed_school(request)
    filters = HelpPlanFilterForm(request.GET, user=request.user, school=school)
    filters.is_valid()  # a choice out of reach is dropped; the other filters still apply
    chosen = filters.cleaned_data
    plans = help_plan_rows(request.user, school, term=chosen.get("term"),
                           teacher=chosen.get("teacher"))
    page = Paginator(plans, PAGE_SIZE).get_page(request.GET.get("page"))
    for plan in page:
        plan.may_edit = help_plan_may_edit(request.user, plan)
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "interventions/help_plan_list.html", {
        "school": school, "filters": filters, "page": page, "query": query.urlencode(),
    })


def _save(request, form, plan, next_url, message):
    """Save a valid form through the service; the response, or None to show the form."""
    try:
        help_plan_save(actor=request.user, plan=form.save(commit=False))
    except ValidationError as error:
        _form_errors_from(error, form)
        return None
    messages.success(request, message % {"subject": plan.subject, "name": plan.child.name})
    return redirect(next_url)


@login_required
@permission_required("interventions.add_helpplan", raise_exception=True)
@require_http_methods(["GET", "POST"])
def help_plan_add(request, pk):
    child = get_object_or_404(
        Child.objects.for_user(request.user).select_related("school", "classroom"), pk=pk
    )
    plan = HelpPlan(child=child)
    form = HelpPlanForm(request.POST or None, instance=plan, user=request.user, child=child)
    next_url = _next_url(request, child)
    if request.method == "POST" and form.is_valid():
        response = _save(request, form, plan, next_url,
                         _("Help plan for %(subject)s written for %(name)s."))
        if response:
            return response
    return render(request, "interventions/help_plan_form.html", {
        "form": form, "child": child, "next_url": next_url, "editing": False,
    })


@login_required
@permission_required("interventions.change_helpplan", raise_exception=True)
@require_http_methods(["GET", "POST"])
def help_plan_edit(request, pk):
    plan = get_object_or_404(
        HelpPlan.objects.for_user(request.user)
        .select_related("child__school", "child__classroom", "term", "teacher", "created_by"),
        pk=pk,
    )
    if not help_plan_may_edit(request.user, plan):
        raise PermissionDenied
    child = plan.child
    form = HelpPlanForm(request.POST or None, instance=plan, user=request.user, child=child)
    next_url = _next_url(request, child)
    if request.method == "POST" and form.is_valid():
        response = _save(request, form, plan, next_url,
                         _("Help plan for %(subject)s saved."))
        if response:
            return response
    return render(request, "interventions/help_plan_form.html", {
        "form": form, "child": child, "plan": plan, "next_url": next_url, "editing": True,
    })
