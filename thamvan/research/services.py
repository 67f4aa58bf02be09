"""Research topic lifecycle: proposed → approved → in_progress → accepted | rejected."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from thamvan.accounts.models import User
from thamvan.research.access import can_manage_research
from thamvan.research.models import Milestone, Output, ResearchTopic
from thamvan.search.normalize import nfc

NOT_ALLOWED = _("You are not allowed to do this.")
BAD_TRANSITION = _("A research topic cannot move from “%(current)s” to “%(target)s”.")


class ResearchError(ValidationError):
    """A research rule was broken; the message is shown to the user as it is."""


def _require_manager(actor: User) -> None:
    if not can_manage_research(actor):
        raise ResearchError(NOT_ALLOWED, code="forbidden")


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
    locked.status = status
    locked.save(update_fields=["status", "updated_at"])
    topic.status = status
    return topic


@transaction.atomic
def milestone_add(*, actor: User, topic: ResearchTopic, title: str, due_on: date) -> Milestone:
    _require_manager(actor)
    milestone = Milestone(topic=topic, title=nfc(title).strip(), due_on=due_on)
    milestone.full_clean()
    milestone.save()
    return milestone


@transaction.atomic
def milestone_done(*, actor: User, milestone: Milestone, on: date) -> Milestone:
    _require_manager(actor)
    milestone.done_on = on
    milestone.save(update_fields=["done_on"])
    return milestone


@transaction.atomic
def output_add(
    *, actor: User, topic: ResearchTopic, kind: str, title: str, delivered_on: date | None
) -> Output:
    _require_manager(actor)
    output = Output(topic=topic, kind=kind, title=nfc(title).strip(), delivered_on=delivered_on)
    output.full_clean()
    output.save()
    return output
