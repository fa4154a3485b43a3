"""Hostile input: script and HTML in every free text, spreadsheet formulas in exported
text, oversized requests and uploads, forms posted without their CSRF token, and names
in rare CJK characters and emoji.

The texts are put on the first county's own records (the sweep's world, see conftest),
and read back as the people of that place read them: on the pages, the record card, the
child's history, the admin and in every export.
"""

import csv
import io
import re
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils.html import escape
from openpyxl import load_workbook

from interventions.models import Pairing
from registry.models import Child, FamilyMember
from reports.exporters import FORMULA_TRIGGERS, XLSX_TYPE
from tests.security import sweep

pytestmark = pytest.mark.django_db


# --- (a) Script and HTML are shown as text -------------------------------------------------


def xss(field):
    """A payload that breaks out of an attribute and opens a script, naming its field."""
    return f'"><script>alert("{field}")</script>'


def _put_markup(world):
    """Markup in every free text of the home place; saved through the models so that
    the change history has it too."""
    home = world.home
    child = home.child
    for field in ("name", "address", "personality", "hobbies", "physical_condition",
                  "chronic_illness", "disability", "psychological_notes", "hardship_note"):
        setattr(child, field, xss(f"child.{field}"))
    child.hardship_kind = "other"
    child.save()
    for member in child.family.all():
        for field in ("name", "workplace", "health", "note"):
            setattr(member, field, xss(f"{member.kind}.{field}"))
        member.save()
    FamilyMember.objects.create(child=child, kind="other", name=xss("other.name"),
                                relation="other", note=xss("other.note"))
    home.log.summary = xss("log.summary")
    home.log.save()
    home.concern.description = xss("concern.description")
    home.concern.save()
    home.note.note = xss("note.note")
    home.note.save()
    for field in ("subject", "goals", "schedule", "content", "method", "review_notes"):
        setattr(home.plan, field, xss(f"plan.{field}")[:30 if field == "subject" else 200])
    home.plan.save()
    home.volunteer.name = xss("volunteer.name")
    home.volunteer.organisation = xss("volunteer.org")
    home.volunteer.save()
    Pairing.objects.create(child=child, kind="buddy", buddy_name=xss("buddy"),
                           buddy_classroom=home.classroom, school=home.school,
                           start_date=home.pairing.start_date, created_by=home.admin)
    for user, label in ((home.teacher, "teacher"), (home.admin, "admin")):
        user.real_name = xss(label)
        user.save()
    home.school.name = xss("school")
    home.school.save()
    home.township.name = xss("township")
    home.township.save()
    home.term_day.name = xss("term_day")
    home.term_day.save()
    home.submission.note = xss("submission")
    home.submission.save()


# page -> (url, who reads it, the fields whose text the page must show)
def _pages(world):
    home = world.home
    child, classroom, school = home.child.pk, home.classroom.pk, home.school.pk
    return {
        "profile": (reverse("child_detail", args=[child]), home.admin,
                    ["child.name", "child.personality", "child.hobbies", "father.name",
                     "guardian.health", "other.name", "log.summary",
                     "concern.description", "volunteer.name", "buddy"]),
        "record card": (reverse("child_card", args=[child]), home.admin,
                        ["child.name", "child.personality", "father.workplace",
                         "guardian.health"]),
        "class cards": (reverse("class_cards", args=[classroom]), home.admin, ["child.name"]),
        "contact sheet": (reverse("class_contacts", args=[classroom]), home.teacher,
                          ["child.name", "father.name", "mother.workplace"]),
        "change history": (reverse("child_history", args=[child]), home.admin,
                           ["child.personality", "father.name"]),
        "child list": (reverse("child_list"), home.admin, ["child.name"]),
        "my week": (reverse("my_week"), home.teacher, ["child.name"]),
        "school page": (reverse("school_detail", args=[school]), home.admin, ["teacher"]),
        "pairings": (reverse("pairing_list"), home.admin, ["child.name"]),
        "volunteers": (reverse("volunteer_list"), home.admin,
                       ["volunteer.name", "volunteer.org"]),
        "concern": (reverse("concern_detail", args=[home.concern.pk]), home.admin,
                    ["concern.description", "note.note", "child.name"]),
        "concerns": (reverse("concern_list"), home.admin, ["child.name"]),
        "contact log": (reverse("contact_log_edit", args=[home.log.pk]), home.admin,
                        ["log.summary"]),
        "help plans": (reverse("help_plan_list"), home.admin, ["child.name"]),
        "help plan": (reverse("help_plan_edit", args=[home.plan.pk]), home.admin,
                      ["plan.goals", "plan.content"]),
        "status sheet": (reverse("status_sheet", args=[school]), home.admin,
                         ["child.name", "admin"]),
        "summary": (reverse("county_summary"), home.bureau, ["school", "township"]),
        "submission": (reverse("submission_detail", args=[home.submission.pk]), home.admin,
                       ["submission"]),
        "submissions": (reverse("submission_overview"), home.bureau, ["school"]),
        "terms": (reverse("term_edit", args=[home.term.pk]), home.bureau, ["term_day"]),
        "access log": (reverse("access_log"), home.admin, []),
        "admin school": (reverse("admin:registry_school_change", args=[school]), home.bureau,
                         ["school"]),
        "admin staff": (reverse("admin:registry_user_change", args=[home.teacher.pk]),
                        home.admin, ["teacher"]),
        "admin staff list": (reverse("admin:registry_user_changelist"), home.admin,
                             ["teacher"]),
        "admin township": (reverse("admin:registry_township_change", args=[home.township.pk]),
                           home.bureau, ["township"]),
        "admin term": (reverse("admin:registry_term_change", args=[home.term.pk]), home.bureau,
                       ["term_day"]),
        "admin access log": (reverse("admin:registry_accesslog_changelist"), home.admin,
                             ["child.name"]),
    }


