"""Backup and restore (tools/backup.py, tools/restore.py; docs/deploy.md): the demo is
loaded into a fresh database, backed up, restored into another, empty one, and the two
hold the same rows in every table and show the same page. A restore refuses a database
that is not empty.

Each engine's procedure runs in the suite's pass on that engine (CI runs the suite on
SQLite and on PostgreSQL): the PostgreSQL one needs a server, and pg_dump and pg_restore,
which CI has (locally it skips without them).
"""

import os
import shutil
import uuid
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from psycopg import sql

from tests.production.conftest import assert_same_data, load_demo, run, snapshot

DATABASE_URL = os.environ.get("DATABASE_URL", "")
ON_POSTGRESQL = urlsplit(DATABASE_URL).scheme in ("postgres", "postgresql", "pgsql", "psql")


@pytest.mark.skipif(ON_POSTGRESQL, reason="SQLite's procedure runs in the SQLite pass")
def test_sqlite_backup_restores_the_same_data(tmp_path):
    original_url = f"sqlite:///{tmp_path / 'original.sqlite3'}"
    restored_url = f"sqlite:///{tmp_path / 'restored.sqlite3'}"
    load_demo(original_url)

    backup_file = run(["tools/backup.py", str(tmp_path)], original_url).stdout.strip()
    assert backup_file.endswith(".sqlite3")
    assert os.stat(backup_file).st_mode & 0o077 == 0  # minors' data: the owner's only
    run(["tools/restore.py", backup_file], restored_url)

    assert_same_data(snapshot(original_url), snapshot(restored_url))
    again = run(["tools/restore.py", backup_file], restored_url, check=False)
    assert again.returncode == 1
    assert "not empty" in again.stderr


def _database_url(name):
    parts = urlsplit(DATABASE_URL)
    return urlunsplit(parts._replace(path=f"/{name}"))


@pytest.fixture
def scratch_databases():
    """Two new, empty PostgreSQL databases beside the configured one, dropped after."""
    if not ON_POSTGRESQL:
        pytest.skip("PostgreSQL's procedure runs in the PostgreSQL pass")
    missing = [tool for tool in ("pg_dump", "pg_restore") if shutil.which(tool) is None]
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"CI needs {' and '.join(missing)} (apt-get install postgresql-client)")
        pytest.skip(f"{' and '.join(missing)} not installed")
    base = urlsplit(DATABASE_URL).path.lstrip("/") or "carecase"
    suffix = uuid.uuid4().hex[:8]
    names = [f"{base}_backup_{suffix}_original", f"{base}_backup_{suffix}_restored"]
    with psycopg.connect(_database_url("postgres"), autocommit=True) as admin:
        for name in names:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            # The demo commits row by row: no need to wait for the disk in a test.
            admin.execute(sql.SQL("ALTER DATABASE {} SET synchronous_commit = off")
                          .format(sql.Identifier(name)))
        try:
            yield [_database_url(name) for name in names]
        finally:
            for name in names:
                admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
                              .format(sql.Identifier(name)))


@pytest.mark.postgres_only
def test_postgresql_backup_restores_the_same_data(scratch_databases, tmp_path):
    original_url, restored_url = scratch_databases
    load_demo(original_url)

    backup_file = run(["tools/backup.py", str(tmp_path)], original_url).stdout.strip()
    assert backup_file.endswith(".dump")
    assert os.stat(backup_file).st_mode & 0o077 == 0
    run(["tools/restore.py", backup_file], restored_url)

    assert_same_data(snapshot(original_url), snapshot(restored_url))
    again = run(["tools/restore.py", backup_file], restored_url, check=False)
    assert again.returncode == 1
    assert "not empty" in again.stderr


def test_restore_refuses_a_file_of_the_other_engine(tmp_path):
    not_a_backup = tmp_path / "notes.dump"
    not_a_backup.write_bytes(b"PGDMP but this site runs on SQLite")
    result = run(["tools/restore.py", str(not_a_backup)],
                 f"sqlite:///{tmp_path / 'empty.sqlite3'}", check=False)
    assert result.returncode == 1
    assert "not a sqlite backup" in result.stderr
