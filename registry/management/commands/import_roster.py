"""Import a school's roster from the command line, or write the blank template.

    manage.py import_roster FILE --school CODE --user USERNAME [--dry-run]
    manage.py import_roster --template OUT.xlsx

The import acts as the school admin named by ``--user``: the services check what they may
do and the access log and change history name them. A school code is unique only within
its county, so ``--school`` does not choose the school: it must be the user's own, as a
guard against importing a file into the wrong school.
"""

from pathlib import Path

from auditlog.context import set_actor
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from registry import roster
from registry.models import User
from registry.services import roster_import


class Command(BaseCommand):
    help = "Import a roster (xlsx or CSV) into a school, or write the blank template."

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", help="The roster file (.xlsx or .csv).")
        parser.add_argument("--school", help="The school's code; it must be the user's school.")
        parser.add_argument("--user", help="Username of the school admin who imports.")
        parser.add_argument("--dry-run", action="store_true",
                            help="Check every row and write nothing.")
        parser.add_argument("--template", metavar="OUT.xlsx",
                            help="Write the blank roster template to this file.")

    def handle(self, *args, **options):
        if options["template"]:
            if options["file"]:
                raise CommandError(_("Give either a file to import or --template, not both."))
            with open(options["template"], "wb") as stream:
                roster.write_template(stream)
            self.stdout.write(_("Template written to %(path)s.") % {"path": options["template"]})
            return
        if not (options["file"] and options["school"] and options["user"]):
            raise CommandError(_("Give the file, --school and --user (or --template OUT.xlsx)."))
        actor = self._actor(options["user"], options["school"])
        try:
            dataset = roster.read_roster(Path(options["file"]).read_bytes())
        except OSError as error:
            raise CommandError(str(error)) from None
        except roster.RosterFileError as error:
            raise CommandError(error.message) from None
        with set_actor(actor):
            report = roster_import(actor=actor, dataset=dataset,
                                   filename=Path(options["file"]).name,
                                   dry_run=options["dry_run"])
        self._print(report)
        if report.file_problems:
            raise CommandError(_("Nothing was imported."))
        if report.has_errors:
            raise CommandError(ngettext(
                "%(count)s row has errors; nothing was imported.",
                "%(count)s rows have errors; nothing was imported.",
                len(report.error_rows),
            ) % {"count": len(report.error_rows)})
        if options["dry_run"]:
            self.stdout.write(_("Dry run: nothing was written."))

    def _actor(self, username, code):
        user = User.objects.filter(username=username, is_active=True).select_related(
            "school").first()
        if user is None:
            raise CommandError(_("There is no active user %(username)s.") % {"username": username})
        if not user.has_perm("registry.import_roster") or user.school is None:
            raise CommandError(_("%(username)s may not import rosters: only a school admin "
                                 "may.") % {"username": username})
        if user.school.code != code:
            raise CommandError(_("%(username)s belongs to %(school)s (%(own)s), not to the "
                                 "school %(code)s.")
                               % {"username": username, "school": user.school,
                                  "own": user.school.code, "code": code})
        return user

    def _print(self, report):
        if report.unknown_columns:
            self.stderr.write(
                _("These columns are not part of the roster and are ignored: %(columns)s.")
                % {"columns": "、".join(report.unknown_columns)}
            )
        for problem in report.file_problems:
            self.stderr.write(problem)
        for row in report.error_rows:
            for column, message in row.problems:
                self.stderr.write(_("Row %(row)s, %(column)s: %(message)s")
                                  % {"row": row.line, "column": column or "—",
                                     "message": message})
        if not report.has_errors:
            self.stdout.write(report.summary())
