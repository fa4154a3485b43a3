"""The exporter base: every spreadsheet CareCase hands out is written here.

An exporter says what its columns are and yields rows; the base writes them as xlsx
(openpyxl's write-only mode, so memory stays flat for 25,000 rows) or CSV (UTF-8 with a
byte-order mark, which Excel and WPS open correctly), escapes every text cell against
formula injection, and the view logs the export with its row count.
"""

import csv
import io
from datetime import date, datetime

from django.http import HttpResponse
from django.utils.encoding import escape_uri_path
from django.utils.translation import pgettext
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font

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
        sheet = workbook.create_sheet(title=str(self.title)[:31])
        for index, (_header, width) in enumerate(self.columns, start=1):
            sheet.column_dimensions[_column_letter(index)].width = width
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
            sheet.append([xlsx_cell(sheet, value) for value in row])
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


def xlsx_cell(sheet, value):
    value = _cell_value(value)
    if isinstance(value, date | datetime):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = "yyyy-mm-dd" if not isinstance(value, datetime) else \
            "yyyy-mm-dd hh:mm"
        return cell
    return value


def _csv_value(value):
    value = _cell_value(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def _column_letter(index):
    letters = ""
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def download_response(content, content_type, filename):
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{escape_uri_path(filename)}"
    response["Cache-Control"] = "no-store"
    return response
