"""The exporter base: every spreadsheet CareCase hands out is written here.

An exporter says what its columns are and yields rows; the base writes them as xlsx
(openpyxl's write-only mode, so memory stays flat for 25,000 rows) or CSV (UTF-8 with a
byte-order mark, which Excel and WPS open correctly), escapes every text cell against
formula injection, and the view logs the export with its row count. An empty cell is
left out of the sheet (Excel, WPS and openpyxl read a missing cell as empty).

The rows of plain values are written by ``PlainRowSheet``: openpyxl's write-only sheet,
with each such row written as one piece of XML instead of a cell object and three XML
elements per value (the county roster's 730,000 cells took openpyxl ~15 s, about
20 µs a cell: docs/benchmarks.md). The XML is what openpyxl writes for the same
values; a test compares the two.
"""

import csv
import io
from datetime import date, datetime
from xml.sax.saxutils import escape as xml_escape

from django.http import HttpResponse
from django.utils.encoding import escape_uri_path
from django.utils.translation import pgettext
from lxml import etree
from openpyxl import LXML, Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE
from openpyxl.compat import safe_string
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel

# openpyxl 3.1's write-only internals, which PlainRowSheet extends (pyproject pins <4).
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet._writer import WorksheetWriter
from openpyxl.xml.constants import SHEET_MAIN_NS

# A cell starting with one of these is a formula (or becomes one) in Excel, WPS or
# LibreOffice; prefixing an apostrophe keeps it text.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def escape_formula(value):
    """Make a text value inert as a spreadsheet formula; other values pass through."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def _cell_value(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return pgettext("boolean", "yes") if value else pgettext("boolean", "no")
    if isinstance(value, int | float | date | datetime):
        return value
    return escape_formula(str(value))


class Exporter:
    """Subclasses set ``title`` and ``columns`` (header, width in characters) and
    implement ``rows()``; ``count`` is the number of rows written, for the access log."""

    title = "export"
    columns = []

    def __init__(self):
        self.count = 0

    def rows(self):
        raise NotImplementedError

    def filename(self, extension):
        return f"{self.title}.{extension}"

    def write_xlsx(self, stream):
        workbook = Workbook(write_only=True)
        sheet = PlainRowSheet.create(workbook, title=str(self.title)[:31])
        for index, (_header, width) in enumerate(self.columns, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = width
        sheet.freeze_panes = "A2"
        bold = Font(bold=True)
        header = []
        for title, _width in self.columns:
            cell = WriteOnlyCell(sheet, value=str(title))
            cell.font = bold
            cell.alignment = Alignment(vertical="center")
            header.append(cell)
        sheet.append(header)
        for row in self.rows():
            sheet.append([xlsx_value(value) for value in row])
            self.count += 1
        workbook.save(stream)

    def write_csv(self, stream):
        writer = csv.writer(stream)
        writer.writerow([str(title) for title, _width in self.columns])
        for row in self.rows():
            writer.writerow([_csv_value(value) for value in row])
            self.count += 1

    def xlsx_response(self):
        buffer = io.BytesIO()
        self.write_xlsx(buffer)
        return download_response(buffer.getvalue(), XLSX_TYPE, self.filename("xlsx"))

    def csv_response(self):
        buffer = io.StringIO()
        self.write_csv(buffer)
        data = "\ufeff" + buffer.getvalue()
        return download_response(data.encode("utf-8"), "text/csv; charset=utf-8",
                                 self.filename("csv"))


DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"


def xlsx_value(value):
    """A value as the xlsx shows it, for ``PlainRowSheet``: ``None`` for an empty cell
    (left out), dates as dates (formatted by the sheet)."""
    value = _cell_value(value)
    return None if value == "" else value


def xlsx_cell(sheet, value):
    """A value as a cell of a stock write-only sheet: a date with its format."""
    value = _cell_value(value)
    if isinstance(value, date | datetime):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = DATETIME_FORMAT if isinstance(value, datetime) else DATE_FORMAT
        return cell
    return value


class PlainRowSheet(WriteOnlyWorksheet):
    """openpyxl's write-only worksheet, writing a row of plain values (text, numbers,
    naive dates and times, ``None`` for no cell) as one piece of XML, the cells as
    openpyxl writes them: text inline, dates as serial numbers with the
    ``DATE_FORMAT`` or ``DATETIME_FORMAT`` style. A row holding anything else (a
    styled cell, text openpyxl would take for a formula or an error code, a
    character a sheet cannot hold) goes through openpyxl's own cells."""

    @classmethod
    def create(cls, workbook, title):
        """A new sheet of ``workbook`` (write-only), as ``Workbook.create_sheet``."""
        if not LXML:  # openpyxl writes through the standard library: use its sheet
            return workbook.create_sheet(title=title)
        sheet = cls(parent=workbook, title=title)
        workbook._add_sheet(sheet)
        return sheet

    def _get_writer(self):
        if self._writer is None:
            self._writer = _PlainRowWriter(self)
            self._writer.write_top()

    def _values_to_row(self, values, row_idx):
        if all(map(_plain, values)):
            return _PlainRow(values)
        values = [xlsx_cell(self, value) if isinstance(value, date) else value
                  for value in values]
        return super()._values_to_row(values, row_idx)

    def style_id(self, number_format):
        """The workbook's style id of a cell with ``number_format`` (and no other
        style), as openpyxl registers it."""
        cell = WriteOnlyCell(self, value=0)
        cell.number_format = number_format
        return cell.style_id


