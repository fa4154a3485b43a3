"""The markup of the teacher's week's cards (one ``<li>`` per child), written here rather
than by the template engine.

The week is the page every teacher opens several times a day, on a Monday morning all at
once. Through the template engine its cards cost about a millisecond each (two URL tags,
a dozen lookups and translations per card, a loop of chips): for a class of 30 more than
the rest of the request together. Written here they cost a few hundredths of that
(docs/benchmarks.md, "The teacher's week"). The markup is the template's as it was,
attribute for attribute; the strings are the template's msgids; every value from the
database goes through ``_escape``.
"""

from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from carecase.markup import Include, url_parts
from carecase.markup import escape as _escape
from interventions import cadence


class WeekCards:
    """``WeekCards(user).html(rows)``: the cards of ``TeacherWeek.rows``."""

    _CARD = (
        '<li id="child-{pk}" class="card week-card week-{state} mb-2" data-testid="week-row" '
        'data-child="{pk}" data-state="{state}">\n'
        '<div class="card-body p-2 d-flex gap-2 align-items-center">\n'
        '<div class="flex-grow-1 min-w-0">\n'
        '<div class="d-flex flex-wrap align-items-center gap-1">\n'
        '<a class="fw-semibold text-body text-decoration-none fs-5" href="{detail_url}">'
        '{name}</a>{concern}</div>\n'
        '<div class="small text-body-secondary">{classroom}{paired}</div>\n'
        '<div class="d-flex flex-wrap gap-1 mt-1">{chips}</div>\n'
        '</div>\n'
        '<a class="btn {button} btn-lg flex-shrink-0 week-log" data-testid="log-button" '
        'href="{log_url}?{standard}next={week_url}%23child-{pk}">{log}</a>\n'
        '</div>\n'
        '</li>\n'
    )
    _OPEN_CHIP = (
        '<a class="chip chip-{state}" data-testid="chip" data-code="{code}" '
        'data-state="{state}" href="{log_url}?standard={code}&amp;channel={channel}&amp;'
        'next={week_url}%23child-{pk}">{label}{count} <span class="chip-state">{mark}'
        '</span></a>'
    )
    _CHIP = (
        '<span class="chip chip-{state}" data-testid="chip" data-code="{code}" '
        'data-state="{state}">{label}{count} <span class="chip-state">{mark}</span></span>'
    )
    def __init__(self, user):
        self.user_id = user.pk
        self.week_url = _escape(reverse("my_week"))
        self.detail_url = url_parts("child_detail")
        self.log_url = url_parts("contact_log_add")
        # The strings are translated outside the f-strings below: the catalogue's
        # extraction (xgettext) does not look inside f-strings.
        paired = _escape(gettext("paired with you"))
        nothing = _escape(gettext("Nothing owed this period."))
        done = _escape(gettext("done"))
        self.log = _escape(gettext("Log"))
        self.paired = f" · {paired}"
        self.nothing = f'<span class="small text-body-secondary">{nothing}</span>'
        self.marks = {
            cadence.OVERDUE: _escape(gettext("overdue")),
            cadence.DUE: _escape(gettext("to do")),
        }
        self.done = f'✓<span class="visually-hidden">{done}</span>'
        # The template's own badge, rendered once per kind.
        self.concern_badge = Include("interventions/includes/concern_badge.html")
        self.labels = {}  # a chip's label -> its escaped text
        self.classrooms = {}  # classroom id -> its name

    def html(self, rows):
        return mark_safe("".join(self.card(row) for row in rows))  # noqa: S308 (escaped)

    def card(self, row):
        child = row.child
        pk = child.pk
        log_url = f"{self.log_url[0]}{pk}{self.log_url[1]}"
        chip = row.next_chip
        state = _escape(row.state)
        return self._CARD.format(
            pk=pk, state=state,
            detail_url=f"{self.detail_url[0]}{pk}{self.detail_url[1]}",
            name=_escape(child.name), concern=self.concern(child),
            classroom=self.classroom(child),
            paired="" if child.classroom_id and (
                child.classroom.homeroom_teacher_id == self.user_id) else self.paired,
            chips="".join(self.chip(pk, log_url, chip) for chip in row.chips) or self.nothing,
            button=("btn-outline-primary" if row.state in (cadence.MET, cadence.NOT_OWED)
                    else "btn-primary"),
            log_url=log_url,
            standard=(f"standard={_escape(chip.code)}&amp;channel={_escape(chip.channel)}&amp;"
                      if chip else ""),
            week_url=self.week_url, log=self.log,
        )

    def chip(self, pk, log_url, chip):
        label = self.labels.get(chip.label)
        if label is None:
            label = self.labels[chip.label] = _escape(chip.label)
        fields = {
            "state": _escape(chip.state), "code": _escape(chip.code), "label": label,
            "count": f" {chip.count}/{chip.needed}" if chip.needed > 1 else "",
            "mark": self.marks.get(chip.state, self.done),
        }
        if chip.is_open:
            return self._OPEN_CHIP.format(log_url=log_url, channel=_escape(chip.channel),
                                          week_url=self.week_url, pk=pk, **fields)
        return self._CHIP.format(**fields)

    def concern(self, child):
        return self.concern_badge((child.serious_concern, child.open_concerns), child=child)

    def classroom(self, child):
        if child.classroom_id is None:
            return ""
        name = self.classrooms.get(child.classroom_id)
        if name is None:
            name = self.classrooms[child.classroom_id] = _escape(child.classroom)
        return name
