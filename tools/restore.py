"""Restore a backup made by tools/backup.py into an empty database.

    .venv/bin/python tools/restore.py FILE

Into the site's own database (``DATABASE_URL``, the ``.env`` file, or the SQLite
default), which must be empty — a restore never mixes two databases' rows:

- PostgreSQL: a database just made with ``createdb`` (no tables). ``pg_restore`` runs in
  one transaction and stops at the first error, so a failed restore leaves the database
  empty; objects are owned by the restoring role (``--no-owner``), whoever owned them in
  the backed-up database. Then ``ANALYZE``: pg_restore brings no planner statistics, and
  the report pages need them from the first request.
- SQLite: no file yet at the database's path (or one without tables). The backup is
  checked (SQLite's integrity check) and copied into place. Stop the site first.

Afterwards run ``manage.py migrate`` if the backup is older than the code, and start
(or restart) the site: it serves the backed-up data.
"""

import argparse
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from database import (  # noqa: E402
    ToolError,
    engine,
    integrity_check,
    pg_command,
    run,
    setup_django,
    sqlite_path,
)

MAGIC = {"postgresql": b"PGDMP", "sqlite": b"SQLite format 3\x00"}


def check_backup_file(path, kind):
    if not path.is_file():
        raise ToolError(f"No backup file at {path}.")
    with path.open("rb") as file:
        if file.read(len(MAGIC[kind])) != MAGIC[kind]:
            raise ToolError(f"{path} is not a {kind} backup made by tools/backup.py "
                            f"(the site's database is {kind}).")


def existing_tables(connection):
    from django.db import DatabaseError

    try:
        return connection.introspection.table_names()
    except DatabaseError as error:
        raise ToolError(f"Cannot open the target database ({error}). On PostgreSQL "
                        "create it first (createdb).") from error


def restore_postgresql(connection, path):
    command, env = pg_command(connection, "pg_restore", "--no-owner", "--no-privileges",
                              "--single-transaction", "--exit-on-error")
    connection.close()
    result = subprocess.run([*command, str(path)], env=env, check=False)  # noqa: S603
    if result.returncode != 0:
        raise ToolError("pg_restore failed (its message is above); nothing was restored.")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def restore_sqlite(connection, path):
    target = sqlite_path(connection)
    connection.close()
    backup = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        (result,) = integrity_check(backup)
    finally:
        backup.close()
    if result != "ok":
        raise ToolError(f"The backup fails SQLite's integrity check: {result}")
    partial = target.with_name(target.name + ".partial")
    try:
        shutil.copyfile(path, partial)
        with partial.open("rb") as file:
            os.fsync(file.fileno())
        for leftover in ("-wal", "-shm", "-journal"):
            target.with_name(target.name + leftover).unlink(missing_ok=True)
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("backup", type=Path, help="a file made by tools/backup.py")
    arguments = parser.parse_args()

    os.umask(0o077)
    connection = setup_django()
    kind = engine(connection)
    check_backup_file(arguments.backup, kind)
    tables = existing_tables(connection)
    if tables:
        raise ToolError(f"The target database is not empty ({len(tables)} tables); "
                        "restore only into an empty database.")
    if kind == "postgresql":
        restore_postgresql(connection, arguments.backup)
    else:
        restore_sqlite(connection, arguments.backup)
    print(f"Restored {arguments.backup}.")


if __name__ == "__main__":
    run(main)
