"""The "what" of an access log entry: stored as data, shown in the reader's language.

An entry is written once and read for years, by readers in either of the site's
languages. Like the "change message" of Django's own admin log, its ``detail`` is
therefore stored as JSON — what was opened, exported or imported, over which dates, with
which filters, as codes, dates and ids, never a child's name — and put into words only
when it is shown (``describe``). A detail that is not such JSON (an entry written before
this module, or by hand) is shown as it was written.

Each function below builds the detail of one kind of entry; the callers pass their
objects and filters as they have them.
"""

import json

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from registry.models import AccessLog, Category, Classroom

# The kinds of entry, and the words each is shown with.
_WHAT = {
    "transfer_lookup": gettext_lazy("Looked up by %(key)s"),
    "roster_import": gettext_lazy("Roster file %(file)s"),
    "staff_import": gettext_lazy("Staff file %(file)s"),
    "roster_xlsx": gettext_lazy("Roster of the children (xlsx)"),
    "class_cards": gettext_lazy("Record cards of %(classroom)s, school year %(year)s"),
    "class_contacts": gettext_lazy("Contact sheet of %(classroom)s, school year %(year)s"),
    "class_contacts_xlsx": gettext_lazy(
        "Contact sheet of %(classroom)s, school year %(year)s (xlsx)"),
    "status_sheet": gettext_lazy("Status sheet, %(start)s to %(end)s"),
    "status_sheet_xlsx": gettext_lazy("Status sheet (xlsx), %(start)s to %(end)s"),
    "summary": gettext_lazy("Summary of %(place)s (%(format)s), %(start)s to %(end)s"),
    "access_log": gettext_lazy("Access log, %(start)s to %(end)s"),
}
_LOOKUP_KEYS = {
    "id_number": gettext_lazy("ID number"),
    "student_number": gettext_lazy("student number"),
}
# Yes-or-no filters, shown by their field's label (the filter forms', below) when on.
_SWITCHES = ("incomplete", "unpaired", "concern")


def _dumps(data):
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def _day(day):
    return f"{day:%Y-%m-%d}"


def _filters(filters):
    """Filters as codes: a class by its grade and number, a school by its name (not
    personal data), a person by id, a name search by the fact of it, never its text."""
    coded = {}
    for name, value in filters.items():
        if value in (None, "", False):
            continue
        if name == "q":
            value = True
        elif isinstance(value, Classroom):
            value = [value.grade, value.number]
        elif name == "school":
            value = value.name
        elif hasattr(value, "pk"):
            value = value.pk
        coded[name] = value
    return coded


def transfer_lookup(by):
    """A transfer lookup, by ``"id_number"`` or ``"student_number"``."""
    return _dumps({"what": "transfer_lookup", "key": by})


def upload(kind, filename):
    """An import of a file: ``kind`` is ``"roster"`` or ``"staff"``."""
    return _dumps({"what": f"{kind}_import", "file": filename})


def roster_export(filters):
    """The children's roster exported with the child list's filters."""
    status = filters.get("status") or "registered"  # the list's default
    return _dumps({"what": "roster_xlsx", "filters": _filters({**filters, "status": status})})


def class_papers(kind, classroom):
    """A class's papers: ``kind`` is ``"cards"``, ``"contacts"`` or
    ``"contacts_xlsx"``."""
    return _dumps({"what": f"class_{kind}", "year": classroom.school_year,
                   "classroom": [classroom.grade, classroom.number]})


def status_sheet(period, filters, *, classrooms, xlsx=False):
    """A school's status sheet over ``period``, with the sheet form's filters (a class by
    its id, found in ``classrooms``)."""
    filters = dict(filters)
    if filters.get("classroom") in classrooms:
        filters["classroom"] = classrooms[filters["classroom"]]
    return _dumps({"what": "status_sheet_xlsx" if xlsx else "status_sheet",
                   "start": _day(period.start), "end": _day(period.end),
                   "filters": _filters(filters)})


def summary_export(extension, place, start, end):
    """The summary of ``place`` (a county or township's name) exported."""
    return _dumps({"what": "summary", "format": extension, "place": place,
                   "start": _day(start), "end": _day(end)})


def access_log_search(filters):
    """A search of the access log: its dates and the other filters."""
    filters = dict(filters)
    start, end = filters.pop("date_from"), filters.pop("date_to")
    return _dumps({"what": "access_log", "start": _day(start), "end": _day(end),
                   "filters": _filters(filters)})


# --- In words ---------------------------------------------------------------------------


def describe(detail):
    """The detail in the active language; as it was written when it is not this
    module's JSON."""
    if not detail.startswith("{"):
        return detail
    try:
        data = json.loads(detail)
        what = _WHAT[data["what"]]
    except (ValueError, KeyError, TypeError):
        return detail
    words = dict(data)
    if "key" in words:
        words["key"] = _LOOKUP_KEYS.get(words["key"], words["key"])
    if "classroom" in words:
        words["classroom"] = _classroom(words["classroom"])
    try:
        text = str(what) % words
    except (KeyError, TypeError, ValueError):
        return detail
    labels = [_filter_label(name, value) for name, value in data.get("filters", {}).items()]
    return " · ".join([text, *labels])


def _classroom(grade_and_number):
    grade, number = grade_and_number
    return str(Classroom(grade=grade, number=number))


def _filter_label(name, value):
    # The filters' words are their forms' (the reports app builds on this one).
    from registry.forms import ChildFilterForm
    from reports.forms import StatusSheetFilterForm

    if name in _SWITCHES:
        return str(StatusSheetFilterForm.base_fields[name].label)
    if name == "q":
        return _("Searched by name")
    if name == "grade":
        return _("Grade %(grade)s") % {"grade": value}
    if name == "classroom":
        return _classroom(value) if isinstance(value, list) else f"{name}={value}"
    if name == "category":
        return str(Category(value).label) if value in Category.values else value
    if name in ("status", "attention"):
        choices = dict(ChildFilterForm.base_fields[name].choices)
        return str(choices.get(value, value))
    if name == "overdue":
        return _("Overdue: %(standard)s") % {"standard": _standard(value)}
    if name == "action":
        return str(AccessLog.Action(value).label) if value in AccessLog.Action.values \
            else value
    if name == "school":
        return _("School: %(name)s") % {"name": value}
    if name == "child":
        return _("Child no. %(id)s") % {"id": value}
    if name == "staff":
        return _("Staff member no. %(id)s") % {"id": value}
    return f"{name}={value}"


def _standard(code):
    # The care standards are the interventions app's, which builds on this one.
    from interventions.models import StandardCode
    from reports.figures import OVERDUE_ANY

    if code == OVERDUE_ANY:
        return _("Any standard")
    return str(StandardCode(code).label) if code in StandardCode.values else code
