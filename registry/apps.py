from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "registry"
    verbose_name = _("Registry")


    def ready(self):
        from auditlog.registry import auditlog
        from django.contrib.auth.signals import user_logged_in

        from carecase.middleware import stamp_session_at_login
        from registry.models import Child, FamilyMember, RegistryEpisode

        # A login is a session's first refresh (carecase.middleware).
        user_logged_in.connect(stamp_session_at_login, dispatch_uid="stamp_session_at_login")

        # Change history; ID numbers are masked in it like everywhere else.
        auditlog.register(Child, mask_fields=["id_number"], exclude_fields=["updated_at"])
        auditlog.register(FamilyMember)
        auditlog.register(RegistryEpisode)
