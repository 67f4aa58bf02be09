"""``GET /api/v1/experts?has_account=``: the experts a panel invitation reaches by link."""

from __future__ import annotations

from typing import Any

import pytest

from thamvan.experts.tests.factories import ExpertFactory

pytestmark = pytest.mark.django_db


def test_the_registry_filters_experts_by_whether_they_have_an_account(
    secretariat: Any, expert_user: Any, api_client: Any
) -> None:
    with_account = ExpertFactory.create(user=expert_user)
    without = ExpertFactory.create()
    client = api_client(secretariat)
    none = client.get("/api/v1/experts", {"has_account": "false"}).json()
    assert [e["id"] for e in none["items"]] == [without.pk]
    assert none["items"][0]["has_account"] is False
    some = client.get("/api/v1/experts", {"has_account": "true"}).json()
    assert [e["id"] for e in some["items"]] == [with_account.pk]
    assert some["items"][0]["has_account"] is True
    assert client.get("/api/v1/experts").json()["count"] == 2
    assert client.get("/api/v1/experts", {"has_account": "maybe"}).status_code == 422


def test_only_registry_readers_list_experts_without_an_account(
    secretariat: Any, expert_user: Any, outsider: Any, api_client: Any
) -> None:
    ExpertFactory.create(user=expert_user)
    ExpertFactory.create()
    assert api_client(secretariat).get("/api/v1/experts?has_account=false").json()["count"] == 1
    # An expert sees only their own profile, which has an account; others see nothing.
    assert api_client(expert_user).get("/api/v1/experts?has_account=false").json()["count"] == 0
    assert api_client(expert_user).get("/api/v1/experts?has_account=true").json()["count"] == 1
    assert api_client(outsider).get("/api/v1/experts?has_account=false").json()["count"] == 0


def test_the_filtered_list_reads_a_fixed_number_of_queries(
    secretariat: Any, api_client: Any, django_assert_max_num_queries: Any
) -> None:
    client = api_client(secretariat)
    for _ in range(3):
        ExpertFactory.create(specialties=["giao-thong"])
    with django_assert_max_num_queries(12) as few:
        client.get("/api/v1/experts?has_account=false&limit=100")
    for _ in range(30):
        ExpertFactory.create(specialties=["giao-thong"])
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get("/api/v1/experts?has_account=false&limit=100").json()["count"] == 33
