"""Research topics in the knowledge base: code, title, summary, people and outputs.

Who finds a topic is decided by the same ``visible_to`` as its page.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy as _

from thamvan.search.registry import Indexable, IndexDocument, register

if TYPE_CHECKING:
    from thamvan.accounts.models import User
    from thamvan.research.models import ResearchTopic


def topic_document(topic: ResearchTopic) -> IndexDocument:
    parts = [topic.summary, topic.commissioning_organization.name]
    if topic.lead_expert is not None:
        parts.append(topic.lead_expert.titled_name)
    parts += [expert.titled_name for expert in topic.team.all()]
    parts += [output.title for output in topic.outputs.all()]
    return IndexDocument(
        title=str(topic),
        body="\n".join(p for p in parts if p),
        dated_at=topic.updated_at,
        url=topic.get_absolute_url(),
        kind=topic.status,
        year=(topic.start_on or topic.created_at).year,
        organization_id=topic.commissioning_organization_id,
    )


def _visible_topics(user: User) -> Any:
    from thamvan.research.models import ResearchTopic

    return ResearchTopic.objects.visible_to(user)


def register_indexables() -> None:
    from thamvan.research.models import ResearchTopic

    register(
        Indexable(
            key="research_topic",
            label=_("Research topic"),
            model=ResearchTopic,
            document=topic_document,
            visible=_visible_topics,
            queryset=lambda: ResearchTopic.objects.select_related(
                "commissioning_organization", "lead_expert"
            ).prefetch_related("team", "outputs"),
            kinds=dict(ResearchTopic.Status.choices),
        )
    )
