"""Forms of the monthly submission pages: submitting a month (with a one-time token, so a
double submit makes one submission) and the bureau's reopening of it."""

import uuid

from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from reports.models import MonthlySubmission


def _label(field_name):
    return capfirst(MonthlySubmission._meta.get_field(field_name).verbose_name)


class MonthSubmitForm(forms.Form):
    submission_token = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)
    nothing_changed = forms.BooleanField(
        label=_("Nothing changed this month (zero report)"), required=False,
        help_text=_("Tick it when no child entered or left the registry this month; the "
                    "month is still reported."),
        widget=forms.CheckboxInput(attrs={"data-testid": "submission-nothing-changed"}),
    )
    note = forms.CharField(
        label=_label("note"), required=False,
        help_text=_("Optional: anything the township or the bureau should know about this "
                    "month."),
        widget=forms.Textarea(attrs={"rows": 3, "data-testid": "submission-note"}),
    )

    def service_fields(self):
        return {"note": self.cleaned_data["note"],
                "nothing_changed": self.cleaned_data["nothing_changed"]}


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label=_label("reopen_reason"),
        max_length=MonthlySubmission._meta.get_field("reopen_reason").max_length,
        help_text=_("The school sees it and submits the month again."),
        error_messages={"required": _("Give the reason for reopening the month.")},
        widget=forms.TextInput(attrs={"data-testid": "reopen-reason"}),
    )


class MonthChoiceForm(forms.Form):
    """The overview's month selector: this month and the ones before it."""

    month = forms.ChoiceField(label=_("Month"), required=False)

    def __init__(self, *args, months, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["month"].choices = [(f"{m:%Y-%m}", f"{m:%Y-%m}") for m in months]
        self.fields["month"].widget.attrs["data-testid"] = "overview-month"
