"""The child's timeline on the profile: contact logs, pairings, concerns and their
follow-ups, help plans and registry episodes as one list, newest first.

Each source is read through its own access rule in one query, whatever the number of
records; the entries are merged and sorted in Python. Free text (talk summaries, concern
descriptions and follow-up notes) stays within the child's school: township and bureau
users see that a talk happened, not what was said."""

import datetime
from dataclasses import dataclass

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from interventions.help_plans import help_plan_may_edit
from interventions.models import (
    Concern,
    ConcernNote,
    ContactLog,
    ContactWith,
    HelpPlan,
    Pairing,
)
from interventions.services import contact_log_may_correct
from registry.models import ExitReason, RegistryEpisode
from registry.models.users import SCHOOL_ROLES

PAGE_SIZE = 20


class Kind:
    REGISTRY_ENTERED = "registry_entered"
    REGISTRY_LEFT = "registry_left"
    PAIRING_STARTED = "pairing_started"
    PAIRING_ENDED = "pairing_ended"
    CONTACT_LOG = "contact_log"
    CONCERN_RAISED = "concern_raised"
    CONCERN_NOTE = "concern_note"
    CONCERN_RESOLVED = "concern_resolved"
    HELP_PLAN = "help_plan"


# The order of a day's events, earliest first, so that newest first reads naturally
# (a transfer: left the old school, then entered the new one).
_DAY_ORDER = {
    "transferred_out": 0,
    Kind.REGISTRY_ENTERED: 1,
    Kind.PAIRING_STARTED: 2,
    Kind.HELP_PLAN: 3,
    Kind.CONTACT_LOG: 4,
    Kind.CONCERN_RAISED: 5,
    Kind.CONCERN_NOTE: 6,
    Kind.CONCERN_RESOLVED: 7,
    Kind.PAIRING_ENDED: 8,
    Kind.REGISTRY_LEFT: 9,
}


@dataclass
class TimelineEntry:
    date: datetime.date
    kind: str
    title: str
    detail: str = ""
    text: str = ""  # free text, only for the child's school
    url: str = ""
    link_label: str = ""
    order: int = 0  # within the day
    pk: int = 0

    @property
    def sort_key(self):
        return (self.date, self.order, self.pk)


def _joined(*parts):
    return " · ".join(str(part) for part in parts if part)


class _FreeText:
    """Who reads a record's free text: the staff of the child's school (the whole
    history follows the child), and of the school the record was made at; for concern
    texts, those who read concerns."""

    def __init__(self, user, child):
        self.school_id = user.school_id if user.role in SCHOOL_ROLES else None
        self.child_school_id = child.school_id
        self.concerns = user.has_perm("interventions.view_concern")

    def log(self, school_id):
        return self.school_id is not None and self.school_id in (self.child_school_id,
                                                                 school_id)

    def concern(self, school_id):
        return self.concerns and self.log(school_id)


def _link(allowed, url_name, pk, label):
    """An entry's link (as its keyword arguments), when the user may follow it."""
    if not allowed:
        return {}
    return {"url": reverse(url_name, args=[pk]), "link_label": label}


def _log_entries(user, child, free_text):
    people = dict(ContactWith.choices)
    logs = (ContactLog.objects.for_user(user).filter(child=child)
            .select_related("author"))
    for log in logs:
        yield TimelineEntry(
            date=log.happened_on, kind=Kind.CONTACT_LOG, pk=log.pk,
            order=_DAY_ORDER[Kind.CONTACT_LOG],
            title=log.get_standard_display(),
            detail=_joined(
                log.get_channel_display(),
                "、".join(str(people.get(who, who)) for who in log.with_whom),
                log.author,
                log.wellbeing and _("wellbeing: %(mark)s")
                % {"mark": log.get_wellbeing_display()},
            ),
            text=log.summary if free_text.log(log.school_id) else "",
            **_link(contact_log_may_correct(user, log, in_scope=True), "contact_log_edit", log.pk,
                    pgettext("verb", "Correct")),
        )


def _pairing_entries(user, child):
    pairings = (Pairing.objects.for_user(user).filter(child=child)
                .select_related("staff", "volunteer", "buddy_classroom"))
    for pairing in pairings:
        kind = pairing.get_kind_display()
        person = _joined(pairing.person, pairing.buddy_classroom)
        yield TimelineEntry(
            date=pairing.start_date, kind=Kind.PAIRING_STARTED, pk=pairing.pk,
            order=_DAY_ORDER[Kind.PAIRING_STARTED],
            title=_("%(kind)s: pairing started") % {"kind": kind}, detail=person,
        )
        if pairing.end_date is not None:
            yield TimelineEntry(
                date=pairing.end_date, kind=Kind.PAIRING_ENDED, pk=pairing.pk,
                order=_DAY_ORDER[Kind.PAIRING_ENDED],
                title=_("%(kind)s: pairing ended") % {"kind": kind}, detail=person,
            )


