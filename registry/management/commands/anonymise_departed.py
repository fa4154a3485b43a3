"""Anonymise the files of children whose registry ended longer ago than their county's
retention period (registry/retention.py says what changes and what stays).

    manage.py anonymise_departed [--county CODE] [--dry-run]

Safe to run again (a file is anonymised once); run it monthly, e.g. from cron.
"""

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from registry.models import County
from registry.retention import departed_children_anonymise, departure_cutoff


class Command(BaseCommand):
    help = (
        "Anonymise the files of children off the registry for longer than their county's "
        "retention period (County.retention_years, else RETENTION_YEARS), keeping every "
        "figure. --dry-run counts them per school and changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--county", metavar="CODE", help="Only this county (its code).")
        parser.add_argument("--dry-run", action="store_true",
                            help="Count the children per school; change nothing.")

    def handle(self, *args, county=None, dry_run=False, **options):
        counties = County.objects.order_by("code")
        if county:
            counties = counties.filter(code=county)
            if not counties.exists():
                raise CommandError(f"No county has the code {county!r}.")
        try:
            for place in counties:
                self.stdout.write(f"{place} ({place.code}): off the registry before "
                                  f"{departure_cutoff(place):%Y-%m-%d}")
            per_school = departed_children_anonymise(counties=counties, dry_run=dry_run)
        except ImproperlyConfigured as error:
            raise CommandError(str(error)) from error
        for school, count in sorted(per_school.items(), key=lambda item: item[0].code):
            self.stdout.write(f"  {school.name} ({school.code}): {count}")
        total = sum(per_school.values())
        verb = "would be anonymised" if dry_run else "anonymised"
        self.stdout.write(f"{total} child file(s) {verb}.")
