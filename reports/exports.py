"""The reports' spreadsheets, on the exporter base (``reports.exporters``): every text
cell escaped against formulas, numbers and dates as such, the row count for the access
log."""

from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext, pgettext_lazy
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from registry.models import EntryKind, ExitReason
from reports.exporters import Exporter, escape_formula, xlsx_cell

# The tint of an overdue cell, as on the page (Bootstrap's danger background).
OVERDUE_FILL = PatternFill(fill_type="solid", start_color="F8D7DA", end_color="F8D7DA")


def _text_cell(sheet, value, *, bold=False, size=None):
    cell = WriteOnlyCell(sheet, value=escape_formula(str(value)))
    if bold or size:
        cell.font = Font(bold=bold, size=size)
    return cell


class StatusSheetExporter(Exporter):
    """The rows of a ``figures.StatusSheet`` (exactly those the page shows), under a
    title, the period and the filters; a second sheet lists the registry's changes."""

    title = pgettext_lazy("spreadsheet", "Status sheet")
    # Title, period and filters, then a blank row: the header is on this row.
    header_row = 5
    FIXED_COLUMNS = [
        (gettext_lazy("Class"), 12), (gettext_lazy("Name"), 10), (gettext_lazy("Sex"), 5),
        (gettext_lazy("Age"), 5), (gettext_lazy("Categories"), 22),
        (gettext_lazy("Five clear (parts of 5)"), 10), (gettext_lazy("Staff mentor"), 10),
        (gettext_lazy("Surrogate parent"), 10), (gettext_lazy("Last talk"), 12),
    ]

    def __init__(self, sheet, *, filters_text=""):
        super().__init__()
        self.sheet = sheet
        self.filters_text = filters_text
        self.columns = [(str(title), width) for title, width in self.FIXED_COLUMNS]
        for _code, label in sheet.standards:
            self.columns.append((_("%(standard)s: met") % {"standard": label}, 10))
            self.columns.append((_("%(standard)s: owed") % {"standard": label}, 10))
        self.columns += [(_("Overdue now"), 20), (_("Open concerns"), 8),
                         (_("Mandatory report"), 8)]

    def filename(self, extension):
        period = self.sheet.period
        when = period.key if period.kind == "month" else f"{period.start}_{period.end}"
        parts = [pgettext("file name", "status sheet"), self.sheet.school.code, when]
        return "_".join(str(p) for p in parts if p) + f".{extension}"

    def rows(self):
        labels = dict(self.sheet.standards)
        for row in self.sheet.rows:
            child = row.child
            values = [
                str(child.classroom) if child.classroom_id else "",
                child.name,
                child.get_sex_display(),
                row.age,
                "、".join(str(category.label) for category in row.categories),
                child.five_clear_count,
                child.mentor_name or "",
                child.surrogate_name or "",
                row.last_talk,
            ]
            overdue = []
            for code, _label in self.sheet.standards:
                cell = row.cells[code]
                values += [cell.met, cell.owed]
                if cell.overdue:
                    overdue.append(str(labels[code]))
            values += ["、".join(overdue), child.open_concerns, bool(child.serious_concern)]
            yield values

    def write_xlsx(self, stream):
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(title=str(self.title)[:31])
        for index, (_header, width) in enumerate(self.columns, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = width
        # The header and the class and name columns stay in view.
        sheet.freeze_panes = f"C{self.header_row + 1}"
        period = self.sheet.period
        sheet.append([_text_cell(sheet, f"{self.sheet.school.name} {self.title}",
                                 bold=True, size=14)])
        sheet.append([_text_cell(sheet, f"{period.label} ({period.start} – {period.end})")])
        sheet.append([_text_cell(sheet, self.filters_text)])
        sheet.append([])
        header = []
        for title, _width in self.columns:
            cell = _text_cell(sheet, str(title), bold=True)
            cell.alignment = Alignment(vertical="center", wrap_text=True)
            header.append(cell)
        sheet.append(header)
        first = len(self.FIXED_COLUMNS)  # the first standard's "met" column (0-based)
        for row, values in zip(self.sheet.rows, self.rows(), strict=True):
            cells = [xlsx_cell(sheet, value) for value in values]
            for index, (code, _label) in enumerate(self.sheet.standards):
                if row.cells[code].overdue:
                    column = first + 2 * index
                    cells[column] = WriteOnlyCell(sheet, value=values[column])
                    cells[column].fill = OVERDUE_FILL
            sheet.append(cells)
            self.count += 1
        self._write_changes(workbook)
        workbook.save(stream)

    def _write_changes(self, workbook):
        """The "changes" panel: who entered or left the registry, and when."""
        changes = self.sheet.changes
        sheet = workbook.create_sheet(title=pgettext("spreadsheet", "Registry changes")[:31])
        for letter, width in zip("ABCDE", (12, 10, 12, 12, 16), strict=True):
            sheet.column_dimensions[letter].width = width
        sheet.freeze_panes = "A3"
        sheet.append([_text_cell(sheet, f"{changes.start} – {changes.end}", bold=True)])
        sheet.append([_text_cell(sheet, str(title), bold=True) for title in (
            pgettext("registry change", "Change"), _("Name"), _("Class"), _("Date"),
            _("Reason"))])
        for group in change_groups(changes):
            for item in group.items:
                sheet.append([xlsx_cell(sheet, value) for value in (
                    str(group.label), item.name, item.classroom, item.date, item.reason)])


@dataclass
class ChangeItem:
    name: str
    classroom: str
    date: object
    reason: str = ""


@dataclass
class ChangeGroup:
    key: str
    label: str
    items: list


def change_groups(changes):
    """The "changes" panel of a status sheet (``figures.Changes``) as groups of items:
    the page and the xlsx show the same. A child who transferred out is at another
    school now: their class there is not shown."""

    def items(episodes, *, exit=False, moved=False):
        return [
            ChangeItem(
                name=episode.child.name,
                classroom="" if moved or not episode.child.classroom_id
                else str(episode.child.classroom),
                date=episode.exited_on if exit else episode.entered_on,
                reason=episode.get_exit_reason_display() if exit and not moved else "",
            )
            for episode in episodes
        ]

    return [
        ChangeGroup("registered", EntryKind.REGISTERED.label, items(changes.registered)),
        ChangeGroup("reentered", EntryKind.REENTERED.label, items(changes.reentered)),
        ChangeGroup("transferred_in", EntryKind.TRANSFERRED_IN.label,
                    items(changes.transferred_in)),
        ChangeGroup("exited", _("Left the registry"), items(changes.exited, exit=True)),
        ChangeGroup("transferred_out", ExitReason.TRANSFERRED_OUT.label,
                    items(changes.transferred_out, exit=True, moved=True)),
    ]
