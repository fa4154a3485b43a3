"""The county summary table (信息汇总表): the page, its xlsx and CSV, who may see what,
and the charts under it, on the county with known facts (tests/reports/conftest.py)."""

import csv
import datetime
import io
import re
from html.parser import HTMLParser

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from registry.models import AccessLog, School
from reports.exports_summary import summary_columns
from reports.models import MonthlySubmission
from tests import factories
from tests.interventions.factories import CareStandardFactory, ConcernFactory, ContactLogFactory
from tests.reports.conftest import TALK, monday

pytestmark = pytest.mark.django_db

URLS = ("county_summary", "summary_xlsx", "summary_csv")


class SummaryRows(HTMLParser):
    """The table's rows: ``(testid, attributes, {column: data-value})`` in order."""

    def __init__(self):
        super().__init__()
        self.rows = []
        self._row = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "tr" and attrs.get("data-testid", "").startswith("summary-"):
            self._row = (attrs["data-testid"], attrs, {})
            self.rows.append(self._row)
        elif tag == "td" and self._row is not None and "data-col" in attrs:
            self._row[2][attrs["data-col"]] = attrs["data-value"]

    def handle_endtag(self, tag):
        if tag == "tr":
            self._row = None


def table_rows(content):
    parser = SummaryRows()
    parser.feed(content.decode() if isinstance(content, bytes) else content)
    return parser.rows


def page(client, user, **params):
    client.force_login(user)
    response = client.get(reverse("county_summary"), params)
    assert response.status_code == 200
    return response


def by_school(rows):
    return {int(attrs["data-school"]): cells for kind, attrs, cells in rows
            if kind == "summary-school"}


def text_of(content, testid):
    match = re.search(rf'data-testid="{testid}"[^>]*>\s*([^<]*)<', content.decode())
    return match.group(1).strip() if match else None


# --- The page ----------------------------------------------------------------------------------


def test_the_page_shows_the_exact_figures(client, known):
    response = page(client, known.bureau1)
    rows = table_rows(response.content)
    schools = by_school(rows)
    assert set(schools) == {known.school_a.pk, known.school_a2.pk, known.school_b.pk}
    a = schools[known.school_a.pk]
    assert {key: a[key] for key in ("pupils", "registered", "boys", "girls", "primary",
                                    "junior", "boarding", "five_clear", "with_mentor",
                                    "with_surrogate", "open_concerns", "serious_concerns",
                                    "entries", "exits")} == {
        "pupils": "100", "registered": "3", "boys": "1", "girls": "2", "primary": "2",
        "junior": "1", "boarding": "1", "five_clear": "1", "with_mentor": "1",
        "with_surrogate": "1", "open_concerns": "1", "serious_concerns": "1",
        "entries": "0", "exits": "1"}
    assert (a["cat_both_away"], a["cat_single_parent"], a["cat_hardship"],
            a["cat_abandoned"]) == ("1", "1", "1", "0")
    assert a[f"{TALK}_fraction"] == "1/3"
    assert float(a[f"{TALK}_rate"]) == pytest.approx(1 / 3)
    assert float(a["share"]) == pytest.approx(0.03)
    a2, b = schools[known.school_a2.pk], schools[known.school_b.pk]
    assert (a2["registered"], a2["cat_abandoned"], a2[f"{TALK}_fraction"]) == ("1", "1", "1/1")
    assert (b["registered"], b["girls"], b[f"{TALK}_fraction"], b["entries"]) == (
        "2", "2", "0/2", "1")
    assert b[f"{TALK}_rate"] == "0.0"
    total = [cells for kind, _attrs, cells in rows if kind == "summary-total"][0]
    assert (total["pupils"], total["registered"], total[f"{TALK}_fraction"],
            total["open_concerns"], total["serious_concerns"]) == ("230", "6", "2/6", "2", "1")

    # the headline figures
    assert text_of(response.content, "headline-registered") == "6"
    assert text_of(response.content, "headline-five-clear") == "16.7%"
    assert text_of(response.content, "headline-talk") == "33.3%"
    assert text_of(response.content, "headline-talk-fraction") == "2/6"
    assert text_of(response.content, "headline-concerns") == "2"
    assert text_of(response.content, "headline-serious").startswith("1")


