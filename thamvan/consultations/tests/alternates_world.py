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
from django.conf import settings
from django.test import Client

from thamvan.accounts.tests.factories import MembershipFactory, UserFactory
from thamvan.audit.models import AuditEntry
from thamvan.consultations.models import Consultation, Invitation, Transition
from thamvan.consultations.services import panel as panel_services
from thamvan.consultations.tests.factories import ConsultationFactory, advance
from thamvan.dossiers.tests.factories import DossierFactory
from thamvan.experts.tests.factories import ConflictDeclarationFactory, ExpertFactory, specialty
from thamvan.organizations.models import Organization
from thamvan.organizations.tests.factories import OrganizationFactory

# How the one-click invitation refuses the expert who declared a conflict with the dossier.
CONFLICT_REFUSAL = (
    "Đỗ Minh Khôi cannot sit on this panel: declared a conflict with the project "
    "“Quy hoạch giao thông khu đô thị N9”, since 01/01/2020: Cố vấn cho chủ đầu tư."
)


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


@pytest.fixture
def vacated(seats: Seats, expert_user: Any) -> Seats:
    decline_first(seats, expert_user)
    return seats


@pytest.fixture
def other_secretariat(db: None) -> Any:
    """The secretariat of another association, to which the request was not sent."""
    association = OrganizationFactory.create(
        name="Hội Kiến trúc sư Việt Nam", kind=Organization.Kind.ASSOCIATION
    )
    user = UserFactory.create(full_name="Đinh Thị Hoa", email="hoa@kts.example.vn")
    MembershipFactory.create(user=user, organization=association, role="secretariat")
    return user


def english(client: Client) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the site ignores Accept-Language
    return client


def footprint(seats: Seats) -> tuple[list[tuple[int, str]], bool, int, int]:
    """What a refused click must leave as it was: the invitations, the automatic setting,
    the timeline and the audit log."""
    return (
        sorted(seats.consultation.invitations.values_list("expert_id", "state")),
        Consultation.objects.get(pk=seats.consultation.pk).auto_invite_alternates,
        Transition.objects.filter(consultation=seats.consultation).count(),
        AuditEntry.objects.exclude(action="access.denied").count(),
    )
