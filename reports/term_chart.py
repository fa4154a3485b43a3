"""The county summary's term chart (the weekly talk week by week), its complete weeks kept.

The chart shows every week of the term up to this one. Recomputing the whole term on
every visit meant aggregating every weekly-talk log of the term per child (218,000 logs
on a full-size county, most of the page's SQL), although the weeks that are over rarely
change. Here a week that is over is read back from ``ChartWeeks`` when nothing it depends
on has changed, and only the weeks that did change (and the week under way, which the
table's pass counts anyway) go through the cadence engine.

Nothing is invalidated by hand, and nothing can go stale: a kept week is a memo of a
pure function, stored with a fingerprint of all its inputs, and read back only when the
fingerprint worked out now is the same. A week's ``(met, owed)`` over the summary's
children depends on:

* the children: on the registry today within the user's schools, each with its county
  and its days on the registry in that week (``_population``: a child registered this
  week, or one moving school, leaves the past weeks' fingerprints as they were; one who
  left the registry, or a back-dated entry, changes those of the weeks concerned);
* the care standards, the terms and their special days of the children's counties (all
  of them, every version: any edit recomputes every week);
* the contact logs of the chart's standards dated in that week, whoever they are about
  (``_log_sums``: per standard and day, their number and the sum of a hash of their
  children's ids, read from the index ``contactlog_std_day_idx`` alone). A log added
  late, edited (its child, standard or day) or deleted, by any path — a form, the admin,
  a ``QuerySet.update``, a restore — changes these whenever it changes what the week
  counts. Unlike a count, a greatest id and a latest ``updated_at``, they follow the
  logs' content, not when or in which order the transactions committed (an edit stamped
  before another but committed after it leaves those three as they were);
* the engine's code (``interventions/cadence.py``) and this module's: a change of
  either recomputes everything.

The children's and the logs' parts are sums of hashes (64-bit; on SQLite the logs' are
two 31-bit polynomial hashes): two different sets of children, or of a day's logs, give
the same number and the same sums only by a coincidence of about one in 2**60; everything
else is compared as it is.

The fingerprint and the figures must come from the same data: the caller reads the
children, works out the fingerprints and runs the engine's pass inside ``snapshot()``, one
REPEATABLE READ transaction on PostgreSQL (SQLite's transactions read one snapshot
anyway). Weeks are kept only for a chart of weekly standards (each version of each
standard charted is weekly); otherwise the chart is computed in full, as before.
"""

from __future__ import annotations

import datetime
import hashlib
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from django.db import connection, transaction
from django.db.models import BigIntegerField, Count, ExpressionWrapper, F, Func, Sum, Value

from interventions import cadence
from interventions.models import CareStandard, ContactLog, Period
from registry.models import Term
from reports.models import ChartWeeks

_DAY = datetime.timedelta(days=1)
_SIX_DAYS = datetime.timedelta(days=6)
_FOREVER = datetime.date.max
# The hash of a log's child id (``_child_hash_sums``): PostgreSQL's, with this seed; in
# SQLite, cubic polynomials modulo a prime.
_SEED = 8_675_309
_PRIME = 2**31 - 1
_POLYNOMIALS = ((1_103_515_245, 12_345, 2_147_480_009, 7), (69_069, 1_013_904_223, 40_692, 3))
_MASK64 = 2**64 - 1


@contextmanager
def snapshot(wanted=True):
    """The reads inside see one state of the database: a REPEATABLE READ transaction on
    PostgreSQL (read committed, the default, gives each statement its own). Inside a
    transaction already (a test, the benchmark), the caller's transaction is used; with
    ``wanted`` false, nothing is done (no chart kept: nothing to make consistent)."""
    if connection.in_atomic_block or not wanted:
        yield
        return
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        yield


