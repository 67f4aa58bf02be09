from __future__ import annotations

from enum import StrEnum

from ninja import Schema

from config.api_common import Text
from thamvan.organizations.models import Organization

# Named apart: several models call their choices "Kind", and OpenAPI needs one name each.
OrganizationKind = StrEnum("OrganizationKind", [(v, v) for v in Organization.Kind.values])  # type: ignore[misc]


class OrganizationOut(Schema):
    id: int
    name: str
    abbreviation: str
    kind: OrganizationKind
    parent_id: int | None
    administrative_unit_id: int | None
    address: str
    email: str
    phone: str
    website: str
    is_active: bool


class OrganizationFilters(Schema):
    q: Text = ""
    kind: OrganizationKind | None = None
