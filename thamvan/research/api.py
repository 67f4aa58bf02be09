"""Research topics over the API, read through the access helpers."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.http import HttpRequest
from ninja import Query, Router

from config.api_common import Page, PageParams, paginate, responses
from thamvan.organizations.models import Organization
from thamvan.research.access import get_topic_for_user
from thamvan.research.models import ResearchTopic
from thamvan.research.schemas import TopicDetailOut, TopicFilters, TopicOut

router = Router(tags=["research"])


@router.get("", response=responses(Page[TopicOut], not_found=False))
def list_topics(
    request: HttpRequest, filters: Query[TopicFilters], page: Query[PageParams]
) -> dict[str, Any]:
    """Topics the user may see, newest first; the period keeps topics overlapping it."""
    topics = ResearchTopic.objects.visible_to(request.user).search(filters.q)  # type: ignore[arg-type]
    if filters.status is not None:
        topics = topics.filter(status=filters.status)
    if filters.organization_id is not None:
        ids = Organization.objects.subtree_ids({filters.organization_id})
        topics = topics.filter(commissioning_organization_id__in=sorted(ids))
    if filters.start is not None:
        topics = topics.filter(Q(end_on__isnull=True) | Q(end_on__gte=filters.start))
    if filters.end is not None:
        topics = topics.filter(Q(start_on__isnull=True) | Q(start_on__lte=filters.end))
    return paginate(topics.order_by("-created_at", "-pk"), page)


@router.get("/{topic_id}", response=responses(TopicDetailOut))
def get_topic(request: HttpRequest, topic_id: int) -> ResearchTopic:
    topic = get_topic_for_user(request.user, topic_id)  # type: ignore[arg-type]
    return ResearchTopic.objects.prefetch_related("team", "milestones", "outputs").get(pk=topic.pk)
