"""Workshops in the knowledge base: topic, description, agenda, minutes and conclusions.

Who finds a workshop is decided by the same ``visible_to`` as its page.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from thamvan.search.registry import Indexable, IndexDocument, register

if TYPE_CHECKING:
    from thamvan.accounts.models import User
    from thamvan.events.models import Workshop


def workshop_document(workshop: Workshop) -> IndexDocument:
    parts = [workshop.description, workshop.venue, workshop.host.name, workshop.agenda]
    parts.append(workshop.minutes)
    parts += [conclusion.text for conclusion in workshop.conclusions.all()]
    return IndexDocument(
        title=workshop.topic,
        body="\n".join(p for p in parts if p),
        dated_at=workshop.updated_at,
        url=workshop.get_absolute_url(),
        kind=workshop.kind,
        year=timezone.localtime(workshop.starts_at).year,
        organization_id=workshop.host_id,
    )


def _visible_workshops(user: User) -> Any:
    from thamvan.events.models import Workshop

    return Workshop.objects.visible_to(user)


def register_indexables() -> None:
    from thamvan.events.models import Workshop

    register(
        Indexable(
            key="workshop",
            label=_("Workshop"),
            model=Workshop,
            document=workshop_document,
            visible=_visible_workshops,
            queryset=lambda: Workshop.objects.select_related("host").prefetch_related(
                "conclusions"
            ),
            kinds=dict(Workshop.Kind.choices),
        )
    )
