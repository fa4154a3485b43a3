"""The county summary table (信息汇总表): its columns, shared by the page and the
exports, and the xlsx and CSV the bureau sends upward.

The numbers come from ``reports.figures.county_summary``; nothing is computed here but
the layout. The xlsx keeps to plain features that WPS and Excel both read the same way:
merged header cells, bold rows, thin borders, fills, number formats, a frozen header and
print titles; no tables, named styles or formulas. Counts are numbers; rates are numbers
(0–1) with a percentage format; every text cell is escaped against formulas.
"""

from __future__ import annotations

import csv
import html
import io
from collections.abc import Callable
from dataclasses import dataclass

from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from registry.models import Category
from reports.charts import percent
from reports.exporters import XLSX_TYPE, download_response, escape_formula

# The kinds of a column.
COUNT = "count"
RATE = "rate"
FRACTION = "fraction"  # (met, owed), on the page only; the exports split it

# The kinds of a line.
SCHOOL = "school"
SUBTOTAL = "subtotal"
TOTAL = "total"

RATE_FORMAT = "0.0%"
COUNT_FORMAT = "0"


@dataclass(frozen=True)
class Column:
    key: str  # stable, for tests and data attributes
    group_key: str  # consecutive columns of one group share a merged header
    group: str  # the group's header
    label: str  # the column's own header; "" when the group is this one column
    kind: str
    get: Callable
    width: float = 8.5

    @property
    def single(self):
        return not self.label

    @property
    def flat_label(self):
        """One header row's label (the CSV): the group and the column."""
        return self.group if self.single else f"{self.group} {self.label}"


def _count(name):
    return lambda figures: getattr(figures, name)


def summary_columns(standards, *, split_fractions=True):
    """The table's figure columns, in order (the township and school columns come
    before them). ``split_fractions=False`` (the page) shows each standard's periods met
    and owed as one "met/owed" column; the exports give them a number column each."""
    count_label, rate_label = _("Count"), _("Rate")
    columns = [
        Column("pupils", "pupils", _("Pupils enrolled"), "", COUNT, _count("pupils"), 9),
        Column("registered", "registered", _("Children registered"), count_label, COUNT,
               _count("registered")),
        Column("share", "registered", _("Children registered"), _("Share of pupils"), RATE,
               lambda f: f.share, 9),
    ]
    for category in Category:
        columns.append(Column(
            f"cat_{category.value}", "categories", _("By category"), str(category.label),
            COUNT, lambda f, c=category: f.categories.get(c, 0), 9))
    columns += [
        Column("boys", "sex", _("Sex"), _("Boys"), COUNT, _count("boys"), 6),
        Column("girls", "sex", _("Sex"), _("Girls"), COUNT, _count("girls"), 6),
        Column("primary", "stage", _("Stage"), _("Primary"), COUNT, _count("primary"), 7),
        Column("junior", "stage", _("Stage"), _("Junior secondary"), COUNT,
               _count("junior"), 8),
        Column("boarding", "boarding", _("Boarding"), "", COUNT, _count("boarding"), 7),
        Column("five_clear", "five_clear", _("Five clear complete"), count_label, COUNT,
               _count("five_clear")),
        Column("five_clear_rate", "five_clear", _("Five clear complete"), rate_label, RATE,
               lambda f: f.five_clear_rate),
        Column("with_mentor", "mentor", _("With a mentor"), count_label, COUNT,
               _count("with_mentor")),
        Column("mentor_rate", "mentor", _("With a mentor"), rate_label, RATE,
               lambda f: f.mentor_rate),
        Column("with_surrogate", "surrogate", _("With a surrogate parent"), count_label,
               COUNT, _count("with_surrogate")),
        Column("surrogate_rate", "surrogate", _("With a surrogate parent"), rate_label,
               RATE, lambda f: f.surrogate_rate),
    ]
    for code, label in standards:
        group = f"std_{code}"
        if split_fractions:
            columns += [
                Column(f"{code}_met", group, str(label), _("Periods met"), COUNT,
                       lambda f, c=code: f.compliance.get(c, (0, 0))[0]),
                Column(f"{code}_owed", group, str(label), _("Periods owed"), COUNT,
                       lambda f, c=code: f.compliance.get(c, (0, 0))[1]),
            ]
        else:
            columns.append(Column(f"{code}_fraction", group, str(label), _("Met/owed"),
                                  FRACTION, lambda f, c=code: f.compliance.get(c, (0, 0))))
        columns.append(Column(f"{code}_rate", group, str(label), rate_label, RATE,
                              lambda f, c=code: f.rate(c)))
    columns += [
        Column("open_concerns", "concerns", _("Open concerns"), _("Open"), COUNT,
               _count("open_concerns"), 7),
        Column("serious_concerns", "concerns", _("Open concerns"), _("Serious"), COUNT,
               _count("serious_concerns"), 7),
        Column("entries", "changes", _("In the period"), _("Entered"), COUNT,
               _count("entries"), 7),
        Column("exits", "changes", _("In the period"), _("Left"), COUNT, _count("exits"), 7),
    ]
    return columns


