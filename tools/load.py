"""A Monday morning at the county's schools, against a running CareCase (``make serve``).

    .venv/bin/python tools/load.py [--teachers 100] [--duration 60] [--base-url URL]

Run it with the server's own environment (the same ``DATABASE_URL``): it reads the
county's accounts from the database to choose who logs in, and afterwards checks there
that every contact log it meant to create is there exactly once. docs/deploy.md ("Load
test") has the whole recipe: a county from ``manage.py generate_county --children 3000``
in its own PostgreSQL database, ``make serve`` with ``HTTPS=false`` on loopback, then this.

Who (all from one county, ``--county``, the generator's 合成县 by default):

- ``--teachers`` teachers with children on their week (a seeded sample). Each opens their
  week (``/week/``), taps a child's 记录 button after a moment (``--look`` seconds), and
  saves the log form as prefilled with a typed summary (``--typing`` seconds later); the
  save redirects back to the week, and round it goes. A share of the saves
  (``--double``) is sent twice with the same one-time token — half as a double tap (two
  requests at once), half as a retry after the first answer — and must still make one log.
- ``--principals`` school admins, of the schools with most children, open their school's
  status sheet every ``--sheet-every`` seconds (on average).
- ``--bureau`` bureau users download the county summary's xlsx every ``--export-every``
  seconds.

Everyone logs in first, a few at a time, and that ramp-up is not measured: password
hashing is deliberately slow. Then the morning runs for ``--duration`` seconds; no
request starts after that, and those under way finish. Each user is one client with its
own cookies and at most two connections, like a browser.

The report: requests, errors and the 50th/95th/99th percentile and the longest latency
per page (milliseconds, from sending the request to reading the whole response), as a
Markdown table; then the contact logs: meant, confirmed by the server's redirect, found
in the database exactly once, missing, or extra. The exit status is 1 when there was an
error, a log missing or extra, or a teacher's page's 95th percentile above ``--p95``.

Where it may send requests: only to the ``--base-url`` given, which must be a loopback
address (127.0.0.0/8, ::1 or localhost). The run is bounded by ``--duration`` and the
request timeouts, and stops by itself.
"""

import argparse
import asyncio
import functools
import html
import ipaddress
import logging
import os
import random
import re
import sys
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from database import ToolError, run, setup_django  # noqa: E402

TEACHER_PAGES = ("week", "log_form", "log_save")
PAGE_TIMEOUT = 30.0
EXPORT_TIMEOUT = 120.0
LOG_BUTTON = re.compile(r'data-testid="log-button"\s+href="([^"]+)"')
SUMMARY = "负载测试：和孩子聊了这周的学习和生活，情绪稳定。"


# --- Who --------------------------------------------------------------------------------


@dataclass
class Cast:
    county: str
    teachers: list  # [(username, user id)]
    principals: list  # [(username, school id, school name, children)]
    bureau: list  # [username]


