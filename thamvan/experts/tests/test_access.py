from __future__ import annotations

from typing import Any, cast

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from thamvan.accounts.models import User
from thamvan.experts.access import (
    can_manage_registry,
    can_read_registry,
    get_expert_for_update,
    get_expert_for_user,
    get_import_for_user,
    get_own_expert,
    get_specialty_for_update,
)
from thamvan.experts.models import Expert, ExpertImport, Specialty

# Personas come through request.getfixturevalue, so the database must be declared.
pytestmark = pytest.mark.django_db

# persona → (reads the registry, manages the registry)
REGISTRY_RIGHTS = {
    "secretariat": (True, True),
    "admin_user": (True, True),
    "leadership": (True, False),
    "expert_user": (False, False),
    "other_expert_user": (False, False),
    "officer": (False, False),
    "other_officer": (False, False),
    "outsider": (False, False),
}


@pytest.fixture
def persona(request: pytest.FixtureRequest, expert: Expert, other_expert: Expert) -> User:
    return request.getfixturevalue(request.param)


@pytest.mark.parametrize("persona", list(REGISTRY_RIGHTS), indirect=True)
def test_registry_rights_follow_the_role(persona: User, request: pytest.FixtureRequest) -> None:
    reads, manages = REGISTRY_RIGHTS[request.node.callspec.params["persona"]]

    assert can_read_registry(persona) is reads
    assert can_manage_registry(persona) is manages


def test_anonymous_users_have_no_registry_rights(db: None) -> None:
    anonymous = cast(Any, AnonymousUser())

    assert not can_read_registry(anonymous)
    assert not can_manage_registry(anonymous)
    assert not Expert.objects.visible_to(anonymous).exists()


@pytest.mark.parametrize("name", ["secretariat", "admin_user", "leadership"])
def test_registry_readers_see_every_expert(
    name: str,
    request: pytest.FixtureRequest,
    expert: Expert,
    other_expert: Expert,
    invited_expert: Expert,
) -> None:
    user = request.getfixturevalue(name)

    assert set(Expert.objects.visible_to(user)) == {expert, other_expert, invited_expert}
    assert get_expert_for_user(user, invited_expert.pk) == invited_expert


def test_an_expert_sees_only_their_own_profile(
    expert_user: User, expert: Expert, other_expert: Expert, invited_expert: Expert
) -> None:
    assert list(Expert.objects.visible_to(expert_user)) == [expert]
    assert get_expert_for_user(expert_user, expert.pk) == expert
    with pytest.raises(Http404):
        get_expert_for_user(expert_user, other_expert.pk)


@pytest.mark.parametrize("name", ["officer", "other_officer", "outsider"])
def test_officers_and_outsiders_see_no_profile(
    name: str, request: pytest.FixtureRequest, expert: Expert
) -> None:
    user = request.getfixturevalue(name)

    assert not Expert.objects.visible_to(user).exists()
    with pytest.raises(Http404):
        get_expert_for_user(user, expert.pk)


def test_an_inactive_account_sees_nothing(secretariat: User, expert: Expert) -> None:
    secretariat.is_active = False
    secretariat.save(update_fields=["is_active"])

    assert not Expert.objects.visible_to(secretariat).exists()
    assert not can_manage_registry(secretariat)


@pytest.mark.parametrize("name", ["secretariat", "admin_user"])
def test_registry_managers_may_update_any_expert(
    name: str, request: pytest.FixtureRequest, expert: Expert, invited_expert: Expert
) -> None:
    user = request.getfixturevalue(name)

    assert get_expert_for_update(user, expert.pk) == expert
    assert get_expert_for_update(user, invited_expert.pk) == invited_expert


def test_leadership_reads_but_may_not_update(leadership: User, expert: Expert) -> None:
    assert get_expert_for_user(leadership, expert.pk) == expert
    with pytest.raises(Http404):
        get_expert_for_update(leadership, expert.pk)


def test_an_expert_may_update_only_their_own_record(
    expert_user: User, expert: Expert, other_expert: Expert
) -> None:
    assert get_expert_for_update(expert_user, expert.pk) == expert
    with pytest.raises(Http404):
        get_expert_for_update(expert_user, other_expert.pk)


@pytest.mark.parametrize("name", ["officer", "outsider"])
def test_officers_and_outsiders_may_update_nothing(
    name: str, request: pytest.FixtureRequest, expert: Expert
) -> None:
    with pytest.raises(Http404):
        get_expert_for_update(request.getfixturevalue(name), expert.pk)


def test_unknown_ids_answer_404_even_to_the_secretariat(secretariat: User) -> None:
    with pytest.raises(Http404):
        get_expert_for_user(secretariat, 987654)
    with pytest.raises(Http404):
        get_expert_for_update(secretariat, 987654)


def test_own_expert_is_the_linked_profile_or_404(
    expert_user: User, expert: Expert, secretariat: User, outsider: User
) -> None:
    assert get_own_expert(expert_user) == expert
    with pytest.raises(Http404):
        get_own_expert(secretariat)
    with pytest.raises(Http404):
        get_own_expert(outsider)


def test_specialties_are_updatable_by_registry_managers_only(
    secretariat: User, leadership: User, expert_user: User
) -> None:
    specialty = Specialty.objects.get(slug="giao-thong")

    assert get_specialty_for_update(secretariat, specialty.pk) == specialty
    for user in (leadership, expert_user):
        with pytest.raises(Http404):
            get_specialty_for_update(user, specialty.pk)


def test_imports_are_visible_to_registry_managers_only(
    secretariat: User, admin_user: User, leadership: User, expert_user: User
) -> None:
    record = ExpertImport.objects.create(
        original_filename="a.csv", kind="csv", created_by=secretariat
    )

    assert get_import_for_user(admin_user, record.pk) == record
    assert get_import_for_user(secretariat, record.pk) == record
    for user in (leadership, expert_user):
        with pytest.raises(Http404):
            get_import_for_user(user, record.pk)
