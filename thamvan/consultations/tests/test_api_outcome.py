"""Answers by item and the explicit close over the API, as on the response table."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from thamvan.consultations import lifecycle
from thamvan.consultations.models import Consultation, Response
from thamvan.consultations.services import outcome as outcome_services
from thamvan.consultations.tests.conftest import World

pytestmark = pytest.mark.django_db


def test_the_agency_puts_each_answer_then_closes_and_others_may_not(
    world: World,
    officer: Any,
    other_officer: Any,
    secretariat: Any,
    expert_user: Any,
    api_client: Callable[[Any], Client],
) -> None:
    consultation = world.advance("reported", officer=officer, secretariat=secretariat)
    item = outcome_services.items_to_answer(consultation).get()
    url = f"/api/v1/consultations/{consultation.pk}"
    answer = {"result": "partly_accepted", "explanation": "Bổ sung hai bãi đỗ xe."}

    def put(user: Any, item_id: int = item.pk, **changes: Any) -> Any:
        return api_client(user).put(
            f"{url}/responses/{item_id}", answer | changes, content_type="application/json"
        )

    def close(user: Any) -> Any:
        return api_client(user).post(f"{url}/close")

    assert put(other_officer).status_code == 404
    assert put(expert_user).status_code == 403
    assert put(secretariat).status_code == 403
    assert put(officer, item_id=999_999).status_code == 404
    unexplained = put(officer, explanation="")
    assert (unexplained.status_code, unexplained.json()["code"]) == (422, "explanation")
    early = close(officer)
    assert (early.status_code, early.json()["code"]) == (422, "unanswered")
    assert early.json()["detail"] == str(lifecycle.UNANSWERED % {"count": 1})

    saved = put(officer, lock_version=0)
    assert saved.status_code == 200, saved.content
    assert saved.json()["response"]["lock_version"] == 1
    # Still open: the answer can change until the close.
    assert put(officer, result="accepted", explanation="", lock_version=1).status_code == 200
    stale = put(officer, lock_version=1)
    assert (stale.status_code, stale.json()["code"]) == (422, "edit_conflict")
    assert api_client(officer).get(url).json()["actions"] == ["close"]

    assert close(secretariat).status_code == 403
    assert close(other_officer).status_code == 404
    closed = close(officer)
    assert closed.status_code == 200, closed.content
    assert closed.json()["state"] == "closed"
    assert Consultation.objects.get(pk=consultation.pk).closed_at is not None
    after = put(officer, result="not_accepted", explanation="Không.")
    assert (after.status_code, after.json()["code"]) == (422, "state")
    assert Response.objects.get(item=item).result == "accepted"
