"""PostgreSQL keeps each entry's keys in one tsvector, with recency tokens.

One GIN condition then tests any mix of title, exact and folded tokens and a
window of the newest entries. SQLite's layout is unchanged.
"""

from django.db import migrations


def upgrade_index(apps, schema_editor):
    from thamvan.search.backends import backend_for

    backend_for(schema_editor.connection).upgrade_schema(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("search", "0003_rank")]

    # Not reversible: the previous layout is rebuilt by a reindex.
    operations = [migrations.RunPython(upgrade_index)]
