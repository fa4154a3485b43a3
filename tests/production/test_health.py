"""The health check (carecase/health.py, URL name ``health``): 200 "ok" while the
database answers, 503 when it does not; no login, no cookie, no cache, and no redirect
to https for a load balancer asking over plain HTTP."""

from unittest import mock

import pytest
from django.db import OperationalError
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_ok_without_login(client):
    response = client.get(reverse("health"))
    assert response.status_code == 200
    assert response.content.decode().strip() == "ok"
    assert response["Content-Type"].startswith("text/plain")
    assert "no-cache" in response["Cache-Control"]
    assert not response.cookies


def test_the_url_is_healthz():
    assert reverse("health") == "/healthz"


def test_unavailable_when_the_database_does_not_answer(client):
    with mock.patch("carecase.health.connection") as connection:
        connection.cursor.side_effect = OperationalError("connection refused to 10.0.0.9")
        response = client.get(reverse("health"))
    assert response.status_code == 503
    assert response.content.decode().strip() == "unavailable"
    assert "10.0.0.9" not in response.content.decode()


def test_not_redirected_to_https(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get(reverse("health")).status_code == 200
    assert client.get(reverse("login")).status_code == 301


def test_only_reads(client):
    assert client.post(reverse("health")).status_code == 405
    assert client.head(reverse("health")).status_code == 200
