"""Personal invitation links: how an expert without an account is reached, what is
stored of the link, and everything that closes it."""

from __future__ import annotations

import hashlib
from datetime import datetime, time, timedelta
from typing import Any

import pytest
from django.core import mail
from django.test import TestCase
from django.utils import timezone
from django.utils.translation import gettext

from thamvan.accounts.models import Membership, User
from thamvan.accounts.tests.factories import UserFactory
from thamvan.audit.models import AuditEntry
from thamvan.consultations.lifecycle import ConsultationError
from thamvan.consultations.models import Invitation, InvitationLink
from thamvan.consultations.services import links
from thamvan.consultations.services import panel as panel_services
from thamvan.consultations.services import requests as request_services
from thamvan.consultations.services._common import INDEPENDENCE_REQUIRED
from thamvan.consultations.services.links import LinkState
from thamvan.consultations.tests.link_world import (
    GUEST_EMAIL,
    Guest,
    guest_expert,
    invite,
    token_in,
)
from thamvan.experts.tests.factories import ExpertFactory
from thamvan.notifications.models import Notification, OutgoingEmail

pytestmark = pytest.mark.django_db


def _activate(guest: Guest, **overrides: Any) -> User:
    return links.link_activate(
        **{
            "link": links.link_find(guest.token),
            "password": "Mật-khẩu-dài-2026",
            "declared": True,
            "statement": "Không có quan hệ với các bên.",
            **overrides,
        }
    )


def _resend(guest: Guest, secretariat: Any) -> str:
    mail.outbox.clear()
    with TestCase.captureOnCommitCallbacks(execute=True):
        panel_services.invitation_resend(actor=secretariat, invitation=guest.invitation)
    (message,) = mail.outbox
    return token_in(message.body)


def test_inviting_an_expert_without_an_account_emails_a_personal_link(
    guest: Guest, secretariat: Any
) -> None:
    (message,) = [m for m in mail.outbox if GUEST_EMAIL in m.to]
    consultation = guest.consultation
    assert consultation.title in message.subject
    for words in (
        consultation.title,
        consultation.dossier.name,
        consultation.association.name,
        secretariat.full_name,
        guest.invitation.respond_by.strftime("%d/%m/%Y"),  # type: ignore[union-attr]
        f"http://127.0.0.1:8000/invitations/{guest.token}/",
    ):
        assert words in message.body
    # The mail is on record against the invitation; the link leaves its body once sent.
    (email,) = OutgoingEmail.objects.for_object(guest.invitation)
    assert email.sensitive and email.status == OutgoingEmail.Status.SENT
    assert email.template == links.EMAIL_TEMPLATE
    assert email.body == ""
    # No notification: there is no account to notify (the two members had theirs).
    assert Notification.objects.filter(kind="invitation").count() == 2


def test_the_token_has_256_random_bits_and_only_its_hash_is_stored(guest: Guest) -> None:
    # token_urlsafe(32): 32 random bytes in 43 base64url characters.
    assert len(guest.token) >= 43
    link = InvitationLink.objects.get()
    assert link.token_hash == hashlib.sha256(guest.token.encode()).hexdigest()
    stored = [
        str(value)
        for row in InvitationLink.objects.values()
        for value in row.values()
        if value is not None
    ] + list(OutgoingEmail.objects.values_list("body", flat=True))
    assert not any(guest.token in value for value in stored)


def test_each_link_is_bound_to_its_own_invitation(
    guest: Guest, secretariat: Any, orgs: Any
) -> None:
    other = invite(guest.consultation, secretariat, guest_expert(email="khac@example.vn"))
    other_token = token_in(mail.outbox[-1].body)
    assert other_token != guest.token
    assert links.link_find(guest.token).invitation == guest.invitation  # type: ignore[union-attr]
    assert links.link_find(other_token).invitation == other  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "token",
    ["", "abc", "a" * 43, "x" * 500, "../../etc/passwd", "Zm9v-YmFy_" + "é" * 40],
)
def test_anything_but_a_stored_token_finds_no_link(guest: Guest, token: str) -> None:
    assert links.link_find(token) is None
    assert links.link_state(None) == LinkState.UNKNOWN


def test_an_altered_token_finds_no_link(guest: Guest) -> None:
    altered = guest.token[:-1] + ("A" if guest.token[-1] != "A" else "B")
    assert links.link_find(altered) is None
    assert links.link_state(links.link_find(guest.token)) == LinkState.OPEN


