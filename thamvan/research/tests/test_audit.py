"""Each step of a research topic's life leaves one audit entry, committed with it."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from thamvan.audit.models import AuditEntry
from thamvan.research.models import ResearchTopic
from thamvan.research.services import (
    ResearchError,
    milestone_add,
    milestone_done,
    output_add,
    topic_transition,
)
from thamvan.research.tests.factories import TopicFactory

pytestmark = pytest.mark.django_db


def _entries() -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action__startswith="research_topic.").order_by("id"))


def _about(entry: AuditEntry, obj: Any) -> bool:
    return (entry.target_type, entry.target_id) == (obj._meta.label_lower, str(obj.pk))


def test_each_transition_is_recorded_with_its_from_and_to(secretariat: Any) -> None:
    topic = TopicFactory.create()
    for status in ("approved", "in_progress", "accepted"):
        topic_transition(actor=secretariat, topic=topic, status=status)
    entries = _entries()
    assert [e.action for e in entries] == ["research_topic.status_changed"] * 3
    assert all(_about(e, topic) and e.actor == secretariat for e in entries)
    assert [(e.details["from"], e.details["to"]) for e in entries] == [
        ("proposed", "approved"),
        ("approved", "in_progress"),
        ("in_progress", "accepted"),
    ]


def test_a_refused_transition_leaves_no_entry(secretariat: Any, leadership: Any) -> None:
    topic = TopicFactory.create()
    with pytest.raises(ResearchError):
        topic_transition(actor=secretariat, topic=topic, status="accepted")
    with pytest.raises(ResearchError):
        topic_transition(actor=leadership, topic=topic, status="approved")
    assert _entries() == []
    topic.refresh_from_db()
    assert topic.status == ResearchTopic.Status.PROPOSED


def test_milestones_and_outputs_are_recorded_on_their_topic(secretariat: Any) -> None:
    topic = TopicFactory.create()
    milestone = milestone_add(
        actor=secretariat, topic=topic, title="Nộp đề cương", due_on=date(2026, 3, 1)
    )
    milestone_done(actor=secretariat, milestone=milestone, on=date(2026, 2, 20))
    output = output_add(
        actor=secretariat, topic=topic, kind="report", title="Báo cáo", delivered_on=None
    )
    entries = _entries()
    assert [e.action for e in entries] == [
        "research_topic.milestone_added",
        "research_topic.milestone_done",
        "research_topic.output_added",
    ]
    assert all(_about(e, topic) for e in entries)
    assert entries[1].details == {"milestone": milestone.pk, "done_on": "2026-02-20"}
    assert entries[2].details["output"] == output.pk


def test_an_invalid_milestone_leaves_no_entry(secretariat: Any) -> None:
    topic = TopicFactory.create()
    with pytest.raises(ValidationError):
        milestone_add(actor=secretariat, topic=topic, title=" ", due_on=date(2026, 3, 1))
    assert _entries() == []


def test_creating_and_editing_through_the_pages_is_recorded(
    as_user: Any, secretariat: Any, orgs: Any
) -> None:
    client = as_user(secretariat)
    data = {
        "code": "ĐT-2026-01",
        "title": "Nghiên cứu nhà ở xã hội",
        "commissioning_organization": orgs.department.pk,
        "budget_vnd": 500_000_000,
    }
    assert client.post(reverse("research:create"), data).status_code == 302
    topic = ResearchTopic.objects.get()
    edit = reverse("research:edit", args=[topic.pk])
    changed = {**data, "title": "Nghiên cứu nhà ở xã hội (sửa)", "lock_version": 0}
    assert client.post(edit, changed).status_code == 302
    assert [e.action for e in _entries()] == ["research_topic.created", "research_topic.updated"]
    refused = client.post(edit, {**changed, "end_on": "2020-01-01", "start_on": "2021-01-01"})
    assert refused.status_code == 200
    assert len(_entries()) == 2
