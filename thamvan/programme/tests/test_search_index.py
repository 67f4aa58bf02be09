"""Tasks and directives in the knowledge base: kept current by the services, found by
accent-less queries, and only by the users who may see them."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from thamvan.programme.models import Directive
from thamvan.programme.services import (
    conclusion_add,
    directive_save,
    programme_save,
    progress_report_add,
    task_create,
    task_set_status,
)
from thamvan.programme.tests.factories import ConclusionFactory, DirectiveFactory, TaskFactory
from thamvan.search.indexing import reindex
from thamvan.search.models import SearchEntry
from thamvan.search.query import search

pytestmark = pytest.mark.django_db

FORBIDDEN = ["other_officer", "expert_user", "outsider"]


@pytest.fixture
def indexed_task(
    secretariat: Any,
    officer: Any,
    programme: Any,
    orgs: Any,
    django_capture_on_commit_callbacks: Any,
) -> Any:
    with django_capture_on_commit_callbacks(execute=True):
        task = task_create(
            actor=secretariat,
            programme=programme,
            title="Rà soát quy hoạch phân khu đô thị sông Đuống",
            lead_organization=orgs.department,
            start=date(2024, 1, 1),
            deadline=date(2030, 6, 30),
        )
    with django_capture_on_commit_callbacks(execute=True):
        progress_report_add(
            actor=officer,
            task=task,
            progress=30,
            note="Đã làm việc với phường Giảng Võ về khu tập thể cũ.",
        )
    return task


@pytest.fixture
def indexed_directive(secretariat: Any, django_capture_on_commit_callbacks: Any) -> Any:
    directive = Directive(
        kind=Directive.Kind.CONCLUSION_NOTICE,
        number="06-TB/TU",
        issuer="Thành ủy Hà Nội",
        issued_on=date(2020, 10, 28),
        title="Kết luận về hợp tác với Hội Quy hoạch phát triển đô thị",
    )
    with django_capture_on_commit_callbacks(execute=True):
        directive_save(actor=secretariat, directive=directive)
    with django_capture_on_commit_callbacks(execute=True):
        conclusion_add(
            actor=secretariat,
            directive=directive,
            text="Xây dựng cơ chế đặt hàng tư vấn phản biện độc lập.",
        )
    return directive


def _found(query: str, user: Any) -> set[tuple[str, int]]:
    return {(hit.entry.type, hit.entry.object_id) for hit in search(query, user=user).hits}


def test_the_lead_officer_finds_a_task_by_title_and_by_its_progress_report(
    indexed_task: Any, officer: Any
) -> None:
    assert _found("ra soat song duong", officer) == {("task", indexed_task.pk)}
    assert _found("giang vo tap the", officer) == {("task", indexed_task.pk)}
    assert search("giang vo", user=officer).total == 1


@pytest.mark.parametrize("persona", FORBIDDEN)
def test_others_find_neither_the_task_nor_count_it(
    indexed_task: Any, persona: str, request: pytest.FixtureRequest
) -> None:
    user = request.getfixturevalue(persona)
    for query in ("ra soat song duong", "giang vo tap the"):
        results = search(query, user=user)
        assert results.total == 0
        assert results.hits == []
        assert all(values == [] for values in results.facets.values())


def test_leadership_of_a_party_finds_the_task(indexed_task: Any, leadership: Any) -> None:
    assert search("song duong", user=leadership).total == 1


def test_a_status_change_refreshes_the_entry(
    indexed_task: Any, secretariat: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        task_set_status(actor=secretariat, task=indexed_task, status="cancelled")
    entry = SearchEntry.objects.get(type="task", object_id=indexed_task.pk)
    assert entry.kind == "cancelled"


def test_an_agency_officer_finds_a_directive_by_its_conclusion(
    indexed_directive: Any, officer: Any, leadership: Any
) -> None:
    for user in (officer, leadership):
        assert _found("dat hang tu van phan bien", user) == {("directive", indexed_directive.pk)}
        assert search("06-TB/TU thanh uy", user=user).total == 1


@pytest.mark.parametrize("persona", ["expert_user", "outsider"])
def test_experts_and_outsiders_never_find_a_directive(
    indexed_directive: Any, persona: str, request: pytest.FixtureRequest
) -> None:
    user = request.getfixturevalue(persona)
    results = search("dat hang tu van phan bien", user=user)
    assert results.total == 0
    assert results.hits == []


def test_reindex_includes_tasks_and_directives(orgs: Any, officer: Any) -> None:
    task = TaskFactory.create(
        title="Khảo sát hạ tầng kỹ thuật Long Biên", lead_organization=orgs.department
    )
    directive = DirectiveFactory.create(number="12-KL/TU")
    ConclusionFactory.create(directive=directive, text="Ưu tiên cải tạo chung cư cũ ở Kim Liên.")
    assert search("long bien", user=officer).total == 0
    counts = reindex()
    assert counts["task"] == 1
    assert counts["directive"] == 1
    assert _found("ha tang ky thuat long bien", officer) == {("task", task.pk)}
    assert _found("chung cu kim lien", officer) == {("directive", directive.pk)}


def test_renaming_a_programme_refreshes_its_tasks_entries(
    indexed_task: Any, secretariat: Any, officer: Any, django_capture_on_commit_callbacks: Any
) -> None:
    programme = indexed_task.programme
    assert search("thu do mo rong", user=officer).total == 0
    programme.name = "Chương trình hợp tác Thủ đô mở rộng"
    with django_capture_on_commit_callbacks(execute=True):
        programme_save(
            actor=secretariat, programme=programme, parties=programme.parties.all(), objectives=[]
        )
    assert _found("thu do mo rong", officer) == {("task", indexed_task.pk)}
