from __future__ import annotations

import json
from typing import Any

import pytest
from django.urls import reverse

from thamvan.accounts.tests.factories import UserFactory
from thamvan.dossiers.models import Dossier, DossierVersion
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


def test_the_admin_checks_a_boundary_typed_in_it(as_user: Any, orgs: Any, superuser: Any) -> None:
    dossier = DossierFactory.create(lead_agency=orgs.department)
    url = reverse("admin:dossiers_dossier_change", args=[dossier.pk])
    data = {
        "code": dossier.code,
        "name": dossier.name,
        "kind": dossier.kind,
        "stage": dossier.stage,
        "scale": dossier.scale,
        "scale_note": "",
        "area_ha": "",
        "boundary": json.dumps({"type": "Point", "coordinates": [105.85, 21.03]}),
        "lead_agency": orgs.department.pk,
        "description": "",
        "confidentiality": dossier.confidentiality,
        "lock_version": "0",
        "versions-TOTAL_FORMS": "0",
        "versions-INITIAL_FORMS": "0",
    }
    response = as_user(superuser).post(url, data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["boundary"]
    assert Dossier.objects.get(pk=dossier.pk).boundary == dossier.boundary


def test_users_who_are_not_administrators_find_no_dossier_admin(
    as_user: Any, officer: Any
) -> None:
    response = as_user(officer).get(reverse("admin:dossiers_dossier_changelist"))
    assert response.status_code == 404


def test_the_version_admin_offers_no_add_page(as_user: Any, superuser: Any) -> None:
    DossierVersionFactory.create()
    assert as_user(superuser).get(reverse("admin:dossiers_dossierversion_add")).status_code == 403