@dataclass
class KeptWeeks:
    """The chart's weeks that are over, as kept and as they must be now (``prepare``),
    and what is left for the engine's pass (``range``: ``None`` when nothing is)."""

    chart_range: cadence.Range
    range: cadence.Range | None
    key: str
    weeks: list  # [(monday, sunday)], the weeks that are over, in order
    fingerprints: dict  # (code, monday) -> fingerprint now
    kept: dict  # (code, monday) -> (met, owed), read back (fingerprint unchanged)


def _mondays(start, end):
    """``[(monday, sunday)]`` of the weeks ending in ``start..end``."""
    monday = start - datetime.timedelta(days=start.weekday())
    weeks = []
    while monday + _SIX_DAYS <= end:
        weeks.append((monday, monday + _SIX_DAYS))
        monday += _SIX_DAYS + _DAY
    return weeks


def prepare(rows, chart_range, today, *, scope):
    """What the pass must compute of ``chart_range`` (``KeptWeeks.range``), the rest read
    back; ``None`` when the chart cannot be kept (not weekly standards only, or figures
    asked per child or per group) and must be computed in full. ``rows`` are the registry
    episodes of the summary's children, ``(child_id, school_id, county_id, entered_on,
    exited_on)``, every one of them; ``scope`` names the summary (its schools): one row of
    ``ChartWeeks`` per scope and term. Four queries: the standards, the terms, the logs'
    sums and the kept row."""
    if (chart_range is None or chart_range.codes is None or chart_range.per_child
            or chart_range.groups is not None or chart_range.as_of is not None):
        return None
    codes = sorted(chart_range.codes)
    counties = sorted({county_id for _child, _school, county_id, *_rest in rows})
    standards = list(CareStandard.objects.filter(county_id__in=counties).order_by(
        "county_id", "code", "valid_from").values_list(
        "county_id", "code", "period", "contacts_needed", "applies_in_holidays",
        "responsible", "valid_from", "valid_until"))
    if any(code in chart_range.codes and period != Period.WEEK
           for _county, code, period, *_rest in standards):
        return None
    this_monday = today - datetime.timedelta(days=today.weekday())
    weeks = _mondays(chart_range.start, min(chart_range.end, this_monday - _DAY))
    live_start = max(chart_range.start, this_monday)
    if not weeks:
        return KeptWeeks(chart_range, _from(chart_range, live_start), "", [], {}, {})

    terms = list(Term.objects.filter(county_id__in=counties).order_by(
        "county_id", "pk", "special_days__date").values_list(
        "county_id", "pk", "start_date", "end_date", "special_days__date",
        "special_days__kind"))
    base = _digest((_CODE_DIGEST, codes, standards, terms))
    population = _population(rows, weeks)
    logs = _log_sums(codes, weeks[0][0], weeks[-1][1])
    fingerprints = {
        (code, monday): _digest((base, code, monday, population[monday],
                                 logs.get((code, monday), ())))
        for code in codes for monday, _sunday in weeks}

    key = _digest(("term chart", scope, chart_range.start, codes))
    stored = ChartWeeks.objects.filter(key=key).values_list("weeks", flat=True).first() or {}
    kept = {}
    for (code, monday), fingerprint in fingerprints.items():
        entry = stored.get(code, {}).get(monday.isoformat())
        if entry and entry[0] == fingerprint:
            kept[(code, monday)] = (entry[1], entry[2])
    stale = [monday for code, monday in fingerprints if (code, monday) not in kept]
    return KeptWeeks(chart_range, _from(chart_range, min(stale, default=live_start)), key,
                     weeks, fingerprints, kept)


def _from(chart_range, start):
    """``chart_range`` from ``start`` on (the periods ending from then), or ``None``."""
    start = max(start, chart_range.start)
    if start > chart_range.end:
        return None
    return cadence.Range(start, chart_range.end, codes=chart_range.codes, per_child=False)


