"""The URL sweep's machinery: every URL pattern of the project, found by walking the
resolver (so a URL added later is swept without anyone listing it), filled with the
objects of a place, and a picture of the whole database to tell whether a request
changed anything.

To teach the sweep a new URL argument, add the URL's name to ``URL_OBJECTS`` (which
object of a place it names) or the argument's name to ``KWARG_VALUES``.
"""

import io
import re
import uuid
from dataclasses import dataclass

from django.apps import apps
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.urls import URLResolver, get_resolver, reverse
from django.urls.resolvers import RoutePattern
from django.utils import timezone
from openpyxl import load_workbook

from reports.exporters import XLSX_TYPE


@dataclass(frozen=True)
class Route:
    name: str | None  # with its namespace, e.g. "admin:registry_school_change"
    route: str  # the pattern as written, prefixes included
    kwargs: tuple

    @property
    def label(self):
        return self.name or self.route

    @property
    def is_admin(self):
        return self.route.startswith("admin/")


def all_routes():
    """Every URL pattern of the project, admin and included apps too."""
    return list(_walk(get_resolver(), "", "", ()))


def _walk(resolver, prefix, namespace, kwargs):
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        names = kwargs + _argument_names(entry.pattern)
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry, route, inner, names)
        else:
            name = f"{namespace}{entry.name}" if entry.name else None
            yield Route(name=name, route=route, kwargs=names)


def _argument_names(pattern):
    if isinstance(pattern, RoutePattern):
        return tuple(pattern.converters)
    return tuple(pattern.regex.groupindex)


def url_for(route, kwargs):
    if route.name:
        return reverse(route.name, kwargs=kwargs)
    # An unnamed pattern (the admin's old-style object URL, its catch-all): written out.
    path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(kwargs[m.group(1)]), route.route)
    path = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: str(kwargs[m.group(1)]), path)
    return "/" + path.replace("^", "").replace("$", "")


# --- Filling a URL with a place's objects -------------------------------------------------

#: URL name -> the place's attribute the URL's ``pk`` names.
URL_OBJECTS = {
    "school_detail": "school",
    "school_rollover": "school",
    "status_sheet": "school",
    "status_sheet_xlsx": "school",
    "staff_reset_password": "users",
    "staff_unlock": "users",
    "staff_import_preview": "staff_upload",
    "roster_import_preview": "roster_upload",
    "child_detail": "child",
    "child_edit": "child",
    "child_family": "child",
    "child_consent": "child",
    "child_exit": "child",
    "child_reenter": "child",
    "child_history": "child",
    "child_card": "child",
    "child_pairing_add": "child",
    "contact_log_add": "child",
    "concern_add": "child",
    "help_plan_add": "child",
    "class_cards": "classroom",
    "class_contacts": "classroom",
    "class_contacts_xlsx": "classroom",
    "pairing_end": "pairing",
    "term_edit": "term",
    "contact_log_edit": "log",
    "concern_detail": "concern",
    "concern_edit": "concern",
    "concern_follow_up": "concern",
    "concern_acknowledge": "concern",
    "help_plan_edit": "plan",
    "submission_detail": "submission",
    "submission_reopen": "submission",
    # The standard is named by its code, within the user's own county: the other county's
    # standard has a code the first county has none of.
    "care_standard_edit": "standard",
    "admin:view_on_site": "child",
}

#: Arguments that name no object: (value, why the URL still names nothing elsewhere).
KWARG_VALUES = {
    "part": lambda place: "traits",
    "code": lambda place: place.standard.code,
    "content_type_id": lambda place: ContentType.objects.get_for_model(place.child).pk,
    # The admin's own-place pages and its catch-all (a path that names no page).
    "app_label": lambda place: "registry",
    "url": lambda place: "registry/no-such-page",
    # A month names no school: the page is always the user's own school's month; the
    # other place's reported month is the one to try.
    "year": lambda place: place.submission.month.year,
    "month": lambda place: place.submission.month.month,
}

#: The admin's model pages: model label -> the place's attribute.
ADMIN_OBJECTS = {
    "registry.county": "county",
    "registry.township": "township",
    "registry.school": "school",
    "registry.classroom": "classroom",
    "registry.term": "term",
    "registry.user": "users",
    "registry.accesslog": "access_log",
    "auditlog.logentry": "audit_entry",
    "axes.accessattempt": "axes_attempt",
    "axes.accesslog": "axes_login",
    "axes.accessfailurelog": "axes_failure",
}


