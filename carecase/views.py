"""The error pages: 400, 403, 404, 500 and a refused form (CSRF), in the user's language
and the site's layout, saying what the user can do and nothing of the system's
internals (no exception text, no path, no setting)."""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.http import HttpResponseServerError
from django.shortcuts import render
from django.template import loader
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.csrf import requires_csrf_token


# Django's own handlers put the exception's message and the requested path into the
# template's context; these give the templates nothing to leak.
@requires_csrf_token
def bad_request(request, exception):
    # A form or upload over the limits (settings: DATA_UPLOAD_MAX_MEMORY_SIZE,
    # DATA_UPLOAD_MAX_NUMBER_FIELDS) says so, and what to do, instead of "bad request".
    context = {}
    if isinstance(exception, (RequestDataTooBig, TooManyFieldsSent)):
        context = {
            "too_large": True,
            "max_mb": settings.DATA_UPLOAD_MAX_MEMORY_SIZE // (1024 * 1024),
            "max_fields": settings.DATA_UPLOAD_MAX_NUMBER_FIELDS,
        }
    return render(request, "400.html", context, status=400)


@requires_csrf_token
def permission_denied(request, exception):
    return render(request, "403.html", status=403)


@requires_csrf_token
def page_not_found(request, exception):
    return render(request, "404.html", status=404)


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: ``reason`` names the check that failed; it goes to the
    django.security.csrf log, not to the user."""
    return render(request, "403_csrf.html", status=403)


def server_error(request):
    """Rendered without the request's context: no context processors, no database, no
    session, since any of them may be what failed. The stylesheets and the home link
    are looked up here and left out if even that fails."""
    try:
        context = {
            "stylesheets": [static("vendor/bootstrap-5.3.9/bootstrap.min.css"),
                            static("css/carecase.css")],
            "home_url": reverse("home"),
        }
    except Exception:  # the error page must render whatever else is broken
        context = {"stylesheets": [], "home_url": "/"}
    return HttpResponseServerError(loader.render_to_string("500.html", context))
