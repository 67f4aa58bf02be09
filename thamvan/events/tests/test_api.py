"""The workshop API: who reads which workshop, filters, pagination and query counts."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from thamvan.events.models import Workshop
from thamvan.events.tests.factories import InvitationFactory, WorkshopFactory

pytestmark = pytest.mark.django_db

BASE = "/api/v1/workshops"


@pytest.fixture
def workshop(orgs: Any) -> Workshop:
    return WorkshopFactory.create(
        host=orgs.department, topic="Tọa đàm về quy hoạch Thủ đô; tầm nhìn 2065"
    )


def _ids(response: Any) -> set[int]:
    assert response.status_code == 200, response.content
    return {item["id"] for item in response.json()["items"]}


def test_an_invited_expert_reads_the_workshop_and_another_expert_does_not(
    workshop: Workshop, expert_user: Any, other_expert_user: Any, api_client: Any
) -> None:
    InvitationFactory.create(workshop=workshop, user=expert_user, reply="accepted")
    body = api_client(expert_user).get(f"{BASE}/{workshop.pk}").json()
    assert body["topic"] == "Tọa đàm về quy hoạch Thủ đô; tầm nhìn 2065"
    assert body["own_reply"] == "accepted"
    assert _ids(api_client(expert_user).get(BASE)) == {workshop.pk}
    response = api_client(other_expert_user).get(f"{BASE}/{workshop.pk}")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found.", "code": "not_found"}
    assert _ids(api_client(other_expert_user).get(BASE)) == set()


def test_the_host_agency_and_leadership_read_it_and_another_agency_does_not(
    workshop: Workshop,
    officer: Any,
    other_officer: Any,
    leadership: Any,
    secretariat: Any,
    outsider: Any,
    api_client: Any,
    client: Client,
) -> None:
    for user in (officer, leadership, secretariat):
        assert api_client(user).get(f"{BASE}/{workshop.pk}").json()["own_reply"] is None
        assert _ids(api_client(user).get(BASE)) == {workshop.pk}
    for user in (other_officer, outsider):
        assert api_client(user).get(f"{BASE}/{workshop.pk}").status_code == 404
        assert _ids(api_client(user).get(BASE)) == set()
    assert client.get(BASE).json()["code"] == "unauthenticated"


def test_the_minutes_are_read_only_once_published(
    workshop: Workshop, officer: Any, api_client: Any
) -> None:
    workshop.minutes = "Hội thảo thống nhất kiến nghị điều chỉnh chỉ tiêu."
    workshop.status = Workshop.Status.HELD
    workshop.save(update_fields=["minutes", "status"])
    assert api_client(officer).get(f"{BASE}/{workshop.pk}").json()["minutes"] == ""
    workshop.status = Workshop.Status.MINUTES_PUBLISHED
    workshop.minutes_published_at = timezone.now()
    workshop.save(update_fields=["status", "minutes_published_at"])
    assert api_client(officer).get(f"{BASE}/{workshop.pk}").json()["minutes"] == (
        "Hội thảo thống nhất kiến nghị điều chỉnh chỉ tiêu."
    )


def test_workshops_are_filtered_like_the_list_page(
    workshop: Workshop, orgs: Any, secretariat: Any, api_client: Any
) -> None:
    past = WorkshopFactory.create(
        host=orgs.association,
        topic="Hội thảo giao thông công cộng",
        starts_at=timezone.now() - timedelta(days=30),
        status=Workshop.Status.HELD,
    )
    api = api_client(secretariat)

    def ids(**params: Any) -> set[int]:
        return _ids(api.get(BASE, params))

    assert ids() == {workshop.pk, past.pk}
    assert ids(q="giao thong cong cong") == {past.pk}
    assert ids(status="held") == {past.pk}
    assert ids(when="upcoming") == {workshop.pk}
    assert ids(when="past") == {past.pk}
    assert ids(organization_id=orgs.city.pk) == {workshop.pk}
    day = timezone.localdate(past.starts_at).isoformat()
    assert ids(start=day, end=day) == {past.pk}
    assert api.get(BASE, {"when": "soon"}).json()["code"] == "invalid_request"
    assert api.get(BASE, {"end": "9999-12-31"}).status_code == 422


def test_workshops_are_paginated_in_a_bounded_number_of_queries(
    orgs: Any,
    expert_user: Any,
    api_client: Any,
    django_assert_max_num_queries: Any,
) -> None:
    api = api_client(expert_user)
    InvitationFactory.create(workshop=WorkshopFactory.create(), user=expert_user)
    with django_assert_max_num_queries(10):
        assert api.get(BASE).json()["count"] == 1
    for _ in range(20):
        InvitationFactory.create(workshop=WorkshopFactory.create(), user=expert_user)
    with django_assert_max_num_queries(10):
        assert len(api.get(BASE, {"limit": 100}).json()["items"]) == 21
    page = api.get(BASE, {"limit": 20, "offset": 20}).json()
    assert (page["count"], len(page["items"])) == (21, 1)
