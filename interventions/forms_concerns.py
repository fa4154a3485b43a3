"""Forms of the concern pages: raising a concern on a phone, editing it, and the dated
follow-up note. The staff to assign come from the concern's school."""

import uuid

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from interventions.concerns import concern_assignable_staff
from interventions.models import (
    Concern,
    ConcernCategory,
    ConcernNote,
    ConcernStatus,
    Severity,
)
from registry.forms import DateInput


def _label(field_name):
    return Concern._meta.get_field(field_name).verbose_name


def _note_label(field_name):
    return ConcernNote._meta.get_field(field_name).verbose_name


class StaffMemberField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj} · {obj.get_role_display()}"


class ConcernForm(forms.Form):
    """A concern about one child. The hidden one-time token makes a double submit
    harmless; a failed submission comes back with the same token and everything typed."""

    submission_token = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)
    category = forms.ChoiceField(
        label=_label("category"), choices=ConcernCategory.choices, widget=forms.RadioSelect,
        error_messages={"required": _("Choose what the concern is about.")},
    )
    severity = forms.ChoiceField(
        label=_label("severity"), choices=Severity.choices, widget=forms.RadioSelect,
        initial=Severity.WATCH,
        error_messages={"required": _("Choose how serious it is.")},
    )
    description = forms.CharField(
        label=_label("description"),
        widget=forms.Textarea(attrs={"rows": 5, "data-testid": "concern-description"}),
        error_messages={"required": _("Describe what was noticed.")},
    )
    assigned_to = StaffMemberField(
        label=_label("assigned_to"), queryset=None,
        help_text=_("Who follows it up: you, or another teacher or administrator of the "
                    "school."),
    )

    def __init__(self, *args, user, school_id, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assigned_to"].queryset = concern_assignable_staff(school_id)
        if "assigned_to" not in self.initial and user.school_id == school_id:
            self.initial["assigned_to"] = user.pk  # by default, whoever raises it
        if "assigned_to" in self.initial:
            self.fields["assigned_to"].empty_label = None

    def service_fields(self):
        """The cleaned fields the services take (without the token)."""
        return {name: self.cleaned_data[name]
                for name in ("category", "severity", "description", "assigned_to")}


class ConcernEditForm(ConcernForm):
    """A change to a saved concern: the same fields, no token."""

    def __init__(self, *args, concern, user, **kwargs):
        initial = {"category": concern.category, "severity": concern.severity,
                   "description": concern.description, "assigned_to": concern.assigned_to_id}
        super().__init__(*args, initial=initial, user=user,
                         school_id=concern.school_id, **kwargs)
        del self.fields["submission_token"]


class FollowUpForm(forms.Form):
    """A dated follow-up note and the concern's status afterwards."""

    submission_token = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)
    happened_on = forms.DateField(label=_note_label("happened_on"), widget=DateInput(),
                                  initial=timezone.localdate)
    note = forms.CharField(
        label=_note_label("note"),
        widget=forms.Textarea(attrs={"rows": 4, "data-testid": "follow-up-note"}),
        error_messages={"required": _("Write what was done or found.")},
    )
    status = forms.ChoiceField(label=_note_label("status"), choices=ConcernStatus.choices,
                               widget=forms.RadioSelect)

    def __init__(self, *args, concern, **kwargs):
        super().__init__(*args, **kwargs)
        if concern.status == ConcernStatus.OPEN:
            self.fields["status"].initial = ConcernStatus.FOLLOWING_UP
        else:
            self.fields["status"].initial = concern.status

    def service_fields(self):
        return {name: self.cleaned_data[name] for name in ("happened_on", "note", "status")}
