from __future__ import annotations

import unicodedata
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from thamvan.core.tests.samples import pdf_bytes
from thamvan.core.uploads import UploadRejected
from thamvan.dossiers import services
from thamvan.dossiers.boundary import BoundaryError
from thamvan.dossiers.models import VERSION_FROZEN, Document, Dossier, DossierError, DossierVersion
from thamvan.dossiers.tests.factories import DocumentFactory, DossierFactory, DossierVersionFactory

# Personas come through request.getfixturevalue, so the database must be declared.
pytestmark = pytest.mark.django_db


def create_kwargs(orgs: Any, **overrides: Any) -> dict[str, Any]:
    return {
        "code": "QHCT-01-2026",
        "name": "Quy hoạch chi tiết tỷ lệ 1/500 khu nhà ở",
        "kind": Dossier.Kind.DETAILED_PLAN,
        "lead_agency": orgs.department,
        **overrides,
    }


def test_dossier_create_refuses_roles_that_do_not_register_dossiers(
    orgs: Any, secretariat: Any
) -> None:
    with pytest.raises(DossierError) as refused:
        services.dossier_create(actor=secretariat, **create_kwargs(orgs))
    assert refused.value.messages == [str(services.CANNOT_CREATE)]
    assert not Dossier.objects.exists()


def test_dossier_create_refuses_another_organisation_as_lead_agency(
    orgs: Any, officer: Any
) -> None:
    with pytest.raises(DossierError) as refused:
        services.dossier_create(actor=officer, **create_kwargs(orgs, lead_agency=orgs.ward))
    assert refused.value.messages == [str(services.LEAD_AGENCY_NOT_ALLOWED)]


def test_dossier_create_refuses_a_taken_code_whatever_its_case(orgs: Any, officer: Any) -> None:
    DossierFactory.create(code="QHCT-01-2026")
    with pytest.raises(DossierError) as refused:
        services.dossier_create(actor=officer, **create_kwargs(orgs, code="qhct-01-2026"))
    assert refused.value.messages == [str(services.CODE_TAKEN)]


def test_dossier_create_checks_the_boundary_itself(orgs: Any, officer: Any) -> None:
    point = '{"type": "Point", "coordinates": [105.85, 21.03]}'
    with pytest.raises(BoundaryError):
        services.dossier_create(actor=officer, **create_kwargs(orgs, boundary=point))
    assert not Dossier.objects.exists()


def test_dossier_create_stores_decomposed_vietnamese_composed(orgs: Any, officer: Any) -> None:
    name = unicodedata.normalize("NFD", "Quy hoạch chi tiết khu đô thị Tây Hồ Tây")
    dossier = services.dossier_create(actor=officer, **create_kwargs(orgs, name=name))
    dossier.refresh_from_db()
    assert dossier.name == unicodedata.normalize("NFC", name)
    assert "tay ho tay" in dossier.search_key


def test_dossier_create_starts_with_an_empty_first_version(orgs: Any, officer: Any) -> None:
    dossier = services.dossier_create(actor=officer, **create_kwargs(orgs))
    (version,) = dossier.versions.all()
    assert version.number == 1
    assert version.created_by == officer
    assert not version.documents.exists()


def test_dossier_update_refuses_readers(orgs: Any, leadership: Any) -> None:
    dossier = DossierFactory.create(lead_agency=orgs.department)
    with pytest.raises(DossierError):
        services.dossier_update(actor=leadership, dossier=dossier, name="Tên khác")
    dossier.refresh_from_db()
    assert dossier.name != "Tên khác"


def test_dossier_update_refuses_moving_a_dossier_to_another_organisation(
    orgs: Any, officer: Any
) -> None:
    dossier = DossierFactory.create(lead_agency=orgs.department)
    with pytest.raises(DossierError):
        services.dossier_update(actor=officer, dossier=dossier, lead_agency=orgs.ward)


def test_dossier_update_rejects_fields_it_does_not_manage(orgs: Any, officer: Any) -> None:
    dossier = DossierFactory.create(lead_agency=orgs.department)
    with pytest.raises(TypeError):
        services.dossier_update(actor=officer, dossier=dossier, created_by=officer)


def test_versions_are_numbered_in_sequence(orgs: Any, officer: Any) -> None:
    dossier = services.dossier_create(actor=officer, **create_kwargs(orgs))
    second = services.version_create(actor=officer, dossier=dossier, label="Lần 2")
    third = services.version_create(actor=officer, dossier=dossier, label="Lần 3")
    assert (second.number, third.number) == (2, 3)


def test_documents_cannot_be_copied_from_another_dossier(orgs: Any, officer: Any) -> None:
    dossier = DossierFactory.create(lead_agency=orgs.department)
    elsewhere = DossierVersionFactory.create(
        dossier=DossierFactory.create(lead_agency=orgs.department)
    )
    with pytest.raises(DossierError) as refused:
        services.version_create(
            actor=officer, dossier=dossier, label="X", copy_documents_from=elsewhere
        )
    assert refused.value.messages == [str(services.COPY_FROM_OTHER_DOSSIER)]


def test_version_create_refuses_readers(orgs: Any, secretariat: Any) -> None:
    dossier = DossierFactory.create(lead_agency=orgs.department)
    with pytest.raises(DossierError):
        services.version_create(actor=secretariat, dossier=dossier, label="X")


