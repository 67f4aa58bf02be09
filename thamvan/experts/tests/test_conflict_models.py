"""Declared conflicts of interest: what each kind needs, in validation and in the
database, and which declarations are in force for a period."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from thamvan.dossiers.tests.factories import DossierFactory
from thamvan.experts.models import (
    CONFLICT_CHOOSE_ORGANIZATION,
    CONFLICT_END_BEFORE_START,
    CONFLICT_NAME_PERSON,
    CONFLICT_NAME_PROJECT,
    CONFLICT_NOT_FOR_KIND,
    CONFLICT_NOT_ONESELF,
    ConflictDeclaration,
    Expert,
)
from thamvan.experts.tests.factories import ConflictDeclarationFactory, ExpertFactory

pytestmark = pytest.mark.django_db

Kind = ConflictDeclaration.Kind


def _errors(declaration: ConflictDeclaration) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as raised:
        declaration.full_clean()
    return raised.value.message_dict


def test_an_organisation_declaration_needs_the_organisation_and_nothing_else(
    expert: Expert, orgs: Any
) -> None:
    missing = ConflictDeclaration(
        expert=expert, kind=Kind.ORGANIZATION, start_date=date(2020, 1, 1), reason="Cố vấn"
    )
    assert _errors(missing) == {"organization": [str(CONFLICT_CHOOSE_ORGANIZATION)]}
    extra = ConflictDeclaration(
        expert=expert,
        kind=Kind.ORGANIZATION,
        organization=orgs.consultant,
        name="Dự án khác",
        start_date=date(2020, 1, 1),
        reason="Cố vấn",
    )
    assert _errors(extra) == {"name": [str(CONFLICT_NOT_FOR_KIND)]}


def test_a_project_needs_a_name_or_a_dossier_and_takes_the_dossiers_name(
    expert: Expert, orgs: Any
) -> None:
    nameless = ConflictDeclaration(
        expert=expert, kind=Kind.PROJECT, start_date=date(2020, 1, 1), reason="Chủ trì"
    )
    assert _errors(nameless) == {"name": [str(CONFLICT_NAME_PROJECT)]}
    dossier = DossierFactory.create(lead_agency=orgs.department, name="Quy hoạch phân khu N9")
    linked = ConflictDeclaration(
        expert=expert, kind=Kind.PROJECT, dossier=dossier, start_date=date(2020, 1, 1), reason="x"
    )
    linked.full_clean()
    linked.save()
    assert (linked.name, linked.name_key) == ("Quy hoạch phân khu N9", "quy hoach phan khu n9")


def test_a_person_needs_a_name_or_an_expert_who_is_not_the_declarer(
    expert: Expert, other_expert: Expert, orgs: Any
) -> None:
    nameless = ConflictDeclaration(
        expert=expert, kind=Kind.PERSON, start_date=date(2020, 1, 1), reason="Vợ chồng"
    )
    assert _errors(nameless) == {"name": [str(CONFLICT_NAME_PERSON)]}
    oneself = ConflictDeclaration(
        expert=expert,
        kind=Kind.PERSON,
        other_expert=expert,
        start_date=date(2020, 1, 1),
        reason="x",
    )
    assert _errors(oneself)["other_expert"] == [str(CONFLICT_NOT_ONESELF)]
    with_an_organisation = ConflictDeclaration(
        expert=expert,
        kind=Kind.PERSON,
        other_expert=other_expert,
        organization=orgs.consultant,
        start_date=date(2020, 1, 1),
        reason="x",
    )
    assert _errors(with_an_organisation) == {"organization": [str(CONFLICT_NOT_FOR_KIND)]}


def test_the_end_cannot_come_before_the_start(expert: Expert) -> None:
    backwards = ConflictDeclaration(
        expert=expert,
        kind=Kind.PROJECT,
        name="Khu đô thị Tây Hồ Tây",
        start_date=date(2024, 5, 1),
        end_date=date(2024, 4, 30),
        reason="x",
    )
    assert _errors(backwards) == {"end_date": [str(CONFLICT_END_BEFORE_START)]}


def test_the_database_refuses_what_validation_would(expert: Expert, orgs: Any) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        ConflictDeclaration.objects.create(
            expert=expert, kind=Kind.ORGANIZATION, start_date=date(2020, 1, 1), reason="x"
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        ConflictDeclaration.objects.create(
            expert=expert, kind=Kind.PERSON, other_expert=expert, start_date=date(2020, 1, 1)
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        ConflictDeclaration.objects.create(
            expert=expert,
            kind=Kind.PROJECT,
            name="Dự án",
            start_date=date(2020, 1, 2),
            end_date=date(2020, 1, 1),
        )


def test_text_is_stored_nfc(expert: Expert) -> None:
    decomposed = "Khu đô thị Hòa Lạc".replace("ò", "o\u0300")
    declaration = ConflictDeclarationFactory.create(
        expert=expert, name=decomposed, reason=f"  {decomposed} "
    )
    assert declaration.name == "Khu đô thị Hòa Lạc" == declaration.reason


def test_in_force_and_overlapping_select_what_matching_counts(expert: Expert) -> None:
    open_ended = ConflictDeclarationFactory.create(expert=expert, start_date=date(2020, 1, 1))
    ended = ConflictDeclarationFactory.create(
        expert=expert, start_date=date(2015, 1, 1), end_date=date(2018, 12, 31)
    )
    future = ConflictDeclarationFactory.create(expert=expert, start_date=date(2030, 1, 1))
    withdrawn = ConflictDeclarationFactory.create(
        expert=expert, start_date=date(2020, 1, 1), withdrawn_at=timezone.now()
    )
    counted = ConflictDeclaration.objects.in_force().overlapping(date(2019, 1, 1), date(2026, 1, 1))
    assert set(counted) == {open_ended}
    assert {ended, future, withdrawn}.isdisjoint(counted)
    assert ExpertFactory.create().conflict_declarations.count() == 0
