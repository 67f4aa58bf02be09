"""A panel with a seat to fill again, shared by the alternates tests.

Two seats; the expert persona and the second expert are invited by the secretariat; the
registry holds candidates for the seat that opens: ``best`` (the traffic specialist the
dossier asks for), ``second`` (the same specialty, ranked after), ``unreachable`` (the
best match of all, but without an account or an e-mail address) and ``conflicted`` (a
declared conflict with the dossier).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from thamvan.consultations.models import Consultation, Invitation
from thamvan.consultations.services import panel as panel_services
from thamvan.consultations.tests.factories import ConsultationFactory, advance
from thamvan.dossiers.tests.factories import DossierFactory
from thamvan.experts.tests.factories import ConflictDeclarationFactory, ExpertFactory, specialty


@dataclass
class Seats:
    consultation: Consultation
    first: Invitation
    second_invitation: Invitation
    best: Any
    second: Any
    unreachable: Any
    conflicted: Any


@pytest.fixture
def seats(
    orgs: Any, officer: Any, secretariat: Any, expert_user: Any, other_expert_user: Any
) -> Seats:
    dossier = DossierFactory.create(
        lead_agency=orgs.department,
        preparing_consultant=orgs.consultant,
        name="Quy hoạch giao thông khu đô thị N9",
    )
    consultation = ConsultationFactory.create(
        dossier=dossier, association=orgs.association, panel_size=2
    )
    consultation.required_specialties.add(specialty("giao-thong"))
    consultation = advance(consultation, "accepted", officer=officer, secretariat=secretariat)
    members = [
        ExpertFactory.create(
            user=expert_user, full_name="Trần Quốc Bảo", specialties=["giao-thong"]
        ),
        ExpertFactory.create(user=other_expert_user, full_name="Lê Thị Mai"),
    ]
    first, second_invitation = panel_services.invitations_send(
        actor=secretariat,
        consultation=consultation,
        picks=[panel_services.Pick(expert=e, override_reason="Tổ thường trực.") for e in members],
    )
    unreachable = ExpertFactory.create(
        full_name="Hoàng Văn Vắng",
        email="",
        specialties=["giao-thong", "quy-hoach-do-thi"],
        keywords="giao thông khu đô thị N9",
    )
    best = ExpertFactory.create(
        full_name="Đỗ Minh Khôi",
        specialties=["giao-thong", "quy-hoach-do-thi"],
        keywords="giao thông đô thị",
    )
    second = ExpertFactory.create(full_name="Vũ Thị Lan", specialties=["giao-thong"])
    conflicted = ExpertFactory.create(
        full_name="Phạm Xung Đột",
        specialties=["giao-thong", "quy-hoach-do-thi"],
        keywords="giao thông khu đô thị N9",
    )
    ConflictDeclarationFactory(
        expert=conflicted, dossier=dossier, reason="Người thân của chủ đầu tư"
    )
    for _ in range(3):
        ExpertFactory.create(specialties=["kien-truc"])
    return Seats(consultation, first, second_invitation, best, second, unreachable, conflicted)


def decline_first(seats: Seats, expert_user: Any) -> Invitation:
    panel_services.invitation_decline(
        actor=expert_user, invitation=seats.first, reason="Bận công tác nước ngoài."
    )
    seats.first.refresh_from_db()
    seats.consultation.refresh_from_db()
    return seats.first
