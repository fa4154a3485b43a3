"""Load the demo county: the fixed fixture, then what depends on today's date."""

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from interventions.demo import build_care, clear_care
from interventions.services import care_standards_install_defaults
from registry.demo import DEMO_LOGINS, DEMO_PASSWORD, build_demo
from registry.models import County
from reports.demo import build_submissions


class Command(BaseCommand):
    help = "Load the demo county (two counties, six schools, demo accounts) around today."

    def handle(self, *args, **options):
        with transaction.atomic():
            call_command("loaddata", "demo", verbosity=0)
            clear_care(County.objects.all())
            for county in County.objects.all():
                care_standards_install_defaults(county=county)
            school_year = build_demo()
            logs = build_care(timezone.localdate())
            submissions = build_submissions(timezone.localdate())
        self.stdout.write(self.style.SUCCESS(
            f"Demo county loaded for school year {school_year}, with {logs} contact logs "
            f"and {submissions} monthly reports."
        ))
        self.stdout.write(f"\nDemo logins (password for all: {DEMO_PASSWORD}):")
        for username, who, lands_on in DEMO_LOGINS:
            self.stdout.write(f"  {username:<11} {who}  ->  {lands_on}")
