from __future__ import annotations

from datetime import date
from typing import cast

import factory

from thamvan.organizations.tests.factories import OrganizationFactory
from thamvan.programme.models import Conclusion, Directive, Programme, Task


class ProgrammeFactory(factory.django.DjangoModelFactory[Programme]):
    class Meta:
        model = Programme
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"CTHT-{n}")
    name = factory.Sequence(lambda n: f"Chương trình hợp tác số {n}")
    period_start = date(2021, 1, 1)
    period_end = date(2026, 12, 31)

    @factory.post_generation
    def parties(self, create: bool, extracted: list | None, **kwargs: object) -> None:
        if create and extracted:
            cast(Programme, self).parties.set(extracted)


class TaskFactory(factory.django.DjangoModelFactory[Task]):
    class Meta:
        model = Task
        skip_postgeneration_save = True

    programme = factory.SubFactory(ProgrammeFactory)
    title = factory.Sequence(lambda n: f"Nhiệm vụ số {n}")
    lead_organization = factory.SubFactory(OrganizationFactory)
    start = date(2024, 1, 1)
    deadline = date(2030, 12, 31)

    @factory.post_generation
    def cooperating(self, create: bool, extracted: list | None, **kwargs: object) -> None:
        if create and extracted:
            cast(Task, self).cooperating_organizations.set(extracted)


class DirectiveFactory(factory.django.DjangoModelFactory[Directive]):
    class Meta:
        model = Directive

    kind = Directive.Kind.CONCLUSION_NOTICE
    number = factory.Sequence(lambda n: f"{n:02d}-TB/TU")
    issuer = "Thành ủy Hà Nội"
    issued_on = date(2020, 10, 28)
    title = "Kết luận về tăng cường hợp tác với Hội Quy hoạch phát triển đô thị Việt Nam"


class ConclusionFactory(factory.django.DjangoModelFactory[Conclusion]):
    class Meta:
        model = Conclusion

    directive = factory.SubFactory(DirectiveFactory)
    position = factory.Sequence(lambda n: n + 1)
    text = "Nghiên cứu cơ chế phối hợp bằng chương trình hợp tác."
