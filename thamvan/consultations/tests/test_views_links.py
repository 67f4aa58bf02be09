"""The invitation link's pages, opened without signing in: the invitation, accepting
with a new password, declining, and a clear page for every link that cannot be used."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from thamvan.accounts import mfa
from thamvan.accounts.models import User
from thamvan.accounts.tests.factories import UserFactory
from thamvan.audit.models import AuditEntry
from thamvan.consultations.models import Invitation, InvitationLink
from thamvan.consultations.services import panel as panel_services
from thamvan.consultations.services._common import INDEPENDENCE_REQUIRED
from thamvan.consultations.tests.link_world import (
    GUEST_EMAIL,
    Guest,
    guest_expert,
    invite,
    token_in,
)
from thamvan.dossiers.models import Document
from thamvan.dossiers.tests.factories import DocumentFactory

pytestmark = pytest.mark.django_db

PASSWORD = "Mật-khẩu-dài-2026"
STATEMENT = "Không có quan hệ với cơ quan lập, đơn vị tư vấn hay chủ đầu tư."


def _accept(client: Client, guest: Guest, **data: str) -> Any:
    return client.post(
        guest.url, {"answer": "accept", "declared": "on", "statement": STATEMENT, **data}
    )


def _activate(client: Client, guest: Guest, **data: str) -> Any:
    return client.post(
        guest.url,
        {
            "answer": "activate",
            "declared": "on",
            "statement": STATEMENT,
            "password1": PASSWORD,
            "password2": PASSWORD,
            **data,
        },
    )


def _link_audits() -> list[str]:
    return list(
        AuditEntry.objects.filter(
            action__in=["invitation_link.opened", "invitation_link.refused"]
        ).values_list("action", flat=True)
    )


def test_the_link_shows_the_dossier_the_questions_and_the_deadline_without_a_password(
    guest: Guest,
) -> None:
    consultation = guest.consultation
    # The version is frozen once sent: the document is written as it was before.
    Document.objects.bulk_create(
        [DocumentFactory.build(version=consultation.version, title="Bản vẽ cơ cấu sử dụng đất")]
    )
    response = Client().get(guest.url)
    assert response.status_code == 200
    page = response.content.decode()
    for words in (
        consultation.title,
        consultation.dossier.name,
        str(consultation.dossier.lead_agency),
        "Bản vẽ cơ cấu sử dụng đất",
        *[q.text for q in consultation.questions.all()],
        guest.invitation.respond_by.strftime("%d/%m/%Y"),  # type: ignore[union-attr]
        'name="declared"',
        'name="statement"',
        'name="reason"',
    ):
        assert words in page, words
    # The token stays out of caches and of the Referer of any further request.
    assert response["Referrer-Policy"] == "strict-origin"
    assert "no-store" in response["Cache-Control"]
    assert "noindex" in response["X-Robots-Tag"]


def test_accepting_makes_the_account_signs_in_and_opens_the_opinion_editor(
    guest: Guest,
) -> None:
    client = Client()
    client.get(guest.url)
    anonymous_session = client.session.session_key
    step = _accept(client, guest)
    assert step.status_code == 200
    page = step.content.decode()
    assert 'name="password1"' in page and f'value="{GUEST_EMAIL}"' in page and "readonly" in page
    assert not User.objects.filter(email=GUEST_EMAIL).exists()

    response = _activate(client, guest)
    workspace = reverse("consultations:opinion_workspace", args=[guest.consultation.pk])
    assert response.status_code == 302 and response["Location"] == workspace
    user = User.objects.get(email=GUEST_EMAIL)
    assert user.full_name == "Đặng Thu Hà" and user.check_password(PASSWORD)
    assert user.memberships.filter(
        organization=guest.consultation.association, role="expert", is_active=True
    ).exists()
    guest.expert.refresh_from_db()
    assert guest.expert.user == user
    guest.invitation.refresh_from_db()
    assert guest.invitation.state == Invitation.Status.ACCEPTED
    assert guest.invitation.independence_statement == STATEMENT
    # Signed in on a new session key, straight into the opinion editor.
    assert client.session[SESSION_KEY] == str(user.pk)
    assert client.session.session_key != anonymous_session
    assert client.get(workspace).status_code == 200
    assert AuditEntry.objects.filter(
        action="login.succeeded", actor=user, data__contains="invitation_link"
    ).exists()
    assert AuditEntry.objects.filter(action="invitation_link.activated", actor=user).exists()


def test_accepting_in_a_panel_still_forming_lands_on_the_consultation(
    world: Any, officer: Any, secretariat: Any
) -> None:
    consultation = world.advance("panel_forming", officer=officer, secretariat=secretariat)
    mail.outbox.clear()
    expert = guest_expert()
    invitation = invite(consultation, secretariat, expert)
    guest = Guest(consultation, expert, invitation, token_in(mail.outbox[-1].body))
    response = _activate(Client(), guest)
    assert response.status_code == 302
    assert response["Location"] == consultation.get_absolute_url()


def test_accepting_without_the_declaration_keeps_what_was_typed(guest: Guest) -> None:
    response = Client().post(guest.url, {"answer": "accept", "statement": "Tôi là cố vấn"})
    assert response.status_code == 200
    page = response.content.decode()
    assert str(INDEPENDENCE_REQUIRED) in page.replace("&ldquo;", "“").replace("&rdquo;", "”")
    assert "Tôi là cố vấn" in page
    assert not User.objects.filter(email=GUEST_EMAIL).exists()


def test_a_weak_or_mismatched_password_is_refused_and_nothing_is_made(guest: Guest) -> None:
    client = Client()
    weak = _activate(client, guest, password1="123", password2="123")
    assert weak.status_code == 200
    assert 'class="form-errors"' in weak.content.decode()
    assert STATEMENT in weak.content.decode()
    mismatched = _activate(client, guest, password2=PASSWORD + "x")
    assert mismatched.status_code == 200 and 'class="form-errors"' in mismatched.content.decode()
    assert not User.objects.filter(email=GUEST_EMAIL).exists()
    guest.invitation.refresh_from_db()
    assert guest.invitation.state == Invitation.Status.INVITED


def test_declining_with_a_reason_needs_no_account(guest: Guest) -> None:
    client = Client()
    response = client.post(guest.url, {"answer": "decline", "reason": "Bận công tác."})
    assert response.status_code == 302 and response["Location"] == guest.url
    guest.invitation.refresh_from_db()
    assert guest.invitation.state == Invitation.Status.DECLINED
    assert guest.invitation.decline_reason == "Bận công tác."
    assert not User.objects.filter(email=GUEST_EMAIL).exists()
    after = client.get(guest.url)
    assert after.status_code == 200
    assert 'data-link-state="declined"' in after.content.decode()
    assert 'name="answer"' not in after.content.decode()


def test_declining_without_a_reason_shows_the_error_and_keeps_the_page(guest: Guest) -> None:
    response = Client().post(
        guest.url, {"answer": "decline", "reason": "   ", "statement": "Không có"}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert 'class="form-errors"' in page and 'name="reason"' in page
    guest.invitation.refresh_from_db()
    assert guest.invitation.state == Invitation.Status.INVITED


def test_after_activation_the_link_asks_to_sign_in_and_never_activates_again(
    guest: Guest,
) -> None:
    first = Client()
    _activate(first, guest)
    user = User.objects.get(email=GUEST_EMAIL)
    second = Client()
    response = second.get(guest.url)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-link-state="activated"' in page
    login = reverse("accounts:login")
    assert f'href="{login}?next=%2Fconsultations%2F{guest.consultation.pk}%2F"' in page
    again = _activate(second, guest, password1="Khác-hẳn-2026-x", password2="Khác-hẳn-2026-x")
    assert again.status_code == 200 and 'data-link-state="activated"' in again.content.decode()
    assert SESSION_KEY not in second.session
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    assert User.objects.filter(email=GUEST_EMAIL).count() == 1
    # The expert, signed in, is taken to the consultation.
    own = first.get(guest.url)
    assert own.status_code == 302 and own["Location"] == guest.consultation.get_absolute_url()


def _gone(guest: Guest, url: str | None = None) -> Any:
    response = Client().get(url or guest.url)
    assert response.status_code in (404, 410)
    assert 'data-link-state="' in response.content.decode()
    assert 'name="answer"' not in response.content.decode()
    assert guest.consultation.dossier.name not in response.content.decode()
    return response


def test_an_altered_or_unknown_link_answers_a_clear_404(guest: Guest) -> None:
    altered = guest.token[:-2] + ("AA" if not guest.token.endswith("AA") else "BB")
    for url in (
        f"/invitations/{altered}/",
        "/invitations/khong-phai-ma-moi-hop-le-nao-ca-1234567890/",
        "/invitations/abc/",
        "/invitations/" + "x" * 300 + "/",
    ):
        response = _gone(guest, url)
        assert response.status_code == 404
        assert 'data-link-state="unknown"' in response.content.decode()
    assert (
        AuditEntry.objects.filter(
            action="invitation_link.refused", data__contains="unknown"
        ).count()
        == 4
    )


def test_an_expired_link_answers_410(guest: Guest) -> None:
    InvitationLink.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = _gone(guest)
    assert response.status_code == 410
    assert 'data-link-state="expired"' in response.content.decode()
    assert _activate(Client(), guest).status_code == 410
    assert not User.objects.filter(email=GUEST_EMAIL).exists()


def test_a_revoked_invitation_answers_410(guest: Guest, secretariat: Any) -> None:
    panel_services.invitation_revoke(
        actor=secretariat, invitation=guest.invitation, reason="Đủ thành viên."
    )
    response = _gone(guest)
    assert response.status_code == 410
    assert 'data-link-state="withdrawn"' in response.content.decode()
    declined = Client().post(guest.url, {"answer": "decline", "reason": "x"})
    assert declined.status_code == 410
    guest.invitation.refresh_from_db()
    assert guest.invitation.state == Invitation.Status.REVOKED


def test_a_link_replaced_by_a_newer_one_answers_410(guest: Guest, secretariat: Any) -> None:
    panel_services.invitation_resend(actor=secretariat, invitation=guest.invitation)
    response = _gone(guest)
    assert response.status_code == 410
    assert 'data-link-state="superseded"' in response.content.decode()


def test_every_use_of_a_link_is_audited(guest: Guest) -> None:
    client = Client()
    client.get(guest.url)
    _accept(client, guest, declared="")
    client.get("/invitations/" + "Z" * 43 + "/")
    actions = _link_audits()
    assert sorted(actions) == [
        "invitation_link.opened",
        "invitation_link.opened",
        "invitation_link.refused",
    ]
    opened = AuditEntry.objects.filter(action="invitation_link.opened").first()
    assert opened is not None
    assert opened.target_id == str(guest.invitation.pk) and opened.ip_address == "127.0.0.1"
    # The token is never written to the log.
    assert not AuditEntry.objects.filter(data__contains=guest.token).exists()


@pytest.mark.parametrize(
    "persona", ["officer", "secretariat", "expert_user", "other_expert_user", "outsider"]
)
def test_someone_else_signed_in_gets_a_clear_page_and_cannot_answer(
    guest: Guest, persona: str, request: Any, as_user: Any
) -> None:
    user = request.getfixturevalue(persona)
    client = as_user(user)
    response = client.get(guest.url)
    assert response.status_code == 403
    page = response.content.decode()
    assert 'data-link-state="other_account"' in page
    assert guest.consultation.dossier.name not in page
    assert client.post(guest.url, {"answer": "decline", "reason": "x"}).status_code == 403
    assert _activate(client, guest).status_code == 403
    guest.invitation.refresh_from_db()
    guest.expert.refresh_from_db()
    assert guest.invitation.state == Invitation.Status.INVITED and guest.expert.user is None
    assert AuditEntry.objects.filter(
        action="invitation_link.refused", actor=user, data__contains="other_account"
    ).exists()


def test_the_owner_of_an_account_made_meanwhile_signs_in_to_accept(
    guest: Guest, as_user: Any
) -> None:
    owner: User = UserFactory.create(email=GUEST_EMAIL, full_name="Đặng Thu Hà")
    page = Client().get(guest.url).content.decode()
    assert 'id="account-exists"' in page and 'id="accept-form"' not in page
    refused = _activate(Client(), guest)
    assert refused.status_code == 200 and 'id="account-exists"' in refused.content.decode()
    owner.refresh_from_db()
    assert not owner.check_password(PASSWORD)
    client = as_user(owner)
    assert client.get(guest.url).status_code == 200
    response = _accept(client, guest)
    assert response.status_code == 302
    guest.expert.refresh_from_db()
    assert guest.expert.user == owner


def test_the_link_pages_are_rate_limited_per_address(guest: Guest, settings: Any) -> None:
    settings.RATE_LIMIT_INVITATION_LINK_PER_MINUTE = 2
    client = Client()
    assert client.get(guest.url).status_code == 200
    assert client.get("/invitations/abc/").status_code == 404
    limited = client.get(guest.url)
    assert limited.status_code == 429 and "Retry-After" in limited


def test_an_expert_role_that_requires_a_second_factor_goes_to_enrolment(
    guest: Guest, settings: Any
) -> None:
    settings.MFA_REQUIRED_ROLES = {"expert", "secretariat"}
    client = Client()
    response = _activate(client, guest)
    assert response.status_code == 302 and response["Location"] == reverse("mfa:enrol")
    # Not signed in before the second factor; the pending step leads to the editor.
    assert SESSION_KEY not in client.session
    pending = client.session[mfa.PENDING_SESSION_KEY]
    assert pending["next"] == reverse(
        "consultations:opinion_workspace", args=[guest.consultation.pk]
    )
    assert client.get(reverse("mfa:enrol")).status_code == 200


def test_the_page_speaks_the_site_language(guest: Guest) -> None:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "vi"
    page = client.get(guest.url).content.decode()
    assert gettext("Invitation to the expert panel") in page
