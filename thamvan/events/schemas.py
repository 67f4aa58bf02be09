from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from ninja import Field, Schema
from pydantic import model_validator

from config.api_common import MAX_ID, Text
from thamvan.core.forms import FIRST_DAY, LAST_DAY
from thamvan.events.models import Invitation, Workshop
from thamvan.notifications.models import OutgoingEmail

# Ids and days outside what the database columns hold answer 422, not 500.

# Named apart: OpenAPI components are keyed by name, and other apps have a "Status" too.
WorkshopKind = StrEnum("WorkshopKind", [(v, v) for v in Workshop.Kind.values])  # type: ignore[misc]
WorkshopStatus = StrEnum("WorkshopStatus", [(v, v) for v in Workshop.Status.values])  # type: ignore[misc]
WorkshopReply = StrEnum("WorkshopReply", [(v, v) for v in Invitation.Reply.values])  # type: ignore[misc]
WorkshopEmailStatus = StrEnum(  # type: ignore[misc]
    "WorkshopEmailStatus", [(v, v) for v in OutgoingEmail.Status.values]
)


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


class WorkshopInvitationOut(Schema):
    id: int
    is_guest: bool = Field(..., description="Invited without an account, by name and e-mail.")
    user_id: int | None = Field(..., description="The invitee's account; null for a guest.")
    name: str
    guest_email: str = Field(..., description="A guest's address; empty for an account.")
    guest_organization: str
    guest_position: str
    reply: WorkshopReply
    reply_note: str
    replied_at: datetime | None
    attended: bool | None
    email_status: WorkshopEmailStatus | None = Field(
        ...,
        description="A guest's newest invitation e-mail: queued, sending, sent, retrying or "
        "failed; null before the invitations are sent and for an account.",
    )

    @staticmethod
    def resolve_name(obj: Invitation) -> str:
        return obj.invitee_name

    @staticmethod
    def resolve_email_status(obj: Invitation) -> str | None:
        # Set by the router from one query over the list (outbox.latest_for).
        return getattr(obj, "email_status", None)


class WorkshopInviteIn(Schema):
    """People with an account by id, or one guest by name and e-mail address."""

    user_ids: list[int] = Field(
        default_factory=list,
        max_length=200,
        description="Active users with a membership; those already invited are skipped.",
    )
    name: Text = Field("", max_length=150, description="A guest's full name.")
    email: Text = Field("", max_length=254, description="A guest's e-mail address.")
    organization: Text = Field("", max_length=255, description="A guest's organisation.")
    position: Text = Field("", max_length=150, description="A guest's position.")

    @model_validator(mode="after")
    def users_or_one_guest(self) -> WorkshopInviteIn:
        guest = bool(self.name or self.email or self.organization or self.position)
        if bool(self.user_ids) == guest:
            raise ValueError("Give either user_ids or a guest's name and email, not both.")
        if any(not 1 <= pk <= MAX_ID for pk in self.user_ids):
            raise ValueError(f"User ids are whole numbers from 1 to {MAX_ID}.")
        return self
