"""The settings module refuses to start insecurely and is clean for deployment."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GOOD_KEY = secrets.token_urlsafe(50)


def run_django(env_overrides, *args):
    env = {k: v for k, v in os.environ.items()
           if k not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "HTTPS", "DATABASE_URL",
                         "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env,
        capture_output=True, text=True, timeout=120, check=False,
    )


@pytest.mark.parametrize(
    "env, message",
    [
        ({"DEBUG": "false", "ALLOWED_HOSTS": "example.org"}, "SECRET_KEY must be set"),
        ({"DEBUG": "false", "SECRET_KEY": "short", "ALLOWED_HOSTS": "x"}, "SECRET_KEY must be set"),
        ({"DEBUG": "false", "SECRET_KEY": GOOD_KEY}, "ALLOWED_HOSTS must be set"),
        ({"ALLOWED_HOSTS": "example.org"}, "SECRET_KEY must be set"),  # DEBUG is off by default
    ],
)
def test_production_refuses_to_start_without_secret_key_and_hosts(env, message):
    result = run_django(env, "check")
    assert result.returncode != 0
    assert message in result.stderr


def test_production_settings_pass_the_deployment_checks():
    result = run_django(
        {"DEBUG": "false", "SECRET_KEY": GOOD_KEY, "ALLOWED_HOSTS": "carecase.example.org"},
        "check", "--deploy", "--fail-level", "WARNING",
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_is_secure_by_default_and_https_can_be_turned_off():
    code = ("from django.conf import settings as s; print(s.SECURE_SSL_REDIRECT, "
            "s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS > 0)")
    base = {"DEBUG": "false", "SECRET_KEY": GOOD_KEY, "ALLOWED_HOSTS": "x"}
    secure = run_django(base, "shell", "-v", "0", "-c", code)
    assert secure.stdout.split() == ["True", "True", "True", "True"], secure.stderr
    intranet = run_django({**base, "HTTPS": "false"}, "shell", "-v", "0", "-c", code)
    assert intranet.stdout.split() == ["False", "False", "False", "False"], intranet.stderr
