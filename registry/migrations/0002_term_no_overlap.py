"""On PostgreSQL, an exclusion constraint keeps a county's terms from overlapping even
when two writers race past the service's check. SQLite has no such constraint; there the
service's check (Term.clean) is the rule, and SQLite serialises writers anyway."""

from django.db import migrations

CONSTRAINT = "term_no_overlap"


def add_exclusion(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    schema_editor.execute(
        f"ALTER TABLE registry_term ADD CONSTRAINT {CONSTRAINT} EXCLUDE USING gist "
        "(county_id WITH =, daterange(start_date, end_date, '[]') WITH &&)"
    )


def drop_exclusion(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"ALTER TABLE registry_term DROP CONSTRAINT IF EXISTS {CONSTRAINT}")


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_initial")]

    operations = [migrations.RunPython(add_exclusion, drop_exclusion, elidable=False)]