@dataclass(frozen=True)
class HeaderGroup:
    label: str
    span: int
    single: bool
    first: Column


def header_groups(columns):
    """The upper header row: consecutive columns of a group, with their span."""
    groups = []
    for column in columns:
        if groups and groups[-1].first.group_key == column.group_key:
            last = groups.pop()
            groups.append(HeaderGroup(last.label, last.span + 1, False, last.first))
        else:
            groups.append(HeaderGroup(column.group, 1, column.single, column))
    return groups


@dataclass(frozen=True)
class Line:
    """A row of the table: a school, a township's subtotal or the total."""

    kind: str
    township: object
    school: object
    figures: object

    @property
    def label(self):
        if self.kind == SCHOOL:
            return self.school.name
        if self.kind == SUBTOTAL:
            return _("Subtotal")
        return _("Total")


def summary_lines(summary):
    """Schools grouped by township, each township followed by its subtotal, then the
    total."""
    lines = []
    for group in summary.townships:
        lines += [Line(SCHOOL, group.township, line.school, line.figures)
                  for line in group.schools]
        lines.append(Line(SUBTOTAL, group.township, None, group.subtotal))
    lines.append(Line(TOTAL, None, None, summary.total))
    return lines


# --- The page's cells ----------------------------------------------------------------------


class PageCells:
    """The ``<td>`` cells of the page's table rows, written here rather than by a
    template include per row: the county's 300 schools × 40 cells took the template
    engine some 0.5 s (docs/benchmarks.md). ``data-value`` holds the raw value (a
    fraction as ``met/owed``, empty for no rate), for tests and scripts."""

    def __init__(self, columns):
        starts = {group.first.key for group in header_groups(columns)}
        self.columns = [
            (column, '<td class="{}{}" data-col="{}" data-value="'.format(
                "summary-group-start" if column.key in starts else "",
                " summary-rate" if column.kind == RATE else "", html.escape(column.key)))
            for column in columns]

    def html(self, figures):
        """The cells of one row: a school's ``figures``, a subtotal's or the total's."""
        cells = []
        for column, opening in self.columns:
            value = column.get(figures)
            if type(value) is int:  # a count: digits, nothing to escape (most cells)
                text = raw = str(value)
                cells.append(f'{opening}{raw}">{text}</td>')
                continue
            if column.kind == RATE:
                text, raw = percent(value), "" if value is None else str(value)
            elif column.kind == FRACTION:
                raw = f"{value[0]}/{value[1]}"
                text = raw if value[1] else "—"
            else:
                text = raw = str(value)
            cells.append(f'{opening}{html.escape(raw)}">{html.escape(text)}</td>')
        return mark_safe("".join(cells))  # noqa: S308 (every value escaped or an int)


# --- The exports ---------------------------------------------------------------------------


def title_text(place):
    return _("%(place)s: summary table of left-behind children") % {"place": place}


def subtitle_text(period, today):
    return _("Period: %(period)s (%(start)s to %(end)s). Made on %(today)s.") % {
        "period": period.label, "start": period.start.isoformat(),
        "end": period.end.isoformat(), "today": today.isoformat()}


def export_filename(place, period, today, extension):
    span = (period.key if period.kind == "month"
            else f"{period.start:%Y%m%d}-{period.end:%Y%m%d}")
    parts = [pgettext("file name", "county summary"), str(place), span, today.isoformat()]
    return "_".join(part for part in parts if part) + f".{extension}"


def _line_names(line):
    """The township and school columns of a line."""
    if line.kind == SCHOOL:
        return line.township.name, line.school.name
    if line.kind == SUBTOTAL:
        return line.township.name, _("Subtotal")
    return _("Total"), ""


_THIN = Side(style="thin", color="999999")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_SUBTOTAL_FILL = PatternFill("solid", fgColor="F2F2F2")
_TOTAL_FILL = PatternFill("solid", fgColor="E2EFDA")
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
HEADER_ROWS = (3, 4)
FIRST_DATA_ROW = 5


