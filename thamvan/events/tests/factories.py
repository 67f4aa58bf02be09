from __future__ import annotations

from datetime import timedelta

import factory
from django.utils import timezone

from thamvan.events.models import Invitation, Workshop
from thamvan.organizations.tests.factories import OrganizationFactory


class WorkshopFactory(factory.django.DjangoModelFactory[Workshop]):
    class Meta:
        model = Workshop

    topic = factory.Sequence(lambda n: f"Hội thảo góp ý quy hoạch phân khu số {n}")
    starts_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=10))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + timedelta(hours=3))
    venue = "Hội trường Hội Quy hoạch phát triển đô thị Việt Nam, 37 Lê Đại Hành"
    host = factory.SubFactory(OrganizationFactory)


class InvitationFactory(factory.django.DjangoModelFactory[Invitation]):
    class Meta:
        model = Invitation

    workshop = factory.SubFactory(WorkshopFactory)
