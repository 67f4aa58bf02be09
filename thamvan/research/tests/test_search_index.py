"""Research topics in the knowledge base: kept current by the services, found by accent-less
queries, and only by the users who may see them."""

from __future__ import annotations

from typing import Any

import pytest

from thamvan.experts.tests.factories import ExpertFactory
from thamvan.research.models import ResearchTopic
from thamvan.research.services import output_add, topic_save, topic_transition
from thamvan.research.tests.factories import TopicFactory
from thamvan.search.indexing import reindex
from thamvan.search.models import SearchEntry
from thamvan.search.query import search

pytestmark = pytest.mark.django_db


@pytest.fixture
def indexed(
    secretariat: Any, orgs: Any, expert_user: Any, django_capture_on_commit_callbacks: Any
) -> ResearchTopic:
    topic = ResearchTopic(
        code="ĐT-2025-07",
        title="Nghiên cứu chỉnh trang đô thị ven sông Tô Lịch",
        summary="Đánh giá hiện trạng cải tạo môi trường và không gian công cộng.",
        commissioning_organization=orgs.department,
    )
    with django_capture_on_commit_callbacks(execute=True):
        topic_save(actor=secretariat, topic=topic, team=[ExpertFactory.create(user=expert_user)])
    with django_capture_on_commit_callbacks(execute=True):
        output_add(
            actor=secretariat,
            topic=topic,
            kind="report",
            title="Báo cáo đánh giá chất lượng nước hồ Tây",
            delivered_on=None,
        )
    return topic


@pytest.mark.parametrize("persona", ["officer", "expert_user", "leadership", "secretariat"])
def test_those_who_may_see_the_topic_find_it_by_title_summary_and_outputs(
    indexed: ResearchTopic, persona: str, request: pytest.FixtureRequest
) -> None:
    user = request.getfixturevalue(persona)
    for query in ("song to lich", "khong gian cong cong", "chat luong nuoc ho tay", "dt-2025-07"):
        results = search(query, user=user)
        assert [(h.entry.type, h.entry.object_id) for h in results.hits] == [
            ("research_topic", indexed.pk)
        ], query
        assert results.total == 1


@pytest.mark.parametrize("persona", ["other_officer", "other_expert_user", "outsider"])
def test_others_neither_find_nor_count_the_topic(
    indexed: ResearchTopic, persona: str, request: pytest.FixtureRequest
) -> None:
    user = request.getfixturevalue(persona)
    for query in ("song to lich", "chat luong nuoc ho tay"):
        results = search(query, user=user)
        assert results.total == 0
        assert results.hits == []
        assert all(values == [] for values in results.facets.values())


def test_a_transition_refreshes_the_entry(
    indexed: ResearchTopic, secretariat: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        topic_transition(actor=secretariat, topic=indexed, status="approved")
    assert SearchEntry.objects.get(type="research_topic", object_id=indexed.pk).kind == "approved"


def test_reindex_includes_research_topics(orgs: Any, officer: Any) -> None:
    topic = TopicFactory.create(
        commissioning_organization=orgs.department, title="Nghiên cứu đường đi bộ Hồ Gươm"
    )
    assert search("ho guom", user=officer).total == 0
    assert reindex()["research_topic"] == 1
    assert [h.entry.object_id for h in search("duong di bo ho guom", user=officer).hits] == [
        topic.pk
    ]
