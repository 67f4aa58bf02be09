"""Who may see and change research topics.

* The administrator and the secretariat see and manage every topic.
* Leadership reads every topic and changes nothing.
* Agency officers see the topics their organisation (or one below it)
  commissioned.
* Experts see only the topics they lead or are on the team of (404
  otherwise).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q

from thamvan.accounts.models import Role, User
from thamvan.audit.denied import not_found
from thamvan.programme.access import scope_ids
from thamvan.research.models import ResearchTopic


def _active(user: User) -> bool:
    return bool(user.is_authenticated and user.is_active)


def can_manage_research(user: User) -> bool:
    return _active(user) and (user.is_admin or user.has_role(Role.SECRETARIAT))


def topic_visibility_q(user: User, prefix: str = "") -> Q:
    if not _active(user):
        return Q(pk__in=[])
    if user.is_admin or user.has_role(Role.SECRETARIAT, Role.LEADERSHIP):
        return Q()
    team = ResearchTopic.team.through.objects.filter(expert__user_id=user.pk).values(
        "researchtopic_id"
    )
    visible = Q(**{f"{prefix}lead_expert__user_id": user.pk}) | Q(**{f"{prefix}pk__in": team})
    own = scope_ids(user, Role.AGENCY_OFFICER)
    if own:
        visible |= Q(**{f"{prefix}commissioning_organization_id__in": sorted(own)})
    return visible


def get_topic_for_user(user: User, pk: int) -> ResearchTopic:
    try:
        return (
            ResearchTopic.objects.visible_to(user)
            .select_related("lead_expert", "commissioning_organization")
            .get(pk=pk)
        )
    except ResearchTopic.DoesNotExist:
        raise not_found(ResearchTopic, pk) from None


def get_topic_for_update(user: User, pk: int) -> ResearchTopic:
    topic = get_topic_for_user(user, pk)
    if not can_manage_research(user):
        raise PermissionDenied
    return topic
