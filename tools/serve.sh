#!/usr/bin/env bash
# `make serve`: start CareCase as in production, in the foreground — migrate, collect the
# static files (hashed names, compressed; WhiteNoise serves them), show Django's deployment
# checks, then gunicorn (tools/gunicorn.conf.py; 127.0.0.1:8000 unless GUNICORN_BIND).
#
# It takes the production environment (or the .env file; see .env.example): DEBUG off,
# SECRET_KEY, ALLOWED_HOSTS and a PostgreSQL DATABASE_URL. On loopback without TLS, as for
# the load test, add HTTPS=false. The systemd unit in docs/deploy.md runs gunicorn the same
# way; there migrations and collectstatic are an upgrade's steps.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.venv/bin}

"$BIN/python" - <<'PY'
import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "carecase.settings")
from django.conf import settings  # noqa: E402

if settings.DEBUG:
    sys.exit("make serve: DEBUG is on. It serves production settings; for development "
             "use `make run`.")
if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    sys.exit("make serve: set DATABASE_URL to a PostgreSQL database (gunicorn's several "
             "processes would queue on SQLite's single writer); `make run` serves SQLite.")
PY

"$BIN/python" manage.py migrate --no-input
"$BIN/python" manage.py collectstatic --no-input --verbosity 0
"$BIN/python" manage.py check --deploy
exec "$BIN/gunicorn" --config tools/gunicorn.conf.py carecase.wsgi
