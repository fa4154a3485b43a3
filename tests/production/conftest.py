"""Production tooling: the tools in tools/ run as the operator runs them, in subprocesses
with their own databases, never the suite's test database."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable

# One child's data on both sides of a backup, read by a fresh process: every table's
# rows (sorted, hashed) and PostgreSQL's sequences, then a page as its user sees it.
# The page comes last: opening it writes the access log and the session.
SNAPSHOT = r"""
import hashlib, json, re
from django.db import connection
from django.test import Client
from registry.models import Child, User

tables = {}
with connection.cursor() as cursor:
    for table in sorted(connection.introspection.table_names()):
        cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
        rows = sorted(repr(row) for row in cursor.fetchall())
        tables[table] = [len(rows), hashlib.sha256("\n".join(rows).encode()).hexdigest()]
    sequences = []
    if connection.vendor == "postgresql":
        cursor.execute("SELECT sequencename, last_value FROM pg_sequences "
                       "ORDER BY sequencename")
        sequences = cursor.fetchall()

client = Client(HTTP_HOST="localhost")
client.force_login(User.objects.get(username="principal1"))
response = client.get("/children/?status=all")
page = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", response.content.decode())
print(json.dumps({"tables": tables, "sequences": sequences, "children": Child.objects.count(),
                  "status": response.status_code, "page": page}))
"""


def manage_env(database_url):
    return {**os.environ, "DEBUG": "true", "DATABASE_URL": database_url}


def run(args, database_url, *, check=True):
    """A command of the project (``manage.py …`` or ``tools/…``) on ``database_url``."""
    result = subprocess.run([PYTHON, *args], cwd=ROOT, env=manage_env(database_url),
                            capture_output=True, text=True, timeout=600, check=False)
    if check and result.returncode != 0:
        pytest.fail(f"{' '.join(args)} failed ({result.returncode}):\n"
                    f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return result


def load_demo(database_url):
    run(["manage.py", "migrate", "--verbosity", "0"], database_url)
    run(["manage.py", "demo"], database_url)


def snapshot(database_url):
    output = run(["manage.py", "shell", "-c", SNAPSHOT], database_url).stdout
    return json.loads(output.strip().splitlines()[-1])  # after the shell's own banner


def assert_same_data(original, restored):
    """Every table has the same rows, then the page shows the same children."""
    assert restored["tables"].keys() == original["tables"].keys()
    differing = [table for table in original["tables"]
                 if restored["tables"][table] != original["tables"][table]]
    assert differing == []
    assert restored["sequences"] == original["sequences"]
    assert original["status"] == restored["status"] == 200
    assert restored["children"] == original["children"] > 100
    assert restored["page"] == original["page"]
