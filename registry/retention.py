"""How long personal data is kept (DESIGN.md, "Data protection"), and the two commands
that end it.

The access log is kept ``ACCESS_LOG_RETENTION_DAYS`` days, never fewer than 183 (six
months); ``python manage.py prune_access_log`` deletes older entries, and is the only way
an entry goes (the pages and the admin only read it).

A child who left the registry keeps their file, archived: off the active lists, still
counted in the reports of the months they were on it. When their registry ended more than
their county's retention period ago (``County.retention_years``, else ``RETENTION_YEARS``)
``python manage.py anonymise_departed`` anonymises the file: the name becomes "Anonymised
child <id>"; ID and student numbers, phones, ethnicity and the guardian's age are
cleared; the date of birth keeps only its year; every free text (address, personality,
health, family names and notes, places of work, exit notes, contact-log summaries,
concern texts and follow-ups, help plans, pupil buddies' names) becomes "(anonymised)",
in the rows and in their change history, and in the change lines of the monthly reports
that named the child. Rows, categories (the parents' situations and dates), dates and
counts stay, so every figure, and every submitted month's figures, stay as they were.
It runs in the site's language, changes nothing twice, and writes no change-history
entry of its own (that entry would carry the old values).
"""

import datetime
import json

from auditlog.models import LogEntry
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.db.models import Case, CharField, Exists, F, OuterRef, Q, Value, When
from django.db.models.functions import Cast, Concat, TruncYear
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from registry.audit import child_change_history
from registry.models import AccessLog, Child, FamilyMember, RegistryEpisode
from registry.models.children import months_before

# Six months, the least the law asks an access log to be kept.
MIN_ACCESS_LOG_RETENTION_DAYS = 183


# --- The access log --------------------------------------------------------------------------


def access_log_retention_days():
    days = settings.ACCESS_LOG_RETENTION_DAYS
    if days < MIN_ACCESS_LOG_RETENTION_DAYS:
        raise ImproperlyConfigured(
            f"ACCESS_LOG_RETENTION_DAYS is {days}: the access log must be kept at least "
            f"{MIN_ACCESS_LOG_RETENTION_DAYS} days (six months)."
        )
    return days


def access_log_cutoff(now=None):
    """Entries before this moment are past the retention period."""
    return (now or timezone.now()) - datetime.timedelta(days=access_log_retention_days())


@transaction.atomic
def access_log_prune(*, now=None, dry_run=False):
    """Delete the access log entries older than the retention period (with ``dry_run``,
    only count them); returns how many."""
    expired = AccessLog.objects.filter(at__lt=access_log_cutoff(now))
    if dry_run:
        return expired.count()
    count, _by_model = expired.delete()
    return count


# --- Children who left the registry ----------------------------------------------------------


def retention_years(county):
    return county.retention_years or settings.RETENTION_YEARS


def departure_cutoff(county, today=None):
    """Children whose registry ended before this day are due for anonymisation."""
    years = retention_years(county)
    if years < 1:
        raise ImproperlyConfigured(f"The retention period of {county} must be a year or more.")
    return months_before(today or timezone.localdate(), 12 * years)


def _in_site_language(text):
    with translation.override(settings.LANGUAGE_CODE):
        return str(text)


def pseudonym(child_pk):
    return _in_site_language(_("Anonymised child %(number)s") % {"number": child_pk})


def anonymised_text():
    return _in_site_language(_("(anonymised)"))


def departed_children(county, today=None):
    """The county's children off the registry since before the cutoff and not yet
    anonymised: every episode closed, the last one before the cutoff."""
    cutoff = departure_cutoff(county, today)
    recent = RegistryEpisode.objects.filter(child=OuterRef("pk")).filter(
        Q(exited_on__isnull=True) | Q(exited_on__gte=cutoff)
    )
    prefix, _sep, suffix = pseudonym(0).rpartition("0")
    return (
        Child.objects.filter(county=county)
        .filter(Exists(RegistryEpisode.objects.filter(child=OuterRef("pk"))), ~Exists(recent))
        .alias(pseudonym=Concat(Value(prefix), Cast("pk", CharField()), Value(suffix),
                                output_field=CharField()))
        .exclude(name=F("pseudonym"))
    )


# What becomes of each personal field: "text" → "(anonymised)" where there was text,
# "blank" → emptied, "null" → no value, "year" → 1 January of the same year, "name" →
# the child's pseudonym. Categories, situations, dates, marks and counts are not listed:
# they stay.
def _scrubbed_fields():
    from interventions.models import Concern, ConcernNote, ContactLog, HelpPlan, Pairing

    return {
        Child: {"name": "name", "id_number": "blank", "student_number": "blank",
                "ethnicity": "blank", "birth_date": "year", "address": "text",
                "personality": "text", "hobbies": "text", "physical_condition": "text",
                "chronic_illness": "text", "disability": "text",
                "psychological_notes": "text", "hardship_note": "text"},
        FamilyMember: {"name": "text", "phone": "blank", "workplace": "text",
                       "health": "text", "note": "text", "age": "null"},
        RegistryEpisode: {"exit_note": "text"},
        Pairing: {"buddy_name": "text"},
        ContactLog: {"summary": "text"},
        Concern: {"description": "text"},
        ConcernNote: {"note": "text"},
        HelpPlan: {"goals": "text", "schedule": "text", "content": "text", "method": "text",
                   "review_notes": "text"},
    }