def choose_cast(county_name, teachers, principals, bureau, seed):
    """The county's users for the morning, read through the ORM (the server's database)."""
    from django.db.models import Count, Exists, F, OuterRef

    from interventions.models import Pairing, PairingKind
    from registry.models import Child, County, RegistryEpisode, Role, User

    county = County.objects.filter(name=county_name).first()
    if county is None:
        raise ToolError(f"No county named {county_name!r} in this database; make one with "
                        f"manage.py generate_county --children 3000")
    accounts = User.objects.filter(is_active=True, must_change_password=False)
    on_registry = Child.objects.filter(county=county).filter(Exists(
        RegistryEpisode.objects.filter(child=OuterRef("pk"), exited_on__isnull=True)))

    # Teachers with at least one child on their week: the classes they lead, and the
    # children they are the active mentor or surrogate parent of.
    led = set(on_registry.filter(classroom__homeroom_teacher__school_id=F("school_id"))
              .values_list("classroom__homeroom_teacher_id", flat=True))
    paired = set(Pairing.objects.filter(
        child__in=on_registry, end_date__isnull=True, staff__school_id=F("child__school_id"),
        kind__in=[PairingKind.MENTOR, PairingKind.SURROGATE],
    ).values_list("staff_id", flat=True))
    candidates = list(accounts.filter(role=Role.TEACHER, school__county=county,
                                      pk__in=led | paired)
                      .order_by("pk").values_list("username", "pk"))
    if len(candidates) < teachers:
        raise ToolError(f"{county_name} has {len(candidates)} teachers with children; "
                        f"{teachers} wanted (generate a larger county).")
    chosen_teachers = random.Random(seed).sample(candidates, teachers)

    largest = (on_registry.order_by().values("school_id", "school__name")
               .annotate(children=Count("pk")).order_by("-children", "school_id"))
    chosen_principals = []
    for row in largest:
        admin = (accounts.filter(role=Role.SCHOOL_ADMIN, school_id=row["school_id"])
                 .order_by("pk").values_list("username", flat=True).first())
        if admin:
            chosen_principals.append((admin, row["school_id"], row["school__name"],
                                      row["children"]))
        if len(chosen_principals) == principals:
            break
    if len(chosen_principals) < principals:
        raise ToolError(f"{county_name} has only {len(chosen_principals)} schools with an "
                        f"admin; {principals} wanted.")

    chosen_bureau = list(accounts.filter(role=Role.BUREAU, county=county)
                         .order_by("pk").values_list("username", flat=True)[:bureau])
    if len(chosen_bureau) < bureau:
        raise ToolError(f"{county_name} has {len(chosen_bureau)} bureau accounts; "
                        f"{bureau} wanted.")
    return Cast(county_name, chosen_teachers, chosen_principals, chosen_bureau)


# --- Measuring ------------------------------------------------------------------------------


@dataclass
class Tally:
    sent: dict = field(default_factory=lambda: defaultdict(int))
    latencies: dict = field(default_factory=lambda: defaultdict(list))  # of the answered
    errors: dict = field(default_factory=lambda: defaultdict(list))
    # token -> (teacher id, child id, confirmed by a redirect)
    logs: dict = field(default_factory=dict)
    doubles: int = 0
    cpu: str = ""

    def error(self, page, message):
        self.errors[page].append(message)


class ExpectationFailed(Exception):
    """A response that is not what a user would have got on a good day."""


async def timed(tally, page, send, expect):
    """Send one request, record its latency under ``page``, check it with ``expect``
    (which raises ExpectationFailed). The response, or None after an error."""
    tally.sent[page] += 1
    started = time.perf_counter()
    try:
        response = await send()
    except httpx.HTTPError as error:
        tally.error(page, f"{type(error).__name__}: {error}")
        return None
    tally.latencies[page].append((time.perf_counter() - started) * 1000)
    try:
        expect(response)
    except ExpectationFailed as error:
        tally.error(page, str(error))
        return None
    return response


def status(code):
    def expect(response):
        if response.status_code != code:
            where = response.headers.get("location", "")
            raise ExpectationFailed(f"{response.status_code} (wanted {code}) "
                                    f"{response.request.url.path} {where}".strip())
    return expect


def redirect_to(path_prefix):
    def expect(response):
        status(302)(response)
        location = response.headers.get("location", "")
        if not location.startswith(path_prefix):
            raise ExpectationFailed(f"redirected to {location}, not {path_prefix}")
    return expect


