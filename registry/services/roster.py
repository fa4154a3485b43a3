"""Importing a school's roster: the whole file in one transaction, logged when done."""

from contextlib import nullcontext

from auditlog.context import disable_auditlog
from django.core.exceptions import PermissionDenied
from django.db import transaction

from registry import access_detail
from registry.models import AccessLog
from registry.permissions import require_perm
from registry.roster import RosterResource, roster_report
from registry.services.children import access_log_record


def roster_import(*, actor, dataset, filename, dry_run=False, today=None):
    """Import ``dataset`` (from ``registry.roster.read_roster``) into the actor's school
    and return its ``RosterReport``. All or nothing: one row with an error and nothing is
    written. A dry run does every write and rolls it back, so its report is what the real
    import would do. A real import goes in the access log."""
    require_perm(actor, "registry.import_roster")
    if actor.school is None:
        raise PermissionDenied
    resource = RosterResource(actor=actor, school=actor.school, today=today)
    # A dry run's change history would be rolled back with the rest: skip writing it.
    history = disable_auditlog() if dry_run else nullcontext()
    with transaction.atomic(), history:
        result = resource.import_data(dataset, dry_run=dry_run, use_transactions=True,
                                      rollback_on_validation_errors=True)
        report = roster_report(result, dataset)
        if report.has_errors or result.has_errors():
            transaction.set_rollback(True)
        elif not dry_run:
            access_log_record(user=actor, action=AccessLog.Action.IMPORT, school=actor.school,
                              detail=access_detail.upload("roster", filename),
                              rows=report.total)
    return report
