"""The invitee picker: the workshop page carries only the chosen people and searches the
rest from an endpoint for workshop managers, one bounded query at a time."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from thamvan.accounts.tests.factories import MembershipFactory, UserFactory
from thamvan.events.models import Workshop
from thamvan.events.tests.factories import WorkshopFactory
from thamvan.events.views.pickers import PICK_LIMIT

pytestmark = pytest.mark.django_db

PICK = reverse("events:pick_invitees")


def _texts(response: Any) -> list[str]:
    assert response.status_code == 200
    return [row["text"] for row in response.json()["results"]]


@pytest.fixture
def workshop(orgs: Any) -> Workshop:
    return WorkshopFactory.create(host=orgs.association)


def test_the_page_carries_no_candidate_only_the_search_address(
    as_user: Any, secretariat: Any, expert_user: Any, officer: Any, workshop: Workshop
) -> None:
    page = as_user(secretariat).get(workshop.get_absolute_url()).text
    select = re.search(r'<select name="users"[^>]*>(.*?)</select>', page, re.S)
    assert select is not None
    assert f'data-picker-url="{PICK}"' in select.group(0)
    assert "<option" not in select.group(1)
    assert "expert@example.vn" not in page and "officer@example.vn" not in page


@pytest.mark.parametrize("persona", ["secretariat", "admin_user"])
def test_a_workshop_manager_finds_members_by_a_word_of_the_name_or_the_address(
    request: pytest.FixtureRequest, as_user: Any, persona: str, expert_user: Any, officer: Any
) -> None:
    client = as_user(request.getfixturevalue(persona))
    assert _texts(client.get(PICK, {"q": "bao"})) == ["Trần Quốc Bảo · expert@example.vn"]
    assert _texts(client.get(PICK, {"q": "Hạnh"})) == ["Nguyễn Thị Hạnh · officer@example.vn"]
    assert _texts(client.get(PICK, {"q": "officer@"})) == ["Nguyễn Thị Hạnh · officer@example.vn"]
    assert _texts(client.get(PICK, {"q": "tran bao"})) == ["Trần Quốc Bảo · expert@example.vn"]


def test_people_without_an_active_membership_or_account_are_not_offered(
    as_user: Any, secretariat: Any, orgs: Any
) -> None:
    UserFactory.create(full_name="Ngô Không Hội", email="khonghoi@example.vn")
    gone = MembershipFactory.create(
        user=UserFactory.create(full_name="Ngô Nghỉ Việc", email="nghi@example.vn"),
        organization=orgs.department,
        is_active=False,
    )
    MembershipFactory.create(
        user=UserFactory.create(full_name="Ngô Khóa", email="khoa@example.vn", is_active=False),
        organization=orgs.department,
    )
    assert gone.user.is_active
    assert _texts(as_user(secretariat).get(PICK, {"q": "ngo"})) == []


def test_only_workshop_managers_may_search_side_by_side(
    as_user: Any,
    client: Any,
    secretariat: Any,
    leadership: Any,
    officer: Any,
    expert_user: Any,
    outsider: Any,
) -> None:
    assert _texts(as_user(secretariat).get(PICK, {"q": "bao"}))
    for user in (leadership, officer, expert_user, outsider):
        response = as_user(user).get(PICK, {"q": "bao"})
        assert response.status_code == 403
        assert "expert@example.vn" not in response.content.decode()
    anonymous = client.get(PICK, {"q": "bao"})
    assert anonymous.status_code == 302
    assert as_user(secretariat).post(PICK, {"q": "bao"}).status_code == 405


def test_the_answer_is_bounded_and_its_queries_do_not_grow_with_the_members(
    as_user: Any, secretariat: Any, orgs: Any
) -> None:
    reader = as_user(secretariat)
    reader.get(PICK)  # the session's first request does its own bookkeeping
    with CaptureQueriesContext(connection) as few:
        assert len(_texts(reader.get(PICK))) == 1
    for _ in range(PICK_LIMIT + 15):
        MembershipFactory.create(organization=orgs.department)
    with CaptureQueriesContext(connection) as many:
        response = reader.get(PICK)
    assert len(_texts(response)) == PICK_LIMIT
    assert response.json()["more"] is True
    assert len(many) == len(few) <= 6


def test_a_very_long_query_is_cut_not_refused(
    as_user: Any, secretariat: Any, expert_user: Any
) -> None:
    assert _texts(as_user(secretariat).get(PICK, {"q": "Bảo " * 5000})) == [
        "Trần Quốc Bảo · expert@example.vn"
    ]


def test_picked_people_are_invited(
    as_user: Any, secretariat: Any, expert_user: Any, workshop: Workshop
) -> None:
    response = as_user(secretariat).post(
        reverse("events:invite", args=[workshop.pk]), {"users": [expert_user.pk]}
    )
    assert response.status_code == 302
    assert list(workshop.invitations.values_list("user_id", flat=True)) == [expert_user.pk]
