"""Small charts for the reports, drawn on the server as SVG.

No JavaScript and nothing inline that the Content-Security-Policy would refuse: the
geometry is computed here, the markup comes from ``templates/reports/includes/chart_*.html``
(presentation attributes and classes only; the colours are in ``static/css/carecase.css``)
and every chart carries its title, a text summary and its data as a table, for screen
readers and for anyone who wants the exact numbers.

Two shapes:

- ``hbar_chart``: one horizontal bar per item, the label on the left, the value after
  the bar (schools, categories: long Chinese names read best this way);
- ``column_chart``: one vertical bar per item along a time axis (the term's weeks).

A value of ``None`` means "nothing to measure" (no talk owed that week, no child at that
school): it draws no bar and reads "—"; a zero draws an empty bar and reads "0".
"""

from __future__ import annotations

import datetime
import unicodedata
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from interventions import cadence
from interventions.models import StandardCode
from registry.models import Category
from reports.figures import registry_children
from reports.periods import term_period

TALK = StandardCode.WEEKLY_TALK.value
NONE_TEXT = "—"

# Rates at or above GOOD read green, below LOW red, in between amber.
GOOD = 0.9
LOW = 0.6


# --- Text -------------------------------------------------------------------------------


def text_width(text, size):
    """Roughly how wide ``text`` runs at font size ``size`` (user units): a Chinese
    character is about one em, a Latin letter or digit about 0.6 em."""
    return sum(size if unicodedata.east_asian_width(char) in "WF" else size * 0.6
               for char in str(text))


def fit_text(text, size, width):
    """``text``, cut with an ellipsis to fit ``width``."""
    text = str(text)
    if text_width(text, size) <= width:
        return text
    while text and text_width(text + "…", size) > width:
        text = text[:-1]
    return text + "…"


def percent(rate):
    """A rate as the reports print it: ``33.3%``; ``—`` for ``None``."""
    return NONE_TEXT if rate is None else f"{rate * 100:.1f}%"


def rate_class(rate):
    if rate is None:
        return "chart-bar-none"
    if rate >= GOOD:
        return "chart-bar-good"
    if rate >= LOW:
        return "chart-bar-mid"
    return "chart-bar-low"


# --- Geometry ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Bar:
    label: str  # the full label (the data table, the bar's tooltip)
    short_label: str  # as drawn
    value: float | None
    text: str  # the value as read
    detail: str  # the tooltip: label, value and what it is made of
    x: float
    y: float
    width: float
    height: float
    css: str
    # where the label and the value are written
    label_x: float
    label_y: float
    text_x: float
    text_y: float

    @property
    def empty(self):
        return self.value is None

    @property
    def zero(self):
        return self.value == 0

    @property
    def stub_y(self):
        """A column chart's mark for a zero: a thin line on the axis."""
        return self.y - 2


@dataclass(frozen=True)
class Tick:
    position: float  # x for a horizontal chart, y for a column chart
    text: str


@dataclass
class Chart:
    slug: str  # the element id and the data-testid's suffix
    kind: str  # "hbar" or "columns"
    title: str
    description: str  # the text alternative, one or two sentences
    label_header: str  # the data table's first column
    value_header: str  # its second
    width: float
    height: float
    bars: list = field(default_factory=list)
    ticks: list = field(default_factory=list)
    # the plot area: bars start at plot_x (hbar) or stand on plot_bottom (columns)
    plot_x: float = 0
    plot_y: float = 0
    plot_width: float = 0
    plot_height: float = 0
    axis_label: str = ""
    empty_text: str = ""

    @property
    def is_empty(self):
        return not self.bars

    @property
    def plot_right(self):
        return self.plot_x + self.plot_width

    @property
    def plot_bottom(self):
        return self.plot_y + self.plot_height

    @property
    def drawn_bars(self):
        return [bar for bar in self.bars if not bar.empty]

    # Where the tick labels and the axis label go (the template does no arithmetic).
    @property
    def tick_text_y(self):
        return self.plot_bottom + 14

    @property
    def tick_text_x(self):
        return self.plot_x - 4

    @property
    def axis_label_x(self):
        return self.plot_x + self.plot_width / 2

    @property
    def axis_label_y(self):
        return self.height - 3


@dataclass(frozen=True)
class Item:
    """One thing to draw: a label, a value (``None``: nothing to measure), how it
    reads, and a longer tooltip."""

    label: str
    value: float | None
    text: str = ""
    detail: str = ""
    css: str = ""
    short: str = ""  # drawn instead of the label (a column chart's axis)


HBAR_WIDTH = 440
HBAR_ROW = 24
HBAR_BAR = 14
HBAR_FONT = 13
HBAR_LABEL_MAX = 170
HBAR_VALUE_SPACE = 52
HBAR_AXIS = 18


