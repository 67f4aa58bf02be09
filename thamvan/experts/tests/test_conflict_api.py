"""``/api/v1/experts/{id}/conflicts``: the same rules as the profile page."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from thamvan.audit.models import AuditEntry
from thamvan.dossiers.models import Confidentiality
from thamvan.dossiers.tests.factories import DossierFactory
from thamvan.experts.models import ConflictDeclaration, Expert
from thamvan.experts.tests.factories import ConflictDeclarationFactory

pytestmark = pytest.mark.django_db


def _url(expert: Expert) -> str:
    return f"/api/v1/experts/{expert.pk}/conflicts"


def _withdraw_url(declaration: ConflictDeclaration) -> str:
    return f"/api/v1/experts/{declaration.expert_id}/conflicts/{declaration.pk}/withdraw"


def _post(client: Any, url: str, body: dict[str, Any] | None = None) -> Any:
    return client.post(url, body or {}, content_type="application/json")


def _organisation(orgs: Any, **overrides: Any) -> dict[str, Any]:
    return {
        "kind": "organization",
        "organization_id": orgs.consultant.pk,
        "start_date": "2019-03-01",
        "reason": "Cố vấn kỹ thuật theo hợp đồng",
        **overrides,
    }


def test_the_expert_declares_lists_and_withdraws(
    api_client: Any, expert_user: Any, expert: Expert, orgs: Any
) -> None:
    client = api_client(expert_user)

    created = _post(client, _url(expert), _organisation(orgs, end_date="2025-06-30"))

    assert created.status_code == 201, created.content
    body = created.json()
    assert body["kind"] == "organization" and body["organization_id"] == orgs.consultant.pk
    assert body["counterpart"] == "Viện Quy hoạch Xây dựng Hà Nội"
    assert (body["start_date"], body["end_date"]) == ("2019-03-01", "2025-06-30")
    assert body["on_behalf"] is False and body["status"] == "ended"
    listed = client.get(_url(expert)).json()
    assert listed["count"] == 1 and listed["items"][0]["id"] == body["id"]

    declaration = ConflictDeclaration.objects.get(pk=body["id"])
    withdrawn = _post(client, _withdraw_url(declaration))

    assert withdrawn.status_code == 200
    assert withdrawn.json()["status"] == "withdrawn" and withdrawn.json()["withdrawn_at"]
    again = _post(client, _withdraw_url(declaration))
    assert (again.status_code, again.json()["code"]) == (422, "withdrawn")
    assert client.get(_url(expert)).json()["count"] == 1
    actions = list(AuditEntry.objects.values_list("action", flat=True).order_by("id"))
    assert actions[-2:] == ["conflict_declaration.declared", "conflict_declaration.withdrawn"]


def test_a_person_from_the_registry_and_a_project_by_its_dossier(
    api_client: Any, expert_user: Any, expert: Expert, other_expert: Expert, orgs: Any
) -> None:
    client = api_client(expert_user)
    dossier = DossierFactory.create(
        lead_agency=orgs.department, name="Quy hoạch phân khu N9", confidentiality="public"
    )
    person = _post(
        client,
        _url(expert),
        {
            "kind": "person",
            "other_expert_id": other_expert.pk,
            "start_date": "2020-01-01",
            "reason": "Vợ chồng",
        },
    )
    project = _post(
        client,
        _url(expert),
        {
            "kind": "project",
            "dossier_id": dossier.pk,
            "start_date": "2020-01-01",
            "reason": "Chủ trì",
        },
    )
    assert person.status_code == project.status_code == 201
    assert person.json()["counterpart"] == "KTS. Lê Thị Mai"
    assert project.json()["name"] == "Quy hoạch phân khu N9"


def test_invalid_fields_are_a_422_naming_the_api_fields(
    api_client: Any, expert_user: Any, expert: Expert, orgs: Any
) -> None:
    client = api_client(expert_user)
    restricted = DossierFactory.create(
        lead_agency=orgs.department, confidentiality=Confidentiality.RESTRICTED
    )
    cases = [
        (_organisation(orgs, end_date="2018-01-01"), "end_date"),
        (_organisation(orgs, dossier_id=restricted.pk), "dossier_id"),
        (
            {
                "kind": "project",
                "dossier_id": restricted.pk,
                "start_date": "2020-01-01",
                "reason": "x",
            },
            "dossier_id",
        ),
        (
            {
                "kind": "person",
                "other_expert_id": expert.pk,
                "start_date": "2020-01-01",
                "reason": "x",
            },
            "other_expert_id",
        ),
        ({"kind": "person", "start_date": "2020-01-01", "reason": "x"}, "name"),
        (_organisation(orgs, organization_id=None), "organization_id"),
    ]
    for body, field in cases:
        response = _post(client, _url(expert), body)
        assert response.status_code == 422, (body, response.content)
        assert field in response.json()["detail"], (body, response.json())
    assert _post(client, _url(expert), {"kind": "friend"}).status_code == 422
    assert not ConflictDeclaration.objects.exists()


def test_the_secretariat_records_on_behalf_and_leadership_only_reads(
    api_client: Any, secretariat: Any, leadership: Any, expert: Expert, orgs: Any
) -> None:
    recorded = _post(api_client(secretariat), _url(expert), _organisation(orgs))
    assert recorded.status_code == 201 and recorded.json()["on_behalf"] is True
    assert recorded.json()["declared_by_id"] == secretariat.pk

    assert api_client(leadership).get(_url(expert)).json()["count"] == 1
    refused = _post(api_client(leadership), _url(expert), _organisation(orgs))
    assert (refused.status_code, refused.json()["code"]) == (403, "forbidden")

    declaration = ConflictDeclaration.objects.get()
    for reader in (secretariat, leadership):
        assert _post(api_client(reader), _withdraw_url(declaration)).status_code == 403
    declaration.refresh_from_db()
    assert declaration.withdrawn_at is None


@pytest.mark.parametrize("persona", ["other_expert_user", "officer", "outsider"])
def test_anyone_else_gets_404(
    persona: str, request: pytest.FixtureRequest, api_client: Any, expert: Expert, orgs: Any
) -> None:
    declaration = ConflictDeclarationFactory.create(expert=expert)
    client = api_client(request.getfixturevalue(persona))
    assert client.get(_url(expert)).status_code == 404
    assert _post(client, _url(expert), _organisation(orgs)).status_code == 404
    assert _post(client, _withdraw_url(declaration)).status_code == 404
    assert ConflictDeclaration.objects.count() == 1


def test_the_list_costs_the_same_queries_however_long(
    api_client: Any, secretariat: Any, expert: Expert, other_expert: Expert, orgs: Any
) -> None:
    client = api_client(secretariat)
    ConflictDeclarationFactory.create(expert=expert, organization=orgs.consultant)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(_url(expert), {"limit": 100}).status_code == 200
        return len(captured.captured_queries)

    few = queries()
    for _ in range(10):
        ConflictDeclarationFactory.create(expert=expert, other_expert=other_expert)
        ConflictDeclarationFactory.create(expert=expert, organization=orgs.ward)
    assert queries() <= few
