"""An expert's record on earlier panels, shown beside each candidate (page and API).

Definitions, for every consultation but the one being staffed:

* **served**: invitations accepted on consultations whose round reached its report
  (reported, responding or closed); a panel still at work counts as an open panel;
* **submitted / on time**: the expert's first submitted opinion on each consultation,
  on time when submitted (local day) on or before the consultation's deadline, or
  when it has none; an amendment does not count again;
* **median days to submit**: from the day the invitation was accepted to the day of
  that first submission (local days), the median over the panels that have both;
* **declined / expired**: invitations declined, and left unanswered past their date;
* **last panel**: the latest invitation accepted, with the day of acceptance.

The figures of a page come in a fixed number of queries (``panel_histories``);
``on_time_shares`` gives the share of every expert at once, for sorting.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
)
from django.db.models.functions import TruncDate
from django.utils import timezone

from thamvan.accounts.models import User
from thamvan.consultations.models import REPORT_STATES, Consultation, Invitation, Opinion


@dataclass(frozen=True)
class LastPanel:
    consultation_id: int
    title: str
    joined: date
    # The viewer may open the consultation: only then is it named and linked.
    visible: bool


@dataclass(frozen=True)
class PanelHistory:
    served: int = 0
    submitted: int = 0
    on_time: int = 0
    median_days: float | None = None
    declined: int = 0
    expired: int = 0
    last_panel: LastPanel | None = None

    @property
    def on_time_share(self) -> float | None:
        return self.on_time / self.submitted if self.submitted else None

    @property
    def is_empty(self) -> bool:
        return self == PanelHistory()


NO_HISTORY = PanelHistory()


def _local_day(moment: datetime) -> date:
    return timezone.localdate(moment)


def first_submissions(exclude: Consultation | None = None) -> QuerySet[Opinion]:
    """Each expert's first submitted opinion per consultation, marked ``on_time``."""
    earlier = Opinion.objects.filter(
        consultation_id=OuterRef("consultation_id"),
        expert_id=OuterRef("expert_id"),
        state=Opinion.Status.SUBMITTED,
        submitted_at__lt=OuterRef("submitted_at"),
    )
    opinions = (
        Opinion.objects.filter(expert__isnull=False, state=Opinion.Status.SUBMITTED)
        .exclude(Exists(earlier))
        .annotate(
            # The deadline is a local day; the submission an instant.
            day=TruncDate("submitted_at"),
            on_time=ExpressionWrapper(
                Q(consultation__deadline__isnull=True) | Q(day__lte=F("consultation__deadline")),
                output_field=BooleanField(),
            ),
        )
    )
    if exclude is not None:
        opinions = opinions.exclude(consultation=exclude)
    return opinions


def on_time_shares(exclude: Consultation | None = None) -> dict[int, float]:
    """The on-time share of every expert who has submitted an opinion, in one query."""
    rows = (
        first_submissions(exclude)
        .order_by()
        .values("expert_id")
        .annotate(submitted=Count("pk"), on_time_count=Count("pk", filter=Q(on_time=True)))
        .values_list("expert_id", "submitted", "on_time_count")
    )
    return {expert_id: on_time / submitted for expert_id, submitted, on_time in rows}


def panel_histories(
    expert_ids: Iterable[int],
    *,
    viewer: User | None = None,
    exclude: Consultation | None = None,
) -> dict[int, PanelHistory]:
    """The history of each expert in ``expert_ids`` (those with none are left out), in
    three queries: the invitations, the first submissions, the last panels the viewer
    may open."""
    ids = list(expert_ids)
    if not ids:
        return {}
    invitations = Invitation.objects.filter(expert_id__in=ids)
    if exclude is not None:
        invitations = invitations.exclude(consultation=exclude)
    served: dict[int, int] = {}
    declined: dict[int, int] = {}
    expired: dict[int, int] = {}
    accepted_at: dict[tuple[int, int], datetime] = {}
    last: dict[int, tuple[datetime, int, str]] = {}
    for (
        expert_id,
        state,
        responded_at,
        invited_at,
        consultation_id,
        title,
        round_state,
    ) in invitations.order_by().values_list(
        "expert_id",
        "state",
        "responded_at",
        "invited_at",
        "consultation_id",
        "consultation__title",
        "consultation__state",
    ):
        if state == Invitation.Status.DECLINED:
            declined[expert_id] = declined.get(expert_id, 0) + 1
        elif state == Invitation.Status.EXPIRED:
            expired[expert_id] = expired.get(expert_id, 0) + 1
        elif state == Invitation.Status.ACCEPTED:
            joined = responded_at or invited_at
            accepted_at[expert_id, consultation_id] = joined
            if round_state in REPORT_STATES:
                served[expert_id] = served.get(expert_id, 0) + 1
            if expert_id not in last or (joined, consultation_id) > last[expert_id][:2]:
                last[expert_id] = (joined, consultation_id, title)
    submitted: dict[int, int] = {}
    on_time: dict[int, int] = {}
    days: dict[int, list[int]] = {}
    for expert_id, consultation_id, submitted_at, in_time in (
        first_submissions(exclude)
        .filter(expert_id__in=ids)
        .order_by()
        # ``on_time`` is annotated by first_submissions, which the type checker cannot see.
        .values_list("expert_id", "consultation_id", "submitted_at", "on_time")  # type: ignore[misc]
    ):
        submitted[expert_id] = submitted.get(expert_id, 0) + 1
        on_time[expert_id] = on_time.get(expert_id, 0) + bool(in_time)
        accepted = accepted_at.get((expert_id, consultation_id))
        if accepted is not None:
            elapsed = (_local_day(submitted_at) - _local_day(accepted)).days
            days.setdefault(expert_id, []).append(max(0, elapsed))
    visible: set[int] = set()
    if viewer is not None and last:
        visible = set(
            Consultation.objects.visible_to(viewer)
            .filter(pk__in={consultation_id for _, consultation_id, _ in last.values()})
            .values_list("pk", flat=True)
        )
    histories = {}
    for expert_id in ids:
        latest = last.get(expert_id)
        history = PanelHistory(
            served=served.get(expert_id, 0),
            submitted=submitted.get(expert_id, 0),
            on_time=on_time.get(expert_id, 0),
            median_days=statistics.median(days[expert_id]) if expert_id in days else None,
            declined=declined.get(expert_id, 0),
            expired=expired.get(expert_id, 0),
            last_panel=None
            if latest is None
            else LastPanel(
                consultation_id=latest[1],
                title=latest[2],
                joined=_local_day(latest[0]),
                visible=latest[1] in visible,
            ),
        )
        if not history.is_empty:
            histories[expert_id] = history
    return histories
