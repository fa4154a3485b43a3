"""The registry's spreadsheets, written by the exporter base: the homeroom teacher's contact
information sheet (联系信息表) of a class."""

from django.utils.translation import gettext_lazy as _

from registry.models import FamilyMember
from reports.exporters import Exporter


def _parent_cells(member):
    if member is None:
        return ["", "", "", ""]
    return [member.name, member.phone, member.get_situation_display(), member.workplace]


def _guardian_cells(member):
    if member is None:
        return ["", "", ""]
    return [member.name, member.get_relation_display(), member.phone]


class ContactSheetExporter(Exporter):
    """One row per child of the class on the registry; the children come with their
    family prefetched."""

    title = _("Contact information sheet")
    columns = [
        (_("Name"), 10),
        (_("Sex"), 5),
        (_("Father's name"), 10),
        (_("Father's phone"), 14),
        (_("Father's situation"), 10),
        (_("Father's place of work"), 18),
        (_("Mother's name"), 10),
        (_("Mother's phone"), 14),
        (_("Mother's situation"), 10),
        (_("Mother's place of work"), 18),
        (_("Guardian's name"), 10),
        (_("Guardian's relation"), 10),
        (_("Guardian's phone"), 14),
        (_("Home address"), 30),
    ]

    def __init__(self, *, classroom, children):
        super().__init__()
        self.classroom = classroom
        self.children = children

    def filename(self, extension):
        return f"{self.title}-{self.classroom.school.name}-{self.classroom}.{extension}"

    def rows(self):
        for child in self.children:
            family = child.family_by_kind()
            yield [
                child.name,
                child.get_sex_display(),
                *_parent_cells(family.get(FamilyMember.Kind.FATHER)),
                *_parent_cells(family.get(FamilyMember.Kind.MOTHER)),
                *_guardian_cells(family.get(FamilyMember.Kind.GUARDIAN)),
                child.address,
            ]
