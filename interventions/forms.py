"""Forms of the pairings pages. Every choice (children, staff, classes, volunteers) comes
from the access rule."""

import uuid

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from interventions import selectors
from interventions.models import (
    Channel,
    ContactLog,
    ContactWith,
    Pairing,
    PairingKind,
    Priority,
    StandardCode,
    Volunteer,
)
from registry.forms import DateInput
from registry.models import Classroom, School
from registry.selectors import current_school_year

STAFF_KIND_CHOICES = [(PairingKind.MENTOR, PairingKind.MENTOR.label),
                      (PairingKind.SURROGATE, PairingKind.SURROGATE.label)]


def _label(field_name):
    return Pairing._meta.get_field(field_name).verbose_name


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        count = getattr(obj, "paired_count", None)
        if count is None:
            return str(obj)
        return _("%(name)s (%(count)s paired)") % {"name": obj, "count": count}


def _school_classrooms(user, school):
    return (Classroom.objects.for_user(user)
            .filter(school=school, school_year=current_school_year())
            .order_by("grade", "number"))


class PairingForm(forms.Form):
    """One pairing for one child; the service keeps only the fields of the kind."""

    kind = forms.ChoiceField(label=_label("kind"), choices=PairingKind.choices)
    staff = StaffChoiceField(label=_label("staff"), queryset=None, required=False)
    buddy_name = forms.CharField(label=_label("buddy_name"), max_length=50, required=False)
    buddy_classroom = forms.ModelChoiceField(label=_label("buddy_classroom"), queryset=None,
                                             required=False)
    volunteer = forms.ModelChoiceField(label=_label("volunteer"), queryset=None,
                                       required=False)
    start_date = forms.DateField(label=_label("start_date"), widget=DateInput(),
                                 initial=timezone.localdate)

    # Which fields belong to which kind (the page hides the others).
    KIND_FIELDS = {
        "staff": [PairingKind.MENTOR, PairingKind.SURROGATE],
        "buddy_name": [PairingKind.BUDDY],
        "buddy_classroom": [PairingKind.BUDDY],
        "volunteer": [PairingKind.VOLUNTEER],
    }

    def __init__(self, *args, user, child, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["staff"].queryset = selectors.pairable_staff(user, child.school_id)
        self.fields["buddy_classroom"].queryset = _school_classrooms(user, child.school_id)
        self.fields["volunteer"].queryset = Volunteer.objects.for_user(user).filter(
            Q(school=child.school_id) | Q(school__isnull=True)
        )


class PairingEndForm(forms.Form):
    end_date = forms.DateField(label=_label("end_date"), widget=DateInput())


class PairingFilterForm(forms.Form):
    UNPAIRED_CHOICES = [
        ("", _("All children")),
        (selectors.UNPAIRED_MENTOR, _("No staff mentor")),
        (selectors.UNPAIRED_SURROGATE, _("No surrogate parent")),
    ]

    classroom = forms.ModelChoiceField(label=_("Class"), queryset=None, required=False,
                                       empty_label=_("All classes"))
    unpaired = forms.ChoiceField(label=_("Show"), choices=UNPAIRED_CHOICES, required=False)

    def __init__(self, *args, user, school, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["classroom"].queryset = _school_classrooms(user, school)


class BulkPairingForm(forms.Form):
    """One teacher for the ticked children; the page renders the children's boxes
    itself from its rows, the field only validates them."""

    staff = StaffChoiceField(label=_label("staff"), queryset=None)
    kind = forms.ChoiceField(label=_label("kind"), choices=STAFF_KIND_CHOICES)
    start_date = forms.DateField(label=_label("start_date"), widget=DateInput(),
                                 initial=timezone.localdate)
    children = forms.ModelMultipleChoiceField(
        queryset=None, error_messages={"required": _("Tick at least one child.")},
    )

    def __init__(self, *args, user, school, children, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["staff"].queryset = selectors.pairable_staff(user, school)
        self.fields["children"].queryset = children

    def ticked(self):
        """The ticked children's ids, to keep them ticked when the page comes back."""
        return {str(pk) for pk in self.data.getlist("children")} if self.is_bound else set()


class VolunteerForm(forms.ModelForm):
    class Meta:
        model = Volunteer
        fields = ["name", "phone", "organisation", "school"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        if user.is_school_admin:
            del self.fields["school"]
        else:
            self.fields["school"].queryset = School.objects.for_user(user).order_by("name")


# --- Contact logs ------------------------------------------------------------------------

def _log_label(field_name):
    return ContactLog._meta.get_field(field_name).verbose_name


class ContactLogForm(forms.Form):
    """One contact with a child, prefilled for the usual case (today's talk in person with
    the child). The hidden one-time token makes a double submit harmless; on a failed
    submission the page comes back with the same token and everything typed."""

    submission_token = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)
    happened_on = forms.DateField(label=_log_label("happened_on"), widget=DateInput(),
                                  initial=timezone.localdate)
    standard = forms.ChoiceField(label=_log_label("standard"),
                                 choices=ContactLog._meta.get_field("standard").choices,
                                 initial=StandardCode.WEEKLY_TALK)
    channel = forms.ChoiceField(label=_log_label("channel"), choices=Channel.choices,
                                widget=forms.RadioSelect, initial=Channel.IN_PERSON)
    with_whom = forms.MultipleChoiceField(
        label=_log_label("with_whom"), choices=ContactWith.choices,
        widget=forms.CheckboxSelectMultiple, initial=[ContactWith.CHILD],
        error_messages={"required": _("Tick at least one person the contact was with.")},
    )
    priorities = forms.MultipleChoiceField(
        label=_log_label("priorities"), choices=Priority.choices,
        widget=forms.CheckboxSelectMultiple, required=False,
    )
    summary = forms.CharField(label=_log_label("summary"), required=False,
                              widget=forms.Textarea(attrs={"rows": 4}))
    wellbeing = forms.TypedChoiceField(
        label=_log_label("wellbeing"), required=False, coerce=int, empty_value=None,
        choices=[("", _("Not noted")),
                 *ContactLog._meta.get_field("wellbeing").choices],
    )

    raise_concern = forms.BooleanField(
        label=_("This contact raised a concern: record it next"), required=False,
    )

    def service_fields(self):
        """The cleaned fields the services take (without the token)."""
        return {name: value for name, value in self.cleaned_data.items()
                if name not in ("submission_token", "raise_concern")}


def contact_log_prefill(query):
    """Initial values a link may set (the teacher's week sets the standard due and the
    teacher's usual channel); anything not a known choice is ignored."""
    initial = {}
    standard = query.get("standard")
    if standard in dict(ContactLog._meta.get_field("standard").choices):
        initial["standard"] = standard
    channel = query.get("channel")
    if channel in Channel.values:
        initial["channel"] = channel
    return initial


class ContactLogEditForm(ContactLogForm):
    """A correction of a saved log: the same fields, no token."""

    def __init__(self, *args, log, **kwargs):
        initial = {name: getattr(log, name) for name in (
            "happened_on", "standard", "channel", "with_whom", "priorities", "summary",
            "wellbeing")}
        super().__init__(*args, initial=initial, **kwargs)
        del self.fields["submission_token"]
        del self.fields["raise_concern"]
