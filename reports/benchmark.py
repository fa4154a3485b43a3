"""Timings of the heavy pages on a synthetic county (``manage.py benchmark``).

Each measurement is one page requested through Django's test client
(``django.test.Client``, logged in with ``force_login``: no password hashing), once to
warm up and then ``runs`` times; the median wall time (milliseconds, the whole request:
middleware, view, template or workbook, and reading the response's content) and the
median number of queries (``CaptureQueriesContext`` on the default connection) are
reported. Every response must be a 200 with content (an xlsx must be a zip): a benchmark
of an error page or a redirect is worthless, so anything else raises ``BenchmarkError``.

Who is measured, on the county (``pick_subjects``):

* the **largest school** is the one with most children on the registry (an open registry
  episode; ties to the lowest id); its **admin** is its first active school admin (lowest
  id) without a pending password change;
* the **busiest teacher** is the active teacher (role ``teacher``) with most children on
  their week page: the children on the registry of the classes they lead together with
  those they are the active mentor or surrogate parent of, each once, within their school
  (``interventions.week.responsible_children``, counted for every teacher at once; ties to
  the lowest id);
* the **bureau user** is the county's first active bureau account (lowest id).

The measurements (``CASES``): ``status_sheet`` (this week's sheet of the largest school, as
its admin), ``teacher_week`` (``my_week`` as the busiest teacher), ``county_summary`` and
``summary_xlsx`` (as the bureau user), ``roster_xlsx_school`` (the roster export as the
largest school's admin: their school, the child list's default filter, children on the
registry) and ``roster_xlsx_county`` (the same export as the bureau user: the whole
county). For ``roster_xlsx_county`` one more request, after the timed ones, gives
``peak_mb``: the peak of the Python allocations made during that request, as
``tracemalloc`` traces them (from ``tracemalloc.start()`` just before the request to the
end of reading its content; memory allocated by C libraries outside Python's allocator,
e.g. libpq's result buffers, is not in it). It is a request of its own because tracing
slows Python down several times (on the full-size county that request alone takes a few
minutes).

The pages write what a real visit writes (the access log). So that a benchmark leaves the
database as it found it, the warm-up, the timed runs and the memory request run in one
transaction that is rolled back at the end (the pages' own writes are single INSERTs, so
the query counts are those of a real visit; only the commit of those inserts is not
timed). The log-ins are made before it and the sessions ended after it, each committed on
its own, so no row lock (``last_login``) is held while the pages are measured: other
benchmarks on the same database are not held up. What stays behind is what a log-in and
log-out leave: ``last_login`` of the three accounts and django-axes' access records.
"""

from __future__ import annotations

import gc
import os
import statistics
import time
import tracemalloc
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Exists, F, OuterRef
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from interventions.models import ContactLog, Pairing, PairingKind
from registry.models import Child, County, RegistryEpisode, Role, School, User
from reports.exporters import XLSX_TYPE

DEFAULT_RUNS = 5

# (name, who, URL name, what the response is); in the order they are measured.
CASES = (
    ("status_sheet", "admin", "status_sheet", "html"),
    ("teacher_week", "teacher", "my_week", "html"),
    ("county_summary", "bureau", "county_summary", "html"),
    ("summary_xlsx", "bureau", "summary_xlsx", "xlsx"),
    ("roster_xlsx_school", "admin", "roster_export", "xlsx"),
    ("roster_xlsx_county", "bureau", "roster_export", "xlsx"),
)
NAMES = tuple(name for name, *_rest in CASES)
PEAK_CASE = "roster_xlsx_county"
PEAK_NAME = f"{PEAK_CASE}_peak_mb"
NAME_WIDTH = max(len(name) for name in (*NAMES, PEAK_NAME))


class BenchmarkError(Exception):
    """The benchmark cannot run, or a page did not answer with a 200 and content."""


@dataclass
class Subjects:
    """The county and who is measured on it (see the module's docstring)."""

    county: County
    school: School
    school_children: int
    admin: User
    teacher: User
    teacher_children: int
    bureau: User


@dataclass
class Measurement:
    name: str
    milliseconds: list = field(default_factory=list)
    queries: list = field(default_factory=list)
    bytes: int = 0
    peak_mb: float | None = None

    @property
    def median_ms(self):
        return statistics.median(self.milliseconds)

    @property
    def median_queries(self):
        return statistics.median_low(self.queries)

    def line(self):
        return format_line(self.name, f"{self.median_ms:.1f}", str(self.median_queries))

    def peak_line(self):
        return format_line(PEAK_NAME, f"{self.peak_mb:.1f}")