def test_rows_are_grouped_by_township_each_with_its_subtotal_then_the_total(client, known):
    rows = table_rows(page(client, known.bureau1).content)
    order = [(kind, attrs.get("data-school") or attrs.get("data-township")) for kind, attrs, _c
             in rows]
    first_two = sorted([known.school_a, known.school_a2], key=lambda s: s.code)
    assert order == [
        ("summary-school", str(first_two[0].pk)), ("summary-school", str(first_two[1].pk)),
        ("summary-subtotal", str(known.t1.pk)),
        ("summary-school", str(known.school_b.pk)), ("summary-subtotal", str(known.t2.pk)),
        ("summary-total", None),
    ]


def test_every_subtotal_and_the_total_on_the_page_are_the_sums_of_their_rows(client, known):
    response = page(client, known.bureau1)
    summary = response.context["summary"]
    for group in summary.townships:
        for name in group.subtotal.COUNTS:
            assert getattr(group.subtotal, name) == sum(
                getattr(line.figures, name) for line in group.schools), name
    rows = table_rows(response.content)
    groups, current = [], []
    for kind, _attrs, cells in rows:
        if kind == "summary-school":
            current.append(cells)
        elif kind == "summary-subtotal":
            groups.append((current, cells))
            current = []
        else:
            total = cells
    assert len(groups) == 2
    count_columns = [key for key, value in total.items()
                     if re.fullmatch(r"\d+", value) and not key.endswith("_rate")
                     and key != "share"]
    assert "registered" in count_columns and "cat_hardship" in count_columns
    for schools, subtotal in groups:
        for key in count_columns:
            assert int(subtotal[key]) == sum(int(school[key]) for school in schools), key
    for key in count_columns:
        assert int(total[key]) == sum(int(sub[key]) for _schools, sub in groups), key
    met_owed = [tuple(map(int, sub[f"{TALK}_fraction"].split("/"))) for _s, sub in groups]
    assert total[f"{TALK}_fraction"] == (
        f"{sum(m for m, _o in met_owed)}/{sum(o for _m, o in met_owed)}")


def test_each_school_links_to_its_status_sheet_with_the_period(client, known):
    content = page(client, known.bureau1, period="term").content.decode()
    url = reverse("status_sheet", args=[known.school_b.pk])
    assert f'href="{url}?period=term"' in content


def test_the_period_selector_changes_the_figures(client, known):
    today = timezone.localdate()
    response = page(client, known.bureau1, period=f"{today:%Y-%m}")
    assert response.context["period"].kind == "month"
    assert f'value="{today:%Y-%m}" selected' in response.content.decode()
    term = page(client, known.bureau1, period="term")
    assert term.context["period"].kind == "term"
    # over the term a1 owes more than this week's talk
    owed = term.context["summary"].total.compliance[TALK][1]
    assert owed > 6


def test_schools_not_yet_submitted_this_month(client, known):
    month = timezone.localdate().replace(day=1)
    response = page(client, known.bureau1)
    assert text_of(response.content, "headline-not-submitted") == "3"
    MonthlySubmission.objects.create(
        school=known.school_a, month=month, snapshot={}, submitted_by=known.admin_a,
        submitted_at=timezone.now())
    # a reopened month is not submitted; another month does not count
    MonthlySubmission.objects.create(
        school=known.school_b, month=month, snapshot={}, submitted_by=known.admin_b,
        submitted_at=timezone.now(), status=MonthlySubmission.Status.REOPENED,
        reopened_by=known.bureau1, reopened_at=timezone.now(), reopen_reason="补充")
    last_month = (month - datetime.timedelta(days=1)).replace(day=1)
    MonthlySubmission.objects.create(
        school=known.school_a2, month=last_month, snapshot={}, submitted_by=known.admin_a2,
        submitted_at=timezone.now())
    response = page(client, known.bureau1)
    assert text_of(response.content, "headline-not-submitted") == "2"
    assert [s.pk for s in response.context["not_submitted"]] == sorted(
        [known.school_a2.pk, known.school_b.pk],
        key=lambda pk: School.objects.get(pk=pk).code)


