"""Workshop invitations over the API: people with an account by id, guests by name and
e-mail, removal, sending, and the guest's e-mail status."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.core import mail
from django.test import Client

from thamvan.events.models import Invitation, Workshop
from thamvan.events.services import GUEST_HAS_ACCOUNT
from thamvan.events.tests.factories import InvitationFactory, WorkshopFactory
from thamvan.notifications.models import OutgoingEmail

pytestmark = pytest.mark.django_db

BASE = "/api/v1/workshops"
GUEST = {
    "name": "Đinh Thị Hải Yến",
    "email": "Yen@VienKienTruc.vn",
    "organization": "Viện Kiến trúc Quốc gia",
    "position": "Phó Viện trưởng",
}


@pytest.fixture
def workshop(orgs: Any) -> Workshop:
    return WorkshopFactory.create(host=orgs.department, topic="Tọa đàm không gian ngầm")


def _post(client: Client, path: str, body: dict[str, Any]) -> Any:
    return client.post(path, json.dumps(body), content_type="application/json")


def test_the_secretariat_invites_a_guest_and_people_with_an_account(
    workshop: Workshop, secretariat: Any, expert_user: Any, officer: Any, api_client: Any
) -> None:
    api = api_client(secretariat)
    response = _post(api, f"{BASE}/{workshop.pk}/invitations", GUEST)
    assert response.status_code == 201, response.content
    [guest] = response.json()
    assert guest["is_guest"] is True and guest["user_id"] is None
    assert (guest["name"], guest["guest_email"]) == ("Đinh Thị Hải Yến", "yen@vienkientruc.vn")
    assert guest["reply"] == "pending" and guest["email_status"] is None

    response = _post(
        api, f"{BASE}/{workshop.pk}/invitations", {"user_ids": [expert_user.pk, officer.pk]}
    )
    assert response.status_code == 201
    assert {row["user_id"] for row in response.json()} == {expert_user.pk, officer.pk}
    # Inviting the same people again adds nobody.
    again = _post(api, f"{BASE}/{workshop.pk}/invitations", {"user_ids": [officer.pk]})
    assert again.status_code == 201 and again.json() == []

    listed = api.get(f"{BASE}/{workshop.pk}/invitations").json()
    assert [row["name"] for row in listed] == [
        "Trần Quốc Bảo",
        "Nguyễn Thị Hạnh",
        "Đinh Thị Hải Yến",
    ]


def test_a_guest_is_checked_as_on_the_page(
    workshop: Workshop, secretariat: Any, expert_user: Any, api_client: Any
) -> None:
    api = api_client(secretariat)
    path = f"{BASE}/{workshop.pk}/invitations"
    response = _post(api, path, {"name": "Bảo", "email": "expert@example.vn"})
    assert response.status_code == 422
    assert response.json() == {
        "detail": str(GUEST_HAS_ACCOUNT) % {"email": "expert@example.vn", "name": "Trần Quốc Bảo"},
        "code": "has_account",
    }
    assert _post(api, path, {"name": "Yến", "email": "khong-phai-thu"}).json()["code"] == "email"
    assert _post(api, path, {"name": " ", "email": "a@b.vn"}).json()["code"] == "name"
    _post(api, path, GUEST)
    assert _post(api, path, GUEST).json()["code"] == "duplicate"
    both = _post(api, path, {**GUEST, "user_ids": [expert_user.pk]})
    assert (both.status_code, both.json()["code"]) == (422, "invalid_request")
    assert _post(api, path, {}).json()["code"] == "invalid_request"
    unknown = _post(api, path, {"user_ids": [999_999]})
    assert (unknown.status_code, unknown.json()["code"]) == (422, "invalid")
    assert "999999" in unknown.json()["detail"]["user_ids"][0]
    assert workshop.invitations.count() == 1


def test_who_may_list_and_invite_side_by_side(
    workshop: Workshop,
    secretariat: Any,
    leadership: Any,
    officer: Any,
    other_officer: Any,
    expert_user: Any,
    api_client: Any,
) -> None:
    InvitationFactory.create(workshop=workshop, user=expert_user)
    path = f"{BASE}/{workshop.pk}/invitations"
    assert api_client(secretariat).get(path).status_code == 200
    assert api_client(leadership).get(path).status_code == 200
    for user in (officer, expert_user):
        assert api_client(user).get(path).status_code == 403
    assert api_client(other_officer).get(path).status_code == 404
    for user in (leadership, officer, expert_user):
        assert _post(api_client(user), path, GUEST).status_code == 403
    assert _post(api_client(other_officer), path, GUEST).status_code == 404
    assert not workshop.invitations.guests().exists()


def test_sending_e_mails_the_guest_a_link_and_the_list_shows_the_delivery(
    workshop: Workshop,
    secretariat: Any,
    api_client: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    api = api_client(secretariat)
    [guest] = _post(api, f"{BASE}/{workshop.pk}/invitations", GUEST).json()
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(f"{BASE}/{workshop.pk}/send-invitations")
    assert response.status_code == 200 and response.json()["status"] == "invitations_sent"
    [message] = mail.outbox
    link = re.search(r"https?://\S+(/workshops/guest/[\w-]+/)", str(message.body))
    assert link is not None
    assert Client().get(link.group(1)).status_code == 200
    [row] = api.get(f"{BASE}/{workshop.pk}/invitations").json()
    assert (row["id"], row["email_status"]) == (guest["id"], "sent")
    again = api.post(f"{BASE}/{workshop.pk}/send-invitations")
    assert (again.status_code, again.json()["code"]) == (422, "wrong_state")
    # Nothing failed: nothing to send again.
    resend = api.post(f"{BASE}/{workshop.pk}/invitations/{guest['id']}/resend")
    assert (resend.status_code, resend.json()["code"]) == (422, "not_failed")


def test_a_failed_guest_e_mail_is_sent_again(
    workshop: Workshop,
    secretariat: Any,
    officer: Any,
    api_client: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    Workshop.objects.filter(pk=workshop.pk).update(status=Workshop.Status.INVITATIONS_SENT)
    guest = InvitationFactory.create(
        workshop=workshop, guest_name="Hải Yến", guest_email="yen@vienkientruc.vn"
    )
    OutgoingEmail.objects.create(
        recipient=guest.guest_email,
        template="events/email/guest_invitation",
        subject="Lời mời",
        body="Kính gửi Bà Hải Yến",
        related=guest,
        status=OutgoingEmail.Status.FAILED,
    )
    path = f"{BASE}/{workshop.pk}/invitations/{guest.pk}/resend"
    assert api_client(officer).post(path).status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client(secretariat).post(path)
    assert response.status_code == 200
    # Answered before the send, which follows the commit.
    assert response.json()["email_status"] == "retrying"
    assert [m.to for m in mail.outbox] == [["yen@vienkientruc.vn"]]
    assert OutgoingEmail.objects.for_object(guest).get().status == "sent"


def test_removing_a_guest_answers_those_left_and_a_member_is_not_a_guest(
    workshop: Workshop, secretariat: Any, officer: Any, expert_user: Any, api_client: Any
) -> None:
    member = InvitationFactory.create(workshop=workshop, user=expert_user)
    guest = InvitationFactory.create(
        workshop=workshop, guest_name="Hải Yến", guest_email="yen@vienkientruc.vn"
    )
    path = f"{BASE}/{workshop.pk}/invitations"
    assert api_client(officer).delete(f"{path}/{guest.pk}").status_code == 403
    response = api_client(secretariat).delete(f"{path}/{guest.pk}")
    assert response.status_code == 200
    assert [row["id"] for row in response.json()] == [member.pk]
    refused = api_client(secretariat).delete(f"{path}/{member.pk}")
    assert (refused.status_code, refused.json()["code"]) == (422, "not_guest")
    assert api_client(secretariat).delete(f"{path}/{guest.pk}").status_code == 404
    assert Invitation.objects.filter(pk=member.pk).exists()


def test_the_list_answers_in_a_bounded_number_of_queries(
    workshop: Workshop,
    secretariat: Any,
    api_client: Any,
    django_assert_max_num_queries: Any,
) -> None:
    api = api_client(secretariat)

    def add(start: int, count: int) -> None:
        for n in range(start, start + count):
            guest = InvitationFactory.create(
                workshop=workshop, guest_name=f"Khách {n}", guest_email=f"k{n}@example.org"
            )
            OutgoingEmail.objects.create(
                recipient=guest.guest_email, template="t", subject="s", related=guest
            )

    add(0, 2)
    with django_assert_max_num_queries(10) as few:
        assert len(api.get(f"{BASE}/{workshop.pk}/invitations").json()) == 2
    add(2, 40)
    with django_assert_max_num_queries(len(few.captured_queries)):
        rows = api.get(f"{BASE}/{workshop.pk}/invitations").json()
    assert len(rows) == 42 and {row["email_status"] for row in rows} == {"queued"}
