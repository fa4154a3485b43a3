"""A session ends after a working day without a request, or with the browser; a session
in use lasts, and is written at most once per SESSION_REFRESH_SECONDS, not on every
request."""

import datetime

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from carecase.middleware import REFRESHED_AT
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db


def stored_session(client):
    return Session.objects.get(session_key=client.session.session_key)


def age_session(client, seconds):
    """Make the session look as if its last save was ``seconds`` ago: its end in the
    database and its own refresh stamp both move back."""
    row = stored_session(client)
    data = row.get_decoded()
    data[REFRESHED_AT] = data.get(REFRESHED_AT, int(timezone.now().timestamp())) - seconds
    row.session_data = Session.objects.encode(data)
    row.expire_date -= datetime.timedelta(seconds=seconds)
    row.save()


def session_writes(queries):
    return [q["sql"] for q in queries
            if "django_session" in q["sql"] and q["sql"].lstrip().upper().startswith(
                ("UPDATE", "INSERT"))]


def test_a_session_lasts_a_working_day_of_idleness_and_ends_with_the_browser():
    assert 9 * 3600 <= settings.SESSION_COOKIE_AGE <= 12 * 3600
    assert settings.SESSION_REFRESH_SECONDS <= 15 * 60
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE
    assert not settings.SESSION_SAVE_EVERY_REQUEST


def test_the_login_cookie_ends_with_the_browser(client, world):
    response = client.post(reverse("login"), {"username": world.teacher_a.username,
                                              "password": TEST_PASSWORD})
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie.value and not cookie["max-age"] and not cookie["expires"]


def test_an_idle_session_older_than_the_limit_is_logged_out(client, world):
    client.force_login(world.teacher_a)
    assert client.get(reverse("home")).status_code == 200
    age_session(client, settings.SESSION_COOKIE_AGE + 60)
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_a_session_idle_for_most_of_a_day_still_holds(client, world):
    client.force_login(world.teacher_a)
    client.get(reverse("home"))
    age_session(client, settings.SESSION_COOKIE_AGE - 30 * 60)
    assert client.get(reverse("home")).status_code == 200


def test_an_active_session_is_kept_past_the_limit(client, world):
    """A teacher at work all day: each request after the refresh interval pushes the
    session's end a full SESSION_COOKIE_AGE ahead."""
    client.force_login(world.teacher_a)
    client.get(reverse("home"))
    for _ in range(3):  # three stretches of nine hours and more, never idle for long
        age_session(client, settings.SESSION_COOKIE_AGE - 5 * 60)
        before = timezone.now()
        assert client.get(reverse("home")).status_code == 200
        remaining = stored_session(client).expire_date - before
        assert remaining >= datetime.timedelta(seconds=settings.SESSION_COOKIE_AGE - 5)


def test_requests_within_the_interval_do_not_write_the_session(client, world):
    client.force_login(world.teacher_a)  # a login stamps the session: fresh
    expire_date = stored_session(client).expire_date
    with CaptureQueriesContext(connection) as queries:
        for _ in range(5):
            response = client.get(reverse("home"))
            assert response.status_code == 200
            assert settings.SESSION_COOKIE_NAME not in response.cookies
    assert session_writes(queries.captured_queries) == []
    assert stored_session(client).expire_date == expire_date


def test_after_the_interval_one_request_writes_the_session_once(client, world):
    client.force_login(world.teacher_a)
    client.get(reverse("home"))
    age_session(client, settings.SESSION_REFRESH_SECONDS)
    with CaptureQueriesContext(connection) as queries:
        refreshing = client.get(reverse("home"))
        client.get(reverse("home"))
    assert len(session_writes(queries.captured_queries)) == 1
    # The cookie is sent again, still a browser-session cookie.
    cookie = refreshing.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie.value == client.session.session_key and not cookie["max-age"]


def test_anonymous_requests_never_create_a_session(client):
    client.get(reverse("login"))
    assert not Session.objects.exists()
