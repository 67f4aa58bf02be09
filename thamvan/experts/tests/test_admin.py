from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from thamvan.accounts.models import User
from thamvan.experts.models import Expert

# Personas come through request.getfixturevalue, so the database must be declared.
pytestmark = pytest.mark.django_db

MODELS = [
    "specialty",
    "expert",
    "affiliation",
    "unavailableperiod",
    "expertimport",
    "conflictdeclaration",
]

AsUser = Callable[[User], Client]


def staff(user: User) -> User:
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    return user


@pytest.mark.parametrize("model", MODELS)
def test_the_administrator_browses_every_registry_model(
    model: str, as_user: AsUser, admin_user: User, expert: Expert
) -> None:
    client = as_user(admin_user)

    response = client.get(reverse(f"admin:experts_{model}_changelist"), {"q": "bao"})

    assert response.status_code == 200


def test_the_administrator_edits_an_expert_in_the_admin(
    as_user: AsUser, admin_user: User, expert: Expert
) -> None:
    client = as_user(admin_user)
    url = reverse("admin:experts_expert_change", args=[expert.pk])

    page = client.get(url)

    assert page.status_code == 200
    assert 'name="expert_specialties-0-specialty"' in page.content.decode()
    assert client.get(reverse("admin:experts_expert_add")).status_code == 200


@pytest.mark.parametrize("persona", ["secretariat", "leadership", "officer"])
def test_registry_pages_users_find_no_registry_admin_even_with_staff_status(
    persona: str, request: pytest.FixtureRequest, as_user: AsUser, expert: Expert
) -> None:
    # The secretariat keeps the registry in its pages, leadership reads it there.
    client = as_user(staff(request.getfixturevalue(persona)))

    assert client.get(reverse("admin:experts_expert_changelist")).status_code == 404
    assert client.get(reverse("admin:experts_expert_change", args=[expert.pk])).status_code == 404


def test_declared_conflicts_are_read_only_in_the_admin(
    as_user: AsUser, admin_user: User, expert: Expert
) -> None:
    from thamvan.experts.tests.factories import ConflictDeclarationFactory

    declaration = ConflictDeclarationFactory.create(expert=expert, name="Khu đô thị Ecopark")
    client = as_user(admin_user)

    listed = client.get(reverse("admin:experts_conflictdeclaration_changelist"))

    assert "Khu đô thị Ecopark" in listed.content.decode()
    assert client.get(reverse("admin:experts_conflictdeclaration_add")).status_code == 403
    change = reverse("admin:experts_conflictdeclaration_change", args=[declaration.pk])
    assert client.post(change, {"reason": "Khác"}).status_code == 403