class FormFields(HTMLParser):
    """What each POST form of a page would submit as it stands (a list per form): text
    and hidden inputs, checked boxes and radios, selected options, textareas."""

    def __init__(self):
        super().__init__()
        self.forms = []
        self.fields = None
        self._select = self._textarea = None
        self._select_first = None

    @property
    def _in_form(self):
        return self.fields is not None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and (a.get("method") or "").lower() == "post":
            self.fields = []
            self.forms.append(self.fields)
        if not self._in_form:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = (a.get("type") or "text").lower()
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            if kind not in ("submit", "button", "file"):
                self.fields.append((name, a.get("value") or ("on" if kind == "checkbox"
                                                             else "")))
        elif tag == "select" and name:
            self._select, self._select_first = name, None
        elif tag == "option" and self._select:
            value = a.get("value", "")
            if self._select_first is None:
                self._select_first = value
            if "selected" in a:
                self.fields.append((self._select, value))
                self._select = None
        elif tag == "textarea" and name:
            self._textarea = [name, ""]

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if not self._in_form:
            return
        if tag == "select" and self._select:
            self.fields.append((self._select, self._select_first or ""))
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            self.fields.append(tuple(self._textarea))
            self._textarea = None
        elif tag == "form":
            self.fields = None


def form_fields(page, having):
    """The fields of the page's POST form that has a field named ``having``."""
    parser = FormFields()
    parser.feed(page)
    for fields in parser.forms:
        if any(name == having for name, _value in fields):
            return fields
    return []


# --- The users ------------------------------------------------------------------------------


def new_client(base_url):
    return httpx.AsyncClient(
        base_url=base_url, follow_redirects=False, timeout=PAGE_TIMEOUT,
        headers={"User-Agent": "CareCase-load/1", "Accept-Language": "zh-hans"},
        # Reuse a connection only while gunicorn keeps it (keepalive 5 s): reusing one it
        # is closing that instant fails the request (a browser would retry it silently).
        limits=httpx.Limits(max_connections=2, max_keepalive_connections=2,
                            keepalive_expiry=3.0),
    )


async def log_in(client, username, password):
    page = await client.get("/accounts/login/")
    if page.status_code == 301 and page.headers.get("location", "").startswith("https:"):
        raise ToolError("The server redirects to https: serve with HTTPS=false for a "
                        "loopback load test (docs/deploy.md).")
    if page.status_code != 200:
        raise ToolError(f"The login page answered {page.status_code}.")
    fields = dict(form_fields(page.text, having="username"))
    fields.update(username=username, password=password)
    response = await client.post("/accounts/login/", data=fields)
    location = response.headers.get("location", "")
    if response.status_code != 302 or "login" in location:
        raise ToolError(f"{username} could not log in ({response.status_code}); "
                        f"is the password --password?")
    landing = await client.get(location, follow_redirects=True)  # as a browser would
    if landing.status_code != 200:
        raise ToolError(f"{username}'s landing page {location} answered "
                        f"{landing.status_code}.")


async def pause(seconds, deadline):
    """Sleep ``seconds``, or until the deadline if that comes first; whether there is
    time left for another request."""
    await asyncio.sleep(max(0.0, min(seconds, deadline - time.monotonic())))
    return time.monotonic() < deadline


async def teacher(client, tally, teacher_id, options, rng, deadline):
    # Teachers arrive over one round of the cycle, not all in the same second.
    await pause(rng.uniform(0, options.look[1] + options.typing[1]), deadline)
    while time.monotonic() < deadline:
        week = await timed(tally, "week", lambda: client.get("/week/"), status(200))
        if week is None:
            await asyncio.sleep(1)
            continue
        buttons = [html.unescape(link) for link in LOG_BUTTON.findall(week.text)]
        if not buttons:
            tally.error("week", "no child with a 记录 button on the week")
            return
        link = rng.choice(buttons)
        if not await pause(rng.uniform(*options.look), deadline):
            return
        form_page = await timed(tally, "log_form", lambda link=link: client.get(link),
                                status(200))
        if form_page is None:
            continue
        fields = [(name, SUMMARY if name == "summary" else value)
                  for name, value in form_fields(form_page.text, having="submission_token")]
        token = dict(fields).get("submission_token")
        if not token:
            tally.error("log_form", "no one-time token in the form")
            continue
        child_id = int(link.split("/")[2])
        if not await pause(rng.uniform(*options.typing), deadline):
            return
        tally.logs[token] = (teacher_id, child_id, False)

        data = defaultdict(list)
        for name, value in fields:
            data[name].append(value)

        # A form without an action posts back to its own address.
        save = functools.partial(client.post, link, data=dict(data))

        expect = redirect_to("/week/")
        if rng.random() < options.double:
            tally.doubles += 1
            if rng.random() < 0.5:  # a double tap: both at once
                answers = await asyncio.gather(timed(tally, "log_save", save, expect),
                                               timed(tally, "log_save (again)", save, expect))
            else:  # a retry once the first answer came (or was lost)
                first = await timed(tally, "log_save", save, expect)
                answers = [first, await timed(tally, "log_save (again)", save, expect)]
            confirmed = any(answer is not None for answer in answers)
        else:
            confirmed = await timed(tally, "log_save", save, expect) is not None
        tally.logs[token] = (teacher_id, child_id, confirmed)


