"""Reads for the audit pages: the access log as a user may search it, and a child's
change history, gathered from every record about the child (the child, the family,
registry episodes, pairings, contact logs, concerns with their follow-ups and alerts, and
help plans), deleted ones included.

Both read in a fixed number of queries, whatever the number of entries.
"""

import datetime
import json

from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from registry.idnumber import mask_id_number
from registry.models import AccessLog, Child, FamilyMember, RegistryEpisode, User

# --- The access log --------------------------------------------------------------------------

# The date range the access log page opens on: the last 30 days, today included.
DEFAULT_DAYS = 30


def default_date_range(today=None):
    today = today or timezone.localdate()
    return today - datetime.timedelta(days=DEFAULT_DAYS - 1), today


def _start_of(day):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def access_log_entries(user, *, date_from, date_to, child=None, staff=None, action="",
                       school=None):
    """The access log entries ``user`` may read (``AccessLog.objects.for_user``) in
    ``date_from..date_to`` (local days, both included), narrowed by the filters, newest
    first, with who, which child and which school in the same query."""
    entries = AccessLog.objects.for_user(user).filter(
        at__gte=_start_of(date_from), at__lt=_start_of(date_to + datetime.timedelta(days=1)),
    )
    if child is not None:
        entries = entries.filter(child=child)
    if staff is not None:
        entries = entries.filter(user=staff)
    if action:
        entries = entries.filter(action=action)
    if school is not None:
        entries = entries.filter(school=school)
    return entries.select_related(
        "user__school", "user__township", "user__county", "child", "school",
    ).order_by("-at", "-pk")


def access_log_children(user):
    """The children the access log may be filtered on: those the user may see, and those
    their access log names (a child who has since moved to another school)."""
    return Child.objects.filter(
        Q(pk__in=Child.objects.for_user(user).values("pk"))
        | Q(Exists(AccessLog.objects.for_user(user).filter(child=OuterRef("pk"))))
    ).select_related("school")


def access_log_staff(user):
    """The accounts the access log may be filtered on: the staff of the user's area, and
    anyone their access log names (a township or bureau clerk who opened a file)."""
    return User.objects.filter(
        Q(pk__in=User.objects.for_user(user).values("pk"))
        | Q(Exists(AccessLog.objects.for_user(user).filter(user=OuterRef("pk"))))
    ).select_related("school", "township", "county").order_by("real_name", "username")


# --- The change history ----------------------------------------------------------------------


def _history_kinds():
    """``(model, the field naming the parent)`` of the records whose change history
    belongs to a child's: the parent is the child, or for follow-ups and alerts the
    concern."""
    # The care work builds on the registry: imported here, not at the top.
    from interventions.models import (
        Concern,
        ConcernAlert,
        ConcernNote,
        ContactLog,
        HelpPlan,
        Pairing,
    )

    by_child = [(model, "child") for model in (RegistryEpisode, Pairing, ContactLog,
                                                Concern, HelpPlan)]
    by_concern = [(model, "concern") for model in (ConcernNote, ConcernAlert)]
    return by_child, by_concern, Concern


def _deleted_ids(model, parent_field, parent_ids):
    """The ids of ``model``'s deleted rows whose parent was one of ``parent_ids``: a
    deletion's entry keeps every field's last value, the parent's id among them."""
    return LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(model), action=LogEntry.Action.DELETE,
        **{f"changes__{parent_field}__0__in": [str(pk) for pk in parent_ids]},
    ).values("object_id")


def _kind_q(model, parent_field, parent_ids):
    current = model._base_manager.filter(**{f"{parent_field}_id__in": parent_ids}).values("pk")
    return Q(content_type=ContentType.objects.get_for_model(model)) & (
        Q(object_id__in=current) | Q(object_id__in=_deleted_ids(model, parent_field,
                                                                 parent_ids))
    )


