"""Research topic lifecycle: proposed → approved → in_progress → accepted | rejected."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from thamvan import audit
from thamvan.accounts.models import User
from thamvan.core.locking import save_with_lock
from thamvan.dossiers.models import Dossier
from thamvan.experts.models import Expert
from thamvan.programme.models import Task
from thamvan.research.access import can_manage_research
from thamvan.research.models import Milestone, Output, ResearchTopic
from thamvan.search.indexing import index_object
from thamvan.search.normalize import nfc

NOT_ALLOWED = _("You are not allowed to do this.")
BAD_TRANSITION = _("A research topic cannot move from “%(current)s” to “%(target)s”.")


class ResearchError(ValidationError):
    """A research rule was broken; the message is shown to the user as it is."""


def _require_manager(actor: User) -> None:
    if not can_manage_research(actor):
        raise ResearchError(NOT_ALLOWED, code="forbidden")


def _recorded(actor: User, action: str, topic: ResearchTopic, data: dict[str, Any]) -> None:
    """Audit a change of the topic and refresh its search entry, in the caller's transaction."""
    audit.record(actor=actor, action=action, target=topic, data=data)
    index_object(topic)


@transaction.atomic
def topic_save(
    *,
    actor: User,
    topic: ResearchTopic,
    team: Iterable[Expert] = (),
    dossiers: Iterable[Dossier] = (),
    tasks: Iterable[Task] = (),
    expected_version: int | None = None,
) -> ResearchTopic:
    """Create or update a topic's facts; EditConflict if it changed since the form opened."""
    _require_manager(actor)
    created = topic.pk is None
    topic.full_clean(exclude=["team", "dossiers", "tasks"])
    save_with_lock(topic, expected_version=expected_version)
    topic.team.set(list(team))
    topic.dossiers.set(list(dossiers))
    topic.tasks.set(list(tasks))
    _recorded(
        actor,
        "research_topic.created" if created else "research_topic.updated",
        topic,
        {"code": topic.code, "status": topic.status},
    )
    return topic


@transaction.atomic
def topic_transition(*, actor: User, topic: ResearchTopic, status: str) -> ResearchTopic:
    _require_manager(actor)
    locked = ResearchTopic.objects.select_for_update().get(pk=topic.pk)
    if status not in ResearchTopic.TRANSITIONS[locked.status]:
        raise ResearchError(
            BAD_TRANSITION,
            code="bad_transition",
            params={
                "current": ResearchTopic.Status(locked.status).label,
                "target": ResearchTopic.Status(status).label,
            },
        )
    previous = locked.status
    locked.status = status
    locked.save(update_fields=["status", "updated_at"])
    _recorded(actor, "research_topic.status_changed", locked, {"from": previous, "to": status})
    topic.status = status
    return topic


@transaction.atomic
def milestone_add(*, actor: User, topic: ResearchTopic, title: str, due_on: date) -> Milestone:
    _require_manager(actor)
    milestone = Milestone(topic=topic, title=nfc(title).strip(), due_on=due_on)
    milestone.full_clean()
    milestone.save()
    audit.record(
        actor=actor,
        action="research_topic.milestone_added",
        target=topic,
        data={"milestone": milestone.pk, "due_on": due_on},
    )
    return milestone


@transaction.atomic
def milestone_done(*, actor: User, milestone: Milestone, on: date) -> Milestone:
    _require_manager(actor)
    milestone.done_on = on
    milestone.save(update_fields=["done_on"])
    audit.record(
        actor=actor,
        action="research_topic.milestone_done",
        target=milestone.topic,
        data={"milestone": milestone.pk, "done_on": on},
    )
    return milestone


@transaction.atomic
def output_add(
    *, actor: User, topic: ResearchTopic, kind: str, title: str, delivered_on: date | None
) -> Output:
    _require_manager(actor)
    output = Output(topic=topic, kind=kind, title=nfc(title).strip(), delivered_on=delivered_on)
    output.full_clean()
    output.save()
    _recorded(
        actor,
        "research_topic.output_added",
        topic,
        {"output": output.pk, "kind": kind, "title": output.title},
    )
    return output
