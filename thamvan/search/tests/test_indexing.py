"""Index updates: after commit, through the task, by reindex and by the command."""

from __future__ import annotations

import io
from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from thamvan.dossiers.models import Confidentiality, Dossier
from thamvan.dossiers.tests.factories import DossierFactory
from thamvan.search.backends import get_backend, rank_lexemes
from thamvan.search.indexing import build_keys, index_object, rank_key, reindex, remove_object
from thamvan.search.models import SearchEntry
from thamvan.search.query import search

pytestmark = pytest.mark.django_db


@pytest.fixture
def dossier(orgs: Any) -> Any:
    return DossierFactory(
        name="Quy hoạch phân khu sông Hồng",
        confidentiality=Confidentiality.PUBLIC,
        lead_agency=orgs.department,
    )


def _key_rows() -> int:
    backend = get_backend()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {backend.table}")
        return int(cursor.fetchone()[0])


def test_index_object_indexes_only_once_the_transaction_commits(
    dossier: Any, leadership: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        index_object(dossier)
    assert search("song hong", user=leadership).total == 0
    for callback in callbacks:
        callback()
    assert search("song hong", user=leadership).total == 1


def test_an_update_replaces_the_entry_and_its_keys(
    dossier: Any, leadership: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        index_object(dossier)
    dossier.name = "Quy hoạch phân khu sông Đuống"
    dossier.save(update_fields=["name"])
    with django_capture_on_commit_callbacks(execute=True):
        index_object(dossier)
    assert search("song hong", user=leadership).total == 0
    assert search("song duong", user=leadership).total == 1
    assert SearchEntry.objects.count() == 1
    assert _key_rows() == 1


def test_remove_object_drops_the_entry_and_its_keys(
    dossier: Any, leadership: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        index_object(dossier)
    with django_capture_on_commit_callbacks(execute=True):
        remove_object(dossier)
    assert SearchEntry.objects.count() == 0
    assert _key_rows() == 0


def test_the_reindex_command_rebuilds_and_drops_stale_entries(
    dossier: Any, leadership: Any
) -> None:
    out = StringIO()
    call_command("reindex", "dossier", stdout=out)
    assert "dossier: 1" in out.getvalue()
    dossier.delete()
    call_command("reindex", stdout=StringIO())
    assert SearchEntry.objects.count() == 0
    assert _key_rows() == 0


def test_the_reindex_command_rejects_an_unknown_type() -> None:
    with pytest.raises(CommandError, match="Unknown search type"):
        call_command("reindex", "nonsense")


def test_an_object_of_an_unregistered_model_is_refused(orgs: Any) -> None:
    with pytest.raises(LookupError):
        index_object(orgs.city)


def test_the_dossier_services_keep_the_index_current(
    officer: Any, orgs: Any, leadership: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from thamvan.core.tests.samples import docx_bytes
    from thamvan.dossiers.models import Document
    from thamvan.dossiers.services import (
        document_add,
        document_remove,
        dossier_create,
        dossier_update,
    )

    with django_capture_on_commit_callbacks(execute=True):
        created = dossier_create(
            actor=officer,
            code="QHPK-SH-1",
            name="Quy hoạch phân khu sông Hồng",
            kind="zoning_plan",
            lead_agency=orgs.department,
            confidentiality=Confidentiality.PUBLIC,
        )
    assert search("song hong", user=leadership).total == 1

    with django_capture_on_commit_callbacks(execute=True):
        dossier_update(actor=officer, dossier=created, name="Quy hoạch phân khu sông Đuống")
    assert search("song hong", user=leadership).total == 0
    assert search("song duong", user=leadership).total == 1

    version = created.versions.get()
    with django_capture_on_commit_callbacks(execute=True):
        document = document_add(
            actor=officer,
            version=version,
            file=io.BytesIO(docx_bytes(text="Hành lang thoát lũ dọc bãi sông")),
            kind=Document.Kind.EXPLANATORY_REPORT,
            filename="Thuyết minh.docx",
        )
    assert search("hanh lang thoat lu", user=leadership).total == 1

    with django_capture_on_commit_callbacks(execute=True):
        document_remove(actor=officer, document=document)
    assert search("hanh lang thoat lu", user=leadership).total == 0


def test_a_new_date_refiles_the_keys_under_the_new_rank(
    dossier: Any, leadership: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        index_object(dossier)
    before = SearchEntry.objects.get().rank
    Dossier.objects.filter(pk=dossier.pk).update(updated_at=timezone.now() - timedelta(days=9))
    dossier.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        index_object(dossier)
    entry = SearchEntry.objects.get()
    assert entry.rank == rank_key(entry.dated_at) != before
    assert _key_rows() == 1
    assert [h.entry.pk for h in search("song hong", user=leadership).hits] == [entry.pk]


def test_entries_of_the_same_moment_get_distinct_ranks(orgs: Any, leadership: Any) -> None:
    for code in ("R-1", "R-2", "R-3"):
        DossierFactory(
            code=code,
            name="Hồ điều hoà Yên Sở",
            confidentiality=Confidentiality.PUBLIC,
            lead_agency=orgs.department,
        )
    Dossier.objects.update(updated_at=timezone.now())
    reindex(["dossier"])
    ranks = list(SearchEntry.objects.order_by("rank").values_list("rank", flat=True))
    first = rank_key(SearchEntry.objects.first().dated_at)  # type: ignore[union-attr]
    assert ranks == [first, first + 1, first + 2]
    assert _key_rows() == 3
    assert search("ho dieu hoa", user=leadership).total == 3
    # Reindexing keeps each entry's rank: its own value is not taken by another.
    reindex(["dossier"])
    assert list(SearchEntry.objects.order_by("rank").values_list("rank", flat=True)) == ranks


def test_the_upgrade_refiles_the_keys_of_the_previous_layout(
    dossier: Any, leadership: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        index_object(dossier)
    entry = SearchEntry.objects.get()
    keys = build_keys(entry.title, entry.body)
    backend = get_backend()
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            # Migration 0002's layout: one table per column, keyed by the entry id.
            cursor.execute(f"DELETE FROM {backend.table}")
            for column in ("title", "exact", "folded"):
                cursor.execute(
                    f"CREATE VIRTUAL TABLE search_fts_{column} USING fts5(key, detail = none)"
                )
                cursor.execute(
                    f"INSERT INTO search_fts_{column} (rowid, key) VALUES (%s, %s)",
                    [entry.pk, getattr(keys, column)],
                )
        else:
            # Migration 0002's layout: one tsvector per column, folded pairs unmarked.
            cursor.execute(f"DELETE FROM {backend.table}")
            cursor.execute(
                "CREATE TABLE search_vector (entry_id bigint PRIMARY KEY, "
                "title tsvector NOT NULL, exact tsvector NOT NULL, folded tsvector NOT NULL)"
            )
            vector = "array_to_tsvector(string_to_array(%s, ' '))"
            cursor.execute(
                f"INSERT INTO search_vector VALUES (%s, {vector}, {vector}, {vector})",
                [entry.pk, keys.title, keys.exact, keys.folded],
            )
    backend.upgrade_schema(connection)
    assert [h.entry.pk for h in search("sông Hồng", user=leadership).hits] == [entry.pk]
    assert _key_rows() == 1
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT rowid FROM search_fts")
            assert cursor.fetchall() == [(-(entry.rank or 0),)]
            cursor.execute("SELECT COUNT(*) FROM sqlite_master WHERE name LIKE 'search_fts_%%'")
            assert cursor.fetchone() == (len(("content", "data", "idx", "docsize", "config")),)
        else:
            cursor.execute(f"SELECT rank, tsvector_to_array(keys) FROM {backend.table}")
            rank, lexemes = cursor.fetchone()
            assert rank == entry.rank
            assert {"_song_hong", "^song_hong", "=sông_hồng", "song", "=sông"} <= set(lexemes)
            assert "song_hong" not in lexemes
            assert rank_lexemes(rank) == [x for x in lexemes if x.startswith("#")]
            cursor.execute("SELECT to_regclass('search_vector')")
            assert cursor.fetchone() == (None,)