async def principal(client, tally, school_id, options, rng, deadline):
    await pause(rng.uniform(0, options.sheet_every), deadline)
    while time.monotonic() < deadline:
        await timed(tally, "status_sheet", lambda: client.get(f"/schools/{school_id}/status/"),
                    status(200))
        await pause(rng.uniform(0.5, 1.5) * options.sheet_every, deadline)


async def bureau(client, tally, options, rng, deadline):
    def is_xlsx(response):
        status(200)(response)
        if not response.content.startswith(b"PK"):
            raise ExpectationFailed("summary.xlsx is not a workbook")

    await pause(rng.uniform(0, options.export_every), deadline)
    while time.monotonic() < deadline:
        started = time.monotonic()
        await timed(tally, "summary_xlsx",
                    lambda: client.get("/summary.xlsx", timeout=EXPORT_TIMEOUT), is_xlsx)
        await pause(options.export_every - (time.monotonic() - started), deadline)


async def morning(cast, options):
    """Log everyone in (not measured), then run the morning; the tally and its seconds."""
    rng = random.Random(options.seed)
    users = ([("teacher", name, pk) for name, pk in cast.teachers]
             + [("principal", name, school) for name, school, *_ in cast.principals]
             + [("bureau", name, None) for name in cast.bureau])
    clients = [new_client(options.base_url) for _ in users]
    try:
        gate = asyncio.Semaphore(options.login_concurrency)

        async def ramp(client, username):
            async with gate:
                try:
                    await log_in(client, username, options.password)
                except httpx.HTTPError as error:
                    raise ToolError(f"No answer from {options.base_url} ({error!r}); "
                                    f"is the server running (make serve)?") from error

        started = time.monotonic()
        await asyncio.gather(*(ramp(client, name) for client, (_, name, _) in zip(
            clients, users, strict=True)))
        print(f"# {len(users)} users logged in ({time.monotonic() - started:.0f} s, "
              f"not measured); the morning runs {options.duration} s", flush=True)

        tally = Tally()
        meter = CpuMeter(options.server_pid)
        begun = time.monotonic()
        deadline = begun + options.duration
        tasks = []
        for client, (role, _, detail) in zip(clients, users, strict=True):
            user_rng = random.Random(rng.random())
            if role == "teacher":
                tasks.append(teacher(client, tally, detail, options, user_rng, deadline))
            elif role == "principal":
                tasks.append(principal(client, tally, detail, options, user_rng, deadline))
            else:
                tasks.append(bureau(client, tally, options, user_rng, deadline))
        await asyncio.gather(*tasks)
        seconds = time.monotonic() - begun
        tally.cpu = meter.summary(seconds, sum(tally.sent.values()))
        return tally, seconds
    finally:
        await asyncio.gather(*(client.aclose() for client in clients))


# --- Checking and reporting ----------------------------------------------------------------