def _row_updates(fields, name):
    marker = anonymised_text()
    updates = {}
    for field_name, kind in fields.items():
        if kind == "text":
            updates[field_name] = Case(When(**{field_name: ""}, then=Value("")),
                                       default=Value(marker))
        elif kind == "blank":
            updates[field_name] = Value("")
        elif kind == "null":
            updates[field_name] = None
        elif kind == "year":
            updates[field_name] = TruncYear(field_name)
        elif kind == "name":
            updates[field_name] = Value(name)
    return updates


def _logged_value(kind, value, name):
    """A value as a change-history entry keeps it, anonymised the same way."""
    if value in (None, "None", ""):
        return value
    if kind == "year":
        return f"{str(value)[:4]}-01-01"
    if kind in ("blank", "null"):
        return "" if kind == "blank" else "None"
    return name if kind == "name" else anonymised_text()


def _scrub_rows(child, name, fields_by_model):
    from interventions.models import ConcernNote

    for model, fields in fields_by_model.items():
        if model is Child:
            rows = Child.objects.filter(pk=child.pk)
        elif model is ConcernNote:
            rows = ConcernNote.objects.filter(concern__child=child)
        else:
            rows = model._base_manager.filter(child=child)
        # update(), not save(): no change-history entry holding the old values.
        rows.update(**_row_updates(fields, name))


def _scrub_history(child, name, fields_by_model):
    """Rewrite the child's change-history entries as the rows now read."""
    entries = list(child_change_history(child).select_related(None).select_related(
        "content_type"))
    current = {}
    for entry in entries:
        current.setdefault(entry.content_type.model_class(), set()).add(entry.object_id)
    current = {model: model._base_manager.in_bulk([pk for pk in pks if pk is not None])
               for model, pks in current.items() if model is not None}
    for entry in entries:
        model = entry.content_type.model_class()
        fields = fields_by_model.get(model, {})
        entry.changes = {
            key: ([_logged_value(fields[key], value, name) for value in values]
                  if key in fields else values)
            for key, values in (entry.changes or {}).items()
        }
        obj = current.get(model, {}).get(entry.object_id)
        entry.object_repr = name if model is Child else (str(obj) if obj is not None
                                                         else anonymised_text())
        entry.changes_text = ""
        entry.serialized_data = None
    LogEntry.objects.bulk_update(
        entries, ["changes", "object_repr", "changes_text", "serialized_data"], batch_size=500
    )


def _rename_in_snapshot(snapshot, child_id, old_name, dates, new_name):
    """Rename the child in a monthly snapshot's change lines; returns whether anything
    changed. A line names its child by id; lines of snapshots taken before they did are
    matched by the name on one of the child's dates at that school."""
    changed = False
    lines_by_kind = (snapshot or {}).get("changes", {})
    for lines in lines_by_kind.values():
        if not isinstance(lines, list):
            continue
        for line in lines:
            if not isinstance(line, dict):
                continue
            if "child" in line:
                ours = line["child"] == child_id
            else:
                ours = line.get("name") == old_name and line.get("date") in dates
            if ours and line.get("name") != new_name:
                line["name"] = new_name
                changed = True
    return changed


def _scrub_submissions(child, old_name, new_name):
    """The monthly reports that listed the child entering or leaving keep their lines
    (and counts), under the pseudonym: in the snapshot and in its change history."""
    # Reports build on the registry: imported here, not at the top.
    from reports.models import MonthlySubmission

    dates_by_school = {}
    for episode in RegistryEpisode.objects.filter(child=child):
        dates = dates_by_school.setdefault(episode.school_id, set())
        dates.add(episode.entered_on.isoformat())
        if episode.exited_on:
            dates.add(episode.exited_on.isoformat())
    for submission in MonthlySubmission.objects.filter(school_id__in=dates_by_school):
        dates = dates_by_school[submission.school_id]
        if _rename_in_snapshot(submission.snapshot, child.pk, old_name, dates, new_name):
            MonthlySubmission.objects.filter(pk=submission.pk).update(
                snapshot=submission.snapshot)
        entries = LogEntry.objects.get_for_object(submission)
        for entry in entries:
            values = (entry.changes or {}).get("snapshot")
            if not values:
                continue
            rewritten, changed = [], False
            for value in values:
                try:
                    snapshot = json.loads(value)
                except (TypeError, ValueError):
                    rewritten.append(value)
                    continue
                if isinstance(snapshot, dict) and _rename_in_snapshot(
                        snapshot, child.pk, old_name, dates, new_name):
                    changed = True
                    value = json.dumps(snapshot, sort_keys=True)
                rewritten.append(value)
            if changed:
                entry.changes["snapshot"] = rewritten
                LogEntry.objects.filter(pk=entry.pk).update(
                    changes=entry.changes, changes_text="", serialized_data=None)


@transaction.atomic
def child_anonymise(*, child):
    """Anonymise one departed child's file (see the module's docstring)."""
    name = pseudonym(child.pk)
    fields_by_model = _scrubbed_fields()
    _scrub_submissions(child, child.name, name)
    _scrub_rows(child, name, fields_by_model)
    _scrub_history(child, name, fields_by_model)


def departed_children_anonymise(*, counties, today=None, dry_run=False):
    """Anonymise the files of the children of ``counties`` due for it (with
    ``dry_run``, only find them). Returns ``{school: number of children}``."""
    per_school = {}
    for county in counties:
        children = departed_children(county, today).select_related("school").order_by("pk")
        for child in children:
            if not dry_run:
                child_anonymise(child=child)
            per_school[child.school] = per_school.get(child.school, 0) + 1
    return per_school
