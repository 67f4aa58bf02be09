from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from ninja import Field, Schema

from config.api_common import MAX_ID, Text
from thamvan.core.forms import FIRST_DAY, LAST_DAY
from thamvan.research.models import Output, ResearchTopic

# Ids and days outside what the database columns hold answer 422, not 500.

# Named apart: OpenAPI components are keyed by name, and other apps have a "Status" too.
TopicStatus = StrEnum("TopicStatus", [(v, v) for v in ResearchTopic.Status.values])  # type: ignore[misc]
OutputKind = StrEnum("OutputKind", [(v, v) for v in Output.Kind.values])  # type: ignore[misc]


class TopicFilters(Schema):
    q: Text = Field("", max_length=200)
    status: TopicStatus | None = None
    organization_id: int | None = Field(
        None, ge=1, le=MAX_ID, description="Commissioned by this organisation or one below it."
    )
    start: date | None = Field(
        None, ge=FIRST_DAY, le=LAST_DAY, description="Topics running on or after this day."
    )
    end: date | None = Field(
        None, ge=FIRST_DAY, le=LAST_DAY, description="Topics running on or before this day."
    )


class TopicOut(Schema):
    id: int
    code: str
    title: str
    summary: str
    status: TopicStatus
    lead_expert_id: int | None
    commissioning_organization_id: int
    budget_vnd: int
    start_on: date | None
    end_on: date | None
    created_at: datetime
    updated_at: datetime


class MilestoneOut(Schema):
    id: int
    title: str
    due_on: date
    done_on: date | None


class OutputOut(Schema):
    id: int
    kind: OutputKind
    title: str
    delivered_on: date | None


class TopicDetailOut(TopicOut):
    team_expert_ids: list[int]
    milestones: list[MilestoneOut]
    outputs: list[OutputOut]

    @staticmethod
    def resolve_team_expert_ids(obj: ResearchTopic) -> list[int]:
        return [expert.pk for expert in obj.team.all()]

    @staticmethod
    def resolve_milestones(obj: ResearchTopic) -> list[object]:
        return list(obj.milestones.all())

    @staticmethod
    def resolve_outputs(obj: ResearchTopic) -> list[object]:
        return list(obj.outputs.all())
