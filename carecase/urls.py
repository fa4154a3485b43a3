from django.contrib import admin
from django.urls import include, path

from carecase.health import health

urlpatterns = [
    # For load balancers and monitoring: no login, plain text, the database asked.
    path("healthz", health, name="health"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("registry.urls")),
    path("", include("interventions.urls")),
    path("", include("reports.urls")),
]

# Error pages in the site's layout, without the exception or the path (carecase.views).
handler400 = "carecase.views.bad_request"
handler403 = "carecase.views.permission_denied"
handler404 = "carecase.views.page_not_found"
handler500 = "carecase.views.server_error"
