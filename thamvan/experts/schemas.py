from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from ninja import Field, Schema

from config.api_common import MAX_ID, Text
from thamvan.core.forms import FIRST_DAY, LAST_DAY
from thamvan.experts.models import AcademicRank, ConflictDeclaration, Degree, Expert

# Named apart: OpenAPI components are keyed by name.
ConflictKind = StrEnum("ConflictKind", [(v, v) for v in ConflictDeclaration.Kind.values])  # type: ignore[misc]


class ConflictStatus(StrEnum):
    IN_FORCE = "in_force"
    ENDED = "ended"
    WITHDRAWN = "withdrawn"


class SpecialtyOut(Schema):
    slug: str
    name: str


class ExpertOut(Schema):
    id: int
    full_name: str
    titled_name: str
    academic_rank: AcademicRank | str
    degree: Degree | str
    specialties: list[SpecialtyOut]
    home_organization_id: int | None
    email: str
    phone: str
    keywords: str
    biography: str
    publications: str
    is_active: bool
    has_account: bool = Field(
        False,
        description="The expert has an account; without one, a panel invitation goes by a "
        "personal link e-mailed to ``email``.",
    )

    @staticmethod
    def resolve_has_account(obj: Expert) -> bool:
        return obj.user_id is not None

    @staticmethod
    def resolve_specialties(obj: Expert) -> list[SpecialtyOut]:
        return [SpecialtyOut(slug=s.slug, name=s.name) for s in obj.ordered_specialties]


class ExpertFilters(Schema):
    q: Text = ""
    specialty: Text = ""
    rank: AcademicRank | None = None
    active: bool | None = None
    has_account: bool | None = Field(
        None, description="Only experts with (true) or without (false) an account."
    )


class ConflictDeclarationIn(Schema):
    kind: ConflictKind
    organization_id: int | None = Field(
        None, ge=1, le=MAX_ID, description="For `organization`: an active organisation."
    )
    dossier_id: int | None = Field(
        None, ge=1, le=MAX_ID, description="For `project`, when it is a dossier the user may read."
    )
    other_expert_id: int | None = Field(
        None, ge=1, le=MAX_ID, description="For `person`, when they are an active registry expert."
    )
    name: Text = Field(
        "",
        max_length=255,
        description="For `project` or `person`: filled in from the dossier or expert if empty.",
    )
    start_date: date = Field(..., ge=FIRST_DAY, le=LAST_DAY)
    end_date: date | None = Field(
        None, ge=FIRST_DAY, le=LAST_DAY, description="Null while it lasts."
    )
    reason: Text = Field(..., max_length=500)


class ConflictDeclarationOut(Schema):
    id: int
    expert_id: int
    kind: ConflictKind
    organization_id: int | None
    dossier_id: int | None
    other_expert_id: int | None
    name: str
    counterpart: str = Field(..., description="The organisation, project or person named.")
    start_date: date
    end_date: date | None
    reason: str
    declared_at: datetime
    declared_by_id: int | None
    on_behalf: bool = Field(..., description="Recorded by the secretariat for the expert.")
    withdrawn_at: datetime | None
    status: ConflictStatus

    @staticmethod
    def resolve_on_behalf(obj: ConflictDeclaration) -> bool:
        return obj.declared_by_id is not None and obj.declared_by_id != obj.expert.user_id

    @staticmethod
    def resolve_status(obj: ConflictDeclaration) -> ConflictStatus:
        if obj.is_withdrawn:
            return ConflictStatus.WITHDRAWN
        return ConflictStatus.ENDED if obj.has_ended else ConflictStatus.IN_FORCE
