"""The access log page: who opened which child's file, exported or imported what, for
the school admin (their school), the township (its schools) and the bureau (its county).

Filters travel in the query string, so they hold no personal data: a child is named by
their id (from the child's page, or a name in the list), never by name or ID number.
"""

from django import forms
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from registry import access_detail, audit, services
from registry.models import AccessLog, School

PAGE_SIZE = 50


class AccessLogFilterForm(forms.Form):
    child = forms.ModelChoiceField(queryset=AccessLog.objects.none(), required=False,
                                   widget=forms.HiddenInput)
    staff = forms.ModelChoiceField(label=_("Staff member"), required=False, empty_label="—",
                                   queryset=AccessLog.objects.none())
    action = forms.ChoiceField(label=_("Action"), required=False,
                               choices=[("", "—"), *AccessLog.Action.choices])
    school = forms.ModelChoiceField(label=_("School"), required=False, empty_label="—",
                                    queryset=School.objects.none())
    date_from = forms.DateField(label=_("From"), required=False,
                                widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To"), required=False,
                              widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, query, *, user):
        # Always bound, the dates defaulting to the last 30 days, so that the form
        # shows the range the page lists.
        data = query.copy()
        for name, default in zip(("date_from", "date_to"), audit.default_date_range(),
                                 strict=True):
            if not data.get(name):
                data[name] = default.isoformat()
        super().__init__(data)
        self.fields["child"].queryset = audit.access_log_children(user)
        self.fields["staff"].queryset = audit.access_log_staff(user)
        self.fields["staff"].label_from_instance = lambda staff: (
            f"{staff} · {staff.place}" if staff.place else str(staff))
        if user.is_teacher or user.is_school_admin:
            del self.fields["school"]
        else:
            self.fields["school"].queryset = School.objects.for_user(user)

    def clean(self):
        cleaned = super().clean()
        date_from, date_to = cleaned.get("date_from"), cleaned.get("date_to")
        if date_from and date_to and date_from > date_to:
            self.add_error("date_to", _("The end date is before the start date."))
        return cleaned

    def filters(self):
        """The filters as given, or the defaults (the last 30 days) when they are wrong."""
        if self.is_valid():
            return self.cleaned_data
        date_from, date_to = audit.default_date_range()
        return {"date_from": date_from, "date_to": date_to}


@login_required
@permission_required("registry.view_accesslog", raise_exception=True)
def access_log(request):
    form = AccessLogFilterForm(request.GET, user=request.user)
    if not form.is_valid() and "child" in form.errors:
        raise Http404  # a child outside the user's reach
    filters = form.filters()
    entries = audit.access_log_entries(
        request.user, date_from=filters["date_from"], date_to=filters["date_to"],
        child=filters.get("child"), staff=filters.get("staff"),
        action=filters.get("action", ""), school=filters.get("school"),
    )
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    # Searching the log is itself logged, after the search: the page shows what was
    # there before this visit.
    child = filters.get("child")
    services.access_log_record(
        user=request.user, action=AccessLog.Action.VIEW_AUDIT, child=child,
        school=request.user.school or (child.school if child else None),
        detail=access_detail.access_log_search(filters), rows=page.paginator.count,
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "registry/audit_access_log.html", {
        "form": form, "filters": filters, "page": page, "rows": rows, "child": child,
        "query": query.urlencode(),
        "show_school": "school" in form.fields,
    })