PAGES = ["profile", "record card", "class cards", "contact sheet", "change history",
         "child list", "my week", "school page", "pairings", "volunteers", "concern",
         "concerns", "contact log", "help plans", "help plan", "status sheet", "summary",
         "submission", "submissions", "terms", "access log", "admin school", "admin staff",
         "admin staff list", "admin township", "admin term", "admin access log"]


@pytest.mark.parametrize("page", PAGES)
def test_markup_in_free_text_is_shown_as_text(sweep_world, client, page):
    _put_markup(sweep_world)
    url, user, fields = _pages(sweep_world)[page]
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200, url
    body = response.content.decode()
    assert "<script>alert(" not in body, f"{page}: a free text is written as markup"
    for field in fields:
        assert escape(xss(field)) in body, f"{page}: {field} is not shown (escaped)"


def _export_urls(world):
    """Every export of the project (a URL ending in .xlsx or .csv, found by the sweep's
    walk of the resolver), filled with the home place's objects."""
    urls = []
    for route in sweep.all_routes():
        if route.route.endswith((".xlsx", ".csv")):
            for _obj, kwargs in sweep.fills(route, world.home):
                urls.append((route.label, sweep.url_for(route, kwargs)))
    return urls


def _downloads(world, client):
    """(export, reader, response) for every export and every home reader it answers."""
    home = world.home
    found = []
    for label, url in _export_urls(world):
        answered = False
        for user in (home.admin, home.teacher, home.township_user, home.bureau):
            client.force_login(user)
            response = client.get(url)
            if response.status_code == 200:
                answered = True
                found.append((label, user, response))
        assert answered, f"{label}: no user of the home place may download {url}"
    return found


def _cells(response):
    """Every text cell of a downloaded spreadsheet."""
    if response["Content-Type"].startswith(XLSX_TYPE):
        workbook = load_workbook(io.BytesIO(response.content))
        return [cell.value for sheet in workbook.worksheets for row in sheet.iter_rows()
                for cell in row if isinstance(cell.value, str)]
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    return [value for row in csv.reader(io.StringIO(text)) for value in row]


def test_markup_in_exports_is_plain_text(sweep_world, client):
    _put_markup(sweep_world)
    checked = set()
    for label, user, response in _downloads(sweep_world, client):
        assert response["Content-Disposition"].startswith("attachment;"), label
        if response["Content-Type"].startswith(XLSX_TYPE):
            # The workbook's XML holds the text escaped, never as markup.
            with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
                for name in archive.namelist():
                    assert b"<script>" not in archive.read(name), (label, name)
        cells = _cells(response)
        shown = [cell for cell in cells if "<script>" in cell]
        # A text cell keeps the text as it was typed (a leading '"' is no formula).
        assert all(re.search(r'"><script>alert\("[\w.]+"\)</script>', c) for c in shown), \
            (label, shown)
        checked.add(label)
        if label in ("roster_export", "class_contacts_xlsx", "status_sheet_xlsx"):
            assert xss("child.name") in cells, (label, user)
    assert {"roster_export", "class_contacts_xlsx", "status_sheet_xlsx", "summary_xlsx",
            "summary_csv"} <= checked