# --- Who sees what -----------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["admin_a", "teacher_a"])
@pytest.mark.parametrize("url", URLS)
def test_schools_staff_may_not_open_the_summary(client, known, role, url):
    client.force_login(getattr(known, role))
    assert client.get(reverse(url)).status_code == 403


@pytest.mark.parametrize("url", URLS)
def test_anonymous_users_are_sent_to_log_in(client, known, url):
    response = client.get(reverse(url))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_a_bureau_never_sees_another_countys_schools(client, known):
    school_c = known.school_c
    school_c.name = "河口镇外县小学"
    school_c.save(update_fields=["name"])
    factories.ChildFactory(classroom=known.class_c)
    content = page(client, known.bureau1).content.decode()
    assert "河口镇外县小学" not in content and "河口镇" not in content
    assert str(school_c.pk) not in by_school(table_rows(content))
    for url in ("summary_xlsx", "summary_csv"):
        body = client.get(reverse(url), {"county": known.county2.pk}).content
        if url == "summary_xlsx":
            sheet = load_workbook(io.BytesIO(body)).active
            body = "\n".join(str(c.value) for row in sheet.iter_rows() for c in row)
        else:
            body = body.decode("utf-8-sig")
        assert "河口镇外县小学" not in body and known.school_a.name in body

    rows = table_rows(page(client, known.bureau2).content)
    assert list(by_school(rows)) == [school_c.pk]
    total = [cells for kind, _a, cells in rows if kind == "summary-total"][0]
    assert total["registered"] == "1"


def test_a_township_user_sees_only_their_township(client, known):
    response = page(client, known.township_user)
    rows = table_rows(response.content)
    assert set(by_school(rows)) == {known.school_a.pk, known.school_a2.pk}
    assert [attrs["data-township"] for kind, attrs, _c in rows
            if kind == "summary-subtotal"] == [str(known.t1.pk)]
    content = response.content.decode()
    assert known.school_b.name not in content and "石桥镇" not in content
    assert text_of(response.content, "headline-registered") == "4"
    assert text_of(response.content, "headline-not-submitted") == "2"
    assert response.context["scope"].place == known.t1


def test_a_superuser_picks_a_county_the_first_by_default(client, known):
    response = page(client, known.superuser)
    assert response.context["scope"].county == known.county1
    assert set(by_school(table_rows(response.content))) == {
        known.school_a.pk, known.school_a2.pk, known.school_b.pk}
    assert 'name="county"' in response.content.decode()
    response = page(client, known.superuser, county=known.county2.pk)
    assert list(by_school(table_rows(response.content))) == [known.school_c.pk]
    assert f'county={known.county2.pk}' in response.context["xlsx_url"]
    # a bureau user's ?county= is ignored: their county only
    response = page(client, known.bureau1, county=known.county2.pk)
    assert known.school_c.pk not in by_school(table_rows(response.content))
    assert 'name="county"' not in response.content.decode()


# --- The xlsx ----------------------------------------------------------------------------------


def xlsx(client, user, **params):
    client.force_login(user)
    response = client.get(reverse("summary_xlsx"), params)
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    return response, load_workbook(io.BytesIO(response.content)).active


def data_rows(sheet):
    return [list(row) for row in sheet.iter_rows(min_row=5)]


