"""The dossier access helpers, for every persona × confidentiality × own/other organisation.

The department's officer and the ward's officer are agency officers of two
organisations under the city; each grid cell is one dossier led by one of them.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404

from thamvan.accounts.models import Membership, Role
from thamvan.accounts.tests.factories import MembershipFactory, UserFactory
from thamvan.dossiers.access import (
    can_change_dossier,
    can_create_dossier,
    get_document_for_update,
    get_document_for_user,
    get_dossier_for_update,
    get_dossier_for_user,
)
from thamvan.dossiers.models import Confidentiality, Document, Dossier
from thamvan.dossiers.tests.factories import DocumentFactory, DossierFactory, DossierVersionFactory
from thamvan.organizations.tests.factories import OrganizationFactory

# Personas come through request.getfixturevalue, so the database must be declared.
pytestmark = pytest.mark.django_db

PUBLIC, INTERNAL, RESTRICTED = "public", "internal", "restricted"
LEVELS = (PUBLIC, INTERNAL, RESTRICTED)
CELLS = [(lead, level) for lead in ("department", "ward") for level in LEVELS]
ALL = set(CELLS)
PUBLIC_ONLY = {("department", PUBLIC), ("ward", PUBLIC)}
PUBLIC_AND_INTERNAL = PUBLIC_ONLY | {("department", INTERNAL), ("ward", INTERNAL)}

VISIBLE: dict[str, set[tuple[str, str]]] = {
    "admin_user": ALL,
    "officer": PUBLIC_AND_INTERNAL | {("department", RESTRICTED)},
    "other_officer": PUBLIC_AND_INTERNAL | {("ward", RESTRICTED)},
    "leadership": ALL,  # the city, above both
    "secretariat": PUBLIC_AND_INTERNAL,
    "expert_user": PUBLIC_ONLY,
    "other_expert_user": PUBLIC_ONLY,
    "outsider": PUBLIC_ONLY,
}
CHANGEABLE: dict[str, set[tuple[str, str]]] = {
    "admin_user": ALL,
    "officer": {cell for cell in CELLS if cell[0] == "department"},
    "other_officer": {cell for cell in CELLS if cell[0] == "ward"},
    "leadership": set(),
    "secretariat": set(),
    "expert_user": set(),
    "other_expert_user": set(),
    "outsider": set(),
}
PERSONAS = list(VISIBLE)


@pytest.fixture
def grid(orgs: Any) -> dict[tuple[str, str], Dossier]:
    return {
        (lead, level): DossierFactory.create(
            code=f"{lead}-{level}".upper(),
            lead_agency=getattr(orgs, lead),
            confidentiality=Confidentiality(level),
        )
        for lead, level in CELLS
    }


@pytest.fixture
def documents(grid: dict[tuple[str, str], Dossier]) -> dict[tuple[str, str], Document]:
    return {
        cell: DocumentFactory.create(version=DossierVersionFactory.create(dossier=dossier))
        for cell, dossier in grid.items()
    }


@pytest.mark.parametrize("persona", PERSONAS)
def test_visible_to_lists_exactly_the_dossiers_of_the_persona(
    request: pytest.FixtureRequest, persona: str, grid: dict[tuple[str, str], Dossier]
) -> None:
    user = request.getfixturevalue(persona)
    visible = set(Dossier.objects.visible_to(user).values_list("pk", flat=True))
    assert visible == {grid[cell].pk for cell in VISIBLE[persona]}


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("cell", CELLS, ids=["-".join(cell) for cell in CELLS])
def test_get_dossier_for_user_answers_404_outside_the_persona_scope(
    request: pytest.FixtureRequest,
    persona: str,
    cell: tuple[str, str],
    grid: dict[tuple[str, str], Dossier],
) -> None:
    user = request.getfixturevalue(persona)
    if cell in VISIBLE[persona]:
        assert get_dossier_for_user(user, grid[cell].pk) == grid[cell]
    else:
        with pytest.raises(Http404):
            get_dossier_for_user(user, grid[cell].pk)


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("cell", CELLS, ids=["-".join(cell) for cell in CELLS])
def test_get_dossier_for_update_allows_managers_refuses_readers_and_hides_the_rest(
    request: pytest.FixtureRequest,
    persona: str,
    cell: tuple[str, str],
    grid: dict[tuple[str, str], Dossier],
) -> None:
    user = request.getfixturevalue(persona)
    dossier = grid[cell]
    if cell in CHANGEABLE[persona]:
        assert get_dossier_for_update(user, dossier.pk) == dossier
        assert can_change_dossier(user, dossier)
    elif cell in VISIBLE[persona]:
        with pytest.raises(PermissionDenied):
            get_dossier_for_update(user, dossier.pk)
        assert not can_change_dossier(user, dossier)
    else:
        with pytest.raises(Http404):
            get_dossier_for_update(user, dossier.pk)


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("cell", CELLS, ids=["-".join(cell) for cell in CELLS])
def test_documents_inherit_the_confidentiality_of_their_dossier(
    request: pytest.FixtureRequest,
    persona: str,
    cell: tuple[str, str],
    documents: dict[tuple[str, str], Document],
) -> None:
    user = request.getfixturevalue(persona)
    document = documents[cell]
    if cell in VISIBLE[persona]:
        assert get_document_for_user(user, document.pk) == document
    else:
        with pytest.raises(Http404):
            get_document_for_user(user, document.pk)
    if cell in CHANGEABLE[persona]:
        assert get_document_for_update(user, document.pk) == document
    elif cell in VISIBLE[persona]:
        with pytest.raises(PermissionDenied):
            get_document_for_update(user, document.pk)
    else:
        with pytest.raises(Http404):
            get_document_for_update(user, document.pk)


@pytest.mark.parametrize(
    ("persona", "allowed"),
    [(persona, persona in ("admin_user", "officer", "other_officer")) for persona in PERSONAS],
)
def test_only_agency_officers_and_the_administrator_may_create_dossiers(
    request: pytest.FixtureRequest, persona: str, allowed: bool
) -> None:
    assert can_create_dossier(request.getfixturevalue(persona)) is allowed


def test_an_officer_manages_the_dossiers_of_organisations_below_their_own(
    orgs: Any, officer: Any
) -> None:
    unit = OrganizationFactory.create(name="Ban Quản lý quy hoạch", parent=orgs.department)
    below = DossierFactory.create(lead_agency=unit, confidentiality=Confidentiality.RESTRICTED)
    assert get_dossier_for_update(officer, below.pk) == below


def test_an_officer_of_a_unit_below_does_not_see_the_restricted_dossiers_above_it(
    orgs: Any,
) -> None:
    unit = OrganizationFactory.create(name="Ban Quản lý quy hoạch", parent=orgs.department)
    unit_officer = UserFactory.create()
    MembershipFactory.create(user=unit_officer, organization=unit, role=Role.AGENCY_OFFICER)
    above = DossierFactory.create(
        lead_agency=orgs.department, confidentiality=Confidentiality.RESTRICTED
    )
    with pytest.raises(Http404):
        get_dossier_for_user(unit_officer, above.pk)


def test_leadership_outside_the_city_sees_no_restricted_city_dossier(orgs: Any) -> None:
    association_leader = UserFactory.create()
    MembershipFactory.create(
        user=association_leader, organization=orgs.association, role=Role.LEADERSHIP
    )
    restricted = DossierFactory.create(
        lead_agency=orgs.department, confidentiality=Confidentiality.RESTRICTED
    )
    internal = DossierFactory.create(
        lead_agency=orgs.department, confidentiality=Confidentiality.INTERNAL
    )
    assert get_dossier_for_user(association_leader, internal.pk) == internal
    with pytest.raises(Http404):
        get_dossier_for_user(association_leader, restricted.pk)


def test_an_officer_whose_membership_ended_loses_the_restricted_dossiers(
    orgs: Any, officer: Any
) -> None:
    restricted = DossierFactory.create(
        lead_agency=orgs.department, confidentiality=Confidentiality.RESTRICTED
    )
    Membership.objects.filter(user=officer).update(is_active=False)
    former = type(officer).objects.get(pk=officer.pk)
    with pytest.raises(Http404):
        get_dossier_for_user(former, restricted.pk)


def test_an_anonymous_visitor_sees_no_dossier_at_all(orgs: Any) -> None:
    DossierFactory.create(lead_agency=orgs.department, confidentiality=Confidentiality.PUBLIC)
    assert not Dossier.objects.visible_to(AnonymousUser()).exists()  # type: ignore[arg-type]
    assert not can_create_dossier(AnonymousUser())  # type: ignore[arg-type]


def test_a_deactivated_account_sees_no_dossier_at_all(orgs: Any, officer: Any) -> None:
    DossierFactory.create(lead_agency=orgs.department, confidentiality=Confidentiality.PUBLIC)
    officer.is_active = False
    officer.save(update_fields=["is_active"])
    assert not Dossier.objects.visible_to(type(officer).objects.get(pk=officer.pk)).exists()
