"""The child's file: the list, the profile with its five parts, editing, exits,
re-entries, transfers in and the change history."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import models, transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from registry import audit, forms, selectors, services
from registry.models import AccessLog, Child, FamilyMember, FivePart

PAGE_SIZE = 50

# The parts of the profile edited one at a time: (form, title).
EDIT_PARTS = {
    "basic": (forms.ChildBasicForm, FivePart.BASIC.label),
    "traits": (forms.ChildTraitsForm, gettext_lazy("Personality and hobbies")),
    "health": (forms.ChildHealthForm, FivePart.HEALTH.label),
    "categories": (forms.ChildCategoriesForm, gettext_lazy("Recorded categories")),
}


def _scoped_child(request, pk):
    return get_object_or_404(
        Child.objects.for_user(request.user)
        .select_related("school", "classroom__homeroom_teacher", "county",
                        "consent_recorded_by")
        .prefetch_related("family"),
        pk=pk,
    )


def _may_edit_basic(user, child):
    """Name, ID and class belong to the school admin and the homeroom teacher; a paired
    mentor or surrogate parent completes the other parts."""
    return user.has_perm("registry.manage_registry") or (
        child.classroom is not None and child.classroom.homeroom_teacher_id == user.pk
    )


def _form_errors_from(error, form):
    """Put a service's ValidationError on the form it came from."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


