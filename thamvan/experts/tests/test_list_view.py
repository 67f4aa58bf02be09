from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from thamvan.accounts.models import User
from thamvan.experts.models import Expert
from thamvan.experts.tests.factories import (
    AffiliationFactory,
    ExpertFactory,
    UnavailablePeriodFactory,
)

# Personas come through request.getfixturevalue, so the database must be declared.
pytestmark = pytest.mark.django_db

URL = reverse("experts:list")

AsUser = Callable[[User], Client]


def names(response: Any) -> list[str]:
    return [expert.full_name for expert in response.context["page_obj"]]


@pytest.mark.parametrize("persona", ["secretariat", "admin_user", "leadership"])
def test_registry_readers_open_the_list(
    persona: str, request: pytest.FixtureRequest, as_user: AsUser, expert: Expert
) -> None:
    response = as_user(request.getfixturevalue(persona)).get(URL)

    assert response.status_code == 200
    assert "PGS.TS. Trần Quốc Bảo" in response.content.decode()


@pytest.mark.parametrize("persona", ["officer", "other_officer", "outsider", "expert_user"])
def test_everyone_else_is_refused_the_list(
    persona: str, request: pytest.FixtureRequest, as_user: AsUser, expert: Expert
) -> None:
    response = as_user(request.getfixturevalue(persona)).get(URL)

    assert response.status_code == 403


def test_anonymous_visitors_are_sent_to_log_in(client: Client, db: None) -> None:
    response = client.get(URL)

    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_new_expert_and_import_buttons_show_for_the_secretariat_only(
    as_user: AsUser, secretariat: User, leadership: User
) -> None:
    managing = as_user(secretariat).get(URL).content.decode()
    reading = as_user(leadership).get(URL).content.decode()

    assert reverse("experts:create") in managing and reverse("experts:import") in managing
    assert reverse("experts:create") not in reading and reverse("experts:import") not in reading


def test_the_list_is_sorted_by_given_name(as_user: AsUser, secretariat: User) -> None:
    for name in ["Trần Văn Bình", "Lê Thị An", "Nguyễn Đức Cường"]:
        ExpertFactory.create(full_name=name)

    assert names(as_user(secretariat).get(URL)) == [
        "Lê Thị An",
        "Trần Văn Bình",
        "Nguyễn Đức Cường",
    ]


def test_text_without_accents_finds_accented_names(as_user: AsUser, secretariat: User) -> None:
    ExpertFactory.create(full_name="Nguyễn Văn Đức")
    ExpertFactory.create(full_name="Nguyễn Thị Lan")
    ExpertFactory.create(full_name="Trần Văn Nam", keywords="đường sắt đô thị")

    client = as_user(secretariat)

    assert names(client.get(URL, {"q": "nguyen van"})) == ["Nguyễn Văn Đức"]
    assert names(client.get(URL, {"q": "duong sat"})) == ["Trần Văn Nam"]
    assert names(client.get(URL, {"q": "Nguyễn"})) == ["Nguyễn Văn Đức", "Nguyễn Thị Lan"]


def test_filters_by_specialty_rank_and_degree(as_user: AsUser, secretariat: User) -> None:
    from thamvan.experts.models import Specialty

    ExpertFactory.create(
        full_name="Phạm Minh Giao", academic_rank="PGS", degree="TS", specialties=["giao-thong"]
    )
    ExpertFactory.create(
        full_name="Vũ Thị Hạ", degree="KS", specialties=["ha-tang-ky-thuat", "giao-thong"]
    )
    ExpertFactory.create(full_name="Đặng Văn Kiến", degree="KTS", specialties=["kien-truc"])
    client = as_user(secretariat)
    traffic = str(Specialty.objects.get(slug="giao-thong").pk)

    assert names(client.get(URL, {"specialty": traffic})) == ["Phạm Minh Giao", "Vũ Thị Hạ"]
    assert names(client.get(URL, {"rank": "PGS"})) == ["Phạm Minh Giao"]
    assert names(client.get(URL, {"degree": "KTS"})) == ["Đặng Văn Kiến"]
    assert names(client.get(URL, {"degree": "KS", "specialty": traffic})) == ["Vũ Thị Hạ"]


