from __future__ import annotations

from typing import Any

import pytest
from django.db.models import ProtectedError
from django.urls import reverse

from thamvan.accounts.tests.factories import UserFactory
from thamvan.audit.models import AuditEntry
from thamvan.dossiers.models import DOSSIER_KEPT, Document, Dossier, DossierVersion
from thamvan.dossiers.tests.factories import DocumentFactory, DossierFactory, DossierVersionFactory


@pytest.fixture
def superuser(db: None) -> Any:
    # The Django admin checks model permissions, which a superuser holds.
    return UserFactory.create(is_staff=True, is_superuser=True)


@pytest.fixture
def document(orgs: Any) -> Any:
    return DocumentFactory.create(
        version__dossier=DossierFactory.create(lead_agency=orgs.department)
    )


def test_the_admin_lists_and_opens_dossiers_versions_and_documents(
    as_user: Any, superuser: Any, document: Any
) -> None:
    client = as_user(superuser)
    version = document.version
    for url in (
        reverse("admin:dossiers_dossier_changelist"),
        reverse("admin:dossiers_dossier_change", args=[version.dossier_id]),
        reverse("admin:dossiers_dossierversion_changelist"),
        reverse("admin:dossiers_dossierversion_change", args=[version.pk]),
        reverse("admin:dossiers_document_changelist"),
        reverse("admin:dossiers_document_change", args=[document.pk]),
    ):
        assert client.get(url).status_code == 200, url


def test_document_file_metadata_is_read_only_in_the_admin(
    as_user: Any, superuser: Any, document: Any
) -> None:
    response = as_user(superuser).get(reverse("admin:dossiers_document_change", args=[document.pk]))
    form = response.context["adminform"].form
    for field in ("file", "original_filename", "content_type", "size", "sha256"):
        assert field not in form.fields, field
    assert document.sha256 in response.text
    assert as_user(superuser).get(reverse("admin:dossiers_document_add")).status_code == 403


def test_a_frozen_version_is_read_only_in_the_admin(
    as_user: Any, superuser: Any, document: Any
) -> None:
    version = document.version
    DossierVersion.objects.filter(pk=version.pk).update(frozen_at="2026-01-05T09:00:00+07:00")
    client = as_user(superuser)
    url = reverse("admin:dossiers_dossierversion_change", args=[version.pk])
    client.post(url, {"label": "Sửa lại", "note": ""})
    assert DossierVersion.objects.get(pk=version.pk).label != "Sửa lại"


def test_the_dossier_admin_is_read_only(as_user: Any, orgs: Any, superuser: Any) -> None:
    # The dossier pages edit any dossier for an administrator, through the service.
    dossier = DossierFactory.create(lead_agency=orgs.department)
    client = as_user(superuser)
    url = reverse("admin:dossiers_dossier_change", args=[dossier.pk])
    assert client.post(url, {"name": "Tên khác", "code": dossier.code}).status_code == 403
    assert client.get(reverse("admin:dossiers_dossier_add")).status_code == 403
    assert Dossier.objects.get(pk=dossier.pk).name == dossier.name


def test_a_document_cannot_be_renamed_in_the_admin(
    as_user: Any, superuser: Any, document: Any
) -> None:
    url = reverse("admin:dossiers_document_change", args=[document.pk])
    response = as_user(superuser).post(url, {"title": "Tên khác", "kind": document.kind})
    assert response.status_code == 403
    document.refresh_from_db()
    assert document.title != "Tên khác"


def test_users_who_are_not_administrators_find_no_dossier_admin(as_user: Any, officer: Any) -> None:
    response = as_user(officer).get(reverse("admin:dossiers_dossier_changelist"))
    assert response.status_code == 404


def test_the_version_admin_offers_no_add_page(as_user: Any, superuser: Any) -> None:
    DossierVersionFactory.create()
    assert as_user(superuser).get(reverse("admin:dossiers_dossierversion_add")).status_code == 403


def _freeze(version: Any) -> None:
    DossierVersion.objects.filter(pk=version.pk).update(frozen_at="2026-01-05T09:00:00+07:00")


def test_a_document_of_a_sent_version_cannot_be_deleted_in_the_admin(
    as_user: Any, superuser: Any, document: Any
) -> None:
    _freeze(document.version)
    url = reverse("admin:dossiers_document_delete", args=[document.pk])

    assert as_user(superuser).post(url, {"post": "yes"}).status_code == 403

    assert Document.objects.filter(pk=document.pk).exists()
    assert not AuditEntry.objects.exists()


def test_a_dossier_with_a_sent_version_cannot_be_deleted_in_the_admin(
    as_user: Any, superuser: Any, document: Any
) -> None:
    _freeze(document.version)
    dossier = document.version.dossier
    url = reverse("admin:dossiers_dossier_delete", args=[dossier.pk])

    assert as_user(superuser).post(url, {"post": "yes"}).status_code == 403

    assert Dossier.objects.filter(pk=dossier.pk).exists()
    assert Document.objects.filter(pk=document.pk).exists()
    assert not AuditEntry.objects.exists()


def test_a_document_of_an_unsent_version_is_removed_through_the_service(
    as_user: Any, admin_user: Any, document: Any
) -> None:
    url = reverse("admin:dossiers_document_delete", args=[document.pk])

    assert as_user(admin_user).post(url, {"post": "yes"}).status_code == 302

    assert not Document.objects.filter(pk=document.pk).exists()
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"document.removed", "admin.object.deleted"} <= actions


def test_the_model_refuses_to_delete_a_dossier_with_a_sent_version(document: Any) -> None:
    _freeze(document.version)
    dossier = document.version.dossier

    with pytest.raises(ProtectedError, match=str(DOSSIER_KEPT)[:40]):
        dossier.delete()
    with pytest.raises(ProtectedError):
        Dossier.objects.filter(pk=dossier.pk).delete()

    assert Document.objects.filter(pk=document.pk).exists()


def test_a_dossier_without_history_can_still_be_deleted(orgs: Any) -> None:
    dossier = DossierFactory.create(lead_agency=orgs.department)
    Dossier.objects.filter(pk=dossier.pk).delete()
    assert not Dossier.objects.filter(pk=dossier.pk).exists()