def child_change_history(child):
    """Change-history entries of the child and of every record about them, newest first:
    one query for the concerns' ids, then the entries."""
    by_child, by_concern, concern_model = _history_kinds()
    concern_ids = set(concern_model._base_manager.filter(child=child).values_list("pk",
                                                                                  flat=True))
    concern_ids.update(
        _deleted_ids(concern_model, "child", [child.pk]).values_list("object_id", flat=True)
    )
    condition = (
        Q(content_type=ContentType.objects.get_for_model(Child), object_pk=str(child.pk))
        | Q(content_type=ContentType.objects.get_for_model(FamilyMember),
            additional_data__child_id=child.pk)
    )
    for model, parent_field in by_child:
        condition |= _kind_q(model, parent_field, [child.pk])
    if concern_ids:
        for model, parent_field in by_concern:
            condition |= _kind_q(model, parent_field, sorted(concern_ids))
    return (
        LogEntry.objects.filter(condition)
        .select_related("actor", "content_type")
        .order_by("-timestamp", "-pk")
    )


def _action_label(action):
    labels = {
        LogEntry.Action.CREATE: _("Created"),
        LogEntry.Action.UPDATE: _("Changed"),
        LogEntry.Action.DELETE: _("Deleted"),
    }
    return labels.get(action, "")


def _shown_fields(model, changes):
    """The model's fields named in ``changes`` that a reader cares about: not the id,
    the reverse relations a creation lists, the one-time tokens and timestamps the
    system sets, nor the parent the page is about."""
    fields = []
    for name in changes:
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            continue
        if (not field.concrete or field.primary_key or not field.editable
                or name in ("child", "concern")):
            continue
        fields.append(field)
    return fields


def _foreign_keys_wanted(entries):
    """{related model: set of pks} named by the entries' changes."""
    wanted = {}
    for entry in entries:
        model = entry.content_type.model_class()
        for field in _shown_fields(model, entry.changes or {}):
            if field.many_to_one or field.one_to_one:
                pks = wanted.setdefault(field.related_model, set())
                for value in entry.changes[field.name]:
                    if value not in (None, "None", ""):
                        pks.add(value)
    return wanted


def _json_list_labels():
    """The labels of the codes JSON lists keep (categories, with whom, priorities)."""
    from interventions.models import ContactWith, Priority
    from registry.models import Category

    return {"categories_at_entry": dict(Category.choices), "with_whom": dict(ContactWith.choices),
            "priorities": dict(Priority.choices)}


def _display(field, value, related):
    # A masked field's "no value" is masked too ("None" → "**NE").
    if value in (None, "None", "", mask_id_number("None")):
        return ""
    if field.many_to_one or field.one_to_one:
        obj = related.get(field.related_model, {}).get(str(value))
        return str(obj) if obj is not None else _("(deleted)")
    if field.choices:
        return str({str(key): label for key, label in field.flatchoices}.get(value, value))
    internal = field.get_internal_type()
    if internal == "BooleanField":
        return _("Yes") if value == "True" else _("No")
    if internal == "DateTimeField":
        try:
            moment = datetime.datetime.fromisoformat(value)
        except ValueError:
            return value
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment, datetime.UTC)
        return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")
    if internal == "JSONField":
        try:
            items = json.loads(value)
        except ValueError:
            return value
        if isinstance(items, list):
            labels = _json_list_labels().get(field.name, {})
            return "、".join(str(labels.get(item, item)) for item in items)
    return value


def change_rows(entries):
    """What the history page shows of ``entries`` (a page of them): per entry, the kind
    of record, the action and ``(field label, old, new)`` for each change, with the
    records the changes name read in one query per kind of record (not one per value,
    as auditlog's ``changes_display_dict`` would). ID numbers are already masked in the
    entries themselves (``mask_fields``)."""
    entries = list(entries)
    related = {}
    for model, pks in _foreign_keys_wanted(entries).items():
        found = model._base_manager.in_bulk([pk for pk in pks if str(pk).isdigit()])
        related[model] = {str(pk): obj for pk, obj in found.items()}
    rows = []
    for entry in entries:
        model = entry.content_type.model_class()
        changes = entry.changes or {}
        rows.append({
            "entry": entry,
            "kind": capfirst(model._meta.verbose_name) if model else entry.content_type.name,
            "action": _action_label(entry.action),
            "object": "" if model is Child else entry.object_repr,
            "changes": [
                (capfirst(field.verbose_name), old, new)
                for field in (_shown_fields(model, changes) if model else [])
                for old, new in [(_display(field, changes[field.name][0], related),
                                  _display(field, changes[field.name][1], related))]
                # A creation lists every field, the empty ones too.
                if old != new
            ],
        })
    return rows