class CannotFill(Exception):
    pass


def _admin_model_label(route):
    match = re.match(r"admin/(\w+)/(\w+)/", route.route)
    if match is None:
        return None
    model = apps.get_model(match.group(1), match.group(2))
    if model not in admin.site._registry:
        return None
    return model._meta.label_lower


def _objects(route, place):
    """The place's objects the route names (one or several), or None for a route whose
    arguments name no object."""
    attr = URL_OBJECTS.get(route.name)
    if attr is None and "object_id" in route.kwargs:
        attr = ADMIN_OBJECTS.get(_admin_model_label(route))
    if attr is None:
        return None
    value = getattr(place, attr)
    return value if isinstance(value, list) else [value]


def fills(route, place):
    """[(object or None, kwargs)] for the route with ``place``'s objects; raises
    ``CannotFill`` for an argument the sweep does not know."""
    objects = _objects(route, place)
    scalar = [name for name in route.kwargs if name not in ("pk", "object_id")]
    unknown = [name for name in scalar if name not in KWARG_VALUES]
    if unknown or (objects is None and set(route.kwargs) & {"pk", "object_id"}):
        raise CannotFill(
            f"The sweep cannot fill {route.label} ({route.route}): teach it the "
            f"argument(s) {unknown or list(route.kwargs)} in tests/security/sweep.py "
            "(URL_OBJECTS for the object a pk names, KWARG_VALUES for other arguments)."
        )
    values = {name: KWARG_VALUES[name](place) for name in scalar}
    if objects is None:
        return [(None, values)]
    result = []
    for obj in objects:
        kwargs = dict(values)
        for name in ("pk", "object_id"):
            if name in route.kwargs:
                kwargs[name] = obj.pk if name == "pk" else str(obj.pk)
        result.append((obj, kwargs))
    return result


def owned_by(place, obj):
    return place.owns(obj._meta.label_lower, obj.pk)


def hostile_query(place):
    """A query string pointing every id-taking filter at ``place``."""
    return {
        "school": place.school.pk, "classroom": place.classroom.pk,
        "class": place.classroom.pk, "child": place.child.pk, "teacher": place.teacher.pk,
        "staff": place.teacher.pk, "term": place.term.pk, "county": place.county.pk,
        "township": place.township.pk, "log": place.log.pk, "concern": place.concern.pk,
        "month": f"{place.submission.month:%Y-%m}", "period": "term", "show": "all",
    }


def hostile_post(place):
    """Form data for any form of the project: every object field names ``place``'s
    objects, every other field a plausible value."""
    today = timezone.localdate().isoformat()
    year = timezone.localdate().year
    data = {
        "school": place.school.pk, "classroom": place.classroom.pk,
        "children": [place.child.pk], "child": place.child.pk, "staff": place.teacher.pk,
        "teacher": place.teacher.pk, "assigned_to": place.teacher.pk,
        "homeroom_teacher": place.teacher.pk, "volunteer": place.volunteer.pk,
        "buddy_classroom": place.classroom.pk, "term": place.term.pk,
        "county": place.county.pk, "township": place.township.pk, "log": place.log.pk,
        "id_number": place.child.id_number, "student_number": place.child.student_number,
        "submission_token": str(uuid.uuid4()), "happened_on": today, "start_date": today,
        "end_date": today, "exited_on": today, "entered_on": today, "transferred_on": today,
        "consent_date": today, "consent_method": "written", "standard": "weekly_talk",
        "channel": "in_person", "with_whom": ["child"], "priorities": [],
        "summary": "清扫测试", "wellbeing": "3", "category": "learning", "severity": "watch",
        "description": "清扫测试", "note": "清扫测试", "status": "following",
        "kind": "mentor", "reason": "other", "period": "week", "contacts_needed": "1",
        "responsible": "homeroom", "subject": "数学", "goals": "清扫测试",
        "schedule": "每周一", "content": "清扫测试", "method": "清扫测试",
        "nothing_changed": "on", "name": "清扫测试", "real_name": "清扫测试",
        "username": "sweep-user", "phone": "13900000000", "sex": "F",
        "birth_date": "2016-05-17", "personality": "清扫测试", "hobbies": "清扫测试",
        "physical_condition": "良好", "grade": "3", "number": "9",
        "school_year": f"{year}-{year + 1}", "semester": "1", "code": "SWEEP1",
        "stage": "primary", "pupils_enrolled": "100", "confirm": "1", "post": "yes",
        "first_year_count": "1", "is_active": "on", "language": "en",
    }
    for prefix in ("father", "mother", "guardian"):
        data.update({f"{prefix}-name": "清扫测试", f"{prefix}-phone": "13900000000",
                     f"{prefix}-situation": "home", f"{prefix}-relation": "grandparent"})
    for prefix in ("term", "day"):
        data.update({f"{prefix}-school_year": f"{year}-{year + 1}", f"{prefix}-semester": "1",
                     f"{prefix}-start_date": today, f"{prefix}-end_date": today,
                     f"{prefix}-date": today, f"{prefix}-kind": "holiday",
                     f"{prefix}-name": "清扫测试"})
    data.update({"others-TOTAL_FORMS": "0", "others-INITIAL_FORMS": "0",
                 "special_days-TOTAL_FORMS": "0", "special_days-INITIAL_FORMS": "0"})
    return data


