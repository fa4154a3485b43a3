"""Delete the access log entries older than the retention period: the only way an
entry leaves the access log (registry/retention.py)."""

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from registry.retention import access_log_cutoff, access_log_prune


class Command(BaseCommand):
    help = (
        "Delete access log entries older than ACCESS_LOG_RETENTION_DAYS (default 183 days, "
        "never fewer). Run it daily, e.g. from cron."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true",
                            help="Count the entries that would go, and delete nothing.")

    def handle(self, *args, dry_run=False, **options):
        try:
            cutoff = access_log_cutoff()
            count = access_log_prune(dry_run=dry_run)
        except ImproperlyConfigured as error:
            raise CommandError(str(error)) from error
        verb = "would be deleted" if dry_run else "deleted"
        self.stdout.write(f"{count} access log entries from before {cutoff:%Y-%m-%d %H:%M} "
                          f"{verb}.")