def format_line(name, *columns):
    """``name`` left-aligned, then the columns right-aligned, two spaces or more apart."""
    widths = (9, 6)
    cells = [f"{value:>{width}}" for value, width in zip(columns, widths, strict=False)]
    return "  ".join([f"{name:<{NAME_WIDTH}}", *cells])


def parse_only(text):
    """The names of ``--only`` (comma-separated), in the order of ``CASES``."""
    if not text:
        return list(NAMES)
    wanted = {part.strip() for part in text.split(",") if part.strip()}
    unknown = sorted(wanted - set(NAMES))
    if unknown or not wanted:
        raise BenchmarkError(
            f"Unknown measurement {', '.join(unknown) or '(none given)'}; "
            f"choose from {', '.join(NAMES)}.")
    return [name for name in NAMES if name in wanted]


# --- Who is measured -----------------------------------------------------------------------


def _open_episode():
    return Exists(RegistryEpisode.objects.filter(child=OuterRef("pk"), exited_on__isnull=True))


def _accounts(role, **where):
    return User.objects.filter(role=role, is_active=True, must_change_password=False,
                               **where).order_by("pk")


def pick_subjects(county):
    """The largest school and its admin, the busiest teacher and a bureau user of
    ``county`` (see the module's docstring); ``BenchmarkError`` when one is missing."""
    on_registry = Child.objects.filter(county=county).filter(_open_episode())
    by_school = (on_registry.order_by().values("school_id").annotate(n=Count("pk"))
                 .order_by("-n", "school_id").first())
    if by_school is None:
        raise BenchmarkError(f"The county {county.name} has no children on the registry.")
    school = School.objects.get(pk=by_school["school_id"])
    admin = _accounts(Role.SCHOOL_ADMIN, school=school).first()
    if admin is None:
        raise BenchmarkError(f"The school {school.name} has no active school admin.")

    # Each teacher's week: the children of the classes they lead, and those they are the
    # active mentor or surrogate parent of, within their own school, each once.
    cards = defaultdict(set)
    homeroom = (on_registry.filter(classroom__homeroom_teacher__school_id=F("school_id"))
                .values_list("classroom__homeroom_teacher_id", "pk"))
    paired = (Pairing.objects
              .filter(child__in=on_registry, end_date__isnull=True,
                      kind__in=[PairingKind.MENTOR, PairingKind.SURROGATE],
                      staff__school_id=F("child__school_id"))
              .values_list("staff_id", "child_id"))
    for rows in (homeroom, paired):
        for teacher_id, child_id in rows.iterator(chunk_size=5_000):
            cards[teacher_id].add(child_id)
    teachers = set(_accounts(Role.TEACHER, school__county=county).values_list("pk", flat=True))
    load = [(len(children), -pk) for pk, children in cards.items() if pk in teachers]
    if not load:
        raise BenchmarkError(f"The county {county.name} has no teacher with children.")
    teacher_children, minus_pk = max(load)
    teacher = User.objects.get(pk=-minus_pk)

    bureau = _accounts(Role.BUREAU, county=county).first()
    if bureau is None:
        raise BenchmarkError(f"The county {county.name} has no active bureau account.")
    return Subjects(county=county, school=school, school_children=by_school["n"], admin=admin,
                    teacher=teacher, teacher_children=teacher_children, bureau=bureau)


def find_county(name):
    county = County.objects.filter(name=name).first()
    if county is None:
        known = ", ".join(County.objects.order_by("name").values_list("name", flat=True))
        raise BenchmarkError(
            f"No county named {name!r}" + (f" (the counties: {known})" if known else "")
            + f". Make one with: manage.py generate_county --county-name {name}")
    return county


def describe(subjects, today=None):
    """The header lines: the county, the database, the date and the load, and who is
    measured (each starts with ``#``)."""
    county = subjects.county
    children = Child.objects.filter(county=county).filter(_open_episode()).count()
    logs = ContactLog.objects.filter(child__county=county).count()
    schools = School.objects.filter(county=county).count()
    load = " ".join(f"{value:.2f}" for value in os.getloadavg()) if hasattr(
        os, "getloadavg") else "?"
    today = today or timezone.localdate()
    return [
        f"# {county.name} (code {county.code}): {schools:,} schools, {children:,} children "
        f"on the registry, {logs:,} contact logs; {database_description()}; {today:%Y-%m-%d}; "
        f"load average {load}",
        f"# {subjects.school.name} ({subjects.school_children:,} children) as "
        f"{subjects.admin.username}; teacher {subjects.teacher.username} "
        f"({subjects.teacher_children:,} children on their week); bureau "
        f"{subjects.bureau.username}",
    ]