# --- What a response shows ------------------------------------------------------------------


def response_text(response):
    """The text a response shows its reader: a page's HTML, a CSV's text, or every cell
    of an xlsx workbook."""
    if getattr(response, "streaming", False):
        content = b"".join(response.streaming_content)
    else:
        content = response.content
    if response.get("Content-Type", "").startswith(XLSX_TYPE):
        workbook = load_workbook(io.BytesIO(content), read_only=True)
        return "\n".join(
            str(value)
            for sheet in workbook.worksheets
            for row in sheet.iter_rows(values_only=True)
            for value in row if value is not None
        )
    return content.decode("utf-8", errors="replace")


# --- The database, before and after -----------------------------------------------------------

#: Tables a request legitimately writes whatever it was asked for, left out of the
#: comparison: label -> why.
NOT_COMPARED = {
    # Logging out (the sweep POSTs to the logout URLs) ends the session, and the
    # messages framework and the monthly report's one-time tokens live in it.
    "sessions.session": "sessions",
    # django-axes stamps the logout time on the row of the login.
    "axes.accesslog": "axes login records",
}


def _compared_models():
    return [
        model for model in apps.get_models()
        if model._meta.managed and not model._meta.proxy
        and model._meta.label_lower not in NOT_COMPARED
    ]


def snapshot():
    """Every row of every compared table, read as the database stores it, in primary key
    order: {label: (columns, rows)}."""
    state = {}
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for model in _compared_models():
            meta = model._meta
            columns = [f.column for f in meta.concrete_fields]
            cursor.execute(
                f"SELECT {', '.join(quote(c) for c in columns)} "  # noqa: S608 (names only)
                f"FROM {quote(meta.db_table)} ORDER BY {quote(meta.pk.column)}"
            )
            state[meta.label_lower] = (columns, cursor.fetchall())
    return state


def changes(before, after):
    """[(label, pk, row before or None, row after or None)] for every row that differs,
    rows as {column: value}."""
    found = []
    for label, (columns, rows) in after.items():
        old_rows = before[label][1]
        if rows == old_rows:
            continue
        pk_index = columns.index(apps.get_model(label)._meta.pk.column)
        old = {row[pk_index]: dict(zip(columns, row, strict=True)) for row in old_rows}
        new = {row[pk_index]: dict(zip(columns, row, strict=True)) for row in rows}
        for pk in old.keys() | new.keys():
            if old.get(pk) != new.get(pk):
                found.append((label, pk, old.get(pk), new.get(pk)))
    return found


def _foreign_keys(label):
    model = apps.get_model(label)
    return [(f.column, f.related_model._meta.label_lower)
            for f in model._meta.concrete_fields if f.is_relation]


def touches(place, change):
    """Whether a changed row is one of ``place``'s or points at one."""
    label, pk, old, new = change
    if place.owns(label, pk):
        return True
    for row in (old, new):
        if row is None:
            continue
        for column, related in _foreign_keys(label):
            if row[column] is not None and place.owns(related, row[column]):
                return True
    return False


def describe(found):
    return "; ".join(
        f"{label} #{pk} {'added' if old is None else 'deleted' if new is None else 'changed'}"
        for label, pk, old, new in found[:10]
    )
