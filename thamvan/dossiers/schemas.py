from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from ninja import Field, Schema

from config.api_common import Text
from thamvan.dossiers.areas import area_warnings
from thamvan.dossiers.models import Confidentiality, Document, Dossier, DossierVersion

# Named apart: several models call their choices "Kind", and OpenAPI needs one name each.
DossierKind = StrEnum("DossierKind", [(v, v) for v in Dossier.Kind.values])  # type: ignore[misc]
DocumentKind = StrEnum("DocumentKind", [(v, v) for v in Document.Kind.values])  # type: ignore[misc]


class DossierOut(Schema):
    id: int
    code: str
    name: str
    kind: DossierKind
    stage: Dossier.Stage
    scale: str
    scale_note: str
    area_ha: Decimal | None
    lead_agency_id: int
    preparing_consultant_id: int | None
    investor_id: int | None
    commune_ids: list[int]
    description: str
    confidentiality: Confidentiality
    boundary: dict[str, Any] | None
    lock_version: int = Field(..., description="Send it back with a change to detect conflicts.")
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_commune_ids(obj: Dossier) -> list[int]:
        return [unit.pk for unit in obj.communes.all()]


class WarningOut(Schema):
    code: str = Field(..., description="area_above_usual or area_below_usual.")
    detail: str


class DossierSavedOut(DossierOut):
    warnings: list[WarningOut] = Field(
        ...,
        description=(
            "What looks implausible in what was saved, e.g. an area far outside the usual "
            "range for the kind and scale; the change is saved all the same."
        ),
    )

    @staticmethod
    def resolve_warnings(obj: Dossier) -> list[dict[str, str]]:
        return [{"code": w.code, "detail": w.detail} for w in area_warnings(obj)]


class DossierIn(Schema):
    code: Text = Field(..., min_length=1, max_length=50)
    name: Text = Field(..., min_length=1, max_length=500)
    kind: DossierKind
    lead_agency_id: int
    stage: Dossier.Stage = Dossier.Stage.PREPARATION
    scale: Dossier.Scale | None = None
    scale_note: Text = Field("", max_length=100)
    area_ha: Decimal | None = Field(None, ge=0, max_digits=12, decimal_places=2)
    preparing_consultant_id: int | None = None
    investor_id: int | None = None
    commune_ids: list[int] = Field(default_factory=list, max_length=200)
    description: Text = Field("", max_length=20_000)
    confidentiality: Confidentiality = Confidentiality.INTERNAL
    boundary: dict[str, Any] | None = None


class DossierPatch(Schema):
    code: Text | None = Field(None, min_length=1, max_length=50)
    name: Text | None = Field(None, min_length=1, max_length=500)
    kind: DossierKind | None = None
    lead_agency_id: int | None = None
    stage: Dossier.Stage | None = None
    scale: Dossier.Scale | None = None
    scale_note: Text | None = Field(None, max_length=100)
    area_ha: Decimal | None = Field(None, ge=0, max_digits=12, decimal_places=2)
    preparing_consultant_id: int | None = None
    investor_id: int | None = None
    commune_ids: list[int] | None = Field(None, max_length=200)
    description: Text | None = Field(None, max_length=20_000)
    confidentiality: Confidentiality | None = None
    boundary: dict[str, Any] | None = None
    lock_version: int | None = Field(
        None,
        ge=0,
        description=(
            "The lock_version read with the dossier. When given and someone changed the "
            "dossier since, nothing is saved and the answer is 409 edit_conflict."
        ),
    )


class DossierFilters(Schema):
    q: Text = ""
    kind: DossierKind | None = None
    stage: Dossier.Stage | None = None
    confidentiality: Confidentiality | None = None
    lead_agency_id: int | None = None


class VersionOut(Schema):
    id: int
    number: int
    label: str
    note: str
    created_at: datetime
    frozen_at: datetime | None
    area_ha: Decimal | None = Field(
        ..., description="The version's area: its boundary's, or as typed when it has none."
    )

    @staticmethod
    def resolve_frozen_at(obj: DossierVersion) -> datetime | None:
        return obj.frozen_at


class VersionDetailOut(VersionOut):
    boundary: dict[str, Any] | None = Field(
        ..., description="GeoJSON; fixed once the version is frozen (sent for consultation)."
    )


class VersionIn(Schema):
    label: Text = Field(..., min_length=1, max_length=255)
    note: Text = Field("", max_length=20_000)
    copy_documents_from: int | None = Field(
        None, description="Number of a version of this dossier whose documents to copy."
    )


class DocumentUploadIn(Schema):
    kind: DocumentKind
    title: Text = Field("", max_length=255)


class DocumentOut(Schema):
    id: int
    version_number: int
    title: str
    kind: DocumentKind
    original_filename: str
    content_type: str
    size: int
    sha256: str
    created_at: datetime
    download_url: str

    @staticmethod
    def resolve_version_number(obj: Document) -> int:
        return obj.version.number

    @staticmethod
    def resolve_download_url(obj: Document) -> str:
        from django.urls import reverse

        return reverse("api:download_document", args=[obj.pk])
