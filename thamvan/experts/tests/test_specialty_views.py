from __future__ import annotations

import unicodedata
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from thamvan.accounts.models import User
from thamvan.experts.models import Specialty
from thamvan.experts.tests.factories import ExpertFactory

# Personas come through request.getfixturevalue, so the database must be declared.
pytestmark = pytest.mark.django_db

LIST = reverse("experts:specialty_list")
CREATE = reverse("experts:specialty_create")

AsUser = Callable[[User], Client]


def edit_url(specialty: Specialty) -> str:
    return reverse("experts:specialty_edit", args=[specialty.pk])


def toggle_url(specialty: Specialty) -> str:
    return reverse("experts:specialty_toggle", args=[specialty.pk])


@pytest.fixture
def traffic(db: None) -> Specialty:
    return Specialty.objects.get(slug="giao-thong")


@pytest.mark.parametrize("persona", ["secretariat", "admin_user", "leadership"])
def test_registry_readers_see_the_taxonomy(
    persona: str, request: pytest.FixtureRequest, as_user: AsUser
) -> None:
    response = as_user(request.getfixturevalue(persona)).get(LIST)

    assert response.status_code == 200
    assert "Phòng chống thiên tai" in response.content.decode()


@pytest.mark.parametrize("persona", ["expert_user", "officer", "outsider"])
def test_others_may_not_open_the_taxonomy(
    persona: str, request: pytest.FixtureRequest, as_user: AsUser
) -> None:
    assert as_user(request.getfixturevalue(persona)).get(LIST).status_code == 403


def test_edit_buttons_show_for_the_secretariat_only(
    as_user: AsUser, secretariat: User, leadership: User, traffic: Specialty
) -> None:
    assert edit_url(traffic) in as_user(secretariat).get(LIST).content.decode()
    assert edit_url(traffic) not in as_user(leadership).get(LIST).content.decode()


def test_the_secretariat_creates_a_specialty(as_user: AsUser, secretariat: User) -> None:
    name = unicodedata.normalize("NFD", "Đô thị thông minh")

    response = as_user(secretariat).post(
        CREATE,
        {"name": name, "slug": "", "description": "", "display_order": "300", "is_active": "on"},
    )

    assert response.status_code == 302
    specialty = Specialty.objects.get(slug="do-thi-thong-minh")
    assert specialty.name == unicodedata.normalize("NFC", "Đô thị thông minh")
    assert specialty.display_order == 300


def test_a_name_differing_only_in_accents_is_a_duplicate(
    as_user: AsUser, secretariat: User
) -> None:
    response = as_user(secretariat).post(
        CREATE, {"name": "giao thong", "slug": "giao-thong-2", "display_order": "1"}
    )

    assert response.status_code == 200
    assert response.context["form"].errors["name"]
    assert 'value="giao-thong-2"' in response.content.decode()


def test_the_secretariat_renames_but_cannot_change_the_slug(
    as_user: AsUser, secretariat: User, traffic: Specialty
) -> None:
    response = as_user(secretariat).post(
        edit_url(traffic),
        {
            "name": "Giao thông vận tải",
            "slug": "giao-thong-van-tai",
            "description": "Mô tả",
            "display_order": "5",
            "is_active": "on",
            "lock_version": "0",
        },
    )

    assert response.status_code == 302
    traffic.refresh_from_db()
    assert (traffic.name, traffic.slug, traffic.name_key) == (
        "Giao thông vận tải",
        "giao-thong",
        "giao thong van tai",
    )


def test_deactivating_keeps_the_specialty_on_its_experts(
    as_user: AsUser, secretariat: User, traffic: Specialty
) -> None:
    expert = ExpertFactory.create(specialties=[traffic])
    client = as_user(secretariat)

    assert client.post(toggle_url(traffic)).status_code == 302
    traffic.refresh_from_db()
    assert not traffic.is_active
    assert list(expert.specialties.all()) == [traffic]

    client.post(toggle_url(traffic))
    traffic.refresh_from_db()
    assert traffic.is_active


def test_a_deactivated_specialty_is_not_offered_to_new_experts(
    as_user: AsUser, secretariat: User, traffic: Specialty
) -> None:
    traffic.is_active = False
    traffic.save(update_fields=["is_active"])

    form = as_user(secretariat).get(reverse("experts:create")).context["form"]

    assert traffic not in form.fields["specialties"].queryset
    assert Specialty.objects.get(slug="kien-truc") in form.fields["specialties"].queryset


def test_the_toggle_needs_a_post(as_user: AsUser, secretariat: User, traffic: Specialty) -> None:
    assert as_user(secretariat).get(toggle_url(traffic)).status_code == 405


@pytest.mark.parametrize("persona", ["leadership", "expert_user", "officer", "outsider"])
def test_only_the_secretariat_edits_the_taxonomy(
    persona: str, request: pytest.FixtureRequest, as_user: AsUser, traffic: Specialty
) -> None:
    client = as_user(request.getfixturevalue(persona))

    assert client.get(CREATE).status_code == 403
    assert client.post(CREATE, {"name": "Mới", "display_order": "1"}).status_code == 403
    assert client.get(edit_url(traffic)).status_code == 403
    assert client.post(toggle_url(traffic)).status_code == 403
    traffic.refresh_from_db()
    assert traffic.is_active
    assert not Specialty.objects.filter(name="Mới").exists()


def test_an_unknown_specialty_is_404(as_user: AsUser, secretariat: User) -> None:
    assert (
        as_user(secretariat).get(reverse("experts:specialty_edit", args=[99999])).status_code == 404
    )


def test_the_specialty_list_takes_the_same_queries_for_more_specialties(
    as_user: Callable[[User], Client], secretariat: User, django_assert_max_num_queries: Any
) -> None:
    from thamvan.experts.tests.factories import SpecialtyFactory

    client = as_user(secretariat)
    with django_assert_max_num_queries(12):
        assert client.get(LIST).status_code == 200
    for _ in range(15):
        SpecialtyFactory()
    with django_assert_max_num_queries(12):
        assert client.get(LIST).status_code == 200
