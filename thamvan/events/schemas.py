from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from ninja import Field, Schema

from config.api_common import MAX_ID, Text
from thamvan.core.forms import FIRST_DAY, LAST_DAY
from thamvan.events.models import Invitation, Workshop

# Ids and days outside what the database columns hold answer 422, not 500.

# Named apart: OpenAPI components are keyed by name, and other apps have a "Status" too.
WorkshopKind = StrEnum("WorkshopKind", [(v, v) for v in Workshop.Kind.values])  # type: ignore[misc]
WorkshopStatus = StrEnum("WorkshopStatus", [(v, v) for v in Workshop.Status.values])  # type: ignore[misc]
WorkshopReply = StrEnum("WorkshopReply", [(v, v) for v in Invitation.Reply.values])  # type: ignore[misc]


class WorkshopWhen(StrEnum):
    UPCOMING = "upcoming"
    PAST = "past"


class WorkshopFilters(Schema):
    q: Text = Field("", max_length=200)
    status: WorkshopStatus | None = None
    when: WorkshopWhen | None = None
    organization_id: int | None = Field(
        None, ge=1, le=MAX_ID, description="Hosted by this organisation or one below it."
    )
    start: date | None = Field(
        None, ge=FIRST_DAY, le=LAST_DAY, description="Starting on or after this day."
    )
    end: date | None = Field(
        None, ge=FIRST_DAY, le=LAST_DAY, description="Starting on or before this day."
    )


class WorkshopOut(Schema):
    id: int
    kind: WorkshopKind
    topic: str
    description: str
    starts_at: datetime
    ends_at: datetime
    venue: str
    online_url: str
    agenda: str
    host_id: int
    status: WorkshopStatus
    minutes: str = Field(..., description="Empty until the minutes are published.")
    minutes_published_at: datetime | None
    own_reply: WorkshopReply | None = Field(
        ..., description="The user's own reply when invited, else null."
    )
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_minutes(obj: Workshop) -> str:
        return obj.minutes if obj.status == Workshop.Status.MINUTES_PUBLISHED else ""

    @staticmethod
    def resolve_own_reply(obj: Workshop) -> str | None:
        # Set by the router from one query over the page: the user's own invitations.
        return getattr(obj, "own_reply", None)
