from __future__ import annotations

from ninja import Schema

from config.api_common import Text
from thamvan.experts.models import AcademicRank, Degree, Expert


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

    @staticmethod
    def resolve_specialties(obj: Expert) -> list[SpecialtyOut]:
        return [SpecialtyOut(slug=s.slug, name=s.name) for s in obj.ordered_specialties]


class ExpertFilters(Schema):
    q: Text = ""
    specialty: Text = ""
    rank: AcademicRank | None = None
    active: bool | None = None