def test_the_xlsx_has_a_title_grouped_headers_and_the_figures(client, known):
    response, sheet = xlsx(client, known.bureau1)
    assert "attachment" in response["Content-Disposition"]
    assert ".xlsx" in response["Content-Disposition"]
    title = sheet["A1"].value
    assert known.county1.name in title and sheet["A1"].font.bold
    today = timezone.localdate()
    subtitle = sheet["A2"].value
    assert today.isoformat() in subtitle and monday().isoformat() in subtitle
    merged = {str(r) for r in sheet.merged_cells.ranges}
    last = sheet.cell(row=4, column=sheet.max_column).column_letter
    assert {f"A1:{last}1", f"A2:{last}2", "A3:A4", "B3:B4", "C3:C4"} <= merged
    assert sheet.freeze_panes == "C5"
    assert sheet.column_dimensions["B"].width >= 20

    rows = data_rows(sheet)
    names = [row[1].value for row in rows]
    first_two = sorted([known.school_a, known.school_a2], key=lambda s: s.code)
    assert names[:2] == [s.name for s in first_two]
    assert names[3] == known.school_b.name
    assert [row[0].value for row in rows][:4] == ["城关镇", "城关镇", "城关镇", "石桥镇"]
    assert len(rows) == 6  # three schools, two subtotals, the total
    subtotals, total = [rows[2], rows[4]], rows[5]
    assert all(cell.font.bold for cell in subtotals[0] + total)
    assert not rows[0][1].font.bold

    column = xlsx_columns()
    row_a = rows[names.index(known.school_a.name)]
    assert row_a[column["pupils"]].value == 100
    assert row_a[column["registered"]].value == 3 and total[column["registered"]].value == 6
    assert row_a[column[f"{TALK}_met"]].value == 1 and row_a[column[f"{TALK}_owed"]].value == 3
    assert subtotals[0][column["registered"]].value == 4
    assert total[column["open_concerns"]].value == 2
    assert total[column["cat_abandoned"]].value == 1
    # every number is a number; every rate a number with a percentage format
    for row in rows:
        for cell in row[2:]:
            assert cell.value is None or isinstance(cell.value, int | float), cell.coordinate
    for key in ("share", "five_clear_rate", "mentor_rate", "surrogate_rate", f"{TALK}_rate"):
        for row in rows:
            assert row[column[key]].number_format == "0.0%", key
    assert row_a[column["share"]].value == pytest.approx(0.03)
    assert row_a[column[f"{TALK}_rate"]].value == pytest.approx(1 / 3)
    assert row_a[column["registered"]].number_format == "0"
    # the group headers: "by category" spans its seven columns, "five clear" two
    spans = {(r.min_col - 1, r.max_col - 1) for r in sheet.merged_cells.ranges
             if r.min_row == 3 and r.max_row == 3}
    assert (column["cat_both_away"], column["cat_hardship"]) in spans
    assert (column["five_clear"], column["five_clear_rate"]) in spans
    assert (column[f"{TALK}_met"], column[f"{TALK}_rate"]) in spans


def xlsx_columns():
    """``{column key: index in a data row}`` (the township and school come first)."""
    return {c.key: index for index, c in enumerate(summary_columns([(TALK, "每周谈心")]),
                                                     start=2)}


def test_the_xlsx_subtotals_and_total_are_the_sums_of_their_rows(client, known):
    _response, sheet = xlsx(client, known.bureau1, period="term")
    rows = data_rows(sheet)
    groups, current = [], []
    for row in rows[:-1]:
        if row[1].value == "小计" or row[1].value == "Subtotal":
            groups.append((current, row))
            current = []
        else:
            current.append(row)
    total = rows[-1]
    assert len(groups) == 2 and len(groups[0][0]) == 2 and len(groups[1][0]) == 1
    assert total[0].value in ("合计", "Total")
    for index, cell in enumerate(total[2:], start=2):
        if cell.number_format == "0.0%":
            continue  # a rate is not a sum
        for schools, subtotal in groups:
            assert subtotal[index].value == sum(r[index].value for r in schools), cell.coordinate
        assert cell.value == sum(sub[index].value for _s, sub in groups), cell.coordinate


def test_the_xlsx_names_the_township_for_a_township_user(client, known):
    _response, sheet = xlsx(client, known.township_user)
    assert "城关镇" in sheet["A1"].value
    names = {row[1].value for row in data_rows(sheet)}
    assert known.school_b.name not in names and known.school_a.name in names