def database_description():
    connection.ensure_connection()
    if connection.vendor == "postgresql":
        version = connection.connection.info.server_version  # e.g. 160004
        return f"PostgreSQL {version // 10_000}.{version % 10_000}"
    if connection.vendor == "sqlite":
        import sqlite3

        return f"SQLite {sqlite3.sqlite_version}"
    return connection.vendor


# --- Measuring -----------------------------------------------------------------------------


def _content(response):
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def _check(name, url, response, content, kind):
    if response.status_code != 200:
        where = response.get("Location", "")
        raise BenchmarkError(f"{name}: GET {url} answered {response.status_code}"
                             + (f" (to {where})" if where else "") + ", not 200.")
    if not content:
        raise BenchmarkError(f"{name}: GET {url} answered an empty 200.")
    content_type = response.get("Content-Type", "")
    if kind == "xlsx" and (not content_type.startswith(XLSX_TYPE) or content[:2] != b"PK"):
        raise BenchmarkError(f"{name}: GET {url} is not an xlsx ({content_type}).")
    if kind == "html" and not content_type.startswith("text/html"):
        raise BenchmarkError(f"{name}: GET {url} is not a page ({content_type}).")


class Benchmark:
    """Runs the measurements on ``subjects``; ``run`` yields each ``Measurement``."""

    def __init__(self, subjects, *, runs=DEFAULT_RUNS, names=NAMES):
        if runs < 1:
            raise BenchmarkError("--runs must be at least 1.")
        self.subjects = subjects
        self.runs = runs
        self.names = list(names)
        # The test client says it is secure where the site redirects plain HTTP.
        self.secure = bool(getattr(settings, "SECURE_SSL_REDIRECT", False))

    def urls(self):
        school = self.subjects.school
        return {
            "status_sheet": reverse("status_sheet", args=[school.pk]),
            "teacher_week": reverse("my_week"),
            "county_summary": reverse("county_summary"),
            "summary_xlsx": reverse("summary_xlsx"),
            "roster_xlsx_school": reverse("roster_export"),
            "roster_xlsx_county": reverse("roster_export"),
        }

    def get(self, client, url):
        response = client.get(url, secure=self.secure)
        return response, _content(response)

    def run(self):
        cases = [case for case in CASES if case[0] in self.names]
        urls = self.urls()
        clients = {}
        for _name, who, _url, _kind in cases:
            if who not in clients:
                clients[who] = Client()
                clients[who].force_login(getattr(self.subjects, who))
        try:
            with transaction.atomic():
                try:
                    for name, who, _url, kind in cases:
                        yield self.measure(name, clients[who], urls[name], kind)
                finally:
                    transaction.set_rollback(True)  # leave no access-log rows behind
        finally:
            for client in clients.values():
                client.logout()

    def measure(self, name, client, url, kind):
        result = Measurement(name)
        response, content = self.get(client, url)  # the warm-up
        _check(name, url, response, content, kind)
        for _ in range(self.runs):
            gc.collect()
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                response, content = self.get(client, url)
                elapsed = time.perf_counter() - started
            _check(name, url, response, content, kind)
            result.milliseconds.append(elapsed * 1000)
            result.queries.append(len(queries.captured_queries))
            result.bytes = len(content)
        if name == PEAK_CASE:
            result.peak_mb = self.peak(name, client, url, kind)
        return result

    def peak(self, name, client, url, kind):
        """The ``tracemalloc`` peak (MB) of one more request, content read included."""
        gc.collect()
        already = tracemalloc.is_tracing()
        if not already:
            tracemalloc.start()
        tracemalloc.reset_peak()
        base, _peak = tracemalloc.get_traced_memory()
        try:
            response, content = self.get(client, url)
            _current, peak = tracemalloc.get_traced_memory()
        finally:
            if not already:
                tracemalloc.stop()
        _check(name, url, response, content, kind)
        return (peak - base) / 2**20