def _concern_entries(user, child, free_text):
    may_open = user.has_perm("interventions.view_concern")
    concerns = (Concern.objects.for_user(user).filter(child=child)
                .select_related("raised_by", "assigned_to"))
    for concern in concerns:
        link = _link(may_open, "concern_detail", concern.pk, _("Details"))
        category = concern.get_category_display()
        yield TimelineEntry(
            date=timezone.localdate(concern.created_at), kind=Kind.CONCERN_RAISED,
            pk=concern.pk, order=_DAY_ORDER[Kind.CONCERN_RAISED],
            title=_("Concern raised: %(category)s") % {"category": category},
            detail=_joined(concern.get_severity_display(), concern.raised_by),
            text=concern.description if free_text.concern(concern.school_id) else "",
            **link,
        )
        if concern.resolved_at is not None:
            yield TimelineEntry(
                date=timezone.localdate(concern.resolved_at), kind=Kind.CONCERN_RESOLVED,
                pk=concern.pk, order=_DAY_ORDER[Kind.CONCERN_RESOLVED],
                title=_("Concern resolved: %(category)s") % {"category": category},
                detail=_joined(concern.assigned_to), **link,
            )


def _concern_note_entries(user, child, free_text):
    may_open = user.has_perm("interventions.view_concern")
    notes = (ConcernNote.objects
             .filter(concern__in=Concern.objects.for_user(user).filter(child=child))
             .select_related("concern", "author"))
    for note in notes:
        yield TimelineEntry(
            date=note.happened_on, kind=Kind.CONCERN_NOTE, pk=note.pk,
            order=_DAY_ORDER[Kind.CONCERN_NOTE],
            title=_("Concern followed up: %(category)s")
            % {"category": note.concern.get_category_display()},
            detail=_joined(note.get_status_display(), note.author),
            text=note.note if free_text.concern(note.concern.school_id) else "",
            **_link(may_open, "concern_detail", note.concern_id, _("Details")),
        )


def _help_plan_entries(user, child):
    plans = (HelpPlan.objects.for_user(user).filter(child=child)
             .select_related("term", "teacher"))
    for plan in plans:
        plan.child = child
        yield TimelineEntry(
            date=timezone.localdate(plan.created_at), kind=Kind.HELP_PLAN, pk=plan.pk,
            order=_DAY_ORDER[Kind.HELP_PLAN],
            title=_("Help plan: %(subject)s") % {"subject": plan.subject},
            detail=_joined(plan.term, plan.teacher),
            **_link(help_plan_may_edit(user, plan), "help_plan_edit", plan.pk, _("Edit")),
        )


def _episode_entries(user, child):
    episodes = RegistryEpisode.objects.for_user(user).filter(child=child).select_related(
        "school")
    for episode in episodes:
        yield TimelineEntry(
            date=episode.entered_on, kind=Kind.REGISTRY_ENTERED, pk=episode.pk,
            order=_DAY_ORDER[Kind.REGISTRY_ENTERED],
            title=_("Entered the registry"),
            detail=_joined(episode.get_entry_kind_display(), episode.school),
        )
        if episode.exited_on is not None:
            transfer = episode.exit_reason == ExitReason.TRANSFERRED_OUT
            yield TimelineEntry(
                date=episode.exited_on, kind=Kind.REGISTRY_LEFT, pk=episode.pk,
                order=_DAY_ORDER["transferred_out" if transfer else Kind.REGISTRY_LEFT],
                title=_("Left the registry"),
                detail=_joined(episode.get_exit_reason_display(), episode.school,
                               episode.exit_note),
            )


def child_timeline(user, child):
    """Everything the user may see of ``child``'s care history, newest first: one query
    per source. The caller has ``child`` from the access rule."""
    free_text = _FreeText(user, child)
    entries = [
        *_log_entries(user, child, free_text),
        *_pairing_entries(user, child),
        *_concern_entries(user, child, free_text),
        *_concern_note_entries(user, child, free_text),
        *_help_plan_entries(user, child),
        *_episode_entries(user, child),
    ]
    entries.sort(key=lambda entry: entry.sort_key, reverse=True)
    return entries