@login_required
@permission_required("registry.view_child", raise_exception=True)
def child_list(request):
    form = forms.ChildFilterForm(request.GET or None, user=request.user)
    filters = form.cleaned_data if form.is_valid() else {}
    page = Paginator(selectors.child_list(request.user, filters), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    attention = (
        selectors.registry_attention(request.user)
        if request.user.has_perm("registry.manage_registry") else None
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "registry/child_list.html", {
        "form": form, "page": page, "attention": attention, "query": query.urlencode(),
    })


@login_required
@permission_required("registry.view_child", raise_exception=True)
def child_detail(request, pk):
    # Imported here, like the concerns below: the care work builds on the registry.
    from interventions import timeline
    from interventions.help_plans import child_help_plans

    child = _scoped_child(request, pk)
    services.access_log_record(user=request.user, action=AccessLog.Action.VIEW_PROFILE,
                               child=child)
    family = child.family_by_kind()
    return render(request, "registry/child_detail.html", {
        "child": child,
        "may_edit_basic": _may_edit_basic(request.user, child),
        "five_clear": child.five_clear(),
        "categories": child.categories(),
        "away_pending": child.away_pending(),
        "father": family.get(FamilyMember.Kind.FATHER),
        "mother": family.get(FamilyMember.Kind.MOTHER),
        "guardian": family.get(FamilyMember.Kind.GUARDIAN),
        "others": [m for m in child.family.all() if m.kind == FamilyMember.Kind.OTHER],
        "episodes": selectors.child_episodes(request.user, child),
        "age": child.age(),
        "open_concerns": _open_concerns(request.user, child),
        "help_plans": child_help_plans(request.user, child),
        "timeline": Paginator(timeline.child_timeline(request.user, child),
                              timeline.PAGE_SIZE).get_page(request.GET.get("page")),
    })


def _open_concerns(user, child):
    """The child's open concerns, serious first, for those who may read concerns."""
    if not user.has_perm("interventions.view_concern"):
        return []
    from interventions.models import Concern, Severity

    return list(
        Concern.objects.for_user(user).open().filter(child=child)
        .order_by(models.Case(models.When(severity=Severity.SERIOUS, then=0), default=1),
                  "created_at", "pk")
    )


@login_required
@permission_required("registry.add_child", raise_exception=True)
@require_http_methods(["GET", "POST"])
def child_add(request):
    form = forms.ChildAddForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        child = form.save(commit=False)
        try:
            services.child_register(actor=request.user, child=child,
                                    entered_on=form.cleaned_data["entered_on"])
        except ValidationError as error:
            _form_errors_from(error, form)
        else:
            messages.success(request, _("%(name)s is on the registry. Fill in the other "
                                        "parts of the file below.") % {"name": child.name})
            return redirect("child_detail", pk=child.pk)
    return render(request, "registry/child_form.html", {
        "form": form, "title": _("Add a child to the registry"),
    })


@login_required
@permission_required("registry.change_child", raise_exception=True)
@require_http_methods(["GET", "POST"])
def child_edit(request, pk, part):
    if part not in EDIT_PARTS:
        raise Http404
    child = _scoped_child(request, pk)
    if part == "basic" and not _may_edit_basic(request.user, child):
        raise PermissionDenied
    form_class, title = EDIT_PARTS[part]
    kwargs = {"user": request.user} if part == "basic" else {}
    form = form_class(request.POST or None, instance=child, **kwargs)
    if request.method == "POST" and form.is_valid():
        try:
            services.child_update(actor=request.user, child=form.save(commit=False))
        except ValidationError as error:
            _form_errors_from(error, form)
        else:
            messages.success(request, _("Saved."))
            return redirect("child_detail", pk=child.pk)
    return render(request, "registry/child_form.html", {
        "form": form, "child": child, "title": title,
    })


@login_required
@permission_required("registry.change_child", raise_exception=True)
@require_http_methods(["GET", "POST"])
def child_consent(request, pk):
    child = _scoped_child(request, pk)
    form = forms.ConsentForm(request.POST or None, initial={
        "consent_date": child.consent_date or timezone.localdate(),
        "consent_method": child.consent_method,
    })
    if request.method == "POST" and form.is_valid():
        services.consent_record(actor=request.user, child=child, **form.cleaned_data)
        messages.success(request, _("Consent recorded."))
        return redirect("child_detail", pk=child.pk)
    return render(request, "registry/child_form.html", {
        "form": form, "child": child, "title": _("Guardian's consent to registration"),
    })


def _family_forms(request, child):
    family = child.family_by_kind()
    data = request.POST or None
    kinds = FamilyMember.Kind
    return {
        kinds.FATHER: forms.ParentForm(data, prefix="father",
                                       instance=family.get(kinds.FATHER)),
        kinds.MOTHER: forms.ParentForm(data, prefix="mother",
                                       instance=family.get(kinds.MOTHER)),
        kinds.GUARDIAN: forms.GuardianForm(data, prefix="guardian",
                                           instance=family.get(kinds.GUARDIAN)),
    }


@login_required
@permission_required("registry.change_child", raise_exception=True)
@require_http_methods(["GET", "POST"])
def child_family(request, pk):
    child = _scoped_child(request, pk)
    main_forms = _family_forms(request, child)
    others = forms.OtherContactFormSet(
        request.POST or None, instance=child, prefix="others",
        queryset=child.family.filter(kind=FamilyMember.Kind.OTHER),
    )
    if request.method == "POST" and all(f.is_valid() for f in main_forms.values()) \
            and others.is_valid():
        with transaction.atomic():
            for kind, form in main_forms.items():
                if form.has_changed() or form.instance.pk:
                    member = form.save(commit=False)
                    member.child, member.kind = child, kind
                    services.family_member_save(actor=request.user, member=member)
            for member in others.save(commit=False):
                member.child, member.kind = child, FamilyMember.Kind.OTHER
                services.family_member_save(actor=request.user, member=member)
            for member in others.deleted_objects:
                services.family_member_delete(actor=request.user, member=member)
        messages.success(request, _("Family saved."))
        return redirect("child_detail", pk=child.pk)
    return render(request, "registry/child_family.html", {
        "child": child, "main_forms": main_forms, "others": others,
    })


def _registry_change(request, pk, *, form_class, service, done, title):
    """A form that opens or closes a registry episode through ``service``."""
    child = _scoped_child(request, pk)
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            service(actor=request.user, child=child, **form.cleaned_data)
        except ValidationError as error:
            _form_errors_from(error, form)
        else:
            messages.success(request, done)
            return redirect("child_detail", pk=child.pk)
    return render(request, "registry/child_form.html", {
        "form": form, "child": child, "title": title,
    })


@login_required
@permission_required("registry.manage_registry", raise_exception=True)
@require_http_methods(["GET", "POST"])
def child_exit(request, pk):
    return _registry_change(
        request, pk, form_class=forms.ExitForm, service=services.child_exit,
        done=_("The exit is recorded."), title=_("Record leaving the registry"),
    )


@login_required
@permission_required("registry.manage_registry", raise_exception=True)
@require_http_methods(["GET", "POST"])
def child_reenter(request, pk):
    return _registry_change(
        request, pk, form_class=forms.ReenterForm, service=services.child_reenter,
        done=_("The child is back on the registry."), title=_("Put back on the registry"),
    )


@login_required
@permission_required("registry.manage_registry", raise_exception=True)
@require_http_methods(["GET", "POST"])
def child_transfer(request):
    """Find a child of another school of the county by ID or student number (always a
    POST: the number never travels in a URL), then take them in."""
    found = None
    lookup = forms.TransferLookupForm(request.POST or None)
    confirm = None
    if request.method == "POST" and lookup.is_valid():
        found = services.child_find_for_transfer(actor=request.user, **lookup.cleaned_data)
        if found is None:
            lookup.add_error(None, _("No child of another school of the county has this "
                                     "number. Check it, or add the child as new."))
        else:
            confirm = forms.TransferConfirmForm(
                request.POST if "classroom" in request.POST else None,
                user=request.user, initial=lookup.cleaned_data,
            )
            if confirm.is_bound and confirm.is_valid():
                try:
                    services.child_transfer_in(
                        actor=request.user, child=found,
                        classroom=confirm.cleaned_data["classroom"],
                        transferred_on=confirm.cleaned_data["transferred_on"],
                    )
                except ValidationError as error:
                    _form_errors_from(error, confirm)
                else:
                    messages.success(request, _("%(name)s has been transferred in.")
                                     % {"name": found.name})
                    return redirect("child_detail", pk=found.pk)
    return render(request, "registry/child_transfer.html", {
        "lookup": lookup, "found": found, "confirm": confirm,
    })


@login_required
@permission_required("registry.view_change_history", raise_exception=True)
def child_history(request, pk):
    child = _scoped_child(request, pk)
    services.access_log_record(user=request.user, action=AccessLog.Action.VIEW_HISTORY,
                               child=child)
    page = Paginator(audit.child_change_history(child), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "registry/child_history.html", {
        "child": child, "page": page, "rows": audit.change_rows(page.object_list),
    })