def test_sending_again_or_reminding_makes_a_new_link_and_revokes_the_old(
    guest: Guest, secretariat: Any
) -> None:
    second = _resend(guest, secretariat)
    assert second != guest.token
    assert links.link_state(links.link_find(guest.token)) == LinkState.SUPERSEDED
    assert links.link_state(links.link_find(second)) == LinkState.OPEN

    mail.outbox.clear()
    with TestCase.captureOnCommitCallbacks(execute=True):
        panel_services.invitation_deliver(guest.invitation, reminder=True)
    (reminder,) = mail.outbox
    third = token_in(reminder.body)
    assert reminder.subject == gettext("Reminder: invitation to the expert panel of: %(title)s") % {
        "title": guest.consultation.title
    }
    assert links.link_state(links.link_find(second)) == LinkState.SUPERSEDED
    assert links.link_state(links.link_find(third)) == LinkState.OPEN
    assert InvitationLink.objects.live().count() == 1
    assert AuditEntry.objects.filter(action="invitation_link.revoked").count() == 2


def test_a_link_mail_not_yet_sent_is_cancelled_when_a_newer_link_replaces_it(
    guest: Guest, secretariat: Any
) -> None:
    with TestCase.captureOnCommitCallbacks(execute=False):
        panel_services.invitation_resend(actor=secretariat, invitation=guest.invitation)
        panel_services.invitation_resend(actor=secretariat, invitation=guest.invitation)
    waiting, cancelled, sent = OutgoingEmail.objects.for_object(guest.invitation)
    assert waiting.status == OutgoingEmail.Status.QUEUED and waiting.body
    # The cancelled mail keeps neither the token nor a chance to be sent.
    assert cancelled.status == OutgoingEmail.Status.FAILED and cancelled.body == ""
    assert cancelled.last_error
    assert sent.status == OutgoingEmail.Status.SENT


def test_revoking_the_invitation_revokes_its_link(guest: Guest, secretariat: Any) -> None:
    panel_services.invitation_revoke(
        actor=secretariat, invitation=guest.invitation, reason="Đổi chuyên ngành"
    )
    link = links.link_find(guest.token)
    assert link is not None and link.revoked_at is not None
    assert links.link_state(link) == LinkState.WITHDRAWN
    assert AuditEntry.objects.filter(
        action="invitation_link.revoked", data__contains="invitation_revoked"
    ).exists()


def test_the_link_expires_at_the_end_of_the_answer_day_in_hanoi(guest: Guest) -> None:
    link = links.link_find(guest.token)
    assert link is not None
    respond_by = guest.invitation.respond_by
    assert respond_by is not None
    end = timezone.make_aware(datetime.combine(respond_by + timedelta(days=1), time.min))
    assert link.expires_at == end
    assert str(timezone.localtime(link.expires_at).tzinfo) == "Asia/Ho_Chi_Minh"
    assert links.link_state(link, end - timedelta(seconds=1)) == LinkState.OPEN
    assert links.link_state(link, end) == LinkState.EXPIRED
    # The nightly expiry closes it too, whatever the clock says.
    panel_services.invitations_expire(respond_by + timedelta(days=1))
    assert links.link_state(links.link_find(guest.token)) == LinkState.EXPIRED


def test_a_withdrawn_consultation_closes_the_link(guest: Guest, officer: Any) -> None:
    request_services.consultation_withdraw(
        actor=officer, consultation=guest.consultation, reason="Điều chỉnh hồ sơ."
    )
    assert links.link_state(links.link_find(guest.token)) == LinkState.CLOSED


def test_activating_makes_the_account_joins_the_association_and_accepts(guest: Guest) -> None:
    user = _activate(guest)
    assert user.email == GUEST_EMAIL
    assert user.full_name == "Đặng Thu Hà"
    assert user.check_password("Mật-khẩu-dài-2026")
    assert Membership.objects.filter(
        user=user, organization=guest.consultation.association, role="expert", is_active=True
    ).exists()
    guest.expert.refresh_from_db()
    assert guest.expert.user == user
    guest.invitation.refresh_from_db()
    assert guest.invitation.state == Invitation.Status.ACCEPTED
    assert guest.invitation.independence_statement == "Không có quan hệ với các bên."
    link = links.link_find(guest.token)
    assert link is not None and link.used_at is not None
    assert links.link_state(link) == LinkState.ACTIVATED
    assert AuditEntry.objects.filter(action="invitation_link.activated", actor=user).exists()
    assert AuditEntry.objects.filter(action="invitation.accept", actor=user).exists()
    # A second activation is refused: the link has done its work.
    with pytest.raises(ConsultationError):
        _activate(guest)
    assert User.objects.filter(email=GUEST_EMAIL).count() == 1


