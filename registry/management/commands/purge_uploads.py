"""Delete uploaded import files whose confirmation window has passed."""

from django.core.management.base import BaseCommand

from registry.services.uploads import pending_uploads_purge


class Command(BaseCommand):
    help = "Delete expired uploads that were never confirmed (run it hourly, e.g. from cron)."

    def handle(self, *args, **options):
        count = pending_uploads_purge()
        self.stdout.write(f"{count} expired upload(s) deleted.")
