"""The dossier picker's search: only dossiers the user may read, a bounded page of them."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from thamvan.dossiers.models import Confidentiality
from thamvan.dossiers.tests.factories import DossierFactory
from thamvan.dossiers.views import PICK_LIMIT

pytestmark = pytest.mark.django_db

PICK = reverse("dossiers:pick")


def _names(response: Any) -> list[str]:
    assert response.status_code == 200
    return [row["text"] for row in response.json()["results"]]


def test_it_finds_readable_dossiers_by_code_or_name_without_accents(
    as_user: Any, expert_user: Any, officer: Any, orgs: Any
) -> None:
    DossierFactory.create(
        code="QHPK-N9-2026",
        name="Quy hoạch phân khu đô thị N9",
        lead_agency=orgs.department,
        confidentiality=Confidentiality.PUBLIC,
    )
    DossierFactory.create(
        code="MAT-1",
        name="Quy hoạch khu đặc biệt",
        lead_agency=orgs.department,
        confidentiality=Confidentiality.RESTRICTED,
    )
    expert = as_user(expert_user)
    assert _names(expert.get(PICK, {"q": "phan khu"})) == [
        "QHPK-N9-2026 · Quy hoạch phân khu đô thị N9"
    ]
    assert _names(expert.get(PICK, {"q": "dac biet"})) == []
    # The lead agency's officer reads its restricted dossier.
    assert _names(as_user(officer).get(PICK, {"q": "MAT-1"})) == ["MAT-1 · Quy hoạch khu đặc biệt"]


def test_a_visitor_who_is_not_signed_in_is_sent_to_sign_in(client: Any) -> None:
    assert client.get(PICK, {"q": "n9"}).status_code == 302


def test_the_answer_is_bounded_and_its_queries_do_not_grow(
    as_user: Any, officer: Any, orgs: Any
) -> None:
    client = as_user(officer)
    DossierFactory.create(lead_agency=orgs.department)
    client.get(PICK)  # the session's first request does its own bookkeeping
    with CaptureQueriesContext(connection) as few:
        assert len(_names(client.get(PICK))) == 1
    DossierFactory.create_batch(PICK_LIMIT + 5, lead_agency=orgs.department)
    with CaptureQueriesContext(connection) as many:
        response = client.get(PICK)
    assert len(_names(response)) == PICK_LIMIT and response.json()["more"] is True
    assert len(many) == len(few)