def test_activation_without_the_declaration_keeps_nothing(guest: Guest) -> None:
    with pytest.raises(ConsultationError) as refused:
        _activate(guest, declared=False)
    assert refused.value.messages == [str(INDEPENDENCE_REQUIRED)]
    assert not User.objects.filter(email=GUEST_EMAIL).exists()
    guest.expert.refresh_from_db()
    assert guest.expert.user is None
    assert links.link_state(links.link_find(guest.token)) == LinkState.OPEN


def test_an_account_made_meanwhile_is_never_taken_over_from_the_link(guest: Guest) -> None:
    owner: User = UserFactory.create(email=GUEST_EMAIL, full_name="Đặng Thu Hà")
    with pytest.raises(ConsultationError) as refused:
        _activate(guest)
    assert refused.value.code == "account_exists"
    assert owner.check_password("Mật-khẩu-dài-2026") is False
    guest.expert.refresh_from_db()
    assert guest.expert.user is None
    # Signed in, its owner answers from the link, and the account becomes the expert's.
    links.link_accept_signed_in(
        link=links.link_find(guest.token),  # type: ignore[arg-type]
        user=owner,
        declared=True,
        statement="Không có.",
    )
    guest.expert.refresh_from_db()
    assert guest.expert.user == owner
    assert owner.memberships.filter(role="expert").exists()


def test_an_account_with_another_address_cannot_accept_from_the_link(
    guest: Guest, outsider: Any
) -> None:
    with pytest.raises(ConsultationError):
        links.link_accept_signed_in(
            link=links.link_find(guest.token),  # type: ignore[arg-type]
            user=outsider,
            declared=True,
            statement="Không có.",
        )
    guest.expert.refresh_from_db()
    assert guest.expert.user is None


def test_declining_needs_a_reason_and_no_account(guest: Guest) -> None:
    link = links.link_find(guest.token)
    assert link is not None
    with pytest.raises(ConsultationError):
        links.link_decline(link=link, reason="   ")
    links.link_decline(link=link, reason="Bận công tác nước ngoài.")
    guest.invitation.refresh_from_db()
    assert guest.invitation.state == Invitation.Status.DECLINED
    assert guest.invitation.decline_reason == "Bận công tác nước ngoài."
    assert not User.objects.filter(email=GUEST_EMAIL).exists()
    assert links.link_state(links.link_find(guest.token)) == LinkState.DECLINED
    entry = AuditEntry.objects.get(action="invitation.decline")
    assert entry.actor is None and "link" in entry.data


def test_an_expert_with_an_account_is_notified_and_gets_no_link(
    world: Any, officer: Any, secretariat: Any, expert_user: Any
) -> None:
    world.advance("panel_forming", officer=officer, secretariat=secretariat)
    invitation = world.consultation.invitations.get(expert=world.expert)
    mail.outbox.clear()
    with TestCase.captureOnCommitCallbacks(execute=True):
        panel_services.invitation_deliver(invitation, reminder=True)
    assert not InvitationLink.objects.exists()
    assert Notification.objects.filter(recipient=expert_user, kind="invitation").count() == 2
    assert [m.to for m in mail.outbox] == [[expert_user.email]]


def test_an_expert_with_neither_account_nor_address_is_recorded_as_unreachable(
    world: Any, officer: Any, secretariat: Any
) -> None:
    consultation = world.advance("in_review", officer=officer, secretariat=secretariat)
    mail.outbox.clear()
    invitation = invite(consultation, secretariat, ExpertFactory.create(email=""))
    assert mail.outbox == []
    assert not InvitationLink.objects.exists()
    assert not OutgoingEmail.objects.for_object(invitation).exists()
    assert AuditEntry.objects.filter(
        action="invitation.unreachable", target_id=str(invitation.pk)
    ).exists()
