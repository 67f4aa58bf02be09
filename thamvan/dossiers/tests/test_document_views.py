"""Uploading, downloading and removing documents, and creating versions."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.html import escape

from thamvan.core.tests.samples import docx_bytes, pdf_bytes, png_bytes, zip_bomb_docx_bytes
from thamvan.core.uploads import safe_content_disposition
from thamvan.dossiers.models import VERSION_FROZEN, Document, Dossier, DossierVersion
from thamvan.dossiers.tests.factories import DocumentFactory, DossierFactory, DossierVersionFactory

# Personas come through request.getfixturevalue, so the database must be declared.
pytestmark = pytest.mark.django_db

FILENAME = "Thuyết minh tổng hợp (bản trình).pdf"


@pytest.fixture
def dossier(orgs: Any) -> Dossier:
    return DossierFactory.create(code="QHPK-N9-2026", lead_agency=orgs.department)


@pytest.fixture
def version(dossier: Dossier) -> DossierVersion:
    return DossierVersionFactory.create(dossier=dossier, number=1)


def upload_url(version: DossierVersion) -> str:
    return reverse("dossiers:document_upload", args=[version.dossier_id, version.number])


def upload(
    client: Any, version: DossierVersion, content: bytes, name: str = FILENAME, **fields: Any
) -> Any:
    data = {"title": "Thuyết minh", "kind": Document.Kind.EXPLANATORY_REPORT, **fields}
    data["file"] = SimpleUploadedFile(name, content)
    return client.post(upload_url(version), data)


def stored_files(media_root: Path) -> list[Path]:
    return [path for path in media_root.rglob("*") if path.is_file()]


# --- upload -----------------------------------------------------------------


def test_an_officer_uploads_a_document_stored_under_a_generated_name(
    as_user: Any, officer: Any, version: DossierVersion, media_root: Path
) -> None:
    content = pdf_bytes()
    response = upload(as_user(officer), version, content)
    assert response.status_code == 302
    document = version.documents.get()
    assert document.original_filename == FILENAME
    assert document.content_type == "application/pdf"
    assert document.size == len(content)
    assert document.sha256 == hashlib.sha256(content).hexdigest()
    assert document.uploaded_by == officer
    assert document.file.name.startswith("dossiers/")
    assert document.file.name.endswith(".pdf")
    assert "Thuy" not in document.file.name and "tong" not in document.file.name
    (path,) = stored_files(media_root)
    assert path.read_bytes() == content
    assert FILENAME not in str(path)


def test_an_empty_title_takes_the_file_name(
    as_user: Any, officer: Any, version: DossierVersion
) -> None:
    upload(as_user(officer), version, pdf_bytes(), name="Bản vẽ QH-01.pdf", title="")
    assert version.documents.get().title == "Bản vẽ QH-01"


@pytest.mark.parametrize(
    ("persona", "confidentiality", "status"),
    [
        ("other_officer", "internal", 403),
        ("other_officer", "restricted", 404),
        ("leadership", "restricted", 403),
        ("secretariat", "internal", 403),
        ("expert_user", "internal", 404),
        ("outsider", "public", 403),
    ],
)
def test_only_managers_may_upload(
    request: pytest.FixtureRequest,
    as_user: Any,
    orgs: Any,
    persona: str,
    confidentiality: str,
    status: int,
) -> None:
    dossier = DossierFactory.create(lead_agency=orgs.department, confidentiality=confidentiality)
    version = DossierVersionFactory.create(dossier=dossier)
    client = as_user(request.getfixturevalue(persona))
    assert client.get(upload_url(version)).status_code == status
    assert upload(client, version, pdf_bytes()).status_code == status
    assert not Document.objects.exists()


def refused(response: Any) -> str:
    assert response.status_code == 200
    (message,) = response.context["form"].errors["file"]
    assert escape(message) in response.text
    # What was typed stays.
    assert response.context["form"]["title"].value() == "Thuyết minh"
    assert response.context["form"]["kind"].value() == Document.Kind.EXPLANATORY_REPORT
    assert not Document.objects.exists()
    return str(message)


def test_a_file_whose_extension_lies_about_its_content_is_refused(
    as_user: Any, officer: Any, version: DossierVersion, media_root: Path
) -> None:
    refused(upload(as_user(officer), version, png_bytes(), name="Thuyết minh.pdf"))
    assert stored_files(media_root) == []


def test_a_docx_zip_bomb_is_refused(
    as_user: Any, officer: Any, version: DossierVersion, media_root: Path
) -> None:
    refused(upload(as_user(officer), version, zip_bomb_docx_bytes(), name="Quy định.docx"))
    assert stored_files(media_root) == []


def test_an_empty_file_is_refused(as_user: Any, officer: Any, version: DossierVersion) -> None:
    refused(upload(as_user(officer), version, b"", name="Tờ trình.pdf"))


def test_a_file_over_the_size_limit_is_refused(
    as_user: Any, officer: Any, version: DossierVersion, settings: Any
) -> None:
    content = pdf_bytes()
    settings.UPLOAD_MAX_BYTES = len(content) - 1
    refused(upload(as_user(officer), version, content))


def test_a_file_kind_not_allowed_for_documents_is_refused(
    as_user: Any, officer: Any, version: DossierVersion
) -> None:
    refused(upload(as_user(officer), version, b"a,b\n1,2\n", name="Số liệu.csv"))


def test_a_docx_is_accepted(as_user: Any, officer: Any, version: DossierVersion) -> None:
    response = upload(as_user(officer), version, docx_bytes(text="Dự thảo"), name="Dự thảo.docx")
    assert response.status_code == 302
    assert version.documents.get().file.name.endswith(".docx")


def test_a_frozen_version_refuses_new_documents_with_a_clear_message(
    as_user: Any, officer: Any, version: DossierVersion
) -> None:
    DossierVersion.objects.filter(pk=version.pk).update(frozen_at="2026-01-05T09:00:00+07:00")
    client = as_user(officer)
    assert escape(str(VERSION_FROZEN)) in client.get(upload_url(version)).text
    response = upload(client, version, pdf_bytes())
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [str(VERSION_FROZEN)]
    assert response.context["form"]["title"].value() == "Thuyết minh"
    assert not Document.objects.exists()


# --- download ---------------------------------------------------------------


@pytest.fixture
def document(version: DossierVersion) -> Document:
    return DocumentFactory.create(version=version, original_filename=FILENAME)


def download_url(document: Document) -> str:
    return reverse("dossiers:document_download", args=[document.pk])


def test_the_download_streams_the_file_with_a_safe_vietnamese_filename(
    as_user: Any, officer: Any, document: Document
) -> None:
    response = as_user(officer).get(download_url(document))
    assert response.status_code == 200
    assert response.streaming
    assert b"".join(response.streaming_content) == pdf_bytes()
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == safe_content_disposition(FILENAME)
    assert response["Content-Disposition"].startswith("attachment")
    assert "Thuy" in response["Content-Disposition"] or "%" in response["Content-Disposition"]
    assert document.file.name not in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"


def test_download_links_never_point_at_the_media_url(
    as_user: Any, officer: Any, document: Document, settings: Any
) -> None:
    page = as_user(officer).get(reverse("dossiers:detail", args=[document.version.dossier_id]))
    assert download_url(document) in page.text
    assert settings.MEDIA_URL + document.file.name not in page.text
    assert document.file.name not in page.text


@pytest.mark.parametrize(
    ("persona", "confidentiality", "status"),
    [
        ("officer", "restricted", 200),
        ("other_officer", "restricted", 404),
        ("other_officer", "internal", 200),
        ("leadership", "restricted", 200),
        ("secretariat", "restricted", 404),
        ("secretariat", "internal", 200),
        ("expert_user", "internal", 404),
        ("expert_user", "public", 200),
        ("outsider", "internal", 404),
        ("outsider", "public", 200),
        ("admin_user", "restricted", 200),
    ],
)
def test_downloads_follow_the_confidentiality_of_the_dossier(
    request: pytest.FixtureRequest,
    as_user: Any,
    orgs: Any,
    persona: str,
    confidentiality: str,
    status: int,
) -> None:
    dossier = DossierFactory.create(lead_agency=orgs.department, confidentiality=confidentiality)
    document = DocumentFactory.create(version=DossierVersionFactory.create(dossier=dossier))
    response = as_user(request.getfixturevalue(persona)).get(download_url(document))
    assert response.status_code == status


def test_a_file_missing_from_storage_answers_404(
    as_user: Any, officer: Any, document: Document
) -> None:
    document.file.storage.delete(document.file.name)
    assert as_user(officer).get(download_url(document)).status_code == 404


# --- remove -----------------------------------------------------------------


def remove_url(document: Document) -> str:
    return reverse("dossiers:document_remove", args=[document.pk])


def test_an_officer_removes_a_document_and_its_file(
    as_user: Any,
    officer: Any,
    document: Document,
    media_root: Path,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = as_user(officer).post(remove_url(document))
    assert response.status_code == 302
    assert not Document.objects.exists()
    assert stored_files(media_root) == []


def test_removing_needs_a_post(as_user: Any, officer: Any, document: Document) -> None:
    assert as_user(officer).get(remove_url(document)).status_code == 405
    assert Document.objects.filter(pk=document.pk).exists()


@pytest.mark.parametrize(
    ("persona", "status"), [("other_officer", 403), ("leadership", 403), ("outsider", 404)]
)
def test_readers_may_not_remove_documents(
    request: pytest.FixtureRequest, as_user: Any, persona: str, document: Document, status: int
) -> None:
    response = as_user(request.getfixturevalue(persona)).post(remove_url(document))
    assert response.status_code == status
    assert Document.objects.filter(pk=document.pk).exists()


def test_a_frozen_version_refuses_removal_with_a_clear_message(
    as_user: Any, officer: Any, document: Document, media_root: Path
) -> None:
    DossierVersion.objects.filter(pk=document.version_id).update(
        frozen_at="2026-01-05T09:00:00+07:00"
    )
    response = as_user(officer).post(remove_url(document), follow=True)
    assert escape(str(VERSION_FROZEN)) in response.text
    assert Document.objects.filter(pk=document.pk).exists()
    assert len(stored_files(media_root)) == 1


# --- new version ------------------------------------------------------------


def version_url(dossier: Dossier) -> str:
    return reverse("dossiers:version_create", args=[dossier.pk])


def test_an_officer_creates_a_revision_that_starts_with_the_previous_documents(
    as_user: Any, officer: Any, document: Document
) -> None:
    dossier = document.version.dossier
    response = as_user(officer).post(
        version_url(dossier),
        {
            "label": "Hồ sơ hoàn thiện sau thẩm định",
            "note": "",
            "copy_documents_from": document.version_id,
        },
    )
    assert response.status_code == 302
    revision = dossier.versions.get(number=2)
    assert revision.label == "Hồ sơ hoàn thiện sau thẩm định"
    (copy,) = revision.documents.all()
    assert copy.file.name == document.file.name
    assert copy.original_filename == document.original_filename


def test_a_revision_may_start_empty(as_user: Any, officer: Any, document: Document) -> None:
    dossier = document.version.dossier
    as_user(officer).post(version_url(dossier), {"label": "Bản sửa đổi", "copy_documents_from": ""})
    assert not dossier.versions.get(number=2).documents.exists()


@pytest.mark.parametrize(
    ("persona", "status"), [("other_officer", 403), ("leadership", 403), ("outsider", 404)]
)
def test_readers_may_not_create_versions(
    request: pytest.FixtureRequest, as_user: Any, persona: str, version: DossierVersion, status: int
) -> None:
    client = as_user(request.getfixturevalue(persona))
    assert client.get(version_url(version.dossier)).status_code == status
    assert client.post(version_url(version.dossier), {"label": "X"}).status_code == status
    assert version.dossier.versions.count() == 1


def test_a_version_needs_a_label_and_keeps_the_note(
    as_user: Any, officer: Any, version: DossierVersion
) -> None:
    response = as_user(officer).post(version_url(version.dossier), {"label": "", "note": "Ghi chú"})
    assert response.status_code == 200
    assert response.context["form"].errors["label"]
    assert "Ghi chú" in response.text
