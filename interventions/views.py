"""The pairings pages: a child's pairings (add, end), the school's pairings page with the
unpaired filter and bulk assignment, and the volunteers list."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from interventions import forms, selectors, services
from interventions.models import Pairing
from registry.models import Child, School


def _form_errors_from(error, form):
    """Put a service's ValidationError on the form it came from."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _managed_school(request):
    """The school whose pairings the page shows: the admin's own; a superuser names one."""
    if request.user.school_id:
        return request.user.school
    pk = request.GET.get("school")
    if not (pk and pk.isdigit()):
        raise Http404
    return get_object_or_404(School.objects.for_user(request.user), pk=pk)


@login_required
@permission_required("interventions.manage_pairings", raise_exception=True)
@require_http_methods(["GET", "POST"])
def pairing_list(request):
    school = _managed_school(request)
    filters = forms.PairingFilterForm(request.GET or None, user=request.user, school=school)
    chosen = filters.cleaned_data if filters.is_valid() else {}
    rows = selectors.pairing_rows(request.user, school, classroom=chosen.get("classroom"),
                                  unpaired=chosen.get("unpaired", ""))
    bulk = forms.BulkPairingForm(request.POST or None, user=request.user, school=school,
                                 children=selectors.pairing_rows(request.user, school))
    if request.method == "POST" and bulk.is_valid():
        data = bulk.cleaned_data
        try:
            created = services.pairings_assign_bulk(
                actor=request.user, kind=data["kind"], staff=data["staff"],
                children=data["children"], start_date=data["start_date"],
            )
        except ValidationError as error:
            _form_errors_from(error, bulk)
        else:
            messages.success(request, _("%(count)s children paired with %(name)s.")
                             % {"count": len(created), "name": data["staff"]})
            return redirect(request.get_full_path())
    return render(request, "interventions/pairing_list.html", {
        "school": school, "filters": filters, "rows": rows, "bulk": bulk,
        "ticked": bulk.ticked(),
    })


@login_required
@permission_required("interventions.manage_pairings", raise_exception=True)
@require_http_methods(["GET", "POST"])
def child_pairing_add(request, pk):
    child = get_object_or_404(Child.objects.for_user(request.user).select_related("school"),
                              pk=pk)
    form = forms.PairingForm(request.POST or None, user=request.user, child=child)
    if request.method == "POST" and form.is_valid():
        try:
            services.pairing_assign(actor=request.user, child=child, **form.cleaned_data)
        except ValidationError as error:
            _form_errors_from(error, form)
        else:
            messages.success(request, _("Pairing added."))
            return redirect("child_detail", pk=child.pk)
    return render(request, "interventions/pairing_form.html", {
        "form": form, "child": child, "kind_fields": form.KIND_FIELDS,
    })


@login_required
@permission_required("interventions.manage_pairings", raise_exception=True)
@require_POST
def pairing_end(request, pk):
    pairing = get_object_or_404(
        Pairing.objects.for_user(request.user).select_related("child"), pk=pk
    )
    form = forms.PairingEndForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(_("Give the date the pairing ends."))
        services.pairing_end(actor=request.user, pairing=pairing,
                             end_date=form.cleaned_data["end_date"])
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Pairing ended."))
    return redirect("child_detail", pk=pairing.child_id)


@login_required
@permission_required("interventions.manage_volunteers", raise_exception=True)
@require_http_methods(["GET", "POST"])
def volunteer_list(request):
    form = forms.VolunteerForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.volunteer_save(actor=request.user, volunteer=form.save(commit=False))
        except ValidationError as error:
            _form_errors_from(error, form)
        else:
            messages.success(request, _("Volunteer saved."))
            return redirect("volunteer_list")
    return render(request, "interventions/volunteer_list.html", {
        "form": form, "volunteers": selectors.volunteers_for_list(request.user),
        "county_wide": not request.user.is_school_admin,
    })


