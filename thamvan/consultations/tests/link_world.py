"""An expert without an account invited to a panel in review, and the link they got."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest
from django.core import mail
from django.test import TestCase

from thamvan.consultations.models import Consultation, Invitation, InvitationLink
from thamvan.consultations.services import panel as panel_services
from thamvan.experts.models import Expert
from thamvan.experts.tests.factories import ExpertFactory

if TYPE_CHECKING:
    from thamvan.consultations.tests.conftest import World

GUEST_EMAIL = "ha.dang@example.vn"
LINK_PATTERN = re.compile(r"/invitations/([A-Za-z0-9_-]+)/")


@dataclass
class Guest:
    consultation: Consultation
    expert: Expert
    invitation: Invitation
    token: str

    @property
    def url(self) -> str:
        return f"/invitations/{self.token}/"

    @property
    def link(self) -> InvitationLink:
        return self.invitation.links.get(revoked_at__isnull=True)


def token_in(body: object) -> str:
    """The token of the invitation link in a mail's body."""
    match = LINK_PATTERN.search(str(body))
    assert match is not None, body
    return match.group(1)


def invite(consultation: Consultation, secretariat: Any, expert: Expert) -> Invitation:
    """Invite the expert as the secretariat, the mail sent as after the commit."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        (invitation,) = panel_services.invitations_send(
            actor=secretariat,
            consultation=consultation,
            picks=[
                panel_services.Pick(
                    expert=expert, override_reason="Chuyên gia khách mời về hạ tầng kỹ thuật."
                )
            ],
        )
    return invitation


def guest_expert(**fields: Any) -> Expert:
    return ExpertFactory.create(
        **{
            "full_name": "Đặng Thu Hà",
            "degree": "KTS",
            "email": GUEST_EMAIL,
            "specialties": ["giao-thong"],
            **fields,
        }
    )


@pytest.fixture
def guest(world: World, officer: Any, secretariat: Any) -> Guest:
    """The panel of ``world`` in review, then an architect without an account invited."""
    consultation = world.advance("in_review", officer=officer, secretariat=secretariat)
    expert = guest_expert()
    mail.outbox.clear()
    invitation = invite(consultation, secretariat, expert)
    (message,) = [m for m in mail.outbox if GUEST_EMAIL in m.to]
    return Guest(consultation, expert, invitation, token_in(message.body))
