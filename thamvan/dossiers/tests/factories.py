"""Dossier factories, reusable by every app's tests.

DocumentFactory writes a real file to storage: set ``settings.MEDIA_ROOT =
tmp_path`` in tests that use it (this app's conftest does so for its own tests).
"""

from __future__ import annotations

import copy
import hashlib
from typing import Any

import factory
from django.core.files.base import ContentFile
from django.db.models import Max

from thamvan.core.tests.samples import pdf_bytes
from thamvan.core.uploads import generated_key
from thamvan.dossiers.models import Confidentiality, Document, Dossier, DossierVersion
from thamvan.organizations.models import Organization
from thamvan.organizations.tests.factories import OrganizationFactory

# Around Hoàn Kiếm Lake, about 41 ha; counter-clockwise as RFC 7946 asks.
HANOI_POLYGON: dict[str, Any] = {
    "type": "Polygon",
    "coordinates": [
        [
            [105.8500, 21.0260],
            [105.8560, 21.0260],
            [105.8560, 21.0320],
            [105.8500, 21.0320],
            [105.8500, 21.0260],
        ]
    ],
}


def hanoi_polygon(offset: float = 0.0) -> dict[str, Any]:
    """The sample polygon, shifted east by ``offset`` degrees."""
    geometry = copy.deepcopy(HANOI_POLYGON)
    geometry["coordinates"] = [
        [[lon + offset, lat] for lon, lat in ring] for ring in geometry["coordinates"]
    ]
    return geometry


class DossierFactory(factory.django.DjangoModelFactory[Dossier]):
    class Meta:
        model = Dossier
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"QHPK-T{n}-2026")
    name = factory.Sequence(lambda n: f"Quy hoạch phân khu đô thị khu vực số {n}")
    kind = Dossier.Kind.ZONING_PLAN
    stage = Dossier.Stage.PREPARATION
    scale = Dossier.Scale.S2000
    lead_agency = factory.SubFactory(OrganizationFactory, kind=Organization.Kind.DEPARTMENT)
    confidentiality = Confidentiality.INTERNAL
    boundary = factory.LazyFunction(hanoi_polygon)
    description = "Hồ sơ quy hoạch dùng cho kiểm thử."

    @factory.post_generation
    def communes(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create and extracted:
            self.communes.set(extracted)


def _next_number(version: Any) -> int:
    last = DossierVersion.objects.filter(dossier=version.dossier).aggregate(last=Max("number"))
    return (last["last"] or 0) + 1


class DossierVersionFactory(factory.django.DjangoModelFactory[DossierVersion]):
    class Meta:
        model = DossierVersion

    dossier = factory.SubFactory(DossierFactory)
    number = factory.LazyAttribute(_next_number)
    label = "Hồ sơ trình thẩm định"

    @classmethod
    def _create(cls, model_class: Any, *args: Any, **kwargs: Any) -> DossierVersion:
        version = model_class(*args, **kwargs)
        # Like the services: a version starts with the dossier's boundary and area.
        if not set(kwargs) & set(DossierVersion.BOUNDARY_FIELDS):
            version.copy_boundary(version.dossier)
        version.save()
        return version


def _stored_file(document: Any) -> str:
    storage = Document._meta.get_field("file").storage
    extension = document.original_filename.rsplit(".", 1)[-1].lower()
    return storage.save(generated_key("dossiers", extension), ContentFile(document.content))


class DocumentFactory(factory.django.DjangoModelFactory[Document]):
    class Meta:
        model = Document

    class Params:
        content = factory.LazyFunction(pdf_bytes)

    version = factory.SubFactory(DossierVersionFactory)
    title = "Thuyết minh tổng hợp"
    kind = Document.Kind.EXPLANATORY_REPORT
    original_filename = "Thuyết minh tổng hợp.pdf"
    content_type = "application/pdf"
    file = factory.LazyAttribute(_stored_file)
    size = factory.LazyAttribute(lambda document: len(document.content))
    sha256 = factory.LazyAttribute(lambda document: hashlib.sha256(document.content).hexdigest())
