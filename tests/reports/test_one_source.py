"""One source of numbers, through the pages: on the county with known facts, the
teacher's week, the school's week at a glance, the status sheet, the county summary (for
the bureau and the township) and its xlsx show the same weekly-talk figures."""

import datetime
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from tests.interventions.factories import ContactLogFactory
from tests.reports.conftest import TALK, monday

pytestmark = pytest.mark.django_db


def summary_line(client, user, school):
    client.force_login(user)
    summary = client.get(reverse("county_summary")).context["summary"]
    return next(line.figures for line in summary.school_lines if line.school == school)


def test_the_pages_agree_on_this_weeks_talks(client, known):
    # The homeroom teacher of class_a: a1 talked to, a2 not.
    client.force_login(known.teacher_a)
    week = client.get(reverse("my_week")).context["week"]
    assert {p.code: (p.met, p.owed) for p in week.progress}[TALK] == (1, 2)

    # The school: a1, a2 and a4 owe a talk this week; a1 had it.
    client.force_login(known.admin_a)
    glance = client.get(reverse("school_detail", args=[known.school_a.pk])).context["glance"]
    assert (glance.talked, glance.owed) == (1, 3)
    sheet = client.get(reverse("status_sheet", args=[known.school_a.pk]),
                       {"period": "week"}).context["sheet"]
    assert (sum(r.cells[TALK].met for r in sheet.rows),
            sum(r.cells[TALK].owed for r in sheet.rows)) == (1, 3)
    class_a = [r for r in sheet.rows if r.child.classroom_id == known.class_a.pk]
    assert (sum(r.cells[TALK].met for r in class_a),
            sum(r.cells[TALK].owed for r in class_a)) == (1, 2)

    bureau = summary_line(client, known.bureau1, known.school_a)
    township = summary_line(client, known.township_user, known.school_a)
    assert bureau.compliance[TALK] == township.compliance[TALK] == (1, 3)
    assert bureau.registered == len(sheet.rows) == 3
    assert bureau.open_concerns == sum(r.child.open_concerns for r in sheet.rows) == 1

    client.force_login(known.bureau1)
    workbook = load_workbook(io.BytesIO(client.get(reverse("summary_xlsx")).content))
    cells = [[cell.value for cell in row] for row in workbook.active.iter_rows()]
    school_row = next(row for row in cells if known.school_a.name in row)
    assert 3 in school_row and 100 in school_row  # registered, pupils enrolled


def test_the_term_charts_weeks_add_up_to_the_terms_figures(client, known):
    """The summary's term chart (its weeks that are over kept, tests/reports/
    test_term_chart.py) adds up, week by week, to the term's weekly talks in the summary's
    table, the xlsx and the schools' status sheets."""
    kids = known.kids
    for child, weeks_ago in ((kids.a1, 2), (kids.a2, 3), (kids.c1, 4), (kids.b1, 4)):
        ContactLogFactory(child=child, standard=TALK,
                          happened_on=monday() - datetime.timedelta(days=7 * weeks_ago - 1))
    client.force_login(known.bureau1)
    for _visit in range(2):  # computed, then read back
        summary = client.get(reverse("county_summary"), {"period": "term"}).context["summary"]
        by_week = summary.chart.by_period[TALK]
        weeks = (sum(met for met, _owed in by_week.values()),
                 sum(owed for _met, owed in by_week.values()))
        assert weeks == summary.total.compliance[TALK]
        assert weeks[0] == 7  # a1 this week and two weeks ago, b1 this week and four
        # weeks ago, a4 last week, a2 three weeks ago, c1 four weeks ago

    workbook = load_workbook(io.BytesIO(client.get(reverse("summary_xlsx"),
                                                   {"period": "term"}).content))
    total = [cell.value for cell in list(workbook.active.iter_rows())[-1]]
    assert weeks[0] in total and weeks[1] in total
    sheets = [0, 0]
    for school, admin in ((known.school_a, known.admin_a), (known.school_a2, known.admin_a2),
                          (known.school_b, known.admin_b)):
        client.force_login(admin)
        sheet = client.get(reverse("status_sheet", args=[school.pk]),
                           {"period": "term"}).context["sheet"]
        sheets[0] += sum(row.cells[TALK].met for row in sheet.rows)
        sheets[1] += sum(row.cells[TALK].owed for row in sheet.rows)
    assert tuple(sheets) == weeks