# --- (b) Formulas are neutral in every export -------------------------------------------------

FORMULAS = {
    "child.name": '=HYPERLINK("http://e.cn","x")',
    "child.address": "+1+1",
    "father.name": "-2+3",
    "father.workplace": "@SUM(1+1)",
    "mother.name": "\t=1+1",
    "guardian.name": "\r=1+1",
    "admin": "=cmd|' /C calc'!A0",
    "school": "=1+2",
    "township": "+2+3",
    "county": "-3+4",
}


def _put_formulas(world):
    home = world.home
    Child.objects.filter(pk=home.child.pk).update(name=FORMULAS["child.name"],
                                                  address=FORMULAS["child.address"])
    family = home.child.family
    family.filter(kind="father").update(name=FORMULAS["father.name"],
                                        workplace=FORMULAS["father.workplace"])
    family.filter(kind="mother").update(name=FORMULAS["mother.name"])
    family.filter(kind="guardian").update(name=FORMULAS["guardian.name"])
    type(home.admin).objects.filter(pk=home.admin.pk).update(real_name=FORMULAS["admin"])
    type(home.school).objects.filter(pk=home.school.pk).update(name=FORMULAS["school"])
    type(home.township).objects.filter(pk=home.township.pk).update(name=FORMULAS["township"])
    type(home.county).objects.filter(pk=home.county.pk).update(name=FORMULAS["county"])


def _neutral(value):
    return not value.startswith(FORMULA_TRIGGERS)


def test_formulas_are_neutral_in_every_export(sweep_world, client):
    """The project's rule (reports.exporters.escape_formula): a text starting with
    = + - @ tab, CR or LF gets a leading apostrophe, in every export."""
    _put_formulas(sweep_world)
    seen = set()
    for label, user, response in _downloads(sweep_world, client):
        cells = _cells(response)
        live = [cell for cell in cells if not _neutral(cell)]
        assert not live, f"{label} as {user.role}: formula cells {live}"
        for value in FORMULAS.values():
            quoted = "'" + value
            # A carriage return may come back as a line feed, depending on the XML writer.
            if quoted in cells or quoted.replace("\r", "\n") in cells:
                seen.add((label, value))
    for label in ("roster_export", "class_contacts_xlsx", "status_sheet_xlsx"):
        assert (label, FORMULAS["child.name"]) in seen, f"{label} lost the child's name"
    assert ("roster_export", FORMULAS["father.workplace"]) in seen
    assert ("class_contacts_xlsx", FORMULAS["mother.name"]) in seen
    for label in ("summary_xlsx", "summary_csv"):
        assert (label, FORMULAS["school"]) in seen, f"{label} lost the school's name"
        assert (label, FORMULAS["township"]) in seen, f"{label} lost the township's name"


# --- (c) Oversized requests and uploads ---------------------------------------------------------


def _log_form(world, **fields):
    return {"submission_token": "6d3c8a3e-0f3b-4a4e-9d7e-2f1c3b5a7e10",
            "happened_on": world.home.log.happened_on.isoformat(), "standard": "weekly_talk",
            "channel": "in_person", "with_whom": ["child"], **fields}


def _assert_refused_as_too_large(response, before):
    assert response.status_code == 400
    body = response.content.decode()
    assert "Traceback" not in body
    assert not sweep.changes(before, sweep.snapshot())
    # The page tells the teacher, in Chinese, that what they sent is too large.
    assert "太大" in body