def _plain(value):
    """Whether ``_PlainRowWriter`` writes ``value`` as openpyxl's cell would."""
    kind = type(value)
    if kind is int or kind is float or kind is date or value is None:
        return True
    if kind is datetime:
        return value.tzinfo is None
    if isinstance(value, str):
        # As openpyxl's Cell: "=…" is a formula, "#N/A" … an error, and control
        # characters are refused (the exporters' values are none of these).
        return not ((len(value) > 1 and value[0] == "=") or value in ERROR_CODES
                    or ILLEGAL_CHARACTERS_RE.search(value))
    return False


class _PlainRow(list):
    """The values of a row for ``_PlainRowWriter``."""


class _PlainRowWriter(WorksheetWriter):
    """openpyxl's worksheet writer, writing a ``_PlainRow``'s XML to the sheet's file
    itself (lxml's buffer flushed first), as openpyxl would write it: ASCII, other
    characters as references."""

    def __init__(self, ws, out=None):
        self.file = None
        super().__init__(ws, out)
        self.letters = []
        self.epoch = ws.parent.epoch
        self.styles = {}  # date or datetime -> its style id, registered when first met

    def get_stream(self):
        # As openpyxl's, but with the file opened here, for write_row.
        with open(self.out, "wb") as self.file, etree.xmlfile(self.file) as xf:  # noqa: SIM117
            with xf.element("worksheet", xmlns=SHEET_MAIN_NS):
                try:
                    while True:
                        element = yield
                        if element is True:
                            yield xf
                        elif element is not None:
                            xf.write(element)
                except GeneratorExit:
                    pass

    def write_row(self, xf, row, row_idx):
        if not isinstance(row, _PlainRow):
            super().write_row(xf, row, row_idx)
            return
        while len(self.letters) < len(row):
            self.letters.append(get_column_letter(len(self.letters) + 1))
        number = str(row_idx)
        xml = [f'<row r="{number}">']
        for letter, value in zip(self.letters, row, strict=False):
            if value is not None:
                xml.append(self.cell(letter + number, value))
        xml.append("</row>")
        xf.flush()
        self.file.write("".join(xml).encode("ascii", "xmlcharrefreplace"))

    def cell(self, ref, value):
        if isinstance(value, str):
            value = value[:32767]  # as openpyxl
            space = ' xml:space="preserve"' if value != value.strip() else ""
            # As lxml writes text: a carriage return as a reference.
            text = xml_escape(value, {"\r": "&#13;"})
            return f'<c r="{ref}" t="inlineStr"><is><t{space}>{text}</t></is></c>'
        if isinstance(value, date):
            kind = type(value)
            style = self.styles.get(kind)
            if style is None:
                style = self.styles[kind] = self.ws.style_id(
                    DATETIME_FORMAT if kind is datetime else DATE_FORMAT)
            return (f'<c r="{ref}" s="{style}" t="n"><v>'
                    f'{safe_string(to_excel(value, self.epoch))}</v></c>')
        return f'<c r="{ref}" t="n"><v>{safe_string(value)}</v></c>'


def _csv_value(value):
    value = _cell_value(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def download_response(content, content_type, filename):
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{escape_uri_path(filename)}"
    response["Cache-Control"] = "no-store"
    return response
