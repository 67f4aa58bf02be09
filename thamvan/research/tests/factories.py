from __future__ import annotations

from typing import cast

import factory

from thamvan.organizations.tests.factories import OrganizationFactory
from thamvan.research.models import ResearchTopic


class TopicFactory(factory.django.DjangoModelFactory[ResearchTopic]):
    class Meta:
        model = ResearchTopic
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"ĐT-{n:03d}")
    title = factory.Sequence(lambda n: f"Nghiên cứu không gian đô thị số {n}")
    commissioning_organization = factory.SubFactory(OrganizationFactory)
    budget_vnd = 1_250_000_000

    @factory.post_generation
    def members(self, create: bool, extracted: list | None, **kwargs: object) -> None:
        if create and extracted:
            cast(ResearchTopic, self).team.set(extracted)
