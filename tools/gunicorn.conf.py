"""gunicorn's configuration for CareCase: ``gunicorn -c tools/gunicorn.conf.py carecase.wsgi``
(``make serve`` and the systemd unit in docs/deploy.md run exactly that).

Worker model — ``gthread``: several processes, each with two threads. CareCase's pages
are short (a teacher's week: ~11 queries, 15–50 ms of CPU by the machine) but a few are
long (the county summary's xlsx, a status sheet of a big school, the county roster
export: seconds). With
sync workers every long request holds a whole process, so two bureau exports and a few
principals' sheets at once leave the teachers queueing behind them; with a second thread
a long export shares its process with a short page instead of blocking it. Python runs
one thread at a time per process, and a short page waiting for the interpreter behind a
status sheet in its own process is what made the teachers' slowest pages slow: more
processes with fewer threads each spread the short pages over more queues, and the
operating system shares the cores between them. On a 2-core machine with PostgreSQL on
the same host the default is 2 × cores + 2 = 6 processes × 2 threads: 12 requests under
way at once and 12 database connections, ~100 MB of memory a process. Against 3
processes × 4 threads it took the teachers' 95th percentile from 466 to 300 ms in the
same Monday morning (docs/benchmarks.md, "Load: a Monday morning").

Every setting can be changed from the environment (or the ``.env`` file):

``GUNICORN_BIND``      where to listen (default ``127.0.0.1:8000``: nginx in front);
``WEB_CONCURRENCY``    worker processes (default: 2 × cores + 2);
``GUNICORN_THREADS``   threads per process (default 2);
``GUNICORN_TIMEOUT``   seconds before a silent worker is restarted (default 60: the
                       county roster export takes up to ~20 s at full size).

Each thread keeps its own database connection (``CONN_MAX_AGE``), so PostgreSQL sees up
to processes × threads connections per app server: keep that under ``max_connections``.

The access log goes to standard output (journald under systemd) without query strings
or referrers: search terms — a child's name — travel in query strings.
"""

import os
from pathlib import Path

import environ

# The same .env file the settings read, so that these variables may live there too.
_ENV_FILE = Path(__file__).resolve().parent.parent / ".env"
if _ENV_FILE.is_file():
    environ.Env.read_env(_ENV_FILE)


def _int(name, default):
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


bind = os.environ.get("GUNICORN_BIND", "").strip() or "127.0.0.1:8000"
worker_class = "gthread"
workers = _int("WEB_CONCURRENCY", 2 * (os.cpu_count() or 1) + 2)
threads = _int("GUNICORN_THREADS", 2)
timeout = _int("GUNICORN_TIMEOUT", 60)
graceful_timeout = 30
keepalive = 5
# Recycle a worker now and then: exports build large workbooks, and a long-lived process
# keeps the memory it once needed. The jitter keeps the workers from restarting together.
max_requests = 2000
max_requests_jitter = 200

# Recent gunicorn opens a control socket (for gunicornc) in $XDG_RUNTIME_DIR or ~/.gunicorn;
# nothing here uses it. (Older versions ignore the setting.)
control_socket_disable = True

accesslog = "-"
errorlog = "-"
# Remote address, method, path (no query string), status, bytes, milliseconds.
access_log_format = '%(h)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms'
