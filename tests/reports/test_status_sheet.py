"""The school's dynamic status sheet (动态状况表): the page's rows and cells on the county
with known facts (conftest), every filter and the period through the query string, the
xlsx holding exactly the rows on screen, the access log, the scoping rule, and a fixed
number of queries whatever the number of children."""

import datetime
import io
import re
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from registry.models import AccessLog, Term
from reports.figures import status_sheet
from reports.periods import parse_period
from tests import factories
from tests.interventions.factories import (
    CareStandardFactory,
    ConcernFactory,
    ContactLogFactory,
    PairingFactory,
    current_term,
)
from tests.reports.conftest import TALK, monday

pytestmark = pytest.mark.django_db

# The xlsx: title, period and filters, a blank row, then the header on row 5.
HEADER_ROW = 5


def sheet_url(school, name="status_sheet", **params):
    url = reverse(name, args=[school.pk])
    return f"{url}?{urlencode(params)}" if params else url


def get_page(client, user, school, **params):
    client.force_login(user)
    response = client.get(sheet_url(school, **params))
    assert response.status_code == 200
    return response.content.decode()


def rows_of(page):
    """``[(child_id, name, {code: (met, owed, overdue)}, row html)]`` in the page's order."""
    rows = []
    for child_id, html in re.findall(
            r'<tr data-testid="sheet-row" data-child="(\d+)">(.*?)</tr>', page, re.S):
        name = re.search(r'<th scope="row"[^>]*><a href="[^"]+">([^<]+)</a>', html).group(1)
        cells = {code: (int(met), int(owed), overdue == "true") for code, met, owed, overdue
                 in re.findall(r'data-testid="sheet-cell" data-standard="(\w+)" '
                               r'data-met="(\d+)" data-owed="(\d+)" '
                               r'data-overdue="(\w+)"', html)}
        rows.append((int(child_id), name, cells, html))
    return rows


def ids_of(page):
    return [row[0] for row in rows_of(page)]


def cell_text(html, name):
    match = re.search(rf'data-testid="{name}"[^>]*>(.*?)</td>', html, re.S)
    return re.sub(r"<[^>]+>", "", match.group(1)).strip()


def last_talk(html):
    """The date of the "last talk" cell (shown as 11-24 within the year)."""
    match = re.search(r'data-testid="sheet-last-talk"><time datetime="([\d-]+)">', html)
    return datetime.date.fromisoformat(match.group(1)) if match else None


