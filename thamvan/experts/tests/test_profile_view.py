from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from thamvan.accounts.models import User
from thamvan.experts.models import Expert
from thamvan.experts.tests.factories import (
    AffiliationFactory,
    ExpertFactory,
    SpecialtyFactory,
    UnavailablePeriodFactory,
)

# Personas come through request.getfixturevalue, so the database must be declared.
pytestmark = pytest.mark.django_db

AsUser = Callable[[User], Client]


@pytest.fixture
def detailed(expert: Expert, orgs: Any) -> Expert:
    expert.biography = "Nguyên Viện trưởng Viện Quy hoạch."
    expert.publications = "Quy hoạch giao thông đô thị (2015)\nĐường sắt đô thị Hà Nội (2019)"
    expert.save()
    AffiliationFactory.create(
        expert=expert, organization=orgs.consultant, position="Phó Viện trưởng"
    )
    UnavailablePeriodFactory.create(expert=expert, reason="Công tác tại Nhật Bản")
    return expert


@pytest.mark.parametrize("persona", ["secretariat", "admin_user", "leadership", "expert_user"])
def test_readers_and_the_expert_see_the_whole_profile(
    persona: str, request: pytest.FixtureRequest, as_user: AsUser, detailed: Expert
) -> None:
    response = as_user(request.getfixturevalue(persona)).get(
        reverse("experts:detail", args=[detailed.pk])
    )
    html = response.content.decode()

    assert response.status_code == 200
    assert "PGS.TS. Trần Quốc Bảo" in html
    assert "Viện Quy hoạch Xây dựng Hà Nội" in html and "Phó Viện trưởng" in html
    assert "Công tác tại Nhật Bản" in html
    assert "<li>Đường sắt đô thị Hà Nội (2019)</li>" in html
    assert "Giao thông" in html and "Hạ tầng kỹ thuật" in html
    # Contacts
    assert "expert@example.vn" in html and "0912 345 678" in html


@pytest.mark.parametrize("persona", ["other_expert_user", "officer", "other_officer", "outsider"])
def test_everyone_else_gets_404_for_a_profile(
    persona: str, request: pytest.FixtureRequest, as_user: AsUser, expert: Expert
) -> None:
    response = as_user(request.getfixturevalue(persona)).get(
        reverse("experts:detail", args=[expert.pk])
    )

    assert response.status_code == 404


def test_an_unknown_id_is_404_like_a_hidden_one(as_user: AsUser, secretariat: User) -> None:
    assert as_user(secretariat).get(reverse("experts:detail", args=[99999])).status_code == 404


def test_the_edit_link_matches_the_right_to_edit(
    as_user: AsUser, secretariat: User, leadership: User, expert_user: User, expert: Expert
) -> None:
    url = reverse("experts:detail", args=[expert.pk])

    assert (
        reverse("experts:edit", args=[expert.pk]) in as_user(secretariat).get(url).content.decode()
    )
    leader_html = as_user(leadership).get(url).content.decode()
    assert reverse("experts:edit", args=[expert.pk]) not in leader_html
    assert reverse("experts:me_edit") not in leader_html
    assert reverse("experts:me_edit") in as_user(expert_user).get(url).content.decode()


def test_the_profile_query_count_does_not_grow_with_specialties(
    as_user: AsUser, secretariat: User, django_assert_num_queries: Any
) -> None:
    client = as_user(secretariat)
    few = ExpertFactory.create(specialties=["giao-thong"])
    many = ExpertFactory.create(
        specialties=[SpecialtyFactory.create() for _ in range(6)], academic_rank="GS"
    )
    client.get(reverse("experts:detail", args=[few.pk]))  # session and caches warm
    with CaptureQueriesContext(connection) as baseline:
        client.get(reverse("experts:detail", args=[few.pk]))
    with django_assert_num_queries(len(baseline)):
        response = client.get(reverse("experts:detail", args=[many.pk]))
    # The primary specialty (the first given) still leads the list.
    primary = many.expert_specialties.get(is_primary=True).specialty.name
    assert f"<strong>{primary}</strong>" in response.content.decode()
