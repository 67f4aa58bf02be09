from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from ninja import Field, Schema

from config.api_common import MAX_ID, Text
from thamvan.accounts.access import membership_actions, person_actions
from thamvan.accounts.forms import AccountStatus
from thamvan.accounts.models import Membership, Role, User
from thamvan.accounts.services import Outcome

# Named apart: OpenAPI components are keyed by name.
UserRole = StrEnum("UserRole", [(v, v) for v in Role.values])  # type: ignore[misc]
UserStatus = StrEnum(  # type: ignore[misc]
    "UserStatus",
    [
        (v, v)
        for v in (
            AccountStatus.ACTIVE,
            AccountStatus.INACTIVE,
            AccountStatus.INVITED,
            AccountStatus.NOT_INVITED,
        )
    ],
)
ExpertAccountOutcome = StrEnum(  # type: ignore[misc]
    "ExpertAccountOutcome",
    [(v, v) for k, v in vars(Outcome).items() if k.isupper()],
)


def account_status(user: User) -> str:
    """``active``, ``inactive``, ``invited`` (a link sent, no password yet) or ``not_invited``."""
    if not user.is_active:
        return AccountStatus.INACTIVE
    if user.has_usable_password():
        return AccountStatus.ACTIVE
    invited = getattr(user, "invited_at", None) is not None
    return AccountStatus.INVITED if invited else AccountStatus.NOT_INVITED


class MembershipOut(Schema):
    id: int
    organization_id: int
    organization_name: str
    role: UserRole
    position: str
    is_active: bool
    created_at: datetime

    @staticmethod
    def resolve_organization_name(obj: Membership) -> str:
        return obj.organization.name


class MembershipDetailOut(MembershipOut):
    actions: list[str] = Field(..., description="What you may do with it now: `change`, `end`.")

    @staticmethod
    def resolve_actions(obj: Membership, context: dict[str, object]) -> list[str]:
        request = context["request"]
        return membership_actions(request.user, obj)  # type: ignore[attr-defined]


class UserOut(Schema):
    id: int
    email: str
    full_name: str
    phone: str
    is_active: bool
    status: UserStatus = Field(
        ...,
        description=(
            "`active`, `inactive` (deactivated), `invited` (an activation link was sent, "
            "no password yet) or `not_invited`."
        ),
    )
    last_login: datetime | None
    date_joined: datetime
    expert_id: int | None
    memberships: list[MembershipOut]

    @staticmethod
    def resolve_status(obj: User) -> str:
        return account_status(obj)

    @staticmethod
    def resolve_expert_id(obj: User) -> int | None:
        expert = getattr(obj, "expert_profile", None)
        return expert.pk if expert is not None else None

    @staticmethod
    def resolve_memberships(obj: User) -> list[Membership]:
        return list(obj.memberships.all())


class UserDetailOut(UserOut):
    invited_at: datetime | None = Field(
        None, description="When the latest activation link was sent."
    )
    memberships: list[MembershipDetailOut]  # type: ignore[assignment]
    actions: list[str] = Field(
        ...,
        description=(
            "What you may do now: `edit`, `change_email`, `invite`, `deactivate`, "
            "`reactivate`, `add_membership`."
        ),
    )

    @staticmethod
    def resolve_actions(obj: User, context: dict[str, object]) -> list[str]:
        request = context["request"]
        return person_actions(request.user, obj)  # type: ignore[attr-defined]


class UserFilters(Schema):
    q: Text = Field(
        "", max_length=200, description="Words of the name (accents optional) or part of the email."
    )
    organization_id: int | None = Field(None, ge=1, le=MAX_ID)
    role: UserRole | None = None
    status: UserStatus | None = None


class UserIn(Schema):
    email: Text = Field(..., min_length=1, max_length=254)
    full_name: Text = Field(..., min_length=1, max_length=150)
    phone: Text = Field("", max_length=30)
    organization_id: int = Field(..., ge=1, le=MAX_ID)
    role: UserRole
    position: Text = Field("", max_length=150)
    invite: bool = Field(True, description="Send the activation email at once.")


class UserPatch(Schema):
    email: Text | None = Field(None, min_length=1, max_length=254)
    full_name: Text | None = Field(None, min_length=1, max_length=150)
    phone: Text | None = Field(None, max_length=30)


class DeactivateIn(Schema):
    reason: Text = Field(..., min_length=1, max_length=1000)


class ReactivateIn(Schema):
    reason: Text = Field("", max_length=1000)


class MembershipIn(Schema):
    organization_id: int = Field(..., ge=1, le=MAX_ID)
    role: UserRole
    position: Text = Field("", max_length=150)


class MembershipPatch(Schema):
    role: UserRole
    position: Text | None = Field(None, max_length=150)


ExpertId = Annotated[int, Field(ge=1, le=MAX_ID)]


class ExpertAccountsIn(Schema):
    expert_ids: list[ExpertId] = Field(..., min_length=1, max_length=100)
    organization_id: int = Field(
        ..., ge=1, le=MAX_ID, description="The association or branch where they become experts."
    )
    link_existing: bool = Field(
        False, description="Link records whose email address an account already has."
    )


class ExpertAccountResultOut(Schema):
    expert_id: int
    outcome: ExpertAccountOutcome
    user_id: int | None
    message: str


class ExpertAccountsOut(Schema):
    created: int
    linked: int
    skipped: int
    results: list[ExpertAccountResultOut]
