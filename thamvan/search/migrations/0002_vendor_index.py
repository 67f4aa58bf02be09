"""The matching keys' table: FTS5 on SQLite, tsvector + GIN on PostgreSQL.

Created from Python so that one migration serves both vendors; the definitions
live in ``thamvan.search.backends`` beside the queries that use them.
"""

from django.db import migrations


def create_index(apps, schema_editor):
    from thamvan.search.backends import backend_for

    backend_for(schema_editor.connection).create_schema(schema_editor.connection)


def drop_index(apps, schema_editor):
    from thamvan.search.backends import backend_for

    backend_for(schema_editor.connection).drop_schema(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]

    operations = [migrations.RunPython(create_index, drop_index)]
