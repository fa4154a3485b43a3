"""One source of numbers, through the pages: on the county with known facts, the
teacher's week, the school's week at a glance, the status sheet, the county summary (for
the bureau and the township) and its xlsx show the same weekly-talk figures."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from tests.reports.conftest import TALK

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
