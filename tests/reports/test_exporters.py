"""The exporter base: formula payloads are neutral, types survive, CSV opens in Excel."""

import io
from datetime import date

import pytest
from openpyxl import load_workbook

from reports.exporters import Exporter, escape_formula

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
