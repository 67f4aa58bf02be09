from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.urls import reverse

from thamvan.experts.tests.factories import ExpertFactory
from thamvan.research.models import ResearchTopic
from thamvan.research.templatetags.research import vnd
from thamvan.research.tests.factories import TopicFactory

pytestmark = pytest.mark.django_db


def test_budgets_are_written_with_dots_and_the_dong_sign() -> None:
    assert vnd(1_250_000_000) == "1.250.000.000 ₫"
    assert vnd(0) == "0 ₫"
    assert vnd(None) == "—"


def test_an_expert_sees_the_topics_they_lead_or_work_on_and_no_other(
    as_user: Any, expert_user: Any, other_expert_user: Any
) -> None:
    expert = ExpertFactory.create(user=expert_user)
    led = TopicFactory.create(lead_expert=expert)
    on_team = TopicFactory.create(members=[expert])
    other = TopicFactory.create()
    client = as_user(expert_user)
    assert client.get(led.get_absolute_url()).status_code == 200
    assert client.get(on_team.get_absolute_url()).status_code == 200
    assert client.get(other.get_absolute_url()).status_code == 404
    assert as_user(other_expert_user).get(led.get_absolute_url()).status_code == 404
    listing = client.get(reverse("research:list"))
    assert listing.context["page_obj"].paginator.count == 2


def test_an_officer_sees_topics_their_organisation_commissioned(
    as_user: Any, officer: Any, other_officer: Any, orgs: Any
) -> None:
    topic = TopicFactory.create(commissioning_organization=orgs.department)
    assert as_user(officer).get(topic.get_absolute_url()).status_code == 200
    assert as_user(other_officer).get(topic.get_absolute_url()).status_code == 404


def test_leadership_reads_but_only_the_secretariat_changes(
    as_user: Any, leadership: Any, secretariat: Any
) -> None:
    topic = TopicFactory.create()
    assert as_user(leadership).get(topic.get_absolute_url()).status_code == 200
    edit = reverse("research:edit", args=[topic.pk])
    assert as_user(leadership).get(edit).status_code == 403
    assert as_user(secretariat).get(edit).status_code == 200
    transition = reverse("research:transition", args=[topic.pk])
    assert as_user(leadership).post(transition, {"status": "approved"}).status_code == 403
    topic.refresh_from_db()
    assert topic.status == "proposed"


def test_the_secretariat_creates_a_topic_and_the_page_shows_the_budget(
    as_user: Any, secretariat: Any, orgs: Any
) -> None:
    lead = ExpertFactory.create()
    client = as_user(secretariat)
    response = client.post(
        reverse("research:create"),
        {
            "code": "ĐT-2026-01",
            "title": "Nghiên cứu mô hình TOD dọc tuyến đường sắt đô thị số 3",
            "lead_expert": lead.pk,
            "team": [lead.pk],
            "commissioning_organization": orgs.city.pk,
            "budget_vnd": "1250000000",
            "start_on": "2026-01-01",
            "end_on": "2026-12-31",
        },
    )
    topic = ResearchTopic.objects.get(code="ĐT-2026-01")
    assert response.status_code == 302
    assert "1.250.000.000 ₫" in client.get(topic.get_absolute_url()).content.decode()


def test_a_negative_budget_is_refused(as_user: Any, secretariat: Any, orgs: Any) -> None:
    response = as_user(secretariat).post(
        reverse("research:create"),
        {
            "code": "X",
            "title": "Đề tài thử",
            "commissioning_organization": orgs.city.pk,
            "budget_vnd": "-5",
        },
    )
    assert response.status_code == 200
    assert not ResearchTopic.objects.exists()


def test_the_lifecycle_follows_its_transitions_only(as_user: Any, secretariat: Any) -> None:
    topic = TopicFactory.create()
    client = as_user(secretariat)
    url = reverse("research:transition", args=[topic.pk])
    client.post(url, {"status": "accepted"})
    topic.refresh_from_db()
    assert topic.status == "proposed"
    for status in ("approved", "in_progress", "accepted"):
        client.post(url, {"status": status})
        topic.refresh_from_db()
        assert topic.status == status
    client.post(url, {"status": "rejected"})
    topic.refresh_from_db()
    assert topic.status == "accepted"


def test_milestones_and_outputs_are_recorded(as_user: Any, secretariat: Any) -> None:
    topic = TopicFactory.create()
    client = as_user(secretariat)
    client.post(
        reverse("research:milestone_create", args=[topic.pk]),
        {"title": "Báo cáo đề cương", "due_on": "2026-03-31"},
    )
    milestone = topic.milestones.get()
    client.post(reverse("research:milestone_done", args=[topic.pk, milestone.pk]))
    client.post(
        reverse("research:output_create", args=[topic.pk]),
        {"kind": "report", "title": "Báo cáo tổng hợp", "delivered_on": "2026-11-30"},
    )
    milestone.refresh_from_db()
    assert milestone.done_on is not None
    assert topic.outputs.get().delivered_on == date(2026, 11, 30)


def test_the_list_filters_by_status_with_a_bounded_query_count(
    as_user: Any, secretariat: Any, django_assert_max_num_queries: Any
) -> None:
    client = as_user(secretariat)
    TopicFactory.create_batch(3, status="in_progress", lead_expert=ExpertFactory.create())
    with django_assert_max_num_queries(8):
        response = client.get(reverse("research:list"), {"status": "in_progress"})
    assert response.context["page_obj"].paginator.count == 3
    TopicFactory.create_batch(30, lead_expert=ExpertFactory.create())
    with django_assert_max_num_queries(8):
        client.get(reverse("research:list"), {"status": "in_progress"})


def test_only_the_secretariat_adds_milestones_and_outputs(
    as_user: Any, leadership: Any, expert_user: Any, secretariat: Any
) -> None:
    topic = TopicFactory.create(lead_expert=ExpertFactory.create(user=expert_user))
    data = {"title": "Báo cáo giữa kỳ", "due_on": "2026-06-30"}
    url = reverse("research:milestone_create", args=[topic.pk])
    assert as_user(leadership).post(url, data).status_code == 403
    assert as_user(expert_user).post(url, data).status_code == 403
    assert not topic.milestones.exists()
    assert as_user(secretariat).post(url, data).status_code == 302
    assert topic.milestones.count() == 1
    output = reverse("research:output_create", args=[topic.pk])
    assert as_user(expert_user).post(output, {"kind": "report", "title": "X"}).status_code == 403


def test_a_bad_milestone_or_output_shows_the_page_again_with_what_was_typed(
    as_user: Any, secretariat: Any
) -> None:
    topic = TopicFactory.create()
    client = as_user(secretariat)
    response = client.post(
        reverse("research:milestone_create", args=[topic.pk]),
        {"title": "Báo cáo đề cương chi tiết", "due_on": "31/02/2026"},
    )
    assert response.status_code == 400
    assert "Báo cáo đề cương chi tiết" in response.content.decode()
    assert response.context["milestone_form"].errors["due_on"]
    assert not topic.milestones.exists()
    response = client.post(
        reverse("research:output_create", args=[topic.pk]),
        {"kind": "report", "title": "", "delivered_on": "30/11/2026"},
    )
    assert response.status_code == 400
    assert response.context["output_form"].errors["title"]
    assert 'value="30/11/2026"' in response.content.decode()
    assert not topic.outputs.exists()