class CpuMeter:
    """CPU seconds spent while the morning runs (Linux, from /proc): the whole machine's
    busy time (whoever spent it: other work on a shared machine shows here), this load
    generator's, and the server's (``--server-pid``: gunicorn's master and its workers,
    those replaced during the run included)."""

    def __init__(self, server_pid):
        self.server_pid = server_pid
        self.start = self._read()

    @staticmethod
    def _machine():
        try:
            with open("/proc/stat") as stat:
                values = [int(v) for v in stat.readline().split()[1:]]
        except OSError:
            return None
        idle = values[3] + values[4]
        return (sum(values) - idle) / os.sysconf("SC_CLK_TCK")

    def _server(self):
        if not self.server_pid:
            return None
        ticks = 0
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(entry.name) == self.server_pid:
                # The master's own time, and its reaped children's: gunicorn replaces a
                # worker after max_requests, and the old one's time must not vanish.
                ticks += sum(int(value) for value in fields[11:15])
            elif int(fields[1]) == self.server_pid:
                ticks += int(fields[11]) + int(fields[12])
        return ticks / os.sysconf("SC_CLK_TCK")

    def _read(self):
        return self._machine(), time.process_time(), self._server()

    def summary(self, seconds, requests):
        end = self._read()
        used = [None if a is None or b is None else b - a
                for a, b in zip(self.start, end, strict=True)]
        machine, generator, server = used
        parts = []
        if machine is not None:
            parts.append(f"machine busy {machine / seconds:.2f} of {os.cpu_count()} cores")
        parts.append(f"this load generator {generator / seconds:.2f}")
        if server is not None:
            parts.append(f"the server {server / seconds:.2f} "
                         f"({server * 1000 / max(requests, 1):.0f} ms of CPU a request)")
        return "CPU: " + ", ".join(parts)


