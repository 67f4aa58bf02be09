from __future__ import annotations

from datetime import datetime

from ninja import Field, Schema

from config.api_common import MAX_ID, Text


class SearchParams(Schema):
    q: Text = Field(..., max_length=200, description="Words to find; accents are optional.")
    type: Text = Field("", max_length=40, description="dossier, document, expert, …")
    kind: Text = Field("", max_length=60)
    year: int | None = Field(None, ge=1900, le=2200)
    organization: int | None = Field(None, ge=1, le=MAX_ID)
    commune: int | None = Field(None, ge=1, le=MAX_ID)
    limit: int = Field(20, ge=1, le=100)
    offset: int = Field(0, ge=0, le=10_000)


class SearchHitOut(Schema):
    type: str
    id: int
    title: str
    title_html: str = Field(..., description="Escaped HTML; matches wrapped in <mark>.")
    snippet_html: str = Field(..., description="Escaped HTML; matches wrapped in <mark>.")
    url: str
    kind: str
    kind_label: str
    year: int | None
    organization_id: int | None
    dated_at: datetime
    score: int


class FacetValueOut(Schema):
    value: str
    label: str
    count: int
    selected: bool


class SearchOut(Schema):
    query: str
    count: int = Field(..., description="Matches, counted up to count_limit.")
    count_capped: bool = Field(..., description="True when there are more than count.")
    facets_approximate: bool = Field(
        ..., description="True when facets were counted over a sample of the matches."
    )
    limit: int
    offset: int
    items: list[SearchHitOut]
    facets: dict[str, list[FacetValueOut]]
