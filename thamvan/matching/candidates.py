"""The candidate list of a panel, filtered and sorted: the same for the page and the API.

The recommendation ranks every active expert once; the filters keep some of its rows
and the sort orders the ranked rows, then the excluded ones, among themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar

from thamvan.consultations.models import Consultation
from thamvan.matching.history import on_time_shares
from thamvan.matching.services import ExcludedRow, PanelRecommendation, RankedRow, is_reachable

Row = RankedRow | ExcludedRow
R = TypeVar("R", RankedRow, ExcludedRow)


class CandidateSort(StrEnum):
    RANK = "rank"
    # Vietnamese order: by given name, as ``Expert.by_given_name``.
    NAME = "name"
    OPEN_PANELS = "open_panels"
    ON_TIME = "on_time"


@dataclass(frozen=True)
class CandidateFilters:
    # The experts the registry filters (search, specialty, organisation, title) let
    # through; None when none is set.
    experts: frozenset[int] | None = None
    max_open_panels: int | None = None
    has_email: bool | None = None
    sort: CandidateSort = CandidateSort.RANK


def _keep(row: Row, filters: CandidateFilters) -> bool:
    if filters.experts is not None and row.expert.pk not in filters.experts:
        return False
    if filters.max_open_panels is not None and row.open_panels > filters.max_open_panels:
        return False
    return filters.has_email is None or is_reachable(row.expert) == filters.has_email


def _sorted(rows: list[R], sort: CandidateSort, shares: dict[int, float]) -> list[R]:
    # Stable sorts: ties keep the recommendation's order.
    if sort == CandidateSort.NAME:
        # Sort keys compare by code point, as the database's "C" collation does.
        return sorted(rows, key=lambda row: (row.expert.sort_key, row.expert.pk))
    if sort == CandidateSort.OPEN_PANELS:
        return sorted(rows, key=lambda row: row.open_panels)
    if sort == CandidateSort.ON_TIME:
        # Highest share first; experts who never submitted an opinion last.
        return sorted(
            rows,
            key=lambda row: (row.expert.pk not in shares, -shares.get(row.expert.pk, 0.0)),
        )
    return rows


def select_candidates(
    recommendation: PanelRecommendation, filters: CandidateFilters, consultation: Consultation
) -> tuple[list[RankedRow], list[ExcludedRow]]:
    """The ranked and the excluded rows the filters keep, each sorted as asked."""
    ranked = [row for row in recommendation.ranked if _keep(row, filters)]
    excluded = [row for row in recommendation.excluded if _keep(row, filters)]
    shares = on_time_shares(consultation) if filters.sort == CandidateSort.ON_TIME else {}
    return _sorted(ranked, filters.sort, shares), _sorted(excluded, filters.sort, shares)
