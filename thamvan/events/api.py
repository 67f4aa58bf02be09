"""Workshops and round tables over the API, read through the access helpers."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery
from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router

from config.api_common import Page, PageParams, paginate, responses
from thamvan.events.access import get_workshop_for_user
from thamvan.events.models import Invitation, Workshop
from thamvan.events.schemas import WorkshopFilters, WorkshopOut, WorkshopWhen
from thamvan.organizations.models import Organization

router = Router(tags=["workshops"])


def _day_start(day: Any) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _with_own_reply(workshops: QuerySet[Workshop], request: HttpRequest) -> QuerySet[Workshop]:
    own = Invitation.objects.filter(workshop=OuterRef("pk"), user=request.user)  # type: ignore[misc]
    return workshops.annotate(own_reply=Subquery(own.values("reply")[:1]))


@router.get("", response=responses(Page[WorkshopOut], not_found=False))
def list_workshops(
    request: HttpRequest, filters: Query[WorkshopFilters], page: Query[PageParams]
) -> dict[str, Any]:
    """Workshops the user may see, latest first (the same filters as the list page)."""
    workshops = Workshop.objects.visible_to(request.user).search(filters.q)  # type: ignore[arg-type]
    if filters.status is not None:
        workshops = workshops.filter(status=filters.status)
    if filters.when == WorkshopWhen.UPCOMING:
        workshops = workshops.upcoming(timezone.now())
    elif filters.when == WorkshopWhen.PAST:
        workshops = workshops.filter(starts_at__lt=timezone.now())
    if filters.organization_id is not None:
        hosts = Organization.objects.subtree_ids({filters.organization_id})
        workshops = workshops.filter(host_id__in=sorted(hosts))
    if filters.start is not None:
        workshops = workshops.filter(starts_at__gte=_day_start(filters.start))
    if filters.end is not None:
        workshops = workshops.filter(starts_at__lt=_day_start(filters.end + timedelta(days=1)))
    return paginate(_with_own_reply(workshops, request).order_by("-starts_at", "-pk"), page)


@router.get("/{workshop_id}", response=responses(WorkshopOut))
def get_workshop(request: HttpRequest, workshop_id: int) -> Workshop:
    workshop = get_workshop_for_user(request.user, workshop_id)  # type: ignore[arg-type]
    return _with_own_reply(Workshop.objects.filter(pk=workshop.pk), request).get()
