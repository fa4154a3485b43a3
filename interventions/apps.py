from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InterventionsConfig(AppConfig):
    name = "interventions"
    verbose_name = _("Care work")

    def ready(self):
        from auditlog.registry import auditlog

        from interventions.models import (
            Concern,
            ConcernAlert,
            ConcernNote,
            ContactLog,
            HelpPlan,
            Pairing,
            Volunteer,
        )

        # Change history of who was paired with a child, and of the volunteers.
        auditlog.register(Pairing)
        auditlog.register(Volunteer)
        # Corrections of contact logs (what was logged, and who changed it).
        auditlog.register(ContactLog, exclude_fields=["updated_at"])
        # Concerns, their follow-ups and alerts, and help plans: every change traceable.
        auditlog.register(Concern)
        auditlog.register(ConcernNote)
        auditlog.register(ConcernAlert)
        auditlog.register(HelpPlan, exclude_fields=["updated_at"])