def check_logs(tally, cast, since):
    """Each log meant is in the database once, by its teacher for its child; the teachers
    made no other log during the run. Returns (found, missing, unconfirmed, wrong, extra)."""
    from interventions.models import ContactLog

    tokens = {uuid.UUID(token): meant for token, meant in tally.logs.items()}
    found = {token: (author, child) for token, author, child in ContactLog.objects.filter(
        submission_token__in=list(tokens)).values_list("submission_token", "author_id",
                                                       "child_id")}
    missing = [t for t, (_, _, confirmed) in tokens.items() if confirmed and t not in found]
    unconfirmed = [t for t, (_, _, confirmed) in tokens.items() if not confirmed]
    wrong = [t for t, (author, child) in found.items() if tokens[t][:2] != (author, child)]
    extra = ContactLog.objects.filter(
        author_id__in=[pk for _, pk in cast.teachers], created_at__gte=since,
    ).exclude(submission_token__in=list(tokens)).count()
    return len(found), len(missing), len(unconfirmed), len(wrong), extra


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def report(tally, seconds, options):
    pages = [*TEACHER_PAGES, "log_save (again)", "status_sheet", "summary_xlsx"]
    lines = ["| page | requests | errors | p50 ms | p95 ms | p99 ms | max ms |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    slow = []
    total = errors = 0
    for page in pages:
        values = tally.latencies.get(page, [])
        sent, failed = tally.sent.get(page, 0), len(tally.errors.get(page, []))
        total += sent
        errors += failed
        if not sent:
            continue
        cells = ([f"{percentile(values, share):.0f}" for share in (0.5, 0.95, 0.99)]
                 + [f"{max(values):.0f}"]) if values else ["–"] * 4
        lines.append(f"| {page} | {sent} | {failed} | " + " | ".join(cells) + " |")
        if page in TEACHER_PAGES and values and percentile(values, 0.95) > options.p95:
            slow.append(page)
    print("\n".join(lines))
    print(f"\n{total} requests in {seconds:.1f} s ({total / seconds:.1f}/s), {errors} errors")
    print(tally.cpu)
    for page, messages in tally.errors.items():
        print(f"  {page}: {len(messages)} errors, e.g. {messages[0]}")
    if tally.latencies.get("week"):
        print(f"  teacher pages together: p95 "
              f"{percentile([v for p in TEACHER_PAGES for v in tally.latencies[p]], 0.95):.0f} ms")
    return errors, slow


def loopback_only(base_url):
    host = urlsplit(base_url).hostname or ""
    if host == "localhost":
        return base_url
    try:
        if ipaddress.ip_address(host).is_loopback:
            return base_url
    except ValueError:
        pass
    raise ToolError(f"{base_url}: a load test only targets a loopback address.")


def seconds_range(text):
    low, _, high = text.partition("-")
    low, high = float(low), float(high or low)
    if not 0 <= low <= high:
        raise argparse.ArgumentTypeError(f"not a range of seconds: {text}")
    return low, high


def arguments():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base-url", type=loopback_only, default="http://127.0.0.1:8000")
    parser.add_argument("--county", default="合成县", help="the county's name (default 合成县)")
    parser.add_argument("--password", default="guanai2026",
                        help="every account's password (generate_county's default)")
    parser.add_argument("--teachers", type=int, default=100)
    parser.add_argument("--principals", type=int, default=5)
    parser.add_argument("--bureau", type=int, default=2)
    parser.add_argument("--duration", type=float, default=60, help="seconds (default 60)")
    parser.add_argument("--look", type=seconds_range, default=(1.0, 3.0),
                        help="seconds on the week before tapping 记录 (default 1-3)")
    parser.add_argument("--typing", type=seconds_range, default=(3.0, 8.0),
                        help="seconds filling the log form (default 3-8)")
    parser.add_argument("--double", type=float, default=0.1,
                        help="share of saves sent twice with the same token (default 0.1)")
    parser.add_argument("--sheet-every", type=float, default=10,
                        help="seconds between a principal's sheets, on average (default 10)")
    parser.add_argument("--export-every", type=float, default=30,
                        help="seconds between a bureau user's exports (default 30)")
    parser.add_argument("--login-concurrency", type=int, default=4)
    parser.add_argument("--p95", type=float, default=300,
                        help="target for the teacher's pages, milliseconds (default 300)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--server-pid", type=int, default=0,
                        help="gunicorn's master process, to report the server's CPU use")
    return parser.parse_args()


def main():
    options = arguments()
    setup_django()
    logging.getLogger("httpx").setLevel(logging.WARNING)  # not a line per request
    cast = choose_cast(options.county, options.teachers, options.principals,
                       options.bureau, options.seed)
    print(f"# {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {options.base_url}, county "
          f"{cast.county}: {len(cast.teachers)} teachers, principals of "
          + ", ".join(f"{name} ({children})" for _, _, name, children in cast.principals)
          + f", {len(cast.bureau)} bureau users; load average "
          + " ".join(f"{value:.2f}" for value in os.getloadavg()), flush=True)
    since = datetime.now(UTC)
    tally, seconds = asyncio.run(morning(cast, options))
    errors, slow = report(tally, seconds, options)
    found, missing, unconfirmed, wrong, extra = check_logs(tally, cast, since)
    print(f"\ncontact logs: {len(tally.logs)} meant ({tally.doubles} sent twice), "
          f"{found} in the database once, {missing} missing, {wrong} by the wrong teacher "
          f"or child, {extra} extra; {unconfirmed} not confirmed by the server")
    print("# load average afterwards: "
          + " ".join(f"{value:.2f}" for value in os.getloadavg()))
    failures = []
    if errors:
        failures.append(f"{errors} errors")
    if missing or wrong or extra:
        failures.append("contact logs lost, misfiled or duplicated")
    if slow:
        failures.append(f"95th percentile above {options.p95:.0f} ms: {', '.join(slow)}")
    if failures:
        raise ToolError("; ".join(failures))
    print("OK: no errors, every contact log exactly once, teacher pages within target")


if __name__ == "__main__":
    run(main)