def complete(kept, computed):
    """The chart's ``Compliance`` over its whole range: the weeks before ``kept.range``
    read back, the others from ``computed`` (the pass's ``Compliance`` over
    ``kept.range``, or one over the same periods and children, of the chart's standards
    and maybe more; ``None`` when there was none). The weeks that are over and were computed are
    kept (one query, only when there were any)."""
    chart_range = kept.chart_range
    codes = chart_range.codes
    start = kept.range.start if computed is not None else _FOREVER
    by_period = defaultdict(dict)
    new = {}
    for code, monday in kept.fingerprints:
        sunday = monday + _SIX_DAYS
        if sunday < start:  # before the range computed: read back
            met, owed = kept.kept[(code, monday)]
            if owed:  # a week nobody owed is no period of the engine's
                by_period[code][(monday, sunday)] = (met, owed)
        else:
            new[(code, monday)] = computed.by_period.get(code, {}).get((monday, sunday),
                                                                     (0, 0))
    if computed is not None:
        for code, periods in computed.by_period.items():
            if code in codes:  # the table's range, shared, counts every standard
                by_period[code].update(periods)
    if new:
        _store(kept, new)
    periods = {code: dict(sorted(found.items())) for code, found in by_period.items()}
    totals = {code: (sum(met for met, _owed in found.values()),
                     sum(owed for _met, owed in found.values()))
              for code, found in periods.items()}
    return cadence.Compliance(chart_range.start, chart_range.end, {}, totals, periods, {})


def _store(kept, new):
    """Keep the weeks that are over: those read back and those just computed, each with
    its fingerprint (one upsert: two visits at once both write the same figures)."""
    weeks = defaultdict(dict)
    for (code, monday), fingerprint in kept.fingerprints.items():
        figures = new.get((code, monday)) or kept.kept.get((code, monday))
        if figures is not None:
            weeks[code][monday.isoformat()] = [fingerprint, *figures]
    ChartWeeks.objects.bulk_create(
        [ChartWeeks(key=kept.key, weeks=dict(weeks))], update_conflicts=True,
        unique_fields=["key"], update_fields=["weeks", "updated_at"])


# --- Fingerprints ------------------------------------------------------------------------


def _digest(value):
    """A short hex digest of ``value`` (built of tuples, lists, strings, numbers and dates,
    whose ``repr`` is stable from one process to the next)."""
    return hashlib.blake2b(repr(value).encode(), digest_size=16).hexdigest()


def _source_digest():
    """The engine's and this module's source, read when this module is imported (just
    after the engine is): a week kept by other code is computed again. (Read then, not
    on first use, so that a process started before a deployment never files the old
    code's figures under the new code's digest.)"""
    digest = hashlib.blake2b(digest_size=16)
    for path in (cadence.__file__, __file__):
        digest.update(Path(path).read_bytes())
    return digest.hexdigest()


_CODE_DIGEST = _source_digest()


