"""Inviting an expert without an account over the API: 201, with how the invitation
reaches them and how the e-mail with their personal link fares."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.test import TestCase

from thamvan.consultations.models import InvitationLink
from thamvan.consultations.tests.link_world import GUEST_EMAIL, guest_expert, token_in
from thamvan.experts.tests.factories import ExpertFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def in_review(world: Any, officer: Any, secretariat: Any) -> Any:
    return world.advance("in_review", officer=officer, secretariat=secretariat)


def _invite(client: Any, consultation: Any, expert: Any) -> Any:
    return client.post(
        f"/api/v1/consultations/{consultation.pk}/invitations",
        {"expert_id": expert.pk, "override_reason": "Chuyên gia khách mời."},
        content_type="application/json",
    )


def test_inviting_an_expert_without_an_account_answers_201_with_the_mail_status(
    in_review: Any, secretariat: Any, api_client: Any
) -> None:
    expert = guest_expert()
    client = api_client(secretariat)
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = _invite(client, in_review, expert)
    assert response.status_code == 201
    body = response.json()
    assert body["expert_id"] == expert.pk and body["state"] == "invited"
    assert body["has_account"] is False and body["reach"] == "email_link"
    # The mail leaves once the invitation is committed: queued when the answer is written.
    assert body["delivery"]["status"] == "queued"
    assert body["delivery"]["attempts"] == 0 and body["delivery"]["last_error"] == ""
    (message,) = [m for m in mail.outbox if GUEST_EMAIL in m.to]
    assert InvitationLink.objects.get().invitation_id == body["id"]
    assert token_in(message.body)
    # Read back, the invitation reports the mail sent.
    listed = client.get(f"/api/v1/consultations/{in_review.pk}/invitations/{body['id']}").json()
    assert listed["delivery"]["status"] == "sent" and listed["delivery"]["sent_at"]


def test_an_expert_with_an_account_or_without_any_address_has_no_mail(
    in_review: Any, secretariat: Any, api_client: Any, outsider: Any
) -> None:
    client = api_client(secretariat)
    with_account = ExpertFactory.create(user=outsider)
    nowhere = ExpertFactory.create(email="")
    first = _invite(client, in_review, with_account).json()
    assert (first["has_account"], first["reach"], first["delivery"]) == (True, "account", None)
    second = _invite(client, in_review, nowhere).json()
    assert (second["has_account"], second["reach"], second["delivery"]) == (
        False,
        "unreachable",
        None,
    )


def test_only_the_secretariat_invites_and_reads_the_delivery(
    in_review: Any,
    secretariat: Any,
    officer: Any,
    expert_user: Any,
    outsider: Any,
    api_client: Any,
) -> None:
    expert = guest_expert()
    assert _invite(api_client(officer), in_review, expert).status_code == 403
    assert _invite(api_client(expert_user), in_review, expert).status_code == 403
    assert _invite(api_client(outsider), in_review, expert).status_code == 404
    assert not InvitationLink.objects.exists()
    invitation = _invite(api_client(secretariat), in_review, expert).json()
    assert invitation["delivery"] is not None
    # The chair reads the accepted members, never how the mails fared.
    chair = api_client(expert_user).get(f"/api/v1/consultations/{in_review.pk}/invitations")
    assert chair.status_code == 200
    assert all(row["delivery"] is None for row in chair.json())


def test_the_invitation_list_reads_a_fixed_number_of_queries(
    in_review: Any, secretariat: Any, api_client: Any, django_assert_max_num_queries: Any
) -> None:
    client = api_client(secretariat)
    url = f"/api/v1/consultations/{in_review.pk}/invitations"
    for index in range(10):
        _invite(client, in_review, guest_expert(email=f"khach{index}@example.vn"))
    with django_assert_max_num_queries(12):
        rows = client.get(url).json()
    assert len(rows) == 12
    assert sum(row["reach"] == "email_link" for row in rows) == 10
