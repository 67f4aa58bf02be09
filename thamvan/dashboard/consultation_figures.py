"""Consultation figures for the dashboard, plugged in through ``figure_provider``.

Listed in ``settings.DASHBOARD_FIGURE_MODULES`` (default: this module) so the
dashboard shows them; remove it there to run without the consultations app.

Scope: an organisation keeps the consultations on dossiers it (or a unit below
it) leads, and those sent to it as the consulted association; a period keeps
the consultations sent within it. Each state count links to the consultations
list with the same ``organization``/``start``/``end`` filter, so the two agree.
"""

from __future__ import annotations

import statistics
from collections import Counter
from typing import Any

from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from thamvan.consultations.models import Consultation, Invitation, Response, State
from thamvan.dashboard.figures import Figure, FigureGroup, Scope, figure_provider
from thamvan.organizations.models import Organization

# Panel seats per expert, grouped for the load chart; the last bucket is "or more".
LOAD_BUCKETS = (1, 2, 3, 4)


def scoped_consultations(scope: Scope) -> Any:
    consultations = Consultation.objects.visible_to(scope.user)
    if scope.organization is not None:
        consultations = consultations.involving(
            Organization.objects.subtree_ids({scope.organization.pk})
        )
    return consultations.sent_between(scope.start, scope.end)


@figure_provider
def consultation_state_figures(scope: Scope) -> FigureGroup:
    by_state = dict(
        scoped_consultations(scope).order_by().values_list("state").annotate(n=Count("pk"))
    )
    group = FigureGroup("consultations", _("Consultations by state"), chart=True)
    for state, label in State.choices:
        group.figures.append(
            Figure(
                f"consultations_{state}",
                label,
                by_state.get(state, 0),
                scope.link("consultations:list", state=state),
                is_count=True,
            )
        )
    return group.with_shares()


@figure_provider
def consultation_performance_figures(scope: Scope) -> FigureGroup:
    """On-time rate and median turnaround of the consultations that reached a report."""
    rows = list(
        scoped_consultations(scope)
        .filter(reported_at__isnull=False, sent_at__isnull=False)
        .values_list("sent_at", "reported_at", "deadline")
    )
    with_deadline = [(sent, reported, due) for sent, reported, due in rows if due is not None]
    on_time = sum(
        1 for _sent, reported, due in with_deadline if timezone.localtime(reported).date() <= due
    )
    days = [(reported - sent).total_seconds() / 86400 for sent, reported, _due in rows]
    link = scope.link("consultations:list", state=State.CLOSED)
    group = FigureGroup("consultation_performance", _("Consultation performance"))
    group.figures.append(
        Figure(
            "consultations_on_time_rate",
            _("Reported on time"),
            round(100 * on_time / len(with_deadline)) if with_deadline else None,
            link,
            unit="%",
            is_count=False,
        )
    )
    group.figures.append(
        Figure(
            "consultations_median_days",
            _("Median days from request to report"),
            round(statistics.median(days), 1) if days else None,
            link,
            # Not an f-string: gettext cannot extract a string from inside one.
            unit=" " + _("days"),
            is_count=False,
        )
    )
    return group


@figure_provider
def expert_load_figures(scope: Scope) -> FigureGroup:
    """How many experts took part, and how the panel seats spread over them."""
    seats = Counter(
        dict(
            Invitation.objects.filter(
                consultation__in=scoped_consultations(scope).values("pk"),
                state=Invitation.Status.ACCEPTED,
            )
            .order_by()
            .values_list("expert_id")
            .annotate(n=Count("pk"))
        )
    )
    buckets: Counter[int] = Counter(min(count, LOAD_BUCKETS[-1]) for count in seats.values())
    group = FigureGroup("expert_load", _("Expert participation and load"), chart=True)
    group.figures.append(
        Figure(
            "experts_participating",
            _("Experts on a panel"),
            len(seats),
            scope.link("experts:list"),
            is_count=False,
        )
    )
    for bucket in LOAD_BUCKETS:
        label = (
            _("Experts on %(count)s panels or more") % {"count": bucket}
            if bucket == LOAD_BUCKETS[-1]
            else _("Experts on %(count)s panel(s)") % {"count": bucket}
        )
        group.figures.append(
            Figure(f"experts_load_{bucket}", label, buckets.get(bucket, 0), "", is_count=False)
        )
    return group.with_shares()


@figure_provider
def response_share_figures(scope: Scope) -> FigureGroup:
    """The share of answered opinion items accepted, partly accepted or not accepted."""
    by_result = dict(
        Response.objects.filter(
            item__opinion__consultation__in=scoped_consultations(scope).values("pk")
        )
        .order_by()
        .values_list("result")
        .annotate(n=Count("pk"))
    )
    total = sum(by_result.values())
    group = FigureGroup("responses", _("Opinion items answered"), chart=True)
    for result, label in Response.Result.choices:
        count = by_result.get(result, 0)
        group.figures.append(
            Figure(
                f"responses_{result}",
                label,
                round(100 * count / total) if total else 0,
                scope.link("consultations:list", state=State.CLOSED),
                unit="%",
                is_count=False,
            )
        )
    for item in group.figures:
        item.share = float(item.value or 0)
    return group
