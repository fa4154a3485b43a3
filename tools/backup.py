"""Back up CareCase's database into one file, while the site runs.

    .venv/bin/python tools/backup.py FILE_OR_DIRECTORY

The database is the site's own (``DATABASE_URL``, the ``.env`` file, or the SQLite
default), so run it with the service's environment. A directory gets a file named
``carecase-YYYYMMDD-HHMMSS.dump`` (PostgreSQL) or ``.sqlite3`` (SQLite) in it, by UTC time.

- PostgreSQL: ``pg_dump --format=custom``, one consistent snapshot (the site keeps
  working), compressed; restored with ``pg_restore`` (tools/restore.py). The archive is
  read back with ``pg_restore --list`` before it counts as written.
- SQLite: SQLite's online backup (Python's ``sqlite3.Connection.backup``, what the
  ``sqlite3`` shell's ``.backup`` does): a consistent copy taken page by page; the copy
  passes SQLite's integrity check before it counts as written. Restoring is copying it
  into place.

The file is written beside its final name and renamed when complete, so a file with the
final name is always whole; an existing file is never overwritten. It is readable by its
owner only: it holds minors' personal data. Prints the file's path.
"""

import argparse
import os
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
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

SUFFIX = {"postgresql": ".dump", "sqlite": ".sqlite3"}


def target_file(given, kind):
    path = Path(given)
    if path.is_dir():
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
        path = path / f"carecase-{stamp}{SUFFIX[kind]}"
    if path.exists():
        raise ToolError(f"{path} exists already; a backup never overwrites a file.")
    return path


def backup_postgresql(connection, partial):
    command, env = pg_command(connection, "pg_dump", "--format=custom",
                              f"--file={partial}")
    connection.close()
    if subprocess.run(command, env=env, check=False).returncode != 0:  # noqa: S603
        raise ToolError("pg_dump failed (its message is above).")
    check = subprocess.run(["pg_restore", "--list", str(partial)],  # noqa: S603, S607
                           stdout=subprocess.DEVNULL, check=False)
    if check.returncode != 0:
        raise ToolError("The archive pg_dump wrote does not read back.")


def backup_sqlite(connection, partial):
    source_path = sqlite_path(connection)
    if not source_path.is_file():
        raise ToolError(f"No database file at {source_path}.")
    source = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True)
    copy = sqlite3.connect(partial)
    try:
        source.backup(copy)
        (result,) = integrity_check(copy)
    finally:
        copy.close()
        source.close()
    if result != "ok":
        raise ToolError(f"The copy fails SQLite's integrity check: {result}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("target", help="the backup file, or a directory to put it in")
    arguments = parser.parse_args()

    os.umask(0o077)
    connection = setup_django()
    kind = engine(connection)
    path = target_file(arguments.target, kind)
    partial = path.with_name(path.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        if kind == "postgresql":
            backup_postgresql(connection, partial)
        else:
            backup_sqlite(connection, partial)
        partial.rename(path)
    finally:
        partial.unlink(missing_ok=True)
    print(path)


if __name__ == "__main__":
    run(main)
