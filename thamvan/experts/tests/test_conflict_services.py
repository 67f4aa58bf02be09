"""Declaring and withdrawing conflicts of interest: who may, and the audit log."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from thamvan.audit.models import AuditEntry
from thamvan.experts.models import ConflictDeclaration, Expert
from thamvan.experts.services import (
    ALREADY_WITHDRAWN,
    CANNOT_DECLARE,
    ONLY_THE_EXPERT_WITHDRAWS,
    conflict_declare,
    conflict_withdraw,
)
from thamvan.experts.tests.factories import ConflictDeclarationFactory

pytestmark = pytest.mark.django_db

Kind = ConflictDeclaration.Kind


def test_the_expert_declares_and_the_audit_log_records_it(
    expert: Expert, expert_user: Any, orgs: Any
) -> None:
    declaration = conflict_declare(
        actor=expert_user,
        expert=expert,
        kind=Kind.ORGANIZATION,
        organization=orgs.consultant,
        start_date=date(2019, 3, 1),
        reason="Cố vấn kỹ thuật theo hợp đồng",
    )
    assert declaration.declared_by == expert_user
    entry = AuditEntry.objects.get(action="conflict_declaration.declared")
    assert entry.actor == expert_user and entry.target_id == str(declaration.pk)
    assert entry.details["organization"] == orgs.consultant.pk
    assert entry.details["on_behalf"] is False


def test_the_secretariat_records_on_behalf_and_others_may_not(
    expert: Expert, secretariat: Any, leadership: Any, other_expert_user: Any, other_expert: Any
) -> None:
    recorded = conflict_declare(
        actor=secretariat,
        expert=expert,
        kind=Kind.PERSON,
        other_expert=other_expert,
        start_date=date(2021, 1, 1),
        reason="Vợ chồng",
    )
    assert recorded.declared_by == secretariat and recorded.name == "Lê Thị Mai"
    assert AuditEntry.objects.get(action="conflict_declaration.declared").details["on_behalf"]
    for actor in (leadership, other_expert_user):
        with pytest.raises(PermissionDenied) as refused:
            conflict_declare(
                actor=actor,
                expert=expert,
                kind=Kind.PROJECT,
                name="Dự án",
                start_date=date(2021, 1, 1),
                reason="x",
            )
        assert str(refused.value) == str(CANNOT_DECLARE)
    assert ConflictDeclaration.objects.count() == 1


def test_only_the_expert_withdraws_and_only_once_and_the_record_stays(
    expert: Expert, expert_user: Any, secretariat: Any
) -> None:
    declaration = ConflictDeclarationFactory.create(expert=expert, name="Dự án Ecopark")
    with pytest.raises(PermissionDenied) as refused:
        conflict_withdraw(actor=secretariat, declaration=declaration)
    assert str(refused.value) == str(ONLY_THE_EXPERT_WITHDRAWS)

    conflict_withdraw(actor=expert_user, declaration=declaration)

    declaration.refresh_from_db()
    assert declaration.withdrawn_by == expert_user
    assert declaration.withdrawn_at is not None
    assert declaration.withdrawn_at <= timezone.now()
    assert AuditEntry.objects.filter(action="conflict_declaration.withdrawn").count() == 1
    with pytest.raises(ValidationError) as again:
        conflict_withdraw(actor=expert_user, declaration=declaration)
    assert again.value.messages == [str(ALREADY_WITHDRAWN)]
    assert ConflictDeclaration.objects.filter(pk=declaration.pk).exists()
