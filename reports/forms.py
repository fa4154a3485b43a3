"""Forms of the reports' pages. Choices always come from the access rule."""

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from registry.models import Category, Classroom
from registry.selectors import current_school_year
from reports import periods
from reports.figures import OVERDUE_ANY, standards_in_force


class StatusSheetFilterForm(forms.Form):
    """The status sheet's period and filters, read from the query string (GET).

    A value that is not valid is dropped rather than refused: the sheet shows with the
    filters that are, so a stale link (a class of last year) still opens. ``period`` and
    ``filters`` are what the page and its xlsx export read, so the same query string
    always selects the same rows.
    """

    grade = forms.TypedChoiceField(label=_("Grade"), required=False, coerce=int,
                                   empty_value=None)
    classroom = forms.TypedChoiceField(label=_("Class"), required=False, coerce=int,
                                       empty_value=None)
    category = forms.ChoiceField(label=_("Category"), required=False,
                                 choices=[("", _("All categories")), *Category.choices])
    overdue = forms.ChoiceField(label=_("Overdue"), required=False)
    incomplete = forms.BooleanField(label=_("Five clear incomplete"), required=False)
    unpaired = forms.BooleanField(label=_("Unpaired"), required=False)
    concern = forms.BooleanField(label=_("Open concerns"), required=False)

    def __init__(self, data=None, *, user, school, today):
        super().__init__(data)
        self.school = school
        self.today = today
        self.period = periods.parse_period((data or {}).get("period"), school.county_id,
                                           today)
        self.period_choices = periods.period_choices(school.county_id, today)
        if self.period.key not in {choice.key for choice in self.period_choices}:
            # An older month, reached by a link: offered too, so the page says which.
            self.period_choices.append(self.period)

        classrooms = list(
            Classroom.objects.for_user(user)
            .filter(school=school, school_year=current_school_year(today))
            .order_by("grade", "number")
        )
        self.classrooms = {classroom.pk: classroom for classroom in classrooms}
        self.fields["classroom"].choices = [("", _("All classes"))] + [
            (c.pk, str(c)) for c in classrooms]
        grades = sorted({c.grade for c in classrooms})
        self.fields["grade"].choices = [("", _("All grades"))] + [
            (grade, _("Grade %(grade)s") % {"grade": grade}) for grade in grades]
        # "Overdue" is about now: the standards in force today.
        self.standards = standards_in_force([school.county_id], today)
        self.fields["overdue"].choices = [
            ("", "—"), (OVERDUE_ANY, _("Any standard")), *self.standards]

    @property
    def filters(self):
        """The valid filters (an invalid one is left out), for ``figures.status_sheet``."""
        if not hasattr(self, "cleaned_data"):
            if not self.is_bound:
                return {}
            self.is_valid()
        return {name: value for name, value in self.cleaned_data.items()
                if value not in (None, "", False)}

    @property
    def query(self):
        """The query string of the period and the valid filters (for links and the
        export), in the form's order."""
        query = QueryDict(mutable=True)
        if self.period.key != periods.WEEK:
            query["period"] = self.period.key
        for name, value in self.filters.items():
            if value is True:
                value = "on"
            query[name] = str(value)
        return query.urlencode()

    def query_for_period(self, key):
        """The query string with another period and the same filters."""
        query = QueryDict(self.query, mutable=True)
        if key == periods.WEEK:
            query.pop("period", None)
        else:
            query["period"] = key
        return query.urlencode()

    def chosen_labels(self):
        """The filters in force, in words ("Grade 3", "Overdue: Weekly talk", "Open
        concern"), for the page's summary line and the xlsx's heading."""
        labels = []
        for name, value in self.filters.items():
            field = self.fields[name]
            if value is True:
                labels.append(str(field.label))
                continue
            choice = dict(field.choices).get(value, value)
            if name == "overdue":
                labels.append(_("Overdue: %(standard)s") % {"standard": choice})
            else:
                labels.append(str(choice))
        return labels
