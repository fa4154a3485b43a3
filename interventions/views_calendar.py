"""The bureau's care standards (adjusted from the current period on) and the county's
term calendar (terms, non-teaching days, make-up days)."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from interventions import services
from interventions.models import CareStandard, Period, Responsible, StandardCode
from registry.models import County, Term, TermDay
from registry.services import term_day_save, term_save


def _form_errors_from(error, form):
    """Put a service's ValidationError on the form it came from."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _home_county(request):
    """The county whose standards and calendar the page shows: the bureau's own."""
    county_id = request.user.home_county_id
    if county_id is None:
        raise Http404
    return get_object_or_404(County, pk=county_id)


# --- Forms -------------------------------------------------------------------------------


class CareStandardForm(forms.Form):
    period = forms.ChoiceField(label=gettext_lazy("Period"), choices=Period.choices)
    contacts_needed = forms.IntegerField(label=gettext_lazy("Contacts needed per period"),
                                         min_value=1, max_value=31)
    responsible = forms.ChoiceField(label=gettext_lazy("Who is responsible"),
                                    choices=Responsible.choices)
    applies_in_holidays = forms.BooleanField(label=gettext_lazy("Applies in holidays"),
                                             required=False)


class TermForm(forms.ModelForm):
    class Meta:
        model = Term
        fields = ["school_year", "semester", "start_date", "end_date"]
        widgets = {
            "start_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "end_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }


class TermDayForm(forms.ModelForm):
    class Meta:
        model = TermDay
        fields = ["date", "kind", "name"]
        widgets = {"date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}


# --- Care standards ------------------------------------------------------------------------


@login_required
@permission_required("interventions.change_carestandard", raise_exception=True)
def care_standards(request):
    county = _home_county(request)
    today = timezone.localdate()
    versions = list(CareStandard.objects.for_user(request.user).filter(county=county)
                    .order_by("code", "-valid_from"))
    in_force = {v.code: v for v in versions
                if v.valid_from <= today and (v.valid_until is None or v.valid_until >= today)}
    order = {code: i for i, code in enumerate(StandardCode.values)}
    current = sorted(in_force.values(), key=lambda v: order.get(v.code, 99))
    others = [v for v in versions if in_force.get(v.code) is not v]
    return render(request, "interventions/standards.html", {
        "county": county, "today": today, "current": current, "others": others,
    })


@login_required
@permission_required("interventions.change_carestandard", raise_exception=True)
@require_http_methods(["GET", "POST"])
def care_standard_edit(request, code):
    county = _home_county(request)
    standard = (CareStandard.objects.for_user(request.user)
                .filter(county=county, code=code, valid_until__isnull=True).first())
    if standard is None:
        raise Http404
    form = CareStandardForm(request.POST or None, initial={
        "period": standard.period, "contacts_needed": standard.contacts_needed,
        "responsible": standard.responsible,
        "applies_in_holidays": standard.applies_in_holidays,
    })
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.care_standard_adjust(actor=request.user, county=county, code=code,
                                                  **form.cleaned_data)
        except ValidationError as error:
            _form_errors_from(error, form)
        else:
            messages.success(request, _("%(standard)s: the new rule applies from %(date)s.")
                             % {"standard": saved, "date": saved.valid_from.isoformat()})
            return redirect("care_standards")
    return render(request, "interventions/standard_form.html", {
        "form": form, "standard": standard,
    })


# --- Term calendar -------------------------------------------------------------------------


@login_required
@permission_required("registry.manage_calendar", raise_exception=True)
def term_calendar(request):
    county = _home_county(request)
    terms = (Term.objects.for_user(request.user).filter(county=county)
             .prefetch_related("special_days").order_by("-start_date"))
    return render(request, "interventions/terms.html", {"county": county, "terms": terms})


@login_required
@permission_required("registry.manage_calendar", raise_exception=True)
@require_http_methods(["GET", "POST"])
def term_edit(request, pk=None):
    """Add a term, or change one and add its non-teaching and make-up days."""
    county = _home_county(request)
    term = None
    if pk is not None:
        term = get_object_or_404(Term.objects.for_user(request.user).filter(county=county),
                                 pk=pk)
    adding_day = term is not None and request.POST.get("action") == "add_day"
    bound = request.POST if request.method == "POST" else None
    form = TermForm(None if adding_day else bound, instance=term, prefix="term")
    if term is None:
        form.instance.county = county
    day_form = None
    if term is not None:
        day_form = TermDayForm(bound if adding_day else None, prefix="day",
                               instance=TermDay(term=term))
    if request.method == "POST":
        target = day_form if adding_day else form
        if target.is_valid():
            try:
                if adding_day:
                    term_day_save(term_day=day_form.save(commit=False))
                else:
                    saved = term_save(term=form.save(commit=False))
            except ValidationError as error:
                _form_errors_from(error, target)
            else:
                if adding_day:
                    messages.success(request, _("Day added to the term."))
                    return redirect("term_edit", pk=term.pk)
                messages.success(request, _("Term saved."))
                return redirect("term_edit", pk=saved.pk)
    return render(request, "interventions/term_form.html", {
        "form": form, "day_form": day_form, "term": term,
        "days": term.special_days.all() if term else [],
    })
