"""What tools/backup.py and tools/restore.py share: Django's settings (so the database is
the one the site uses: ``DATABASE_URL``, or the ``.env`` file, or the SQLite default) and
the command-line arguments of PostgreSQL's own tools for it."""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


class ToolError(Exception):
    """A refusal or a failure, said to the operator in one line (exit status 1)."""


def setup_django():
    """Django set up with the site's settings; the default database's settings dict."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "carecase.settings")
    import django

    django.setup()
    from django.db import connection

    return connection


def engine(connection):
    """``postgresql`` or ``sqlite``; anything else is refused."""
    if connection.vendor in ("postgresql", "sqlite"):
        return connection.vendor
    raise ToolError(f"Unsupported database engine: {connection.vendor}.")


def pg_command(connection, program, *arguments):
    """``program`` (pg_dump, pg_restore) with ``arguments`` and the connection's host,
    port, user and database, as Django's ``dbshell`` would pass them to psql; the
    password and TLS settings go in the environment (PGPASSWORD, PGSSLMODE…), never on
    the command line."""
    from django.db.backends.postgresql.client import DatabaseClient

    args, env = DatabaseClient.settings_to_cmd_args_env(
        connection.settings_dict, [*arguments, "--dbname"])
    return [program, *args[1:]], {**os.environ, **(env or {})}


def sqlite_path(connection):
    """The SQLite database's file (an in-memory database has none)."""
    name = str(connection.settings_dict["NAME"])
    if not name or name == ":memory:" or name.startswith("file:"):
        raise ToolError(f"Not a SQLite database file: {name!r}.")
    return Path(name)


def integrity_check(sqlite_connection):
    """SQLite's ``PRAGMA integrity_check`` of a database file: ``("ok",)`` or the first
    problem. The CHECK constraints are left out: they call SQL functions that only a
    Django connection defines (and were checked when each row was written)."""
    sqlite_connection.execute("PRAGMA ignore_check_constraints = ON")
    return sqlite_connection.execute("PRAGMA integrity_check").fetchone()


def run(main):
    """Run ``main()``; a ToolError is printed on stderr with exit status 1."""
    try:
        main()
    except ToolError as error:
        print(f"{Path(sys.argv[0]).name}: {error}", file=sys.stderr)
        sys.exit(1)
