from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from thamvan.accounts.models import User
from thamvan.experts.models import Expert

# Personas come through request.getfixturevalue, so the database must be declared.
pytestmark = pytest.mark.django_db

MODELS = ["specialty", "expert", "affiliation", "unavailableperiod", "expertimport"]

AsUser = Callable[[User], Client]


def staff(user: User) -> User:
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    return user


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("persona", ["secretariat", "admin_user", "leadership"])
def test_registry_readers_with_staff_access_browse_every_model(
    model: str, persona: str, request: pytest.FixtureRequest, as_user: AsUser, expert: Expert
) -> None:
    client = as_user(staff(request.getfixturevalue(persona)))

    response = client.get(reverse(f"admin:experts_{model}_changelist"), {"q": "bao"})

    assert response.status_code == 200


def test_the_secretariat_edits_an_expert_in_the_admin(
    as_user: AsUser, secretariat: User, expert: Expert
) -> None:
    client = as_user(staff(secretariat))
    url = reverse("admin:experts_expert_change", args=[expert.pk])

    page = client.get(url)

    assert page.status_code == 200
    assert 'name="expert_specialties-0-specialty"' in page.content.decode()
    assert client.get(reverse("admin:experts_expert_add")).status_code == 200


def test_leadership_sees_the_admin_read_only(
    as_user: AsUser, leadership: User, expert: Expert
) -> None:
    client = as_user(staff(leadership))

    page = client.get(reverse("admin:experts_expert_change", args=[expert.pk]))

    assert page.status_code == 200
    assert 'name="full_name"' not in page.content.decode()
    assert client.get(reverse("admin:experts_expert_add")).status_code == 403


def test_staff_without_a_registry_role_cannot_open_it(
    as_user: AsUser, officer: User, expert: Expert
) -> None:
    client = as_user(staff(officer))

    assert client.get(reverse("admin:experts_expert_changelist")).status_code == 403
    assert client.get(reverse("admin:experts_expert_change", args=[expert.pk])).status_code == 403
