"""Index updates: after commit, through the task, by reindex and by the command."""

from __future__ import annotations

import io
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from thamvan.dossiers.models import Confidentiality
from thamvan.dossiers.tests.factories import DossierFactory
from thamvan.search.backends import get_backend
from thamvan.search.indexing import index_object, remove_object
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
        cursor.execute(f"SELECT COUNT(*) FROM {backend.table}")  # type: ignore[attr-defined]
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
