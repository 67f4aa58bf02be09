"""The expert pickers' search: only the experts the user may see, a bounded page of them."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from thamvan.experts.models import Expert
from thamvan.experts.tests.factories import ExpertFactory
from thamvan.experts.views.pickers import PICK_LIMIT

pytestmark = pytest.mark.django_db

PICK = reverse("experts:pick")


def _names(response: Any) -> list[str]:
    assert response.status_code == 200
    return [row["text"] for row in response.json()["results"]]


@pytest.mark.parametrize("persona", ["secretariat", "leadership", "admin_user"])
def test_registry_readers_find_any_active_expert_by_a_word_of_the_name(
    request: pytest.FixtureRequest, as_user: Any, persona: str, expert: Expert, other_expert: Expert
) -> None:
    ExpertFactory.create(full_name="Lê Văn Nghỉ", is_active=False)
    reader = as_user(request.getfixturevalue(persona))
    assert _names(reader.get(PICK, {"q": "le"})) == ["KTS. Lê Thị Mai"]
    assert _names(reader.get(PICK, {"q": "Bảo"})) == ["PGS.TS. Trần Quốc Bảo"]


def test_an_expert_finds_only_their_own_profile_and_an_officer_or_outsider_nobody(
    as_user: Any,
    expert_user: Any,
    officer: Any,
    outsider: Any,
    expert: Expert,
    other_expert: Expert,
) -> None:
    assert _names(as_user(expert_user).get(PICK)) == ["PGS.TS. Trần Quốc Bảo"]
    assert _names(as_user(expert_user).get(PICK, {"q": "Mai"})) == []
    assert _names(as_user(officer).get(PICK, {"q": "Mai"})) == []
    assert _names(as_user(outsider).get(PICK)) == []


def test_a_visitor_who_is_not_signed_in_is_sent_to_sign_in(client: Any, expert: Expert) -> None:
    response = client.get(PICK, {"q": "Bảo"})
    assert response.status_code == 302
    assert "Bảo" not in response.content.decode()


def test_the_answer_is_bounded_and_its_queries_do_not_grow_with_the_registry(
    as_user: Any, secretariat: Any
) -> None:
    reader = as_user(secretariat)
    ExpertFactory.create()
    reader.get(PICK)  # the session's first request does its own bookkeeping
    with CaptureQueriesContext(connection) as few:
        assert len(_names(reader.get(PICK))) == 1
    ExpertFactory.create_batch(PICK_LIMIT + 15)
    with CaptureQueriesContext(connection) as many:
        response = reader.get(PICK)
    assert len(_names(response)) == PICK_LIMIT
    assert response.json()["more"] is True
    assert len(many) == len(few) <= 6


def test_a_very_long_query_is_cut_not_refused(
    as_user: Any, secretariat: Any, expert: Expert
) -> None:
    assert _names(as_user(secretariat).get(PICK, {"q": "Bảo " * 5000})) == [str(expert)]


COLLEAGUES = reverse("experts:pick_colleague")


def test_an_expert_finds_colleagues_by_name_but_never_themself(
    as_user: Any, expert_user: Any, expert: Expert, other_expert: Expert
) -> None:
    ExpertFactory.create(full_name="Lê Văn Nghỉ", is_active=False)
    client = as_user(expert_user)
    assert _names(client.get(COLLEAGUES, {"q": "le"})) == ["KTS. Lê Thị Mai"]
    assert _names(client.get(COLLEAGUES, {"q": "Bảo"})) == []
    # Names only: no contacts, no profile.
    assert set(client.get(COLLEAGUES, {"q": "mai"}).json()["results"][0]) == {"value", "text"}


def test_registry_readers_find_colleagues_and_officers_or_outsiders_are_refused(
    as_user: Any, secretariat: Any, officer: Any, outsider: Any, expert: Expert
) -> None:
    assert _names(as_user(secretariat).get(COLLEAGUES, {"q": "Bảo"})) == [str(expert)]
    assert as_user(officer).get(COLLEAGUES, {"q": "Bảo"}).status_code == 403
    assert as_user(outsider).get(COLLEAGUES, {"q": "Bảo"}).status_code == 403


def test_the_colleague_answer_is_bounded_and_its_queries_do_not_grow(
    as_user: Any, expert_user: Any, expert: Expert
) -> None:
    client = as_user(expert_user)
    ExpertFactory.create()
    client.get(COLLEAGUES)  # the session's first request does its own bookkeeping
    with CaptureQueriesContext(connection) as few:
        assert len(_names(client.get(COLLEAGUES))) == 1
    ExpertFactory.create_batch(PICK_LIMIT + 5)
    with CaptureQueriesContext(connection) as many:
        response = client.get(COLLEAGUES)
    assert len(_names(response)) == PICK_LIMIT and response.json()["more"] is True
    assert len(many) == len(few)