def hbar_chart(slug, title, items, *, max_value=None, rates=False, description="",
               label_header="", value_header="", empty_text=""):
    """Horizontal bars. ``rates``: values are rates (0–1) drawn against 100%, with
    ticks at 0, 50% and 100%; otherwise counts drawn against the largest."""
    items = list(items)
    if rates:
        max_value = 1.0
    elif max_value is None:
        max_value = max((item.value or 0 for item in items), default=0) or 1
    label_width = min(
        max((text_width(item.label, HBAR_FONT) for item in items), default=0) + 8,
        HBAR_LABEL_MAX)
    plot_x = label_width
    plot_width = HBAR_WIDTH - label_width - HBAR_VALUE_SPACE
    top = 4
    bars = []
    for index, item in enumerate(items):
        y = top + index * HBAR_ROW
        bar_y = y + (HBAR_ROW - HBAR_BAR) / 2
        value = item.value
        width = 0.0 if value is None else max(0.0, min(value / max_value, 1.0)) * plot_width
        text = item.text or (NONE_TEXT if value is None else
                             percent(value) if rates else f"{value:g}")
        css = item.css or (rate_class(value) if rates else "chart-bar")
        bars.append(Bar(
            label=item.label, short_label=fit_text(item.label, HBAR_FONT, label_width - 8),
            value=value, text=text, detail=item.detail or f"{item.label}: {text}",
            x=plot_x, y=bar_y, width=round(width, 2), height=HBAR_BAR, css=css,
            label_x=plot_x - 6, label_y=y + HBAR_ROW / 2,
            text_x=plot_x + width + 4, text_y=y + HBAR_ROW / 2,
        ))
    plot_height = len(items) * HBAR_ROW
    ticks = []
    if rates and items:
        ticks = [Tick(round(plot_x + plot_width * share, 2), percent_tick(share))
                 for share in (0, 0.5, 1)]
    height = top + plot_height + (HBAR_AXIS if ticks else 4)
    return Chart(slug=slug, kind="hbar", title=title, description=description,
                 label_header=label_header, value_header=value_header,
                 width=HBAR_WIDTH, height=height, bars=bars, ticks=ticks,
                 plot_x=plot_x, plot_y=top, plot_width=plot_width, plot_height=plot_height,
                 empty_text=empty_text)


def percent_tick(share):
    return f"{share * 100:.0f}%"


COLUMNS_WIDTH = 440
COLUMNS_HEIGHT = 200
COLUMNS_LEFT = 38
COLUMNS_TOP = 10
COLUMNS_BOTTOM = 36  # the x labels and the axis label
COLUMNS_RIGHT = 6
COLUMNS_FILL = 0.7  # share of its slot a bar fills
COLUMNS_LABEL_MIN = 16  # narrower slots label every other bar


def column_chart(slug, title, items, *, description="", label_header="", value_header="",
                 axis_label="", empty_text=""):
    """Vertical bars of rates (0–1) against 100%, one per item, in order."""
    items = list(items)
    plot_x, plot_y = COLUMNS_LEFT, COLUMNS_TOP
    plot_width = COLUMNS_WIDTH - COLUMNS_LEFT - COLUMNS_RIGHT
    plot_height = COLUMNS_HEIGHT - COLUMNS_TOP - COLUMNS_BOTTOM
    bottom = plot_y + plot_height
    slot = plot_width / len(items) if items else plot_width
    bar_width = slot * COLUMNS_FILL
    step = 1 if slot >= COLUMNS_LABEL_MIN else 2
    bars = []
    for index, item in enumerate(items):
        value = item.value
        height = 0.0 if value is None else max(0.0, min(value, 1.0)) * plot_height
        x = plot_x + index * slot + (slot - bar_width) / 2
        text = item.text or percent(value)
        bars.append(Bar(
            label=item.label,
            short_label=(item.short or item.label) if index % step == 0 else "",
            value=value, text=text, detail=item.detail or f"{item.label}: {text}",
            x=round(x, 2), y=round(bottom - height, 2), width=round(bar_width, 2),
            height=round(height, 2), css=item.css or rate_class(value),
            label_x=round(x + bar_width / 2, 2), label_y=bottom + 14,
            text_x=round(x + bar_width / 2, 2), text_y=round(bottom - height - 3, 2),
        ))
    ticks = [Tick(round(bottom - plot_height * share, 2), percent_tick(share))
             for share in (0, 0.5, 1)] if items else []
    return Chart(slug=slug, kind="columns", title=title, description=description,
                 label_header=label_header, value_header=value_header,
                 width=COLUMNS_WIDTH, height=COLUMNS_HEIGHT, bars=bars, ticks=ticks,
                 plot_x=plot_x, plot_y=plot_y, plot_width=plot_width,
                 plot_height=plot_height, axis_label=axis_label, empty_text=empty_text)


# --- The reports' charts -----------------------------------------------------------------


def _fraction(met, owed):
    return f"{met}/{owed}"