def test_a_request_over_the_size_limit_is_refused_with_a_clear_page(sweep_world, client,
                                                                   settings):
    client.force_login(sweep_world.home.teacher)
    url = reverse("contact_log_add", args=[sweep_world.home.child.pk])
    before = sweep.snapshot()
    response = client.post(url, _log_form(
        sweep_world, summary="谈" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE // 3 + 1)))
    _assert_refused_as_too_large(response, before)


def test_a_request_with_too_many_fields_is_refused_with_a_clear_page(sweep_world, client,
                                                                    settings):
    client.force_login(sweep_world.home.teacher)
    url = reverse("contact_log_add", args=[sweep_world.home.child.pk])
    form = _log_form(sweep_world)
    form.update({f"f{i}": "x" for i in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1)})
    before = sweep.snapshot()
    response = client.post(url, form)
    _assert_refused_as_too_large(response, before)


def test_an_oversized_roster_is_a_form_error(sweep_world, client):
    client.force_login(sweep_world.home.admin)
    big = SimpleUploadedFile("roster.csv", b"a" * (5 * 1024 * 1024 + 1), "text/csv")
    before = sweep.snapshot()
    response = client.post(reverse("roster_import"), {"file": big})
    assert response.status_code == 200
    errors = response.context["form"].errors["file"]
    assert any("文件" in error and "5" in error for error in errors), errors
    assert not sweep.changes(before, sweep.snapshot())


def test_an_oversized_staff_list_is_a_form_error(sweep_world, client):
    client.force_login(sweep_world.home.admin)
    big = SimpleUploadedFile("staff.xlsx", b"a" * (5 * 1024 * 1024 + 1))
    before = sweep.snapshot()
    response = client.post(reverse("staff_import"), {"file": big})
    assert response.status_code == 200
    assert response.context["form"].errors["file"]
    assert not sweep.changes(before, sweep.snapshot())


@pytest.mark.parametrize("url_name, field, limit", [
    ("child_add", "name", 50),
    ("child_add", "address", 200),
])
def test_a_value_too_long_is_a_field_error(sweep_world, client, url_name, field, limit):
    home = sweep_world.home
    client.force_login(home.admin)
    form = {"name": "王小明", "sex": "F", "birth_date": "2016-05-17",
            "classroom": home.classroom.pk, "entered_on": "2026-09-01",
            field: "长" * (limit + 1)}
    before = sweep.snapshot()
    response = client.post(reverse(url_name), form)
    assert response.status_code == 200
    assert f"{limit}" in " ".join(response.context["form"].errors[field])
    assert not sweep.changes(before, sweep.snapshot())


# --- (d) Every form needs its CSRF token ---------------------------------------------------------


def _post_urls(world):
    """Every URL of the project filled with the home place's objects."""
    for route in sweep.all_routes():
        for _obj, kwargs in sweep.fills(route, world.home):
            yield route, sweep.url_for(route, kwargs)


@pytest.mark.parametrize("reader", ["admin", "bureau", "teacher"])
def test_every_post_without_the_csrf_token_is_refused(sweep_world, reader):
    user = getattr(sweep_world.home, reader)
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    before = sweep.snapshot()
    for route, url in _post_urls(sweep_world):
        response = client.post(url, sweep.hostile_post(sweep_world.home))
        assert response.status_code == 403, f"POST {url} ({route.label}) without a token"
    changed = sweep.changes(before, sweep.snapshot())
    assert not changed, sweep.describe(changed)


# --- (e) Rare characters and emoji survive -------------------------------------------------------

RARE = "王𠀀䶮𪚥👧🏻"


def test_rare_characters_are_stored_shown_and_exported_intact(sweep_world, client):
    home = sweep_world.home
    client.force_login(home.admin)
    response = client.post(reverse("child_add"), {
        "name": RARE, "sex": "F", "birth_date": "2016-05-17",
        "classroom": home.classroom.pk, "entered_on": "2026-09-01",
        "address": "𪚥村👍",
    })
    assert response.status_code == 302, response.context["form"].errors
    child = Child.objects.get(name=RARE)
    assert child.address == "𪚥村👍"
    family = {"father-name": "李𠀀", "father-situation": "away", "father-phone": "13900000001",
              "father-workplace": "广东🏭", "father-away_since": "2025-02-01",
              "mother-name": "", "guardian-name": "", "others-TOTAL_FORMS": "0",
              "others-INITIAL_FORMS": "0"}
    response = client.post(reverse("child_family", args=[child.pk]), family)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert child.family.get(kind="father").name == "李𠀀"
    type(home.school).objects.filter(pk=home.school.pk).update(name="䶮𪚥小学")

    for url in (reverse("child_detail", args=[child.pk]), reverse("child_card", args=[child.pk]),
                reverse("child_list")):
        body = client.get(url).content.decode()
        assert RARE in body, url
    assert "李𠀀" in client.get(reverse("child_card", args=[child.pk])).content.decode()

    exported = _cells(client.get(reverse("roster_export")))
    assert RARE in exported and "李𠀀" in exported and "广东🏭" in exported
    contacts = _cells(client.get(reverse("class_contacts_xlsx", args=[home.classroom.pk])))
    assert RARE in contacts and "李𠀀" in contacts
    client.force_login(home.bureau)
    for name in ("summary_xlsx", "summary_csv"):
        assert "䶮𪚥小学" in _cells(client.get(reverse(name))), name
