from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router

from config.api_common import Page, PageParams, paginate, responses
from thamvan.experts.access import get_expert_for_user
from thamvan.experts.models import Expert
from thamvan.experts.schemas import ExpertFilters, ExpertOut

router = Router(tags=["experts"])


def _with_specialties(queryset: Any) -> Any:
    return queryset.prefetch_related("expert_specialties__specialty")


@router.get("", response=responses(Page[ExpertOut], not_found=False))
def list_experts(
    request: HttpRequest, filters: Query[ExpertFilters], page: Query[PageParams]
) -> dict[str, Any]:
    """The registry for the secretariat, leadership and administrators; an expert sees only
    their own profile; anyone else gets an empty list."""
    experts = Expert.objects.visible_to(request.user).search(filters.q)  # type: ignore[arg-type]
    if filters.specialty:
        experts = experts.filter(specialties__slug=filters.specialty)
    if filters.rank:
        experts = experts.filter(academic_rank=filters.rank)
    if filters.active is not None:
        experts = experts.filter(is_active=filters.active)
    return paginate(_with_specialties(experts.by_given_name()), page)


@router.get("/{expert_id}", response=responses(ExpertOut))
def get_expert(request: HttpRequest, expert_id: int) -> Expert:
    expert = get_expert_for_user(request.user, expert_id)  # type: ignore[arg-type]
    return _with_specialties(Expert.objects.filter(pk=expert.pk)).get()
