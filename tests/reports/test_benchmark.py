"""``manage.py benchmark``: on a small synthetic county, every measurement is printed as
``name  milliseconds  queries``, the database is left as it was, and mistakes in the
options are clear errors."""

import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from registry.models import AccessLog
from reports.benchmark import NAMES

NAME = "基准测试县"
LINE = re.compile(r"^(?P<name>\S+) {2,}(?P<ms>\d+(?:\.\d)?) {2,}(?P<queries>\d+)$")
PEAK = re.compile(r"^roster_xlsx_county_peak_mb {2,}\d+(?:\.\d)?$")


def benchmark(**options):
    out = StringIO()
    call_command("benchmark", county=NAME, runs=1, stdout=out, **options)
    return out.getvalue().splitlines()


@pytest.fixture
def county(db):
    """Small, for a quick test: three schools, a hundred children, a year of logs."""
    call_command("generate_county", children=100, schools=3, townships=1, seed=1,
                 county_name=NAME, stdout=StringIO())


def test_every_measurement_is_printed(county):
    logged = AccessLog.objects.count()
    lines = benchmark()
    header = [line for line in lines if line.startswith("#")]
    assert NAME in header[0] and "children" in header[0]
    measured = {}
    for line in lines:
        if match := LINE.match(line):
            measured[match["name"]] = (float(match["ms"]), int(match["queries"]))
    assert list(measured) == list(NAMES)
    for ms, queries in measured.values():
        assert ms > 0 and queries > 0
    assert sum(1 for line in lines if PEAK.match(line)) == 1
    assert len(lines) == len(header) + len(NAMES) + 1
    # The pages' access-log lines were rolled back.
    assert AccessLog.objects.count() == logged

    only = benchmark(only="teacher_week, summary_xlsx")
    assert [LINE.match(line)["name"] for line in only if LINE.match(line)] == [
        "teacher_week", "summary_xlsx"]
    assert not any(PEAK.match(line) for line in only)


def test_an_unknown_county_is_a_clear_error(db):
    with pytest.raises(CommandError, match="No county named '没有这个县'.*generate_county"):
        call_command("benchmark", county="没有这个县", stdout=StringIO())


def test_unknown_measurements_and_runs_are_refused(db):
    with pytest.raises(CommandError, match="Unknown measurement summary.*choose from"):
        call_command("benchmark", only="summary", stdout=StringIO())
    with pytest.raises(CommandError, match="at least 1"):
        call_command("benchmark", runs=0, stdout=StringIO())
