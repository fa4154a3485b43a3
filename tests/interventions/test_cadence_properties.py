"""Property test: the engine agrees with a plain, day-by-day recomputation per child on
random calendars, registry episodes, standards (with edits) and contact logs."""

import calendar
from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from interventions.cadence import DUE, MET, NOT_OWED, OVERDUE, compliance, standard_states
from interventions.models import CareStandard, ContactLog
from registry.models import EntryKind, RegistryEpisode
from tests.interventions.conftest import add_term, make_county

BASE = date(2025, 12, 1)
KINDS = {"weekly_talk": "week", "family_contact": "month", "semester_report": "semester",
         "festival": "year"}
LOG_CODES = [*KINDS, "other"]


def day(offset):
    return BASE + timedelta(days=offset)


# --- The plain recomputation -------------------------------------------------------------


class Naive:
    def __init__(self, terms, versions, episodes, logs):
        self.terms = terms  # [(start, end, holidays, makeups)]
        self.versions = versions  # {code: [(from, until, needed, in_holidays)]}
        self.episodes = episodes  # [(entered, exited or None)]
        self.logs = logs  # [(code, day)]

    def teaching(self, d):
        for start, end, holidays, makeups in self.terms:
            if start <= d <= end:
                return d in makeups or (d.weekday() < 5 and d not in holidays)
        return False

    def on_registry(self, d):
        return any(a <= d and (b is None or d <= b) for a, b in self.episodes)

    def period(self, kind, d):
        if kind == "week":
            return d - timedelta(days=d.weekday()), d + timedelta(days=6 - d.weekday())
        if kind == "month":
            return d.replace(day=1), d.replace(day=calendar.monthrange(d.year, d.month)[1])
        if kind == "year":
            return date(d.year, 1, 1), date(d.year, 12, 31)
        for start, end, _h, _m in self.terms:
            if start <= d <= end:
                return start, end
        return None

    def previous(self, kind, period):
        if kind != "semester":
            return self.period(kind, period[0] - timedelta(days=1))
        ends = [(s, e) for s, e, _h, _m in self.terms if e < period[0]]
        return max(ends) if ends else None

    def version(self, code, d):
        for valid_from, valid_until, needed, in_holidays in self.versions[code]:
            if valid_from <= d and (valid_until is None or d <= valid_until):
                return needed, in_holidays
        return None

    def owed(self, period, in_holidays):
        d = period[0]
        while d <= period[1]:
            if self.on_registry(d) and (in_holidays or self.teaching(d)):
                return True
            d += timedelta(days=1)
        return False

    def count(self, code, period):
        return sum(1 for c, d in self.logs if c == code and period[0] <= d <= period[1])

    def state(self, code, on, today):
        kind = KINDS[code]
        last = max((d for c, d in self.logs if c == code and d <= on), default=None)
        period = self.period(kind, on)
        version = period and self.version(code, period[0])
        if not version:
            return (NOT_OWED, 0, 0, None, last)
        needed, in_holidays = version
        count = self.count(code, period)
        if not self.owed(period, in_holidays):
            state = NOT_OWED
        elif count >= needed:
            state = MET
        else:
            state = DUE
            if period[1] < today:
                state = OVERDUE
            previous = self.previous(kind, period)
            before = previous and self.version(code, previous[0])
            if before and self.owed(previous, before[1]) and self.count(code, previous) < before[0]:
                state = OVERDUE
        return (state, count, needed, period, last)

    def compliance(self, code, start, end):
        met = owed = 0
        d = start
        while d <= end:
            period = self.period(KINDS[code], d)
            if period and period[1] == d:
                version = self.version(code, period[0])
                if version and self.owed(period, version[1]):
                    owed += 1
                    met += self.count(code, period) >= version[0]
            d += timedelta(days=1)
        return met, owed


# --- Random worlds -------------------------------------------------------------------------

offsets = st.integers(min_value=0, max_value=420)


