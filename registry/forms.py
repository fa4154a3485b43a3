"""Forms of the child's file. Choices of classes always come from the access rule."""

from django import forms
from django.forms import inlineformset_factory
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from registry.idnumber import normalise_phone
from registry.models import (
    Category,
    Child,
    Classroom,
    ExitReason,
    FamilyMember,
    School,
)
from registry.selectors import current_school_year


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


def _classrooms(user):
    return (
        Classroom.objects.for_user(user)
        .filter(school_year=current_school_year())
        .select_related("school")
        .order_by("grade", "number")
    )


class PhoneCleaningMixin:
    def clean_phone(self):
        phone = self.cleaned_data.get("phone", "")
        return normalise_phone(phone) if phone else ""


class ChildBasicForm(forms.ModelForm):
    class Meta:
        model = Child
        fields = ["name", "id_number", "sex", "birth_date", "student_number", "ethnicity",
                  "address", "classroom", "boarding"]
        widgets = {"birth_date": DateInput()}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["classroom"].queryset = _classrooms(user)
        self.fields["classroom"].required = True
        self.fields["sex"].help_text = _("Leave empty when the ID number is given.")

    def clean_id_number(self):
        return self.cleaned_data["id_number"].strip().upper()


class ChildAddForm(ChildBasicForm):
    entered_on = forms.DateField(
        label=_("Entered the registry on"), widget=DateInput(), initial=timezone.localdate
    )

    def clean(self):
        cleaned = super().clean()
        # A new child belongs where their class is; the model's checks need to know.
        if cleaned.get("classroom"):
            self.instance.school = cleaned["classroom"].school
            self.instance.county_id = self.instance.school.county_id
        return cleaned


class ChildTraitsForm(forms.ModelForm):
    class Meta:
        model = Child
        fields = ["personality", "hobbies"]
        widgets = {"personality": forms.Textarea(attrs={"rows": 3}),
                   "hobbies": forms.Textarea(attrs={"rows": 3})}


class ChildHealthForm(forms.ModelForm):
    class Meta:
        model = Child
        fields = ["physical_condition", "chronic_illness", "disability", "psychological_notes"]
        widgets = {"psychological_notes": forms.Textarea(attrs={"rows": 3})}


class ChildCategoriesForm(forms.ModelForm):
    class Meta:
        model = Child
        fields = ["single_parent", "abandoned", "hardship_kind", "hardship_note"]


class ConsentForm(forms.Form):
    consent_date = forms.DateField(label=_("Consent given on"), widget=DateInput())
    consent_method = forms.ChoiceField(
        label=_("How consent was given"),
        choices=Child._meta.get_field("consent_method").choices,
    )


class ParentForm(PhoneCleaningMixin, forms.ModelForm):
    class Meta:
        model = FamilyMember
        fields = ["name", "situation", "phone", "workplace", "away_since"]
        widgets = {"away_since": DateInput()}

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("situation") == "away" and not cleaned.get("away_since"):
            self.add_error("away_since", _("Say since when the parent has been away."))
        return cleaned


class GuardianForm(PhoneCleaningMixin, forms.ModelForm):
    class Meta:
        model = FamilyMember
        fields = ["name", "relation", "phone", "age", "health"]


class OtherContactForm(PhoneCleaningMixin, forms.ModelForm):
    class Meta:
        model = FamilyMember
        fields = ["name", "relation", "phone", "note"]


OtherContactFormSet = inlineformset_factory(
    Child, FamilyMember, form=OtherContactForm, extra=1, can_delete=True,
)


class ExitForm(forms.Form):
    exited_on = forms.DateField(label=_("Left the registry on"), widget=DateInput(),
                                initial=timezone.localdate)
    reason = forms.ChoiceField(
        label=_("Reason"),
        choices=[c for c in ExitReason.choices if c[0] != ExitReason.TRANSFERRED_OUT],
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=200)


class ReenterForm(forms.Form):
    entered_on = forms.DateField(label=_("Back on the registry from"), widget=DateInput(),
                                 initial=timezone.localdate)


class TransferLookupForm(forms.Form):
    id_number = forms.CharField(label=_("Resident ID number"), required=False, max_length=18)
    student_number = forms.CharField(label=_("Student number"), required=False, max_length=30)

    def clean(self):
        cleaned = super().clean()
        if not (cleaned.get("id_number") or cleaned.get("student_number")):
            raise forms.ValidationError(_("Enter the child's ID number or student number."))
        return cleaned


class TransferConfirmForm(TransferLookupForm):
    classroom = forms.ModelChoiceField(label=_("Into class"), queryset=Classroom.objects.none())
    transferred_on = forms.DateField(label=_("Transferred on"), widget=DateInput(),
                                     initial=timezone.localdate)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["classroom"].queryset = _classrooms(user)
        self.fields["id_number"].widget = forms.HiddenInput()
        self.fields["student_number"].widget = forms.HiddenInput()


class ChildFilterForm(forms.Form):
    STATUS_CHOICES = [
        ("registered", _("On the registry")),
        ("exited", _("Left the registry")),
        ("all", _("All")),
    ]
    ATTENTION_CHOICES = [
        ("", "—"),
        ("exit", _("On the registry but no category any more")),
        ("enter", _("Off the registry but meets a category")),
    ]

    q = forms.CharField(label=_("Name"), required=False, max_length=50)
    school = forms.ModelChoiceField(label=_("School"), required=False, empty_label="—",
                                    queryset=School.objects.none())
    classroom = forms.ModelChoiceField(label=_("Class"), required=False, empty_label="—",
                                       queryset=Classroom.objects.none())
    category = forms.ChoiceField(label=_("Category"), required=False,
                                 choices=[("", "—"), *Category.choices])
    incomplete = forms.BooleanField(label=_("Five clear incomplete"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False, choices=STATUS_CHOICES)
    attention = forms.ChoiceField(label=_("Needs attention"), required=False,
                                  choices=ATTENTION_CHOICES)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["classroom"].queryset = _classrooms(user)
        schools = School.objects.for_user(user)
        if user.is_teacher or user.is_school_admin:
            del self.fields["school"]
        else:
            self.fields["school"].queryset = schools
        if not user.has_perm("registry.manage_registry"):
            del self.fields["attention"]
