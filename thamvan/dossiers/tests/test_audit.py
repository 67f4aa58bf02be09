"""What the dossier app writes to the audit log: transitions, restricted downloads, refusals."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import reverse

from thamvan.accounts.tokens import api_token_create
from thamvan.audit.models import AuditEntry
from thamvan.audit.services import Action
from thamvan.core.tests.samples import pdf_bytes
from thamvan.dossiers import services
from thamvan.dossiers.models import Confidentiality, Dossier
from thamvan.dossiers.tests.factories import (
    DocumentFactory,
    DossierFactory,
    DossierVersionFactory,
)

pytestmark = pytest.mark.django_db


def entries(action: str, target: Any = None) -> list[AuditEntry]:
    found = AuditEntry.objects.filter(action=action)
    if target is not None:
        found = found.filter(target_type=target._meta.label_lower, target_id=str(target.pk))
    return list(found.order_by("id"))


@pytest.fixture
def restricted(orgs: Any) -> Dossier:
    return DossierFactory.create(
        lead_agency=orgs.department, confidentiality=Confidentiality.RESTRICTED
    )


# --- domain transitions -------------------------------------------------------------


def test_registering_a_dossier_is_audited_with_its_actor(orgs: Any, officer: Any) -> None:
    dossier = services.dossier_create(
        actor=officer,
        code="QHPK-A-2026",
        name="Quy hoạch A",
        kind=Dossier.Kind.ZONING_PLAN,
        lead_agency=orgs.department,
    )
    [entry] = entries("dossier.created", dossier)
    assert entry.actor == officer
    assert '"code":"QHPK-A-2026"' in entry.data


def test_stage_and_confidentiality_changes_get_their_own_entries(orgs: Any, officer: Any) -> None:
    dossier = DossierFactory.create(lead_agency=orgs.department)
    services.dossier_update(
        actor=officer,
        dossier=dossier,
        stage=Dossier.Stage.APPRAISAL,
        confidentiality=Confidentiality.RESTRICTED,
        name=dossier.name,
    )
    [updated] = entries("dossier.updated", dossier)
    assert '"changed":["confidentiality","stage"]' in updated.data
    [stage] = entries("dossier.stage_changed", dossier)
    assert '"from":"preparation"' in stage.data and '"to":"appraisal"' in stage.data
    [level] = entries("dossier.confidentiality_changed", dossier)
    assert '"to":"restricted"' in level.data


def test_an_unchanged_stage_is_not_logged_as_a_transition(orgs: Any, officer: Any) -> None:
    dossier = DossierFactory.create(lead_agency=orgs.department)
    services.dossier_update(actor=officer, dossier=dossier, stage=dossier.stage, name="Tên khác")
    assert entries("dossier.updated", dossier)
    assert not entries("dossier.stage_changed", dossier)


def test_versions_created_and_frozen_are_audited(orgs: Any, officer: Any) -> None:
    dossier = DossierFactory.create(lead_agency=orgs.department)
    version = services.version_create(actor=officer, dossier=dossier, label="Bản trình")
    services.version_freeze(actor=officer, version=version)
    services.version_freeze(actor=officer, version=version)
    assert len(entries("dossier_version.created", version)) == 1
    # Freezing twice changes nothing the second time, and logs nothing either.
    assert len(entries("dossier_version.frozen", version)) == 1


def test_document_upload_and_removal_through_the_pages_are_audited(
    as_user: Any, orgs: Any, officer: Any
) -> None:
    dossier = DossierFactory.create(lead_agency=orgs.department)
    DossierVersionFactory.create(dossier=dossier)
    client = as_user(officer)
    upload = SimpleUploadedFile("Thuyết minh.pdf", pdf_bytes(), content_type="application/pdf")
    response = client.post(
        reverse("dossiers:document_upload", args=[dossier.pk, 1]),
        {"kind": "explanatory_report", "title": "", "file": upload},
    )
    assert response.status_code == 302
    document = dossier.versions.get().documents.get()
    [added] = entries("document.added", document)
    assert added.actor == officer
    assert added.ip_address == "127.0.0.1"

    client.post(reverse("dossiers:document_remove", args=[document.pk]))
    [removed] = AuditEntry.objects.filter(action="document.removed")
    assert removed.target_id == str(document.pk)


def test_an_entry_is_rolled_back_with_the_change_it_records(orgs: Any, officer: Any) -> None:
    dossier = DossierFactory.create(lead_agency=orgs.department)
    with pytest.raises(RuntimeError), transaction.atomic():
        services.dossier_update(actor=officer, dossier=dossier, stage=Dossier.Stage.APPROVAL)
        raise RuntimeError("the request failed after the change")
    dossier.refresh_from_db()
    assert dossier.stage == Dossier.Stage.PREPARATION
    assert not entries("dossier.updated") and not entries("dossier.stage_changed")


def test_a_refused_change_writes_nothing(orgs: Any, other_officer: Any) -> None:
    dossier = DossierFactory.create(lead_agency=orgs.department)
    with pytest.raises(services.DossierError):
        services.dossier_update(actor=other_officer, dossier=dossier, name="Không được")
    assert not entries("dossier.updated")


# --- downloads --------------------------------------------------------------------


def test_downloading_a_restricted_document_is_audited(
    as_user: Any, officer: Any, restricted: Dossier
) -> None:
    document = DocumentFactory.create(version=DossierVersionFactory.create(dossier=restricted))
    response = as_user(officer).get(reverse("dossiers:document_download", args=[document.pk]))
    assert response.status_code == 200
    [entry] = entries(Action.DOWNLOAD, document)
    assert entry.actor == officer
    assert '"confidentiality":"restricted"' in entry.data


def test_the_api_download_of_a_restricted_document_is_audited(
    officer: Any, restricted: Dossier
) -> None:
    document = DocumentFactory.create(version=DossierVersionFactory.create(dossier=restricted))
    _token, raw = api_token_create(actor=officer, name="tests")
    client = Client(headers={"Authorization": f"Bearer {raw}"})
    assert client.get(f"/api/v1/documents/{document.pk}/download").status_code == 200
    assert entries(Action.DOWNLOAD, document)


def test_downloads_of_internal_documents_are_not_logged(
    as_user: Any, orgs: Any, officer: Any
) -> None:
    dossier = DossierFactory.create(lead_agency=orgs.department)
    document = DocumentFactory.create(version=DossierVersionFactory.create(dossier=dossier))
    assert (
        as_user(officer).get(reverse("dossiers:document_download", args=[document.pk])).status_code
        == 200
    )
    assert not entries(Action.DOWNLOAD)


# --- refused access ------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["other_officer", "secretariat", "expert_user", "outsider"])
def test_asking_for_a_restricted_dossier_outside_ones_scope_is_logged(
    request: pytest.FixtureRequest, as_user: Any, persona: str, restricted: Dossier
) -> None:
    user = request.getfixturevalue(persona)
    response = as_user(user).get(reverse("dossiers:detail", args=[restricted.pk]))
    assert response.status_code == 404
    [entry] = entries(Action.ACCESS_DENIED)
    assert (entry.actor, entry.target_type, entry.target_id) == (
        user,
        "dossiers.dossier",
        str(restricted.pk),
    )
    assert '"path":"/' in entry.data


def test_the_allowed_persona_reads_without_a_refusal(
    as_user: Any, officer: Any, restricted: Dossier
) -> None:
    assert as_user(officer).get(reverse("dossiers:detail", args=[restricted.pk])).status_code == 200
    assert not entries(Action.ACCESS_DENIED)


def test_an_id_that_matches_nothing_is_a_plain_404(as_user: Any, officer: Any) -> None:
    assert as_user(officer).get(reverse("dossiers:detail", args=[987654])).status_code == 404
    assert not entries(Action.ACCESS_DENIED)


def test_a_refused_document_download_is_logged(
    as_user: Any, other_officer: Any, restricted: Dossier
) -> None:
    document = DocumentFactory.create(version=DossierVersionFactory.create(dossier=restricted))
    response = as_user(other_officer).get(reverse("dossiers:document_download", args=[document.pk]))
    assert response.status_code == 404
    [entry] = entries(Action.ACCESS_DENIED)
    assert (entry.target_type, entry.target_id) == ("dossiers.document", str(document.pk))
    assert not entries(Action.DOWNLOAD)


def test_refusals_through_the_api_are_logged_in_the_error_format(
    other_officer: Any, restricted: Dossier
) -> None:
    _token, raw = api_token_create(actor=other_officer, name="tests")
    client = Client(headers={"Authorization": f"Bearer {raw}"})
    response = client.get(f"/api/v1/dossiers/{restricted.pk}")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found.", "code": "not_found"}
    [entry] = entries(Action.ACCESS_DENIED)
    assert (entry.actor, entry.target_id) == (other_officer, str(restricted.pk))


def test_a_walk_over_ids_logs_only_the_first_refusals_of_each_minute(
    settings: Any, as_user: Any, other_officer: Any, orgs: Any
) -> None:
    settings.AUDIT_DENIED_PER_MINUTE = 3
    hidden = DossierFactory.create_batch(
        5, lead_agency=orgs.department, confidentiality=Confidentiality.RESTRICTED
    )
    client = as_user(other_officer)
    for dossier in hidden:
        assert client.get(reverse("dossiers:detail", args=[dossier.pk])).status_code == 404
    assert len(entries(Action.ACCESS_DENIED)) == 3


def test_anonymous_requests_are_never_logged(client: Client, restricted: Dossier) -> None:
    assert client.get(f"/api/v1/dossiers/{restricted.pk}").status_code == 401
    assert client.get(reverse("dossiers:detail", args=[restricted.pk])).status_code == 302
    assert not entries(Action.ACCESS_DENIED)
