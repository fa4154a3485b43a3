"""The exporter base: formula payloads are neutral, types survive, CSV opens in Excel."""

import io
import zipfile
from datetime import date, datetime

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import IllegalCharacterError

from reports.exporters import Exporter, escape_formula, xlsx_cell

PAYLOADS = ["=1+2", "+SUM(A1)", "-2+3", "@cmd", "\t=1", "\r=1", '=HYPERLINK("http://x","y")']


class Sample(Exporter):
    title = "样例"
    columns = [("姓名", 10), ("备注", 20), ("人数", 6), ("日期", 12), ("寄宿", 6)]

    def rows(self):
        for payload in PAYLOADS:
            yield ["王𠀀", payload, 3, date(2026, 9, 1), True]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_escape_formula_neutralises_each_trigger(payload):
    assert escape_formula(payload) == "'" + payload


@pytest.mark.parametrize("value", ["王小明", "13800138000", 5, None, "a=b"])
def test_escape_formula_leaves_ordinary_values(value):
    assert escape_formula(value) == value


def test_xlsx_cells_are_text_not_formulas_and_types_survive():
    exporter = Sample()
    buffer = io.BytesIO()
    exporter.write_xlsx(buffer)
    sheet = load_workbook(io.BytesIO(buffer.getvalue())).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("姓名", "备注", "人数", "日期", "寄宿")
    # (Depending on the XML writer, a carriage return may come back as a line feed.)
    assert [r[1].replace("\r", "\n") for r in rows[1:]] == [
        "'" + p.replace("\r", "\n") for p in PAYLOADS]
    for row in sheet.iter_rows(min_row=2):
        assert row[1].data_type == "s"
    assert rows[1][0] == "王𠀀" and rows[1][2] == 3
    assert rows[1][3].date() == date(2026, 9, 1)
    assert rows[1][4] == "是"
    assert exporter.count == len(PAYLOADS)
    assert sheet.freeze_panes == "A2"


def test_csv_has_a_bom_and_escaped_cells():
    response = Sample().csv_response()
    content = response.content.decode("utf-8")
    assert content.startswith("\ufeff姓名,备注")
    assert "'=1+2" in content and "2026-09-01" in content
    assert "attachment" in response["Content-Disposition"]


def test_an_empty_cell_is_left_out():
    class WithGaps(Exporter):
        title = "gaps"
        columns = [("a", 5), ("b", 5), ("c", 5)]

        def rows(self):
            yield ["x", "", None]
            yield [None, 2, ""]

    buffer = io.BytesIO()
    WithGaps().write_xlsx(buffer)
    sheet_xml = _sheet_xml(buffer.getvalue())
    assert '<c r="A2" t="inlineStr"><is><t>x</t></is></c></row>' in sheet_xml
    assert '<row r="3"><c r="B3" t="n"><v>2</v></c></row>' in sheet_xml
    rows = list(load_workbook(buffer).active.iter_rows(values_only=True))
    assert rows[1:] == [("x", None, None), (None, 2, None)]


EDGE_ROWS = [
    ["  spaced ", "a\r\nb", "<&>\"'", 3, 2.5, date(2026, 1, 2), datetime(2026, 1, 2, 3, 4)],
    ["王𠀀", "\u3000全角 ", "tab\there", -7, 1e20, date(1900, 1, 1), 12345678901234567890],
    # What openpyxl takes for a formula, an error code or refuses: its own cells.
    ["=1+2", "#N/A", "'=x", 0, 0.1, date(1900, 3, 1), None],
    ["x" * 40_000, "ok", "", None, 1, None, "end"],
]


def test_plain_rows_are_written_as_openpyxl_writes_them():
    """``PlainRowSheet`` writes a row of plain values itself: the sheet's XML is the one
    openpyxl's own cells give (the stock write-only sheet, dates given their format)."""

    class Edge(Exporter):
        title = "edge"
        columns = [(f"c{n}", 8) for n in range(7)]

        def rows(self):
            yield from EDGE_ROWS

    plain = io.BytesIO()
    Edge().write_xlsx(plain)

    stock = io.BytesIO()
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title="edge")
    for index in range(1, 8):
        sheet.column_dimensions[get_column_letter(index)].width = 8
    sheet.freeze_panes = "A2"
    header = []
    for title, _width in Edge.columns:
        cell = WriteOnlyCell(sheet, value=title)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(vertical="center")
        header.append(cell)
    sheet.append(header)
    for row in EDGE_ROWS:
        sheet.append([None if value in ("", None) else xlsx_cell(sheet, value)
                      for value in row])
    workbook.save(stock)

    assert _sheet_xml(plain.getvalue()) == _sheet_xml(stock.getvalue())
    read = list(load_workbook(plain).active.iter_rows(min_row=2, values_only=True))
    assert read[0][1] == "a\r\nb" and read[0][5] == datetime(2026, 1, 2)
    assert read[3][0] == "x" * 32_767


def test_a_control_character_is_refused_as_openpyxl_refuses_it():
    class Bad(Exporter):
        title = "bad"
        columns = [("a", 5)]

        def rows(self):
            yield ["bell\x07"]

    with pytest.raises(IllegalCharacterError):
        Bad().write_xlsx(io.BytesIO())


def _sheet_xml(content):
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return archive.read("xl/worksheets/sheet1.xml").decode()