def test_filters_by_current_organisation(as_user: AsUser, secretariat: User, orgs: Any) -> None:
    current = AffiliationFactory.create(
        organization=orgs.consultant, expert__full_name="Bùi Văn Hiện"
    )
    AffiliationFactory.create(
        organization=orgs.consultant,
        expert__full_name="Ngô Thị Cũ",
        end_date=timezone.localdate() - timedelta(days=1),
    )

    response = as_user(secretariat).get(URL, {"organization": orgs.consultant.pk})

    assert names(response) == [current.expert.full_name]


def test_filters_by_availability_today(as_user: AsUser, secretariat: User) -> None:
    today = timezone.localdate()
    UnavailablePeriodFactory.create(
        expert__full_name="Đỗ Văn Vắng", start_date=today, end_date=today
    )
    ExpertFactory.create(full_name="Hoàng Thị Có")
    client = as_user(secretariat)

    assert names(client.get(URL, {"available": "yes"})) == ["Hoàng Thị Có"]
    assert names(client.get(URL, {"available": "no"})) == ["Đỗ Văn Vắng"]


def test_inactive_experts_are_hidden_unless_asked_for(as_user: AsUser, secretariat: User) -> None:
    ExpertFactory.create(full_name="Lý Văn Nghỉ", is_active=False)
    ExpertFactory.create(full_name="Mai Thị Làm")
    client = as_user(secretariat)

    assert names(client.get(URL)) == ["Mai Thị Làm"]
    assert names(client.get(URL, {"active": "no"})) == ["Lý Văn Nghỉ"]
    assert names(client.get(URL, {"active": ""})) == ["Mai Thị Làm", "Lý Văn Nghỉ"]


def test_malformed_filters_are_ignored_and_the_others_apply(
    as_user: AsUser, secretariat: User
) -> None:
    ExpertFactory.create(full_name="Mai Thị Làm")
    ExpertFactory.create(full_name="Lý Văn Nghỉ", is_active=False)
    ExpertFactory.create(full_name="Mai Văn Khác")

    response = as_user(secretariat).get(
        URL, {"q": "lam", "specialty": "abc", "rank": "XYZ", "page": "-3"}
    )

    assert response.status_code == 200
    assert names(response) == ["Mai Thị Làm"]


def test_an_empty_result_shows_the_empty_state(as_user: AsUser, secretariat: User) -> None:
    response = as_user(secretariat).get(URL, {"q": "khong ai ten nay"})

    assert gettext("No expert matches these filters.") in response.content.decode()
    assert list(response.context["page_obj"]) == []


def test_htmx_requests_get_only_the_results(
    as_user: AsUser, secretariat: User, expert: Expert
) -> None:
    response = as_user(secretariat).get(URL, {"q": "bao"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()

    assert html.lstrip().startswith('<div id="results">')
    # The filters stay as typed; only the rows (with their bulk action) are replaced.
    assert 'class="filters"' not in html
    assert "Trần Quốc Bảo" in html


def test_the_list_is_paginated_by_25(as_user: AsUser, secretariat: User) -> None:
    ExpertFactory.create_batch(30)
    client = as_user(secretariat)

    first = client.get(URL)
    second = client.get(URL, {"page": 2})

    assert len(first.context["page_obj"]) == 25
    assert len(second.context["page_obj"]) == 5
    assert not {e.pk for e in first.context["page_obj"]} & {
        e.pk for e in second.context["page_obj"]
    }


def test_the_number_of_queries_does_not_grow_with_rows(
    as_user: AsUser, secretariat: User, orgs: Any, django_assert_max_num_queries: Any
) -> None:
    def add(count: int) -> None:
        for expert in ExpertFactory.create_batch(count, specialties=["giao-thong", "kien-truc"]):
            AffiliationFactory.create(expert=expert, organization=orgs.consultant)
            UnavailablePeriodFactory.create(expert=expert)

    client = as_user(secretariat)
    client.get(URL)  # warm the session and the user's memberships
    add(3)
    # The bulk action's choice of association reads the secretariat's scope (3 more).
    with django_assert_max_num_queries(13) as few:
        client.get(URL, {"active": ""})
    add(30)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(URL, {"active": ""})
    assert len(response.context["page_obj"]) == 25
