"""CareCase settings: one module, configured by the environment (see .env.example).

Secure by default: with DEBUG off the site refuses to start without SECRET_KEY and
ALLOWED_HOSTS, and turns on secure cookies, HSTS and the HTTPS redirect unless HTTPS=off
is set for a plain-HTTP intranet.
"""

from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if (BASE_DIR / ".env").is_file():
    env.read_env(BASE_DIR / ".env")

DEBUG = env.bool("DEBUG", default=False)

if DEBUG:
    SECRET_KEY = env.str("SECRET_KEY", default="insecure-development-key-only-for-debug")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
else:
    SECRET_KEY = env.str("SECRET_KEY", default="")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])
    if len(SECRET_KEY) < 50:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set (at least 50 random characters) when DEBUG is off."
        )
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DEBUG is off.")

INSTALLED_APPS = [
    "carecase.apps.CareCaseAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "axes",
    "csp",
    "auditlog",
    "registry",
    "interventions",
    "reports",
]

MIDDLEWARE = [
    # First, so that every response carries the policy: the 400 of a bad Host header
    # (raised in SecurityMiddleware and CommonMiddleware) and the 500 page too.
    "csp.middleware.CSPMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Inside SessionMiddleware: it marks the session for saving before that one saves.
    "carecase.middleware.SessionRefreshMiddleware",
    "registry.middleware.ForcePasswordChangeMiddleware",
    "auditlog.middleware.AuditlogMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Axes must come last: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "carecase.urls"
WSGI_APPLICATION = "carecase.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "registry.context_processors.navigation",
                "interventions.context_processors.mandatory_reports",
            ],
        },
    },
]

# The embedded default: a SQLite file beside the code. PostgreSQL in production.
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"].setdefault("TEST", {})
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # Planner settings for this workload (docs/benchmarks.md): no JIT compilation (the
    # report queries, EXISTS subqueries per child, are costed above jit_above_cost, and
    # compiling them took longer than running them: 2 s of 2.4 s for the county
    # summary's counts), and a random page costed as on SSD storage, so that a school's
    # page probes the index per child instead of hashing the whole county's families.
    options = DATABASES["default"].setdefault("OPTIONS", {})
    options["options"] = (options.get("options", "")
                          + " -c jit=off -c random_page_cost=1.1").strip()

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "registry.User"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # The role table answers every permission the pages ask without a query; Django's
    # own backend (per-user and group permissions: two queries) is asked only after it.
    "registry.permissions.RolePermissionBackend",
    # Django's ModelBackend, loading the user with their place (registry/permissions.py).
    "registry.permissions.UserBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

FIXTURE_DIRS = [BASE_DIR / "fixtures"]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Language and time: Simplified Chinese first, English available.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Sessions live in the database so that app servers stay stateless. A session ends after
# a working day without a request (SESSION_COOKIE_AGE, 10 hours), or when the browser is
# closed: school offices share computers. SessionRefreshMiddleware pushes an active
# session's end forward, writing it at most once per SESSION_REFRESH_SECONDS rather than
# on every request (SESSION_SAVE_EVERY_REQUEST), so a county's Monday morning costs one
# session write per teacher per ten minutes.
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=60 * 60 * 10)
SESSION_REFRESH_SECONDS = 60 * 10
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# HTTPS everywhere unless DEBUG, or HTTPS=off for a county intranet without TLS.
HTTPS = env.bool("HTTPS", default=not DEBUG)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = False
# Preloading is a public, hard-to-undo commitment a county makes for its own domain.
SILENCED_SYSTEM_CHECKS = ["security.W021"]
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Two covering indexes (INCLUDE columns) serve PostgreSQL's county-wide reports;
    # SQLite, the small-site default, builds them without the extra columns.
    SILENCED_SYSTEM_CHECKS.append("models.W040")
if env.bool("BEHIND_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# A refused form (an expired page, cookies blocked) gets a page in the site's layout.
CSRF_FAILURE_VIEW = "carecase.views.csrf_failure"

# Upload and form limits: rosters are small spreadsheets, never hundreds of megabytes.
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 5000

# Content-Security-Policy: our own files only, no inline script.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# Login lockout: keyed on username and address together, because a whole school
# shares one public address.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_CALLABLE = "registry.views.accounts.locked_out"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

# Change history (django-auditlog): who changed what, with ID numbers masked.
AUDITLOG_MASK_CALLABLE = "registry.idnumber.mask_id_number"

EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="carecase@localhost")
# An SMTP server as one URL (smtp+tls://user:password@host:587) sets the backend, host,
# port, credentials and TLS at once.
if env.str("EMAIL_URL", default=""):
    vars().update(env.email_url("EMAIL_URL"))
# The site's own address, for links in e-mails (mandatory-report alerts).
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000" if DEBUG else "")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "hide_query_strings": {"()": "carecase.log_filters.HideQueryStrings"},
        "hide_database_values": {"()": "carecase.log_filters.HideDatabaseValues"},
    },
    # On the handler too, so that no logger's line carries a query string, or the values
    # an integrity error's text quotes (an ID number, a child's row).
    "handlers": {
        "console": {"class": "logging.StreamHandler",
                    "filters": ["hide_query_strings", "hide_database_values"]},
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # Axes logs usernames on every attempt; keep that out of INFO-level logs.
        "axes": {"level": "WARNING"},
        # Request lines: search terms (children's names) never reach the log.
        "django.server": {
            "handlers": ["console"], "level": "INFO", "propagate": False,
            "filters": ["hide_query_strings"],
        },
        "django.request": {"filters": ["hide_query_strings", "hide_database_values"]},
    },
}

# Audit and retention (registry/retention.py). Access-log entries are kept this many days
# (at least six months: prune_access_log refuses less), and the files of children off the
# registry this many years are anonymised by anonymise_departed, unless their county sets
# its own period (County.retention_years).
ACCESS_LOG_RETENTION_DAYS = env.int("ACCESS_LOG_RETENTION_DAYS", default=183)
RETENTION_YEARS = env.int("RETENTION_YEARS", default=3)

# Serving (static files, gunicorn)
# gunicorn runs the app (tools/gunicorn.conf.py, docs/deploy.md); with DEBUG off
# WhiteNoise serves the hashed, compressed files that collectstatic wrote (STORAGES
# above), while development and the tests use plain static storage and need no
# collectstatic. The health check (carecase/health.py) is asked by load balancers over
# plain HTTP on the internal address: it is exempt from the redirect to https.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # An unreachable database fails a request (and the health check) within seconds
    # instead of holding a worker thread until the TCP timeout; a DATABASE_URL's own
    # ?connect_timeout= wins.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 10)
