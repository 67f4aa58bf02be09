from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.test import Client
from django.urls import reverse

from thamvan.accounts.models import Membership, User
from thamvan.core.tests.samples import as_upload, xlsx_bytes
from thamvan.experts.importing import COLUMNS
from thamvan.experts.models import Expert, ExpertImport
from thamvan.experts.services import (
    NOT_A_REGISTRY_MANAGER,
    expert_import_queue,
    expert_import_upload,
)
from thamvan.experts.tasks import apply_expert_import, purge_expert_imports

HEADERS = [column.header for column in COLUMNS]
ROWS = [["Nguyễn Văn An" if h == "Họ và tên" else "" for h in HEADERS]]

AsUser = Callable[[User], Client]


@pytest.fixture
def record(secretariat: User) -> ExpertImport:
    upload = as_upload(xlsx_bytes([HEADERS, *ROWS]), "a.xlsx")
    return expert_import_upload(actor=secretariat, upload=upload)


def test_a_queued_import_runs_in_the_task_after_commit(
    secretariat: User, record: ExpertImport, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        expert_import_queue(actor=secretariat, expert_import=record)

    record.refresh_from_db()
    assert record.status == ExpertImport.Status.QUEUED
    assert not Expert.objects.exists()  # nothing before the transaction commits
    for callback in callbacks:
        callback()
    record.refresh_from_db()
    assert record.status == ExpertImport.Status.COMMITTED
    assert Expert.objects.get().full_name == "Nguyễn Văn An"


def test_the_queued_page_polls_until_done(
    as_user: AsUser, secretariat: User, record: ExpertImport
) -> None:
    ExpertImport.objects.filter(pk=record.pk).update(status=ExpertImport.Status.QUEUED)
    url = reverse("experts:import_preview", args=[record.pk])

    partial = as_user(secretariat).get(url, HTTP_HX_REQUEST="true").content.decode()

    assert partial.lstrip().startswith('<div id="import-status"')
    assert 'hx-trigger="every 2s"' in partial


def test_an_uploader_who_lost_the_role_imports_nothing(
    secretariat: User, record: ExpertImport
) -> None:
    Membership.objects.filter(user=secretariat).update(is_active=False)

    status = apply_expert_import.call(record.pk, secretariat.pk)

    record.refresh_from_db()
    assert status == ExpertImport.Status.FAILED
    assert record.message == str(NOT_A_REGISTRY_MANAGER)
    assert not Expert.objects.exists()


def test_the_purge_task_leaves_fresh_files(record: ExpertImport) -> None:
    assert purge_expert_imports.call() == 0
    assert default_storage.exists(record.file_key)