def workbook_of(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    return load_workbook(io.BytesIO(response.content))


def data_rows(sheet):
    return list(sheet.iter_rows(min_row=HEADER_ROW + 1, values_only=True))


def header(sheet):
    return next(sheet.iter_rows(min_row=HEADER_ROW, max_row=HEADER_ROW, values_only=True))


# --- The page -----------------------------------------------------------------------------


def test_the_page_shows_one_row_per_child_with_the_exact_cells(client, known):
    k = known.kids
    page = get_page(client, known.admin_a, known.school_a)
    rows = rows_of(page)
    # Ordered by grade, class and name: a1 and a2 in grade 3, a4 in grade 8; a3 left.
    assert [row[0] for row in rows][-1] == k.a4.pk
    assert {row[0] for row in rows} == {k.a1.pk, k.a2.pk, k.a4.pk}
    by_id = {row[0]: row for row in rows}
    a1, a2, a4 = by_id[k.a1.pk], by_id[k.a2.pk], by_id[k.a4.pk]
    assert a1[2] == {TALK: (1, 1, False)}
    assert a2[2] == {TALK: (0, 1, True)}
    assert a4[2] == {TALK: (0, 1, False)}
    # Names link to the child's profile.
    assert f'href="{reverse("child_detail", args=[k.a1.pk])}"' in a1[3]
    assert a1[1] == k.a1.name
    # Five clear, mentor, surrogate parent, last talk, categories, concerns.
    assert cell_text(a1[3], "sheet-five-clear") == "5/5"
    assert cell_text(a2[3], "sheet-five-clear") != "5/5"
    assert cell_text(a1[3], "sheet-mentor") == known.teacher_a.real_name
    assert cell_text(a2[3], "sheet-surrogate") == known.admin_a.real_name
    assert last_talk(a1[3]) == monday()
    assert last_talk(a4[3]) == monday() - datetime.timedelta(days=7)
    assert last_talk(a2[3]) is None and cell_text(a2[3], "sheet-last-talk") == "—"
    assert 'data-testid="serious-concern"' in a4[3]
    assert "concern" not in cell_text(a1[3], "sheet-concerns")
    # The overdue cell is tinted and says so to a screen reader.
    overdue_cell = re.search(r'<td class="([^"]*)" data-testid="sheet-cell"[^>]*'
                             r'data-overdue="true">(.*?)</td>', a2[3], re.S)
    assert "table-danger" in overdue_cell.group(1)
    assert 'class="visually-hidden"' in overdue_cell.group(2)
    # One column per standard in force.
    assert page.count('sheet-standard" data-standard=') == 1


def test_the_page_agrees_with_the_figures(client, known):
    page = get_page(client, known.admin_a, known.school_a)
    today = timezone.localdate()
    figures = status_sheet(known.admin_a, known.school_a,
                           parse_period("week", known.county1.pk, today), {}, today)
    assert [(row[0], row[2]) for row in rows_of(page)] == [
        (r.child.pk, {code: (c.met, c.owed, c.overdue) for code, c in r.cells.items()})
        for r in figures.rows]


def test_the_page_shows_no_id_number_and_no_talk_text(client, known):
    known.kids.a1.refresh_from_db()
    assert known.kids.a1.id_number
    log = known.kids.a1.contact_logs.get()
    log.summary = "谈了期中考试的事情"
    log.save(update_fields=["summary"])
    for user in (known.admin_a, known.township_user, known.bureau1):
        page = get_page(client, user, known.school_a)
        assert known.kids.a1.id_number not in page
        assert known.kids.a1.id_number[-4:] + "<" not in page
        assert "谈了期中考试" not in page


def change_group(page, key):
    """The text of one group of the "changes" panel."""
    return re.search(rf'data-testid="changes-{key}"(.*?)(?=data-testid="changes-(?!count)'
                     r'|</section>)', page, re.S).group(1)


def test_the_changes_panel_lists_who_left_with_the_reason(client, known):
    in_panel = monday() >= timezone.localdate().replace(day=1)  # a week's month so far
    exited = change_group(get_page(client, known.admin_a, known.school_a), "exited")
    if in_panel:
        assert known.kids.a3.name in exited
        assert "毕业" in exited  # the exit reason's display
        assert re.search(r'data-testid="changes-count">1<', exited)
    registered = change_group(get_page(client, known.admin_b, known.school_b), "registered")
    if in_panel:
        assert known.kids.c2.name in registered
        assert re.search(r'data-testid="changes-count">1<', registered)


def test_the_changes_panel_covers_a_month_period(client, known):
    today = timezone.localdate()
    client.force_login(known.admin_a)
    response = client.get(sheet_url(known.school_a, period=f"{today:%Y-%m}"))
    changes = response.context["sheet"].changes
    assert (changes.start, changes.end) == (today.replace(day=1), today)
    assert known.kids.a3.name in change_group(response.content.decode(), "exited")
    for key in ("registered", "reentered", "transferred_in", "transferred_out"):
        assert re.search(r'data-testid="changes-count">0<',
                         change_group(response.content.decode(), key))


# --- Filters and the period ---------------------------------------------------------------


@pytest.mark.parametrize("params, expected", [
    ({}, {"a1", "a2", "a4"}),
    ({"unpaired": "on"}, {"a2", "a4"}),
    ({"concern": "on"}, {"a4"}),
    ({"overdue": "any"}, {"a2"}),
    ({"overdue": TALK}, {"a2"}),
    ({"category": "single_parent"}, {"a2"}),
    ({"category": "both_away"}, {"a1"}),
    ({"incomplete": "on"}, {"a2", "a4"}),
    ({"grade": "8"}, {"a4"}),
    ({"grade": "3", "unpaired": "on"}, {"a2"}),
    ({"classroom": "junior"}, {"a4"}),
    # Invalid values are dropped, not refused: the sheet shows the rest.
    ({"grade": "abc"}, {"a1", "a2", "a4"}),
    ({"classroom": "other school"}, {"a1", "a2", "a4"}),
    ({"overdue": "nonsense", "concern": "on"}, {"a4"}),
])
def test_each_filter_through_the_query_string(client, known, params, expected):
    if params.get("classroom") == "junior":
        params = {"classroom": known.junior_class.pk}
    elif params.get("classroom") == "other school":
        params = {"classroom": known.class_b.pk}
    names = {getattr(known.kids, key).pk: key for key in ("a1", "a2", "a3", "a4")}
    page = get_page(client, known.admin_a, known.school_a, **params)
    assert {names[pk] for pk in ids_of(page)} == expected


def test_the_filter_form_offers_the_schools_classes_grades_and_standards(client, known):
    page = get_page(client, known.admin_a, known.school_a)
    form = re.search(r'<form method="get"[^>]*data-testid="sheet-filters">(.*?)</form>',
                     page, re.S).group(1)
    classes = re.search(r'<select name="classroom".*?</select>', form, re.S).group(0)
    assert f'value="{known.class_a.pk}"' in classes
    assert f'value="{known.junior_class.pk}"' in classes
    assert f'value="{known.class_a2.pk}"' not in classes  # another school's class
    grades = re.findall(r'<option value="(\d)"',
                        re.search(r'<select name="grade".*?</select>', form, re.S).group(0))
    assert grades == ["3", "8"]
    overdue = re.search(r'<select name="overdue".*?</select>', form, re.S).group(0)
    assert re.findall(r'<option value="(\w+)"', overdue) == ["any", TALK]
    for name in ("incomplete", "unpaired", "concern"):
        assert f'type="checkbox" name="{name}"' in form
    # A GET form: it works without JavaScript.
    assert 'method="get"' in page


def test_the_period_selector_offers_the_week_months_and_term_and_keeps_filters(
    client, known
):
    today = timezone.localdate()
    page = get_page(client, known.admin_a, known.school_a, unpaired="on")
    nav = re.search(r'data-testid="sheet-periods">(.*?)</nav>', page, re.S).group(1)
    periods = re.findall(r'href="\?([^"]*)" data-period="([\w-]+)"', nav)
    keys = [key for _query, key in periods]
    assert keys[0] == "week" and keys[-1] == "term"
    assert f"{today:%Y-%m}" in keys
    for query, key in periods:  # each period keeps the filters
        assert "unpaired=on" in query
        assert (f"period={key}" in query) == (key != "week")
    assert re.search(r'data-period="week" aria-current="page"', nav)


@pytest.mark.parametrize("period", ["month", "term"])
def test_a_period_in_the_query_string_selects_it(client, known, period):
    today = timezone.localdate()
    value = f"{today:%Y-%m}" if period == "month" else "term"
    client.force_login(known.admin_a)
    response = client.get(sheet_url(known.school_a, period=value))
    sheet = response.context["sheet"]
    assert sheet.period == parse_period(value, known.county1.pk, today)
    page = response.content.decode()
    assert re.search(rf'data-period="{value}" aria-current="page"', page)
    # The cells are the engine's over that period.
    figures = status_sheet(known.admin_a, known.school_a, sheet.period, {}, today)
    assert [(row[0], row[2]) for row in rows_of(page)] == [
        (r.child.pk, {code: (c.met, c.owed, c.overdue) for code, c in r.cells.items()})
        for r in figures.rows]
    # The filter form and the export keep the period.
    assert f'<input type="hidden" name="period" value="{value}">' in page
    assert f"status.xlsx?period={value}" in page


def test_an_older_month_reached_by_a_link_is_shown_and_selected(client, known):
    client.force_login(known.admin_a)
    response = client.get(sheet_url(known.school_a, period="2025-03"))
    assert response.context["sheet"].period.key == "2025-03"
    assert 'data-period="2025-03" aria-current="page"' in response.content.decode()


# --- The xlsx -----------------------------------------------------------------------------


def test_the_export_holds_exactly_the_rows_on_screen(client, known):
    params = {"unpaired": "on", "period": "term"}
    page = get_page(client, known.admin_a, known.school_a, **params)
    on_screen = [row[1] for row in rows_of(page)]
    assert len(on_screen) == 2
    # The page's export button carries the same query string.
    export = re.search(r'href="([^"]+)" data-testid="sheet-export"', page).group(1)
    export = export.replace("&amp;", "&")
    book = workbook_of(client.get(export))
    sheet = book.worksheets[0]
    head = header(sheet)
    rows = data_rows(sheet)
    assert [row[head.index("姓名")] for row in rows] == on_screen
    assert sheet.freeze_panes == f"C{HEADER_ROW + 1}"
    # The title rows name the school and the period, no personal data in the file name.
    assert known.school_a.name in sheet["A1"].value
    assert "(" in sheet["A2"].value
    disposition = client.get(export)["Content-Disposition"]
    for child in (known.kids.a2, known.kids.a4):
        assert child.name not in disposition
    assert ".xlsx" in disposition


def test_the_export_has_numbers_as_numbers_and_dates_as_dates(client, known):
    client.force_login(known.admin_a)
    book = workbook_of(client.get(sheet_url(known.school_a, "status_sheet_xlsx")))
    sheet = book.worksheets[0]
    head = header(sheet)
    rows = {row[head.index("姓名")]: row for row in data_rows(sheet)}
    a1, a2, a4 = (rows[known.kids.a1.name], rows[known.kids.a2.name],
                  rows[known.kids.a4.name])
    age, clear, concerns = head.index("年龄"), head.index(head[5]), head.index("待处理关切")
    assert a1[age] == known.kids.a1.age() and isinstance(a1[age], int)
    assert a1[clear] == 5 and isinstance(a2[clear], int) and a2[clear] < 5
    # Each standard: periods met and owed, as numbers, in two columns.
    met = next(i for i, title in enumerate(head) if title and title.startswith("每周谈心"))
    assert (a1[met], a1[met + 1]) == (1, 1)
    assert (a2[met], a2[met + 1]) == (0, 1)
    assert a4[concerns] == 1 and a1[concerns] == 0
    assert a1[head.index(head[8])].date() == monday()  # last talk
    # The overdue cell is tinted, and the "overdue now" column names the standard.
    cells = {row[1].value: row for row in sheet.iter_rows(min_row=HEADER_ROW + 1)}
    assert cells[known.kids.a2.name][met].fill.fgColor.rgb.endswith("F8D7DA")
    assert cells[known.kids.a1.name][met].fill.fill_type is None
    assert a2[met + 2] == "每周谈心" and not a1[met + 2]
    # The changes are on the second sheet.
    changes = book.worksheets[1]
    assert known.kids.a3.name in [row[1] for row in changes.iter_rows(values_only=True)] \
        or monday() < timezone.localdate().replace(day=1)


def test_the_export_escapes_formulas(client, known):
    factories.ChildFactory(classroom=known.class_a, name="=1+1")
    client.force_login(known.admin_a)
    book = workbook_of(client.get(sheet_url(known.school_a, "status_sheet_xlsx")))
    sheet = book.worksheets[0]
    names = [row[1] for row in sheet.iter_rows(min_row=HEADER_ROW + 1)]
    injected = next(cell for cell in names if cell.value and "1+1" in cell.value)
    assert injected.value == "'=1+1" and injected.data_type == "s"


def test_the_export_is_in_the_access_log_with_its_row_count(client, known):
    client.force_login(known.township_user)
    response = client.get(sheet_url(known.school_a, "status_sheet_xlsx", unpaired="on",
                                    grade="3"))
    assert len(data_rows(workbook_of(response).worksheets[0])) == 1
    entry = AccessLog.objects.get(action=AccessLog.Action.EXPORT)
    assert (entry.user, entry.school, entry.rows) == (known.township_user, known.school_a, 1)
    start = monday()
    end = start + datetime.timedelta(days=6)
    assert entry.detail_text == f"动态状况表（xlsx），{start}至{end} · 3年级 · 未结对"
    assert not AccessLog.objects.filter(action=AccessLog.Action.VIEW_SHEET).exists()


# --- The access log and the scoping rule ---------------------------------------------------


@pytest.mark.parametrize("role", ["admin_a", "township_user", "bureau1"])
def test_each_visit_is_in_the_access_log(client, known, role):
    user = getattr(known, role)
    get_page(client, user, known.school_a, period="term", concern="on")
    entry = AccessLog.objects.get(action=AccessLog.Action.VIEW_SHEET)
    assert (entry.user, entry.school, entry.child, entry.rows) == (
        user, known.school_a, None, 1)
    today = timezone.localdate()
    term = Term.objects.get(county=known.school_a.county, start_date__lte=today,
                            end_date__gte=today)
    assert entry.detail_text == f"动态状况表，{term.start_date}至{term.end_date} · 待处理关切"


@pytest.mark.parametrize("name", ["status_sheet", "status_sheet_xlsx"])
@pytest.mark.parametrize("role, school, status", [
    ("admin_a", "school_a", 200),
    ("admin_a", "school_a2", 404),
    ("admin_a", "school_c", 404),
    ("township_user", "school_a", 200),
    ("township_user", "school_a2", 200),
    ("township_user", "school_b", 404),
    ("township_user", "school_c", 404),
    ("bureau1", "school_b", 200),
    ("bureau1", "school_c", 404),
    ("bureau2", "school_c", 200),
    ("bureau2", "school_a", 404),
    ("teacher_a", "school_a", 403),
    ("teacher_a", "school_b", 403),
    ("superuser", "school_c", 200),
])
def test_who_may_open_which_sheet(client, known, name, role, school, status):
    client.force_login(getattr(known, role))
    response = client.get(sheet_url(getattr(known, school), name))
    assert response.status_code == status
    if status != 200:
        assert not AccessLog.objects.exists()


def test_anonymous_visitors_are_sent_to_log_in(client, known):
    response = client.get(sheet_url(known.school_a))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_only_get(client, known):
    client.force_login(known.admin_a)
    assert client.post(sheet_url(known.school_a)).status_code == 405


def test_the_school_page_links_to_the_sheet(client, known):
    status_link = f'href="{reverse("status_sheet", args=[known.school_a.pk])}"'
    for user in (known.admin_a, known.township_user, known.bureau1):
        client.force_login(user)
        page = client.get(reverse("school_detail", args=[known.school_a.pk])).content.decode()
        assert 'data-testid="school-status-sheet"' in page and status_link in page


# --- A fixed number of queries -------------------------------------------------------------


def _add_children(world, classroom, count, start):
    for index in range(start, start + count):
        child = factories.ChildFactory(classroom=classroom, name=f"儿童{index:03d}")
        if index % 2:
            PairingFactory(child=child, kind="mentor", staff=world.teacher_a)
        if index % 3 == 0:
            ContactLogFactory(child=child, standard=TALK, happened_on=monday())
        if index % 5 == 0:
            ConcernFactory(child=child)


@pytest.mark.parametrize("name", ["status_sheet", "status_sheet_xlsx"])
def test_the_same_queries_for_5_or_40_children(client, world, name):
    current_term(world.county1)
    CareStandardFactory(county=world.county1, code=TALK)
    CareStandardFactory(county=world.county1, code="home_visit", period="month",
                        responsible="mentor")
    second = factories.ClassroomFactory(school=world.school_a, grade=4)
    client.force_login(world.admin_a)
    url = sheet_url(world.school_a, name, period="term")
    _add_children(world, world.class_a, 3, 0)
    _add_children(world, second, 2, 3)
    client.get(url)  # warm up (caches filled on a first request)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    _add_children(world, world.class_a, 20, 5)
    _add_children(world, second, 15, 25)
    with CaptureQueriesContext(connection) as large:
        response = client.get(url)
    if name == "status_sheet":
        assert len(rows_of(response.content.decode())) == 40
    else:
        assert len(data_rows(workbook_of(response).worksheets[0])) == 40
    assert len(large) == len(small), [q["sql"][:120] for q in large.captured_queries]
    # session, user, permissions (2), school, terms (2: the term period is looked up
    # again), classes, standards (the form's), children, the engine (3: standards, terms
    # and their days, contacts), the episodes (the engine's and the changes panel's),
    # the access log, and on the page the alerts (the navbar's school is the sheet's)
    assert len(small) <= 16


def test_this_weeks_sheet_runs_at_most_15_queries(client, world):
    current_term(world.county1)
    CareStandardFactory(county=world.county1, code=TALK)
    _add_children(world, world.class_a, 5, 0)
    client.force_login(world.admin_a)
    url = sheet_url(world.school_a, "status_sheet")
    client.get(url)  # warm up (caches filled on a first request)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    # As above, with the term read once: the page the benchmark measures.
    assert len(queries) <= 15, "\n".join(q["sql"][:70] for q in queries.captured_queries)
