from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "registry"
    verbose_name = _("Registry")


    def ready(self):
        from auditlog.registry import auditlog

        from registry.models import Child, FamilyMember, RegistryEpisode

        # Change history; ID numbers are masked in it like everywhere else.
        auditlog.register(Child, mask_fields=["id_number"], exclude_fields=["updated_at"])
        auditlog.register(FamilyMember)
        auditlog.register(RegistryEpisode)
