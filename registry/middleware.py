"""Sends a user whose password was reset to the password change page until they
choose their own."""

from django.shortcuts import redirect
from django.urls import reverse

# Pages a user with a temporary password may still open.
_ALLOWED_URL_NAMES = {"password_change", "logout", "set_language"}


class ForcePasswordChangeMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = getattr(request, "user", None)
        if not (user and user.is_authenticated and user.must_change_password):
            return None
        match = request.resolver_match
        if match and match.url_name in _ALLOWED_URL_NAMES:
            return None
        if request.path.startswith(("/static/",)):
            return None
        return redirect(reverse("password_change"))
