"""Time the heavy pages on a county made by ``generate_county``.

One line per measurement on stdout, ``name  milliseconds  queries`` (the medians over
``--runs`` runs after one warm-up; columns two or more spaces apart), after two header
lines starting with ``#`` (the county, its size, the database, the date and the load
average; who is measured). The peak memory of the county's roster export is a line of
its own, ``roster_xlsx_county_peak_mb  <MB>``: the ``tracemalloc`` peak of the Python
allocations during one further request (see ``reports.benchmark`` for the definitions of
the largest school and the busiest teacher, and for why the database is left as found).
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.test.utils import override_settings

from reports.benchmark import (
    DEFAULT_RUNS,
    NAMES,
    Benchmark,
    BenchmarkError,
    describe,
    find_county,
    parse_only,
    pick_subjects,
)
from reports.synthetic import DEFAULT_COUNTY_NAME


class Command(BaseCommand):
    help = (
        "Time the status sheet, the teacher's week, the county summary and the xlsx "
        "exports on a county made by generate_county: the median milliseconds and queries "
        "of each, through Django's test client."
    )

    def add_arguments(self, parser):
        parser.add_argument("--county", default=DEFAULT_COUNTY_NAME,
                            help=f"the county's name (default {DEFAULT_COUNTY_NAME})")
        parser.add_argument("--runs", type=int, default=DEFAULT_RUNS,
                            help=f"timed runs of each page after a warm-up; the median is "
                                 f"reported (default {DEFAULT_RUNS})")
        parser.add_argument("--only", default="",
                            help=f"comma-separated measurements (of {', '.join(NAMES)})")

    def handle(self, *args, **options):
        try:
            names = parse_only(options["only"])
            if options["runs"] < 1:
                raise BenchmarkError("--runs must be at least 1.")
            subjects = pick_subjects(find_county(options["county"]))
            for line in describe(subjects):
                self.write(line)
            hosts = list(settings.ALLOWED_HOSTS)
            if "testserver" not in hosts and "*" not in hosts:
                hosts.append("testserver")  # the test client's host
            with override_settings(ALLOWED_HOSTS=hosts):
                for measurement in Benchmark(subjects, runs=options["runs"],
                                             names=names).run():
                    self.write(measurement.line())
                    if measurement.peak_mb is not None:
                        self.write(measurement.peak_line())
        except BenchmarkError as error:
            raise CommandError(str(error)) from error

    def write(self, line):
        self.stdout.write(line)
        self.stdout.flush()