@st.composite
def worlds(draw):
    first_start = draw(st.integers(0, 80))
    first_end = first_start + draw(st.integers(15, 150))
    second_start = first_end + draw(st.integers(1, 70))
    second_end = second_start + draw(st.integers(15, 150))
    spans = [(first_start, first_end), (second_start, second_end)][: draw(st.integers(1, 2))]
    terms = []
    for start, end in spans:
        inside = st.integers(start, end)
        holidays = set(draw(st.lists(inside, max_size=25)))
        makeups = set(draw(st.lists(inside, max_size=4))) - holidays
        terms.append((start, end, holidays, makeups))
    versions = {}
    for code in KINDS:
        first = (draw(st.integers(1, 2)), draw(st.booleans()))
        split = draw(st.none() | st.integers(1, 400))
        if split is None:
            versions[code] = [(None, None, *first)]
        else:
            second = (draw(st.integers(1, 2)), draw(st.booleans()))
            versions[code] = [(None, split - 1, *first), (split, None, *second)]
    children = []
    for _ in range(draw(st.integers(1, 2))):
        cuts = sorted(set(draw(st.lists(offsets, min_size=0, max_size=6))))
        pairs = [(cuts[i], cuts[i + 1]) for i in range(0, len(cuts) - 1, 2)]
        episodes = [(a, b) for a, b in pairs]
        if draw(st.booleans()) and (not pairs or pairs[-1][1] < 419):
            episodes.append(((pairs[-1][1] + 1) if pairs else draw(offsets), None))
        logs = draw(st.lists(st.tuples(st.sampled_from(LOG_CODES), st.integers(-30, 430)),
                             max_size=30))
        children.append((episodes, logs))
    on = draw(offsets)
    today = on + draw(st.integers(0, 40))
    start = draw(offsets)
    end = start + draw(st.integers(0, 200))
    return terms, versions, children, on, today, start, end


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(world=worlds())
def test_engine_agrees_with_a_plain_recomputation(db, world):
    terms, versions, children, on, today, start, end = world
    place = make_county()
    term_dates = []
    for i, (a, b, holidays, makeups) in enumerate(terms):
        add_term(place.county, day(a), day(b), semester=i + 1, school_year="2026-2027",
                 holidays=[day(h) for h in holidays], makeups=[day(m) for m in makeups])
        term_dates.append((day(a), day(b), {day(h) for h in holidays},
                           {day(m) for m in makeups}))
    naive_versions = {}
    for code, rows in versions.items():
        naive_versions[code] = []
        for valid_from, valid_until, needed, in_holidays in rows:
            vf = date(2000, 1, 1) if valid_from is None else day(valid_from)
            vu = None if valid_until is None else day(valid_until)
            CareStandard.objects.create(
                county=place.county, code=code, period=KINDS[code], contacts_needed=needed,
                responsible="homeroom", applies_in_holidays=in_holidays, valid_from=vf,
                valid_until=vu,
            )
            naive_versions[code].append((vf, vu, needed, in_holidays))
    naives = {}
    from tests.factories import ChildFactory

    for episodes, logs in children:
        child = ChildFactory(classroom=place.classroom, episode=False)
        for a, b in episodes:
            RegistryEpisode.objects.create(
                child=child, school=place.school, entry_kind=EntryKind.REGISTERED,
                entered_on=day(a), exited_on=None if b is None else day(b),
                exit_reason="" if b is None else "other", opened_by=place.teacher,
            )
        ContactLog.objects.bulk_create([
            ContactLog(child=child, standard=code, happened_on=day(d), channel="phone",
                       author=place.teacher, school=place.school)
            for code, d in logs
        ])
        naives[child.pk] = Naive(
            term_dates, naive_versions,
            [(day(a), None if b is None else day(b)) for a, b in episodes],
            [(code, day(d)) for code, d in logs],
        )

    ids = list(naives)
    states = standard_states(ids, day(on), today=day(today))
    result = compliance(ids, day(start), day(end))
    for child_id, naive in naives.items():
        got = {
            code: (s.state, s.count, s.needed, s.period, s.last_contact)
            for code, s in states[child_id].items()
        }
        assert got == {code: naive.state(code, day(on), day(today)) for code in KINDS}
        expected = {code: naive.compliance(code, day(start), day(end)) for code in KINDS}
        assert result.per_child[child_id] == {c: v for c, v in expected.items() if v[1]}
