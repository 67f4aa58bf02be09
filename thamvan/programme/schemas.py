from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from ninja import Field, Schema

from config.api_common import MAX_ID, Text
from thamvan.core.forms import FIRST_DAY, LAST_DAY
from thamvan.programme.models import Directive, Programme, Task, TaskStatus

# Ids and days outside what the database columns hold answer 422, not 500.

# Named apart: OpenAPI components are keyed by name, and other apps have a "Kind" too.
ProgrammeTaskStatus = StrEnum("ProgrammeTaskStatus", [(v, v) for v in TaskStatus.values])  # type: ignore[misc]
DirectiveKind = StrEnum("DirectiveKind", [(v, v) for v in Directive.Kind.values])  # type: ignore[misc]


class ProgrammeFilters(Schema):
    q: Text = Field("", max_length=200)


class ProgrammeOut(Schema):
    id: int
    code: str
    name: str
    period_start: date
    period_end: date
    party_ids: list[int]
    description: str
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_party_ids(obj: Programme) -> list[int]:
        return [organization.pk for organization in obj.parties.all()]


class TaskFilters(Schema):
    q: Text = Field("", max_length=200)
    status: ProgrammeTaskStatus | None = None
    organization_id: int | None = Field(
        None,
        ge=1,
        le=MAX_ID,
        description="Tasks this organisation (or one below it) leads or cooperates on.",
    )
    programme_id: int | None = Field(None, ge=1, le=MAX_ID)
    directive_id: int | None = Field(None, ge=1, le=MAX_ID)
    deadline_from: date | None = Field(None, ge=FIRST_DAY, le=LAST_DAY)
    deadline_until: date | None = Field(None, ge=FIRST_DAY, le=LAST_DAY)


class TaskOut(Schema):
    id: int
    programme_id: int | None
    directive_id: int | None
    conclusion_id: int | None
    parent_id: int | None
    code: str
    title: str
    description: str
    lead_organization_id: int
    cooperating_organization_ids: list[int]
    owner_id: int | None
    start: date | None
    deadline: date | None
    status: ProgrammeTaskStatus
    weight: int
    progress: int
    completed_on: date | None
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_directive_id(obj: Task) -> int | None:
        return obj.conclusion.directive_id if obj.conclusion is not None else None

    @staticmethod
    def resolve_cooperating_organization_ids(obj: Task) -> list[int]:
        return [organization.pk for organization in obj.cooperating_organizations.all()]


class ProgressReportOut(Schema):
    id: int
    task_id: int
    reported_on: date
    progress: int
    note: str
    author_id: int | None
    created_at: datetime


class ProgressReportIn(Schema):
    progress: int = Field(..., ge=0, le=100, description="Per cent done.")
    note: Text = Field("", max_length=20_000, description="What was done.")
    reported_on: date | None = Field(
        None, ge=FIRST_DAY, le=LAST_DAY, description="Today when left out; never later."
    )


class DirectiveFilters(Schema):
    q: Text = Field("", max_length=200)
    kind: DirectiveKind | None = None


class ConclusionOut(Schema):
    id: int
    position: int
    text: str


class DirectiveOut(Schema):
    id: int
    kind: DirectiveKind
    number: str
    issuer: str
    issued_on: date
    title: str
    summary: str
    programme_id: int | None
    created_at: datetime
    updated_at: datetime


class DirectiveDetailOut(DirectiveOut):
    conclusions: list[ConclusionOut]

    @staticmethod
    def resolve_conclusions(obj: Directive) -> list[object]:
        return list(obj.conclusions.all())