def test_formula_like_names_come_out_as_text(client, known):
    school = known.school_a
    school.name = "=cmd|' /C calc'!A0"
    school.save(update_fields=["name"])
    _response, sheet = xlsx(client, known.bureau1)
    cells = [row[1] for row in data_rows(sheet) if str(row[1].value).endswith("calc'!A0")]
    assert len(cells) == 1
    assert cells[0].value == "'=cmd|' /C calc'!A0" and cells[0].data_type == "s"
    client.force_login(known.bureau1)
    text = client.get(reverse("summary_csv")).content.decode("utf-8-sig")
    assert "'=cmd|' /C calc'!A0" in text
    assert not any(line.startswith("=") or ",=" in line for line in text.splitlines())


# --- The CSV -----------------------------------------------------------------------------------


def test_the_csv_has_one_header_row_and_labelled_subtotals_and_total(client, known):
    client.force_login(known.bureau1)
    response = client.get(reverse("summary_csv"))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    header, body = rows[0], rows[1:]
    assert len(body) == 6 and all(len(row) == len(header) for row in rows)
    first_two = sorted([known.school_a, known.school_a2], key=lambda s: s.code)
    assert [row[1] for row in body[:2]] == [s.name for s in first_two]
    assert body[2][0] == "城关镇" and body[2][1] in ("小计", "Subtotal")
    assert body[4][0] == "石桥镇" and body[4][1] in ("小计", "Subtotal")
    assert body[5][0] in ("合计", "Total")
    row_a = body[[row[1] for row in body].index(known.school_a.name)]
    assert row_a[2:4] == ["100", "3"] and row_a[4] == "3.0%"
    assert body[5][2:4] == ["230", "6"]
    talk = [i for i, label in enumerate(header) if label.startswith("每周谈心")]
    assert [body[5][i] for i in talk] == ["2", "6", "33.3%"]


# --- The access log ----------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["summary_xlsx", "summary_csv"])
def test_exports_are_in_the_access_log(client, known, url):
    client.force_login(known.bureau1)
    client.get(reverse(url), {"period": "term"})
    entry = AccessLog.objects.get(user=known.bureau1, action=AccessLog.Action.EXPORT)
    assert entry.rows == 3
    assert entry.detail_text.startswith(f"{known.county1.name}信息汇总表（{url[8:]}），")
    # the file name has no one's name in it
    response = client.get(reverse(url))
    disposition = response["Content-Disposition"]
    for child in vars(known.kids).values():
        assert child.name not in disposition


def test_viewing_the_page_exports_nothing(client, known):
    page(client, known.bureau1)
    assert not AccessLog.objects.filter(action=AccessLog.Action.EXPORT).exists()


# --- The charts --------------------------------------------------------------------------------


def test_the_charts_render_under_the_table(client, known):
    content = page(client, known.bureau1).content.decode()
    assert content.index('data-testid="summary-table"') < content.index(
        'data-testid="summary-charts"')
    charts = {slug: re.search(rf'data-testid="chart-{slug}".*?</figure>', content, re.S).group(0)
              for slug in ("compliance-by-school", "children-by-category", "talk-by-week")}
    by_school_chart = charts["compliance-by-school"]
    assert by_school_chart.count("<svg") == 1
    assert by_school_chart.count('<rect class="chart-bar') == 3  # a bar per school
    for school in (known.school_a, known.school_a2, known.school_b):
        assert school.name in by_school_chart
    # the lowest first: school B (0%), then A (33.3%), then A2 (100%)
    labels = re.findall(r'class="chart-label"[^>]*>([^<]+)<', by_school_chart)
    assert labels == [known.school_b.name, known.school_a.name, known.school_a2.name]
    categories = charts["children-by-category"]
    assert categories.count('<rect class="chart-bar') == 7  # every category, zeros too
    assert "双亲外出" in categories and "困境儿童" in categories
    weeks = charts["talk-by-week"]
    assert weeks.count("<svg") == 1 and '<rect class="chart-bar' in weeks
    assert re.search(r'<svg[^>]*role="img"[^>]*aria-labelledby="talk-by-week-title"', weeks)
    assert 'data-testid="chart-table"' in weeks
    assert "style=" not in content.split('data-testid="county-summary"')[1]


