from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Reports")

    def ready(self):
        from auditlog.registry import auditlog

        from reports.models import MonthlySubmission

        # Every submission, reopening and resubmission, with the snapshot replaced: what
        # a month reported before it was reopened stays in the change history.
        auditlog.register(MonthlySubmission)