def test_freezing_is_recorded_once_and_repeating_it_changes_nothing(
    orgs: Any, officer: Any
) -> None:
    version = DossierVersionFactory.create(
        dossier=DossierFactory.create(lead_agency=orgs.department)
    )
    frozen = services.version_freeze(actor=officer, version=version)
    assert frozen.frozen_at is not None
    again = services.version_freeze(actor=officer, version=version)
    assert again.frozen_at == frozen.frozen_at


def test_the_secretariat_may_freeze_a_version_it_can_see(orgs: Any, secretariat: Any) -> None:
    version = DossierVersionFactory.create(
        dossier=DossierFactory.create(lead_agency=orgs.department)
    )
    assert services.version_freeze(actor=secretariat, version=version).is_frozen


@pytest.mark.parametrize("persona", ["other_officer", "expert_user", "leadership"])
def test_other_personas_may_not_freeze_a_version(
    request: pytest.FixtureRequest, orgs: Any, persona: str
) -> None:
    version = DossierVersionFactory.create(
        dossier=DossierFactory.create(lead_agency=orgs.department)
    )
    with pytest.raises(DossierError):
        services.version_freeze(actor=request.getfixturevalue(persona), version=version)
    version.refresh_from_db()
    assert not version.is_frozen


def test_a_frozen_version_cannot_be_changed_or_deleted(orgs: Any, officer: Any) -> None:
    version = DossierVersionFactory.create(
        dossier=DossierFactory.create(lead_agency=orgs.department)
    )
    services.version_freeze(actor=officer, version=version)
    stored = DossierVersion.objects.get(pk=version.pk)
    stored.label = "Sửa lại"
    with pytest.raises(DossierError) as refused:
        stored.save()
    assert refused.value.messages == [str(VERSION_FROZEN)]
    with pytest.raises(DossierError):
        stored.delete()
    assert DossierVersion.objects.get(pk=version.pk).label != "Sửa lại"


def test_document_add_refuses_a_frozen_version(orgs: Any, officer: Any) -> None:
    version = DossierVersionFactory.create(
        dossier=DossierFactory.create(lead_agency=orgs.department)
    )
    services.version_freeze(actor=officer, version=version)
    with pytest.raises(DossierError) as refused:
        services.document_add(
            actor=officer,
            version=version,
            file=SimpleUploadedFile("a.pdf", pdf_bytes()),
            kind=Document.Kind.DRAWING,
        )
    assert refused.value.messages == [str(VERSION_FROZEN)]
    assert not Document.objects.exists()


def test_the_model_refuses_documents_in_a_frozen_version_whatever_the_caller(
    orgs: Any, officer: Any
) -> None:
    document = DocumentFactory.create(
        version__dossier=DossierFactory.create(lead_agency=orgs.department)
    )
    services.version_freeze(actor=officer, version=document.version)
    with pytest.raises(DossierError):
        DocumentFactory.create(version=document.version)
    with pytest.raises(DossierError):
        document.delete()
    document.title = "Đổi tên"
    with pytest.raises(DossierError):
        document.save()


def test_document_remove_refuses_a_frozen_version(orgs: Any, officer: Any) -> None:
    document = DocumentFactory.create(
        version__dossier=DossierFactory.create(lead_agency=orgs.department)
    )
    services.version_freeze(actor=officer, version=document.version)
    with pytest.raises(DossierError) as refused:
        services.document_remove(actor=officer, document=document)
    assert refused.value.messages == [str(VERSION_FROZEN)]
    assert Document.objects.filter(pk=document.pk).exists()


def test_document_add_checks_the_content_whatever_the_caller(orgs: Any, officer: Any) -> None:
    version = DossierVersionFactory.create(
        dossier=DossierFactory.create(lead_agency=orgs.department)
    )
    with pytest.raises(UploadRejected):
        services.document_add(
            actor=officer,
            version=version,
            file=BytesIO(b"not a pdf at all"),
            filename="tờ trình.pdf",
            kind=Document.Kind.SUBMISSION,
        )
    assert not Document.objects.exists()


def test_document_add_keeps_only_the_last_part_of_a_client_path(orgs: Any, officer: Any) -> None:
    version = DossierVersionFactory.create(
        dossier=DossierFactory.create(lead_agency=orgs.department)
    )
    document = services.document_add(
        actor=officer,
        version=version,
        file=BytesIO(pdf_bytes()),
        filename="C:\\Users\\hanh\\Tài liệu\\Tờ trình số 12.pdf",
        kind=Document.Kind.SUBMISSION,
    )
    assert document.original_filename == "Tờ trình số 12.pdf"
    assert document.title == "Tờ trình số 12"


def test_a_shared_file_stays_until_the_last_document_using_it_is_removed(
    orgs: Any, officer: Any, media_root: Path, django_capture_on_commit_callbacks: Any
) -> None:
    document = DocumentFactory.create(
        version__dossier=DossierFactory.create(lead_agency=orgs.department)
    )
    revision = services.version_create(
        actor=officer,
        dossier=document.version.dossier,
        label="Lần 2",
        copy_documents_from=document.version,
    )
    copy = revision.documents.get()
    path = Path(document.file.path)
    with django_capture_on_commit_callbacks(execute=True):
        services.document_remove(actor=officer, document=document)
    assert path.exists()
    with django_capture_on_commit_callbacks(execute=True):
        services.document_remove(actor=officer, document=copy)
    assert not path.exists()


def test_document_remove_refuses_readers(orgs: Any, leadership: Any) -> None:
    document = DocumentFactory.create(
        version__dossier=DossierFactory.create(lead_agency=orgs.department)
    )
    with pytest.raises(DossierError):
        services.document_remove(actor=leadership, document=document)
    assert Document.objects.filter(pk=document.pk).exists()
