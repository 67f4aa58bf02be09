"""Workshops in the knowledge base: kept current by the services, found by accent-less
queries on topic, agenda and minutes, and only by the users who may see them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from thamvan.events.models import Workshop
from thamvan.events.services import (
    workshop_publish_minutes,
    workshop_save,
)
from thamvan.events.tests.factories import InvitationFactory, WorkshopFactory
from thamvan.search.indexing import reindex
from thamvan.search.query import search

pytestmark = pytest.mark.django_db


@pytest.fixture
def indexed(secretariat: Any, orgs: Any, django_capture_on_commit_callbacks: Any) -> Workshop:
    """A department-hosted workshop, held yesterday, saved and minuted through the services."""
    starts = timezone.now() - timedelta(days=1)
    workshop = Workshop(
        kind=Workshop.Kind.ROUND_TABLE,
        topic="Tọa đàm về không gian ngầm đô thị",
        starts_at=starts,
        ends_at=starts + timedelta(hours=3),
        venue="Hội trường Sở Quy hoạch - Kiến trúc",
        agenda="Khai mạc\nTham luận về đường sắt đô thị tuyến số 3",
        host=orgs.department,
    )
    with django_capture_on_commit_callbacks(execute=True):
        workshop_save(actor=secretariat, workshop=workshop)
    Workshop.objects.filter(pk=workshop.pk).update(status=Workshop.Status.HELD)
    with django_capture_on_commit_callbacks(execute=True):
        workshop_publish_minutes(
            actor=secretariat,
            workshop=workshop,
            minutes="Các đại biểu thống nhất cần khảo sát địa chất khu vực Hoàn Kiếm.",
            conclusions=["Giao Sở lập đề cương quy hoạch không gian ngầm"],
        )
    return workshop


@pytest.mark.parametrize("persona", ["officer", "secretariat", "leadership"])
def test_those_who_may_see_the_workshop_find_it_by_topic_agenda_minutes_and_conclusions(
    indexed: Workshop, persona: str, request: pytest.FixtureRequest
) -> None:
    user = request.getfixturevalue(persona)
    for query in ("khong gian ngam", "duong sat do thi", "dia chat hoan kiem", "de cuong"):
        results = search(query, user=user)
        assert [(h.entry.type, h.entry.object_id) for h in results.hits] == [
            ("workshop", indexed.pk)
        ], query
        assert results.total == 1


@pytest.mark.parametrize("persona", ["other_officer", "expert_user", "outsider"])
def test_others_neither_find_nor_count_the_workshop(
    indexed: Workshop, persona: str, request: pytest.FixtureRequest
) -> None:
    user = request.getfixturevalue(persona)
    for query in ("khong gian ngam", "dia chat hoan kiem"):
        results = search(query, user=user)
        assert results.total == 0
        assert results.hits == []
        assert all(values == [] for values in results.facets.values())


def test_an_invited_expert_finds_the_workshop(indexed: Workshop, expert_user: Any) -> None:
    InvitationFactory.create(workshop=indexed, user=expert_user)
    assert search("khong gian ngam", user=expert_user).total == 1


def test_an_edit_replaces_the_entry(
    indexed: Workshop, secretariat: Any, django_capture_on_commit_callbacks: Any
) -> None:
    indexed.topic = "Hội thảo về giao thông tĩnh"
    with django_capture_on_commit_callbacks(execute=True):
        workshop_save(actor=secretariat, workshop=indexed)
    assert search("giao thong tinh", user=secretariat).total == 1
    assert search("toa dam khong gian ngam", user=secretariat).total == 0


def test_reindex_includes_workshops(orgs: Any, officer: Any) -> None:
    workshop = WorkshopFactory.create(host=orgs.department, topic="Hội thảo cây xanh đô thị")
    assert search("cay xanh", user=officer).total == 0
    assert reindex()["workshop"] == 1
    assert [h.entry.object_id for h in search("cay xanh", user=officer).hits] == [workshop.pk]