def test_the_school_page_charts_its_terms_weeks(client, known):
    client.force_login(known.admin_a)
    content = client.get(reverse("school_detail", args=[known.school_a.pk])).content.decode()
    chart = re.search(r'data-testid="chart-talk-by-week".*?</figure>', content, re.S).group(0)
    assert chart.count("<svg") == 1
    assert content.index('data-testid="school-glance"') < content.index(
        'data-testid="chart-talk-by-week"')
    # this week, at school A: a1 talked to of a1, a2, a4
    assert re.search(r"33\.3% \(1/3\)", chart)


# --- Query counts ------------------------------------------------------------------------------


def _school_with_children(county, township, index):
    school = factories.SchoolFactory(township=township, pupils_enrolled=300 + index)
    classroom = factories.ClassroomFactory(school=school, grade=3 + index % 6)
    for n in range(3):
        child = factories.ChildFactory(classroom=classroom, sex="MF"[n % 2],
                                       single_parent=n == 0)
        if n:
            ContactLogFactory(child=child, standard=TALK, happened_on=monday())
    ConcernFactory(child=child, severity="serious" if index % 2 else "watch")
    return school


@pytest.mark.parametrize("url", URLS)
def test_the_query_count_does_not_grow_with_schools_and_children(
        client, world, django_assert_num_queries, url):
    county = world.county1
    today = timezone.localdate()
    factories.TermFactory(county=county, start_date=today - datetime.timedelta(days=60),
                          end_date=today + datetime.timedelta(days=90))
    CareStandardFactory(county=county, code=TALK)
    townships = [factories.TownshipFactory(county=county) for _n in range(2)]
    bureau = factories.BureauUserFactory(county=county)
    for index in range(2):
        _school_with_children(county, townships[index % 2], index)
    client.force_login(bureau)
    client.get(reverse(url))  # warm up (content types, sessions)
    with CaptureQueriesContext(connection) as small:
        assert client.get(reverse(url)).status_code == 200
    queries = len(small.captured_queries)
    for index in range(2, 6):
        _school_with_children(county, townships[index % 2], index)
    # New children: the summary's term chart computes and keeps its past weeks again, one
    # query more, once (tests/reports/test_term_chart.py); compared with like.
    client.get(reverse(url))
    with django_assert_num_queries(queries):
        response = client.get(reverse(url))
    assert response.status_code == 200
    if url == "county_summary":
        # the world's three schools of county 1 (no children) and the six grown here
        assert len(response.context["summary"].school_lines) == 9
        assert response.context["summary"].total.registered == 18


def test_a_school_with_nobody_on_the_registry_reads_a_dash_not_zero(client, known):
    empty = factories.SchoolFactory(township=known.t2, pupils_enrolled=40)
    cells = by_school(table_rows(page(client, known.bureau1).content))[empty.pk]
    assert (cells["pupils"], cells["registered"], cells[f"{TALK}_fraction"]) == ("40", "0", "0/0")
    assert cells[f"{TALK}_rate"] == "" and cells["five_clear_rate"] == ""
    _response, sheet = xlsx(client, known.bureau1)
    row = [r for r in data_rows(sheet) if r[1].value == empty.name][0]
    column = xlsx_columns()
    assert row[column[f"{TALK}_rate"]].value is None and row[column["pupils"]].value == 40


def test_a_superuser_with_no_county_yet_gets_an_empty_page(client, db):
    client.force_login(factories.SuperuserFactory())
    response = client.get(reverse("county_summary"))
    assert response.status_code == 200
    assert response.context["groups"] == [] and 'data-testid="summary-table"' not in (
        response.content.decode())
