"""The admin app, configured to use CareCase's role-aware admin site."""

from django.contrib.admin.apps import AdminConfig


class CareCaseAdminConfig(AdminConfig):
    default_site = "registry.admin_site.CareCaseAdminSite"
