"""A panel in review with every persona of the discussion's visibility rule."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest

from thamvan.accounts.tests.factories import MembershipFactory, UserFactory
from thamvan.consultations.models import Consultation
from thamvan.consultations.services import opinions as opinion_services
from thamvan.consultations.services import panel as panel_services
from thamvan.experts.tests.factories import ExpertFactory

if TYPE_CHECKING:
    from thamvan.consultations.tests.conftest import World


@dataclass
class Panel:
    consultation: Consultation
    users: dict[str, Any]


def expert_persona(orgs: Any, name: str, email: str) -> tuple[Any, Any]:
    user = UserFactory(full_name=name, email=email)
    MembershipFactory(user=user, organization=orgs.association, role="expert")
    return user, ExpertFactory.create(user=user, full_name=name)


def submit_opinion(user: Any, consultation: Consultation) -> None:
    opinion = opinion_services.opinion_start(actor=user, consultation=consultation)
    opinion_services.opinion_save_draft(
        actor=user, opinion=opinion, lock_version=0, verdict="agree", summary="Nhất trí."
    )
    opinion_services.opinion_submit(actor=user, opinion=opinion, lock_version=1)


@pytest.fixture
def panel(
    world: World,
    orgs: Any,
    officer: Any,
    secretariat: Any,
    expert_user: Any,
    other_expert_user: Any,
    leadership: Any,
    admin_user: Any,
) -> Panel:
    """In review: the chair (``expert_user``) and two more members, of whom
    ``other_expert_user`` has submitted; one expert invited who has not answered."""
    waiting = expert_persona(orgs, "Phan Văn Đức", "expert3@example.vn")
    world.members.append(waiting)
    world.advance("in_review", officer=officer, secretariat=secretariat)
    invited_user, invited = expert_persona(orgs, "Bùi Thị Lan", "expert4@example.vn")
    panel_services.invitations_send(
        actor=secretariat,
        consultation=world.consultation,
        picks=[panel_services.Pick(expert=invited)],
    )
    outside_user, _ = expert_persona(orgs, "Đặng Minh Châu", "expert5@example.vn")
    submit_opinion(other_expert_user, world.consultation)
    world.consultation.refresh_from_db()
    return Panel(
        world.consultation,
        {
            "chair": expert_user,
            "secretariat": secretariat,
            "admin": admin_user,
            "submitted_member": other_expert_user,
            "waiting_member": waiting[0],
            "invited_expert": invited_user,
            "officer": officer,
            "leadership": leadership,
            "other_expert": outside_user,
        },
    )


# Who reads the discussion: the chair, the secretariat (administrators with it) and the
# members who submitted. The waiting member is told it opens on submission.
READERS = ("chair", "secretariat", "admin", "submitted_member")
NON_READERS = ("waiting_member", "invited_expert", "officer", "leadership", "other_expert")
