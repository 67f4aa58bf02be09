"""Alternates over the API: the proposal, its invitation and the automatic setting, with
the same service and rules as the panel page (``test_views_alternates``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from thamvan.consultations.models import Invitation
from thamvan.consultations.tests.alternates_world import (
    Seats,
    english,
    footprint,
    other_secretariat,
    seats,
    vacated,
)
from thamvan.experts.tests.factories import ConflictDeclarationFactory

__all__ = ["other_secretariat", "seats", "vacated"]

pytestmark = pytest.mark.django_db


def _url(seats: Seats, tail: str = "") -> str:
    return f"/api/v1/consultations/{seats.consultation.pk}/alternate{tail}"


def test_the_proposal_names_the_seat_the_alternate_and_why(
    vacated: Seats, secretariat: Any, api_client: Callable[[Any], Client]
) -> None:
    body = english(api_client(secretariat)).get(_url(vacated)).json()
    assert body["seats"] == 1 and body["auto_invite_alternates"] is False
    (proposal,) = body["proposals"]
    assert proposal["invitation_id"] == vacated.first.pk
    assert proposal["vacated_by"] == "Trần Quốc Bảo"
    assert proposal["state"] == "declined"
    assert proposal["expert_id"] == vacated.best.pk
    assert proposal["expert_name"] == "Đỗ Minh Khôi"
    assert "covers Giao thông" in proposal["reason"]
    assert proposal["warnings"] == []


def test_posting_the_proposal_invites_it_in_place_of_the_vacated_invitation(
    vacated: Seats, secretariat: Any, api_client: Callable[[Any], Client]
) -> None:
    client = api_client(secretariat)
    response = client.post(
        _url(vacated),
        {"invitation_id": vacated.first.pk, "expert_id": vacated.best.pk},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["expert_id"] == vacated.best.pk
    assert body["replaces_id"] == vacated.first.pk
    assert body["reminders_sent"] == 0
    assert client.get(_url(vacated)).json()["proposals"] == []
    again = client.post(
        _url(vacated), {"invitation_id": vacated.first.pk}, content_type="application/json"
    )
    assert again.status_code == 422 and again.json()["code"] == "replaced"


def test_without_an_expert_the_current_proposal_is_invited(
    vacated: Seats, secretariat: Any, api_client: Callable[[Any], Client]
) -> None:
    response = api_client(secretariat).post(
        _url(vacated), {"invitation_id": vacated.first.pk}, content_type="application/json"
    )
    assert response.status_code == 201
    assert response.json()["expert_id"] == vacated.best.pk


def test_a_conflict_appearing_after_the_proposal_answers_422_naming_it(
    vacated: Seats, secretariat: Any, api_client: Callable[[Any], Client]
) -> None:
    ConflictDeclarationFactory(
        expert=vacated.best, dossier=vacated.consultation.dossier, reason="Cố vấn cho chủ đầu tư"
    )
    before = footprint(vacated)
    response = english(api_client(secretariat)).post(
        _url(vacated),
        {"invitation_id": vacated.first.pk, "expert_id": vacated.best.pk},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response.json()["code"] == "conflict"
    assert "declared a conflict with the project" in str(response.json()["detail"])
    assert footprint(vacated) == before


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"invitation_id": "x"}, "invitation_id"),
        ({}, "invitation_id"),
        ({"invitation_id": 1, "expert_id": 2**31}, "expert_id"),
        ({"invitation_id": 1, "override_reason": "x" * 2001}, "override_reason"),
    ],
)
def test_bad_input_answers_422_and_changes_nothing(
    payload: dict[str, Any],
    field: str,
    vacated: Seats,
    secretariat: Any,
    api_client: Callable[[Any], Client],
) -> None:
    before = footprint(vacated)
    response = api_client(secretariat).post(_url(vacated), payload, content_type="application/json")
    assert response.status_code == 422
    assert field in response.content.decode()
    assert footprint(vacated) == before


def test_an_unknown_expert_answers_422_and_an_invitation_of_another_panel_404(
    vacated: Seats, secretariat: Any, api_client: Callable[[Any], Client]
) -> None:
    client = english(api_client(secretariat))
    unknown = client.post(
        _url(vacated),
        {"invitation_id": vacated.first.pk, "expert_id": 999999},
        content_type="application/json",
    )
    assert unknown.status_code == 422
    assert "No active expert has this id." in unknown.content.decode()
    elsewhere = client.post(
        _url(vacated), {"invitation_id": 999999}, content_type="application/json"
    )
    assert elsewhere.status_code == 404


def test_the_automatic_setting_is_read_and_written(
    vacated: Seats, secretariat: Any, api_client: Callable[[Any], Client]
) -> None:
    client = api_client(secretariat)
    response = client.put(
        _url(vacated, "/auto"), {"enabled": True}, content_type="application/json"
    )
    assert response.status_code == 200
    assert response.json()["auto_invite_alternates"] is True
    assert client.get(_url(vacated)).json()["auto_invite_alternates"] is True
    detail = client.get(f"/api/v1/consultations/{vacated.consultation.pk}").json()
    assert detail["auto_invite_alternates"] is True


REFUSED = {
    "officer": 403,
    "leadership": 403,
    "other_expert_user": 403,
    "expert_user": 404,
    "other_officer": 404,
    "other_secretariat": 404,
    "outsider": 404,
}


def _call(client: Client, endpoint: str, seats: Seats) -> Any:
    if endpoint == "get":
        return client.get(_url(seats))
    if endpoint == "post":
        return client.post(
            _url(seats), {"invitation_id": seats.first.pk}, content_type="application/json"
        )
    return client.put(_url(seats, "/auto"), {"enabled": True}, content_type="application/json")


@pytest.mark.parametrize(("endpoint", "status"), [("get", 200), ("post", 201), ("auto", 200)])
def test_the_endpoints_are_the_secretariats_and_refused_to_everyone_else(
    endpoint: str,
    status: int,
    vacated: Seats,
    secretariat: Any,
    other_secretariat: Any,
    request: pytest.FixtureRequest,
    api_client: Callable[[Any], Client],
) -> None:
    for name, refused in REFUSED.items():
        before = footprint(vacated)
        response = _call(api_client(request.getfixturevalue(name)), endpoint, vacated)
        assert response.status_code == refused, (name, response.content)
        assert footprint(vacated) == before, name
    response = _call(api_client(secretariat), endpoint, vacated)
    assert response.status_code == status, response.content
    if endpoint == "post":
        assert Invitation.objects.filter(replaces=vacated.first).exists()


def test_the_proposal_reads_a_bounded_number_of_queries(
    vacated: Seats, secretariat: Any, api_client: Callable[[Any], Client]
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from thamvan.experts.tests.factories import ExpertFactory

    client = api_client(secretariat)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(_url(vacated)).status_code == 200
        return len(captured)

    queries()  # The token's first use is written down once.
    few = queries()
    for _ in range(30):
        ExpertFactory.create(specialties=["giao-thong"])
    # The first request after the registry changed reads the profiles' texts once for
    # the cached text similarities; compare like with like.
    queries()
    assert queries() == few <= 40