def _population(rows, weeks):
    """For each week, who counts in it and how: ``{monday: (n, sum, n, sum)}``, first the
    number of children on the registry the whole week and the sum (modulo 2**64) of a
    hash of each one's id and county, then the same of the others on the registry part of
    the week, each hashed with its days on the registry that week. A child counts in a
    week through nothing else (the engine owes and counts a week by its days on the
    registry in it), so how its episodes run outside the week does not matter. ``weeks``
    are consecutive. Linear in the number of episodes (no sorting), and for most children
    (on the registry since before the first week) a step or two: the page works this out
    on every visit."""
    low, high = weeks[0][0], weeks[-1][1]
    first = {}  # child_id -> (county_id, entered, exited): the first episode read
    more = defaultdict(list)  # child_id -> [(entered, exited)], the others
    for child_id, _school, county_id, entered, exited in rows:
        if child_id in first:
            more[child_id].append((entered, exited or _FOREVER))
        else:
            first[child_id] = (county_id, entered, exited)
    before = []  # (child_id, county_id): on the registry from before the first week on
    since = defaultdict(list)  # week -> [(child_id, county_id, first day)]: from then on
    gapped = []  # (child_id, county_id, days): the others on the registry at all
    for child_id, (county_id, entered, exited) in first.items():
        if exited is not None or child_id in more:
            days = _days_in(sorted([(entered, exited or _FOREVER), *more.get(child_id, ())]),
                            low, high)
            if not days:
                continue
            (entered, exited), *gaps = days
            if gaps or exited < high:
                gapped.append((child_id, county_id, days))
                continue
        if entered <= low:
            before.append((child_id, county_id))
        else:  # (a week after the last for a child entered since: never read)
            since[(entered - low).days // 7].append((child_id, county_id, entered))
    number, total = len(before), sum(map(hash, before))
    population = {}
    for week, (monday, sunday) in enumerate(weeks):
        whole, whole_sum, partial, partial_sum = number, total, 0, 0
        for child_id, county_id, entered in since.get(week, ()):
            identity = hash((child_id, county_id))
            number += 1  # on the registry the whole of the weeks after
            total += identity
            if entered == monday:
                whole += 1
                whole_sum += identity
            else:
                partial += 1
                partial_sum += hash((child_id, county_id, entered.toordinal(),
                                     sunday.toordinal()))
        for child_id, county_id, days in gapped:
            days = _days_in(days, monday, sunday)
            if days == ((monday, sunday),):
                whole += 1
                whole_sum += hash((child_id, county_id))
            elif days:
                partial += 1
                partial_sum += hash((child_id, county_id, *(
                    day.toordinal() for piece in days for day in piece)))
        population[monday] = (whole, whole_sum & _MASK64, partial, partial_sum & _MASK64)
    return population


def _days_in(episodes, monday, sunday):
    """The days of ``monday..sunday`` inside ``episodes`` (sorted), as merged ranges."""
    days = []
    for entered, exited in episodes:
        lo, hi = max(entered, monday), min(exited, sunday)
        if lo > hi:
            continue
        if days and lo <= days[-1][1] + _DAY:
            days[-1] = (days[-1][0], max(days[-1][1], hi))
        else:
            days.append((lo, hi))
    return tuple(days)


def _log_sums(codes, start, end):
    """``{(code, monday): ((day, logs, hash sums...), ...)}``: the contact logs of ``codes``
    dated ``start..end``, any child's, per day: their number and the sums of a hash of
    their children's ids. One query, an index-only scan of ``contactlog_std_day_idx``
    (standard, day, child) on PostgreSQL."""
    sums = _child_hash_sums()
    rows = (ContactLog.objects.filter(standard__in=codes, happened_on__range=(start, end))
            .order_by().values("standard", "happened_on")
            .annotate(logs=Count("*"), **sums)
            .values_list("standard", "happened_on", "logs", *sums))
    found = defaultdict(list)
    for code, day, logs, *values in rows:
        monday = day - datetime.timedelta(days=day.weekday())
        found[(code, monday)].append((day, logs, *(int(value) for value in values)))
    return {key: tuple(sorted(days)) for key, days in found.items()}


def _child_hash_sums():
    """``{name: Sum(...)}``: the sums of a hash of the logs' child ids that ``_log_sums``
    reads. PostgreSQL's 64-bit ``hashint8extended`` (summed as a numeric: exact); in SQLite,
    a cubic polynomial of the id modulo the prime 2**31 - 1 with two sets of coefficients
    (every intermediate product below 2**62: plain 64-bit integer arithmetic)."""
    if connection.vendor == "postgresql":
        return {"h0": Sum(Func(F("child_id"), Value(_SEED), function="hashint8extended",
                               output_field=BigIntegerField()))}
    child = ExpressionWrapper(F("child_id") % Value(_PRIME), output_field=BigIntegerField())
    sums = {}
    for number, (first, *others) in enumerate(_POLYNOMIALS):
        value = Value(first, output_field=BigIntegerField())
        for coefficient in others:  # Horner's rule, reduced at every step
            value = ExpressionWrapper((value * child + Value(coefficient)) % Value(_PRIME),
                                      output_field=BigIntegerField())
        sums[f"h{number}"] = Sum(value)
    return sums
