"""Forms of the help plan pages; every choice (terms, teachers) comes from the access rule
and the child's school and county."""

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from interventions import selectors
from interventions.help_plans import term_holding
from interventions.models import HelpPlan
from registry.models import Term, User
from registry.models.users import SCHOOL_ROLES


def _label(field_name):
    return HelpPlan._meta.get_field(field_name).verbose_name


def _county_terms(user, county_id):
    return Term.objects.for_user(user).filter(county_id=county_id).order_by("-start_date")


class HelpPlanForm(forms.ModelForm):
    """A plan for one child: the term defaults to the one holding today and the teacher to
    the writer. The review notes come at the end of the term, so only a saved plan asks
    for them."""

    class Meta:
        model = HelpPlan
        fields = ["term", "subject", "teacher", "goals", "schedule", "content", "method",
                  "review_notes"]
        widgets = {
            "goals": forms.Textarea(attrs={"rows": 3}),
            "content": forms.Textarea(attrs={"rows": 3}),
            "method": forms.Textarea(attrs={"rows": 3}),
            "review_notes": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, user, child, **kwargs):
        super().__init__(*args, **kwargs)
        plan = self.instance
        self.fields["term"].queryset = _county_terms(user, child.county_id)
        # Teachers see only themselves among the staff; the plan's current teacher stays
        # a choice whoever edits it.
        choosable = selectors.pairable_staff(user, child.school_id).values("pk")
        self.fields["teacher"].queryset = User.objects.filter(
            Q(pk__in=choosable) | Q(pk=plan.teacher_id),
            school_id=child.school_id, role__in=SCHOOL_ROLES,
        ).order_by("real_name", "pk")
        if plan.pk is None:
            del self.fields["review_notes"]
            if not self.is_bound:
                term = term_holding(child.county_id)
                self.initial["term"] = plan.term_id or (term.pk if term else None)
                self.initial["teacher"] = plan.teacher_id or user.pk


class HelpPlanFilterForm(forms.Form):
    """The list's filters: the term (the current one unless another is chosen, or all)
    and, for a school admin, the teacher."""

    term = forms.ModelChoiceField(label=_label("term"), queryset=None, required=False,
                                  empty_label=_("All terms"))
    teacher = forms.ModelChoiceField(label=_label("teacher"), queryset=None, required=False,
                                     empty_label=_("All teachers"))

    def __init__(self, data, *, user, school, **kwargs):
        county_id = school.county_id
        if "term" not in data:
            data = data.copy()
            term = term_holding(county_id)
            data["term"] = str(term.pk) if term else ""
        super().__init__(data, **kwargs)
        self.fields["term"].queryset = _county_terms(user, county_id)
        if user.is_teacher:
            del self.fields["teacher"]
        else:
            self.fields["teacher"].queryset = (
                User.objects.for_user(user)
                .filter(school=school, role__in=SCHOOL_ROLES).order_by("real_name", "pk")
            )
