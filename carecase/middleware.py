"""Keeps a session in use alive without writing it on every request."""

import time

from django.conf import settings

# When the session's end was last pushed forward, in seconds since the epoch.
REFRESHED_AT = "_session_refreshed_at"


def stamp_session_at_login(sender, request, user, **kwargs):
    """``user_logged_in`` receiver: a new login's session is as fresh as it gets, so the
    first requests after it need not write it again."""
    if hasattr(request, "session"):
        request.session[REFRESHED_AT] = int(time.time())


class SessionRefreshMiddleware:
    """A database session ends SESSION_COOKIE_AGE after it was last saved. Saving it on
    every request (SESSION_SAVE_EVERY_REQUEST) would write the session row, and send the
    cookie again, for every page every teacher opens; this saves a logged-in user's
    session only when SESSION_REFRESH_SECONDS have passed since it was last saved. A
    session in use therefore lasts, and one left idle for SESSION_COOKIE_AGE (less at
    most SESSION_REFRESH_SECONDS) ends."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            session = request.session
            now = int(time.time())
            # A session saved anyway (a login, a message) counts as refreshed for free.
            if session.modified or now - session.get(REFRESHED_AT, 0) >= (
                settings.SESSION_REFRESH_SECONDS
            ):
                session[REFRESHED_AT] = now
        return response
