"""Each entry's recency key, and the keys re-filed under it.

SQLite moves from three FTS5 tables keyed by entry id to one keyed by the rank;
PostgreSQL gains a rank column with a btree index beside its tsvectors.
"""

from django.db import migrations, models


def fill_ranks(apps, schema_editor):
    from thamvan.search.indexing import rank_key

    SearchEntry = apps.get_model("search", "SearchEntry")
    taken = set()
    for entry in SearchEntry.objects.order_by("pk").only("pk", "dated_at").iterator():
        rank = rank_key(entry.dated_at)
        while rank in taken:
            rank += 1
        taken.add(rank)
        SearchEntry.objects.filter(pk=entry.pk).update(rank=rank)


def upgrade_index(apps, schema_editor):
    from thamvan.search.backends import backend_for

    backend_for(schema_editor.connection).upgrade_schema(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("search", "0002_vendor_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="searchentry",
            name="rank",
            field=models.BigIntegerField(
                blank=True, null=True, unique=True, verbose_name="recency key"
            ),
        ),
        migrations.RunPython(fill_ranks, migrations.RunPython.noop),
        # Not reversible: the previous layout is rebuilt by a reindex.
        migrations.RunPython(upgrade_index),
    ]
