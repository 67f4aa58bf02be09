"""The research topic API: who reads which topic, filters, pagination and query counts."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from thamvan.experts.tests.factories import ExpertFactory
from thamvan.research.models import Milestone, ResearchTopic
from thamvan.research.tests.factories import TopicFactory

pytestmark = pytest.mark.django_db

BASE = "/api/v1/research-topics"


def _ids(response: Any) -> set[int]:
    assert response.status_code == 200, response.content
    return {item["id"] for item in response.json()["items"]}


def test_an_expert_reads_the_topics_they_lead_or_work_on_and_no_other(
    expert_user: Any, other_expert_user: Any, api_client: Any
) -> None:
    expert = ExpertFactory.create(user=expert_user)
    led = TopicFactory.create(lead_expert=expert)
    on_team = TopicFactory.create(members=[expert])
    other = TopicFactory.create()
    Milestone.objects.create(topic=led, title="Báo cáo giữa kỳ", due_on=date(2026, 6, 30))
    api = api_client(expert_user)
    assert _ids(api.get(BASE)) == {led.pk, on_team.pk}
    body = api.get(f"{BASE}/{led.pk}").json()
    assert body["lead_expert_id"] == expert.pk
    assert [m["title"] for m in body["milestones"]] == ["Báo cáo giữa kỳ"]
    assert api.get(f"{BASE}/{on_team.pk}").json()["team_expert_ids"] == [expert.pk]
    response = api.get(f"{BASE}/{other.pk}")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found.", "code": "not_found"}
    assert api_client(other_expert_user).get(f"{BASE}/{led.pk}").status_code == 404
    assert _ids(api_client(other_expert_user).get(BASE)) == set()


def test_the_commissioning_agency_and_leadership_read_a_topic_and_another_agency_does_not(
    orgs: Any,
    officer: Any,
    other_officer: Any,
    leadership: Any,
    secretariat: Any,
    outsider: Any,
    api_client: Any,
) -> None:
    topic = TopicFactory.create(commissioning_organization=orgs.department)
    for user in (officer, leadership, secretariat):
        assert api_client(user).get(f"{BASE}/{topic.pk}").json()["budget_vnd"] == 1_250_000_000
        assert _ids(api_client(user).get(BASE)) == {topic.pk}
    for user in (other_officer, outsider):
        assert api_client(user).get(f"{BASE}/{topic.pk}").status_code == 404
        assert _ids(api_client(user).get(BASE)) == set()


def test_topics_are_filtered_like_the_list_page(
    orgs: Any, secretariat: Any, api_client: Any
) -> None:
    early = TopicFactory.create(
        title="Nghiên cứu hạ tầng xanh",
        commissioning_organization=orgs.ward,
        start_on=date(2023, 1, 1),
        end_on=date(2023, 12, 31),
        status=ResearchTopic.Status.ACCEPTED,
    )
    late = TopicFactory.create(
        commissioning_organization=orgs.association, start_on=date(2025, 1, 1)
    )
    api = api_client(secretariat)

    def ids(**params: Any) -> set[int]:
        return _ids(api.get(BASE, params))

    assert ids() == {early.pk, late.pk}
    assert ids(q="ha tang xanh") == {early.pk}
    assert ids(status="accepted") == {early.pk}
    assert ids(organization_id=orgs.city.pk) == {early.pk}
    assert ids(start="2024-01-01") == {late.pk}
    assert ids(end="2024-01-01") == {early.pk}
    assert api.get(BASE, {"status": "done"}).json()["code"] == "invalid_request"


def test_topics_are_paginated_in_a_bounded_number_of_queries(
    secretariat: Any, api_client: Any, django_assert_max_num_queries: Any
) -> None:
    api = api_client(secretariat)
    TopicFactory.create()
    with django_assert_max_num_queries(10):
        assert api.get(BASE).json()["count"] == 1
    for _ in range(20):
        TopicFactory.create(members=[ExpertFactory.create()])
    with django_assert_max_num_queries(10):
        assert len(api.get(BASE, {"limit": 100}).json()["items"]) == 21
    page = api.get(BASE, {"limit": 7, "offset": 14}).json()
    assert (page["count"], len(page["items"])) == (21, 7)