class SummaryExport:
    """The summary as xlsx or CSV. ``count`` is the number of school rows written (the
    access log's row count)."""

    def __init__(self, summary, *, place, today):
        self.summary = summary
        self.place = place
        self.today = today
        self.columns = summary_columns(summary.standards)
        self.lines = summary_lines(summary)
        self.count = sum(1 for line in self.lines if line.kind == SCHOOL)

    def filename(self, extension):
        return export_filename(self.place, self.summary.period, self.today, extension)

    # xlsx

    def workbook(self):
        book = Workbook()
        sheet = book.active
        sheet.title = pgettext("spreadsheet", "Summary")[:31]
        last = 2 + len(self.columns)
        last_letter = get_column_letter(last)

        sheet["A1"] = escape_formula(title_text(self.place))
        sheet["A1"].font = Font(bold=True, size=14)
        sheet.merge_cells(f"A1:{last_letter}1")
        sheet["A2"] = escape_formula(subtitle_text(self.summary.period, self.today))
        sheet["A2"].font = Font(size=10)
        sheet.merge_cells(f"A2:{last_letter}2")
        sheet.row_dimensions[1].height = 24

        top, sub = HEADER_ROWS
        for column, header in ((1, _("Township")), (2, _("School"))):
            sheet.cell(row=top, column=column, value=header)
            sheet.merge_cells(start_row=top, start_column=column, end_row=sub,
                              end_column=column)
        index = 3
        for group in header_groups(self.columns):
            sheet.cell(row=top, column=index, value=group.label)
            if group.single:
                sheet.merge_cells(start_row=top, start_column=index, end_row=sub,
                                  end_column=index)
            elif group.span > 1:
                sheet.merge_cells(start_row=top, start_column=index, end_row=top,
                                  end_column=index + group.span - 1)
            index += group.span
        for offset, column in enumerate(self.columns, start=3):
            if not column.single:
                sheet.cell(row=sub, column=offset, value=column.label)
        # Chinese labels wrap at about half a column's width in characters: up to three
        # lines in the lower header row.
        sheet.row_dimensions[top].height = 30
        sheet.row_dimensions[sub].height = 44
        for row in HEADER_ROWS:
            for column in range(1, last + 1):
                cell = sheet.cell(row=row, column=column)
                cell.font = Font(bold=True)
                cell.alignment = _CENTER
                cell.fill = _HEADER_FILL
                cell.border = _BORDER

        sheet.column_dimensions["A"].width = 12
        sheet.column_dimensions["B"].width = 24
        for offset, column in enumerate(self.columns, start=3):
            sheet.column_dimensions[get_column_letter(offset)].width = column.width

        for row, line in enumerate(self.lines, start=FIRST_DATA_ROW):
            bold = line.kind != SCHOOL
            fill = {SUBTOTAL: _SUBTOTAL_FILL, TOTAL: _TOTAL_FILL}.get(line.kind)
            values = [escape_formula(name) for name in _line_names(line)]
            values += [column.get(line.figures) for column in self.columns]
            for column, value in enumerate(values, start=1):
                cell = sheet.cell(row=row, column=column, value=value)
                cell.border = _BORDER
                if column > 2:
                    kind = self.columns[column - 3].kind
                    cell.number_format = RATE_FORMAT if kind == RATE else COUNT_FORMAT
                if bold:
                    cell.font = Font(bold=True)
                if fill is not None:
                    cell.fill = fill

        sheet.freeze_panes = f"C{FIRST_DATA_ROW}"
        # On paper: A4 landscape, pages across with the header rows and the names
        # repeated on each (one page wide would print ~45 columns too small to read).
        sheet.print_title_rows = f"{top}:{sub}"
        sheet.print_title_cols = "A:B"
        sheet.page_setup.orientation = "landscape"
        sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
        return book

    def xlsx_response(self):
        buffer = io.BytesIO()
        self.workbook().save(buffer)
        return download_response(buffer.getvalue(), XLSX_TYPE, self.filename("xlsx"))

    # CSV

    def write_csv(self, stream):
        writer = csv.writer(stream)
        writer.writerow([_("Township"), _("School")]
                        + [column.flat_label for column in self.columns])
        for line in self.lines:
            row = [escape_formula(name) for name in _line_names(line)]
            for column in self.columns:
                value = column.get(line.figures)
                row.append(("" if value is None else percent(value))
                           if column.kind == RATE else value)
            writer.writerow(row)

    def csv_response(self):
        buffer = io.StringIO()
        self.write_csv(buffer)
        data = "\ufeff" + buffer.getvalue()
        return download_response(data.encode("utf-8"), "text/csv; charset=utf-8",
                         self.filename("csv"))