def compliance_by_school(summary, code=TALK):
    """One bar per school: the standard's compliance over the summary's period, the
    lowest first (the schools to call come first); schools owing nothing last."""
    labels = dict(summary.standards)
    label = labels.get(code)
    if label is None:
        return None
    lines = list(enumerate(summary.school_lines))
    lines.sort(key=lambda pair: (pair[1].figures.rate(code) is None,
                                 pair[1].figures.rate(code) or 0, pair[0]))
    items = []
    for _index, line in lines:
        met, owed = line.figures.compliance.get(code, (0, 0))
        rate = line.figures.rate(code)
        text = percent(rate)
        items.append(Item(
            label=line.school.name, value=rate, text=text,
            detail=f"{line.school.name}: {text} ({_fraction(met, owed)})"))
    total = summary.total.rate(code)
    return hbar_chart(
        "compliance-by-school",
        _("%(standard)s by school, lowest first") % {"standard": label},
        items, rates=True,
        description=_("%(standard)s, %(period)s: periods met out of periods owed, per "
                      "school. The whole area: %(rate)s.")
        % {"standard": label, "period": summary.period.label, "rate": percent(total)},
        label_header=_("School"), value_header=_("Rate"),
        empty_text=_("No school to show."),
    )


def children_by_category(figures):
    """One bar per registry category (the registry's order): children on the registry
    carrying it (a child may carry several)."""
    items = [Item(label=str(category.label), value=figures.categories.get(category, 0))
             for category in Category]
    return hbar_chart(
        "children-by-category", _("Children by category"), items,
        description=_("Children on the registry by category; a child may be in more than "
                      "one. %(n)s children in all.") % {"n": figures.registered},
        label_header=_("Category"), value_header=_("Children"),
    )


def term_weeks(term, until):
    """The Monday-to-Sunday weeks of ``term`` (a report period) that have ended by
    ``until``'s week: ``[(number, start, end)]``, numbered from the term's first week."""
    first_monday = term.start - datetime.timedelta(days=term.start.weekday())
    last = min(term.end, until)
    weeks = []
    monday = first_monday
    while monday <= last:
        weeks.append(((monday - first_monday).days // 7 + 1, monday,
                      monday + datetime.timedelta(days=6)))
        monday += datetime.timedelta(days=7)
    return weeks


def term_chart_range(term, today):
    """The engine's range for ``weekly_talk_by_week``: the weekly talk over the weeks of
    ``term`` ending by this Sunday (``None`` without a term or a week of it yet)."""
    if term is None or not term_weeks(term, today):
        return None
    this_sunday = today + datetime.timedelta(days=6 - today.weekday())
    return cadence.Range(term.start, min(term.end, this_sunday), codes=frozenset({TALK}),
                         per_child=False)


def weekly_talk_by_week(children, term, today, *, compliance=None):
    """The weekly talk's compliance week by week over ``term`` (a report period, or
    ``None``) up to this week: one pass of the engine over ``term_chart_range``, read
    period by period (``compliance``: that pass already made, e.g. with the summary's
    figures). A week that owed no talk (a holiday week) draws no bar."""
    title = _("Weekly talks, week by week this term")
    if term is None:
        return column_chart("talk-by-week", title, [], empty_text=_("No term to show."))
    weeks = term_weeks(term, today)
    by_week = {}
    if weeks:
        if compliance is None:
            compliance = cadence.assess(
                children, ranges=[term_chart_range(term, today)]).compliance[0]
        by_week = compliance.by_period.get(TALK, {})
    items = []
    met_all = owed_all = 0
    for number, start, sunday in weeks:
        met, owed = by_week.get((start, sunday), (0, 0))
        met_all += met
        owed_all += owed
        rate = met / owed if owed else None
        week_label = _("week %(n)s") % {"n": number}
        dates = f"{start:%m/%d}–{sunday:%m/%d}"
        text = f"{percent(rate)} ({_fraction(met, owed)})" if owed else _("none owed")
        css = rate_class(rate)
        if start <= today <= sunday:  # the week under way: so far
            text = _("%(figures)s so far") % {"figures": text}
            css += " chart-bar-current"
        items.append(Item(label=f"{week_label} ({dates})", short=str(number), value=rate,
                          text=text, detail=f"{week_label} ({dates}): {text}", css=css))
    return column_chart(
        "talk-by-week", title, items,
        description=_("Weekly talks held out of those owed, for each week of %(term)s so "
                      "far; %(rate)s over the term.")
        % {"term": term.label, "rate": percent(met_all / owed_all if owed_all else None)},
        label_header=_("Week"), value_header=_("Talks held"),
        axis_label=_("Week of the term"), empty_text=_("No week of this term yet."),
    )


def school_term_chart(user, school, today):
    """The school page's chart: the weekly talk week by week over the school's term, for
    the children of the school on the registry that the user may see."""
    return weekly_talk_by_week(registry_children(user).filter(school=school),
                               term_period(school.county_id, today), today)
