"""The periods a report is read over: this week, a calendar month, or the county's current
term. One value in the query string (``period=week``, ``period=2026-11``,
``period=term``) names one; anything else falls back to this week."""

from __future__ import annotations

import calendar
import datetime
import re
from dataclasses import dataclass

from django.utils.translation import gettext as _

from registry.models import Term

WEEK = "week"
TERM = "term"
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
# How many past months the selector offers.
MONTHS_OFFERED = 6


@dataclass(frozen=True)
class ReportPeriod:
    key: str  # the query-string value
    kind: str  # "week", "month" or "term"
    start: datetime.date
    end: datetime.date
    label: str

    @property
    def month(self):
        """The month's first day, for a month period."""
        return self.start if self.kind == "month" else None


def month_period(first):
    last = calendar.monthrange(first.year, first.month)[1]
    return ReportPeriod(key=f"{first:%Y-%m}", kind="month", start=first,
                        end=first.replace(day=last),
                        label=_("%(year)s-%(month)02d") % {"year": first.year,
                                                          "month": first.month})


def week_period(today):
    start = today - datetime.timedelta(days=today.weekday())
    return ReportPeriod(key=WEEK, kind=WEEK, start=start,
                        end=start + datetime.timedelta(days=6), label=_("This week"))


def term_period(county_id, today):
    """The county's term holding today, or the last one before it; ``None`` if none."""
    terms = Term.objects.filter(county_id=county_id)
    term = (terms.holding(today).first()
            or terms.filter(start_date__lte=today).order_by("-start_date").first())
    if term is None:
        return None
    return ReportPeriod(key=TERM, kind=TERM, start=term.start_date, end=term.end_date,
                        label=str(term))


def _months_back(today, count):
    first = today.replace(day=1)
    for _index in range(count):
        yield first
        first = (first - datetime.timedelta(days=1)).replace(day=1)


def period_choices(county_id, today):
    """What the period selector offers: this week, this month and the months before it,
    the term."""
    choices = [week_period(today)]
    choices.extend(month_period(first) for first in _months_back(today, MONTHS_OFFERED))
    term = term_period(county_id, today)
    if term is not None:
        choices.append(term)
    return choices


def parse_period(value, county_id, today):
    """The period named by ``value``; this week when it names none. A month may be any
    month up to this one (a link to an older month's sheet stays valid)."""
    if value == TERM:
        term = term_period(county_id, today)
        if term is not None:
            return term
    match = _MONTH.match(value or "")
    if match:
        year, month = int(match.group(1)), int(match.group(2))
        if 1 <= month <= 12 and year >= 2000:
            first = datetime.date(year, month, 1)
            if first <= today:
                return month_period(first)
    return week_period(today)
