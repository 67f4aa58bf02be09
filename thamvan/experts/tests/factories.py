"""Factories for the expert registry, shared with matching and demo data.

Specialties are seeded by a migration, so ``SpecialtyFactory`` gets the seeded
row by slug rather than creating a duplicate: ``SpecialtyFactory(slug="giao-thong")``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any, cast

import factory

from thamvan.experts.models import (
    Affiliation,
    ConflictDeclaration,
    Expert,
    ExpertSpecialty,
    Specialty,
    UnavailablePeriod,
)
from thamvan.organizations.tests.factories import OrganizationFactory
from thamvan.search.normalize import slugify_vi


class SpecialtyFactory(factory.django.DjangoModelFactory[Specialty]):
    class Meta:
        model = Specialty
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Chuyên ngành thử nghiệm {n}")
    slug = factory.LazyAttribute(lambda o: slugify_vi(o.name))


def specialty(slug: str) -> Specialty:
    """A seeded specialty by slug: ``specialty("giao-thong")``."""
    return Specialty.objects.get(slug=slug)


_SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Ngô"]
_MIDDLE = ["Văn", "Thị", "Quốc", "Minh", "Thu", "Đức", "Hồng", "Thanh"]
_GIVEN = ["An", "Bình", "Cường", "Dũng", "Giang", "Hà", "Hải", "Khánh", "Lan", "Long", "Sơn", "Tú"]


class ExpertFactory(factory.django.DjangoModelFactory[Expert]):
    """An expert; ``specialties`` takes Specialty objects or slugs, the first is primary.

    ``ExpertFactory(specialties=["giao-thong", "ha-tang-ky-thuat"], academic_rank="PGS")``
    """

    class Meta:
        model = Expert
        skip_postgeneration_save = True

    full_name = factory.Sequence(
        lambda n: (
            f"{_SURNAMES[n % len(_SURNAMES)]} {_MIDDLE[n % len(_MIDDLE)]} {_GIVEN[n % len(_GIVEN)]}"
        )
    )
    membership_number = factory.Sequence(lambda n: f"HV-{n:05d}")
    email = factory.Sequence(lambda n: f"chuyengia{n}@example.vn")

    @factory.post_generation
    def specialties(
        self, create: bool, extracted: Sequence[Specialty | str] | None, **_: Any
    ) -> None:
        if not create or not extracted:
            return
        expert = cast(Expert, self)  # factory_boy passes the created instance
        objects = [s if isinstance(s, Specialty) else specialty(s) for s in extracted]
        ExpertSpecialty.objects.bulk_create(
            ExpertSpecialty(expert=expert, specialty=s, is_primary=index == 0)
            for index, s in enumerate(dict.fromkeys(objects))
        )


class AffiliationFactory(factory.django.DjangoModelFactory[Affiliation]):
    class Meta:
        model = Affiliation

    expert = factory.SubFactory(ExpertFactory)
    organization = factory.SubFactory(OrganizationFactory)
    position = "Chuyên viên"
    start_date = date(2015, 1, 1)
    end_date = None


class UnavailablePeriodFactory(factory.django.DjangoModelFactory[UnavailablePeriod]):
    class Meta:
        model = UnavailablePeriod

    expert = factory.SubFactory(ExpertFactory)
    start_date = date(2026, 1, 1)
    end_date = date(2026, 1, 31)
    reason = "Công tác nước ngoài"


class ConflictDeclarationFactory(factory.django.DjangoModelFactory[ConflictDeclaration]):
    """A declaration in force since 2020; its kind follows what it names:
    ``ConflictDeclarationFactory(organization=org)``, ``(dossier=dossier)``,
    ``(other_expert=expert)``, or a project by name by default."""

    class Meta:
        model = ConflictDeclaration

    expert = factory.SubFactory(ExpertFactory)
    organization = None
    dossier = None
    other_expert = None
    kind = factory.LazyAttribute(
        lambda o: (
            ConflictDeclaration.Kind.ORGANIZATION
            if o.organization
            else ConflictDeclaration.Kind.PERSON
            if o.other_expert
            else ConflictDeclaration.Kind.PROJECT
        )
    )
    name = factory.LazyAttribute(
        lambda o: "" if o.organization or o.dossier or o.other_expert else "Dự án khu đô thị mới"
    )
    start_date = date(2020, 1, 1)
    end_date = None
    reason = "Người thân làm việc tại đơn vị"
