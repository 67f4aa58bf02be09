"""Guests: people without an account invited by name and e-mail, who reply through a
personal link that works until the workshop starts."""

from __future__ import annotations

import re
import socket
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from thamvan.audit.models import AuditEntry
from thamvan.events.models import Invitation, Workshop
from thamvan.events.services import (
    GUEST_DUPLICATE,
    GUEST_EMAIL_INVALID,
    GUEST_HAS_ACCOUNT,
    GUEST_NAME_REQUIRED,
    GuestError,
    guest_link_issue,
    workshop_invite_guest,
)
from thamvan.events.tests.factories import InvitationFactory, WorkshopFactory
from thamvan.notifications.models import OutgoingEmail

pytestmark = pytest.mark.django_db

LINK = re.compile(r"https?://\S+/workshops/guest/[A-Za-z0-9_-]+/")


@pytest.fixture
def workshop(orgs: Any) -> Workshop:
    return WorkshopFactory.create(
        host=orgs.association,
        topic="Tọa đàm bảo tồn khu phố cổ",
        online_url="https://hop.example.vn/pho-co",
        agenda="Khai mạc\nTham luận của Viện Kiến trúc\nThảo luận",
    )


def _guest(workshop: Workshop, **extra: Any) -> Invitation:
    return InvitationFactory.create(
        workshop=workshop,
        guest_name=extra.pop("guest_name", "Đinh Thị Hải Yến"),
        guest_email=extra.pop("guest_email", "yen@vienkientruc.vn"),
        **extra,
    )


def _invite_page(client: Client, workshop: Workshop, **data: str) -> Any:
    return client.post(reverse("events:guest_invite", args=[workshop.pk]), data)


def _send(client: Client, workshop: Workshop, capture: Any) -> None:
    with capture(execute=True):
        response = client.post(reverse("events:send", args=[workshop.pk]))
    assert response.status_code == 302


def _link_in(message: Any) -> str:
    found = LINK.search(message.body)
    assert found is not None, message.body
    return urlsplit(found.group(0)).path


def _actions(prefix: str = "workshop.guest") -> list[str]:
    return list(
        AuditEntry.objects.filter(action__startswith=prefix)
        .order_by("id")
        .values_list("action", flat=True)
    )


# --- Inviting --------------------------------------------------------------------------


def test_the_secretariat_invites_a_guest_by_name_and_e_mail_in_nfc(
    as_user: Any, secretariat: Any, workshop: Workshop
) -> None:
    decomposed = "Đinh Thi\u0323 Ha\u0309i Yê\u0301n"
    response = _invite_page(
        as_user(secretariat),
        workshop,
        name=f"  {decomposed} ",
        email="Yen@VienKienTruc.vn",
        organization="Viện Kiến trúc Quốc gia",
        position="Phó Viện trưởng",
    )
    assert response.status_code == 302
    guest = workshop.invitations.get()
    assert guest.is_guest and guest.user is None
    assert guest.guest_name == "Đinh Thị Hải Yến"
    assert guest.guest_email == "yen@vienkientruc.vn"
    assert guest.guest_token_hash is None  # nothing is sent before the invitations go out
    page = as_user(secretariat).get(workshop.get_absolute_url()).text
    assert "Đinh Thị Hải Yến" in page
    assert "Phó Viện trưởng, Viện Kiến trúc Quốc gia" in page


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"name": "   ", "email": "yen@vienkientruc.vn"}, "name", None),
        ({"name": "Hải Yến", "email": "yen@@vienkientruc"}, "email", GUEST_EMAIL_INVALID),
        ({"name": "Hải Yến", "email": ""}, "email", None),
    ],
)
def test_a_guest_without_a_name_or_a_valid_address_is_refused_with_the_input_kept(
    as_user: Any,
    secretariat: Any,
    workshop: Workshop,
    data: dict[str, str],
    field: str,
    message: Any,
) -> None:
    response = _invite_page(as_user(secretariat), workshop, **data, organization="Viện QH")
    assert response.status_code == 200
    form = response.context["guest_form"]
    assert field in form.errors
    if message is not None:
        assert form.errors[field] == [str(message)]
    assert 'value="Viện QH"' in response.text
    assert not workshop.invitations.exists()


def test_an_address_of_someone_with_an_account_is_refused_naming_them(
    as_user: Any, secretariat: Any, expert_user: Any, workshop: Workshop
) -> None:
    response = _invite_page(
        as_user(secretariat), workshop, name="Trần Quốc Bảo", email="EXPERT@example.vn"
    )
    assert response.status_code == 200
    expected = str(GUEST_HAS_ACCOUNT) % {"email": "expert@example.vn", "name": "Trần Quốc Bảo"}
    assert response.context["guest_form"].errors["email"] == [expected]
    assert 'value="EXPERT@example.vn"' in response.text
    assert not workshop.invitations.exists()


def test_the_same_address_cannot_be_invited_twice_to_a_workshop(
    as_user: Any, secretariat: Any, workshop: Workshop
) -> None:
    _guest(workshop)
    response = _invite_page(
        as_user(secretariat), workshop, name="Hải Yến", email="YEN@vienkientruc.vn"
    )
    expected = str(GUEST_DUPLICATE) % {"email": "yen@vienkientruc.vn"}
    assert response.context["guest_form"].errors["email"] == [expected]
    assert workshop.invitations.count() == 1
    # Another workshop may invite the same guest.
    other = WorkshopFactory.create(host=workshop.host)
    assert (
        _invite_page(
            as_user(secretariat), other, name="Hải Yến", email="yen@vienkientruc.vn"
        ).status_code
        == 302
    )


def test_the_service_refuses_a_blank_name_with_its_code(
    secretariat: Any, workshop: Workshop
) -> None:
    with pytest.raises(GuestError) as refused:
        workshop_invite_guest(actor=secretariat, workshop=workshop, name=" ", email="a@b.vn")
    assert refused.value.code == "name"
    assert refused.value.messages == [str(GUEST_NAME_REQUIRED)]


def test_only_a_workshop_manager_invites_or_removes_guests(
    as_user: Any,
    secretariat: Any,
    admin_user: Any,
    leadership: Any,
    officer: Any,
    expert_user: Any,
    other_expert_user: Any,
    orgs: Any,
) -> None:
    workshop = WorkshopFactory.create(host=orgs.department)
    InvitationFactory.create(workshop=workshop, user=expert_user)
    guest = _guest(workshop)
    data = {"name": "Nguyễn Khách", "email": "khach@example.org"}
    remove = reverse("events:guest_remove", args=[workshop.pk, guest.pk])
    # Those who read the workshop but may not run it: 403.
    for user in (leadership, officer, expert_user):
        assert _invite_page(as_user(user), workshop, **data).status_code == 403
        assert as_user(user).post(remove).status_code == 403
    # Someone who cannot see it: 404.
    assert _invite_page(as_user(other_expert_user), workshop, **data).status_code == 404
    assert as_user(other_expert_user).post(remove).status_code == 404
    assert workshop.invitations.count() == 2
    for manager in (secretariat, admin_user):
        assert _invite_page(as_user(manager), workshop, **data).status_code == 302
        workshop.invitations.filter(guest_email="khach@example.org").delete()
    assert as_user(secretariat).post(remove).status_code == 302
    assert not workshop.invitations.guests().exists()


def test_a_person_with_an_account_cannot_be_removed_as_a_guest(
    as_user: Any, secretariat: Any, expert_user: Any, workshop: Workshop
) -> None:
    invitation = InvitationFactory.create(workshop=workshop, user=expert_user)
    response = as_user(secretariat).post(
        reverse("events:guest_remove", args=[workshop.pk, invitation.pk])
    )
    assert response.status_code == 302
    assert workshop.invitations.filter(pk=invitation.pk).exists()


# --- The e-mail and the link ------------------------------------------------------------


def test_each_guest_gets_an_e_mail_with_the_ics_and_a_link_that_opens_without_an_account(
    as_user: Any,
    secretariat: Any,
    expert_user: Any,
    workshop: Workshop,
    django_capture_on_commit_callbacks: Any,
) -> None:
    manager = as_user(secretariat)
    manager.post(reverse("events:invite", args=[workshop.pk]), {"users": [expert_user.pk]})
    _invite_page(manager, workshop, name="Đinh Thị Hải Yến", email="yen@vienkientruc.vn")
    _send(manager, workshop, django_capture_on_commit_callbacks)

    assert len(mail.outbox) == 2
    [message] = [m for m in mail.outbox if m.to == ["yen@vienkientruc.vn"]]
    assert "Tọa đàm bảo tồn khu phố cổ" in message.subject
    assert "Đinh Thị Hải Yến" in message.body
    name, ics, mimetype = message.attachments[0]
    assert name == "hoi-thao.ics" and mimetype.startswith("text/calendar")
    assert "SUMMARY:Tọa đàm bảo tồn khu phố cổ" in ics
    # The guest cannot open the workshop's own page, so the calendar does not point there.
    assert "URL:" not in ics
    path = _link_in(message)
    token = path.rstrip("/").rsplit("/", 1)[-1]
    assert len(token) >= 43  # 256 random bits in base64url

    guest = workshop.invitations.guests().get()
    assert guest.guest_token_hash is not None and token not in guest.guest_token_hash
    # Recorded about the invitation, personal, and its body wiped once sent.
    email = OutgoingEmail.objects.for_object(guest).get()
    assert email.sensitive and email.status == "sent" and email.body == ""

    page = Client().get(path)
    assert page.status_code == 200
    assert "no-store" in page["Cache-Control"]
    assert "Tọa đàm bảo tồn khu phố cổ" in page.text
    local = timezone.localtime(workshop.starts_at)
    assert local.strftime("%d/%m/%Y %H:%M") in page.text
    assert "https://hop.example.vn/pho-co" in page.text
    assert "Tham luận của Viện Kiến trúc" in page.text


def test_a_guest_invited_after_the_invitations_went_out_is_e_mailed_at_once(
    as_user: Any,
    secretariat: Any,
    expert_user: Any,
    workshop: Workshop,
    django_capture_on_commit_callbacks: Any,
) -> None:
    manager = as_user(secretariat)
    manager.post(reverse("events:invite", args=[workshop.pk]), {"users": [expert_user.pk]})
    _send(manager, workshop, django_capture_on_commit_callbacks)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        _invite_page(manager, workshop, name="Lê Văn Muộn", email="muon@example.org")
    assert [m.to for m in mail.outbox] == [["muon@example.org"]]
    assert Client().get(_link_in(mail.outbox[0])).status_code == 200


def _sent_guest(workshop: Workshop) -> tuple[Invitation, str]:
    guest = _guest(workshop)
    Workshop.objects.filter(pk=workshop.pk).update(status=Workshop.Status.INVITATIONS_SENT)
    token = guest_link_issue(guest)
    return guest, reverse("events:guest", args=[token])


def test_the_guest_attends_then_changes_their_mind_with_a_note(workshop: Workshop) -> None:
    guest, path = _sent_guest(workshop)
    client = Client()
    response = client.post(path, {"accept": "yes"})
    assert response.status_code == 302 and response["Location"] == path
    guest.refresh_from_db()
    assert guest.reply == "accepted"
    client.post(path, {"accept": "no", "note": "Bận công tác, cử Phó phòng dự thay"})
    guest.refresh_from_db()
    assert (guest.reply, guest.reply_note) == ("declined", "Bận công tác, cử Phó phòng dự thay")
    page = client.get(path)
    assert "Bận công tác" in page.text
    assert "Thank you" in page.text or "Cảm ơn" in page.text
    replies = AuditEntry.objects.filter(action="workshop.guest_replied").order_by("id")
    assert [e.details["reply"] for e in replies] == ["accepted", "declined"]
    assert all(e.actor is None and e.target_id == str(workshop.pk) for e in replies)


def test_a_reply_without_a_choice_says_so_and_keeps_the_note(workshop: Workshop) -> None:
    guest, path = _sent_guest(workshop)
    response = Client().post(path, {"note": "Xin gửi tài liệu trước"})
    assert response.status_code == 200
    assert response.context["form"].errors["accept"]
    assert "Xin gửi tài liệu trước" in response.text
    assert 'href="#id_accept"' in response.text
    guest.refresh_from_db()
    assert guest.reply == "pending"


@pytest.mark.parametrize("change", ["started", "cancelled", "held"])
def test_the_link_expires_when_the_workshop_starts_or_is_cancelled(
    workshop: Workshop, change: str
) -> None:
    guest, path = _sent_guest(workshop)
    if change == "started":
        Workshop.objects.filter(pk=workshop.pk).update(
            starts_at=timezone.now() - timedelta(minutes=1)
        )
    else:
        Workshop.objects.filter(pk=workshop.pk).update(status=change)
    client = Client()
    for response in (
        client.get(path),
        client.post(path, {"accept": "yes"}),
        client.get(reverse("events:guest_ics", args=[path.rstrip("/").rsplit("/", 1)[-1]])),
    ):
        assert response.status_code == 410
        assert "Tọa đàm bảo tồn khu phố cổ" in response.text
    guest.refresh_from_db()
    assert guest.reply == "pending"
    reasons = [
        e.details["reason"] for e in AuditEntry.objects.filter(action="workshop.guest_link_refused")
    ]
    assert reasons == ["cancelled" if change == "cancelled" else "expired"] * 3


@pytest.mark.parametrize(
    "alter", [lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"), lambda t: t[:20], lambda t: "x"]
)
def test_an_altered_or_unknown_link_answers_404_with_a_page_not_a_server_error(
    workshop: Workshop, alter: Any
) -> None:
    _guest, path = _sent_guest(workshop)
    token = path.rstrip("/").rsplit("/", 1)[-1]
    bad = reverse("events:guest", args=[alter(token)])
    response = Client().get(bad)
    assert response.status_code == 404
    assert "Tọa đàm" not in response.text
    assert response.templates[0].name == "events/guest_link_refused.html"
    assert Client().post(bad, {"accept": "yes"}).status_code == 404
    entry = AuditEntry.objects.filter(action="workshop.guest_link_refused").first()
    assert entry is not None and entry.details["reason"] == "unknown"
    assert token not in entry.data


def test_removing_a_guest_revokes_their_link(
    as_user: Any, secretariat: Any, workshop: Workshop
) -> None:
    guest, path = _sent_guest(workshop)
    assert Client().get(path).status_code == 200
    as_user(secretariat).post(reverse("events:guest_remove", args=[workshop.pk, guest.pk]))
    assert Client().get(path).status_code == 404
    assert _actions("workshop.guest_removed") == ["workshop.guest_removed"]


def test_a_new_link_replaces_the_old_one(workshop: Workshop) -> None:
    guest, old = _sent_guest(workshop)
    new = reverse("events:guest", args=[guest_link_issue(guest)])
    assert Client().get(old).status_code == 404
    assert Client().get(new).status_code == 200


def test_the_guest_downloads_the_ics_through_their_link(workshop: Workshop) -> None:
    _guest, path = _sent_guest(workshop)
    response = Client().get(path + "event.ics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    assert "BEGIN:VEVENT" in response.content.decode()
    assert _actions() == ["workshop.guest_ics_downloaded"]


def test_every_use_of_the_link_is_recorded_with_the_address(workshop: Workshop) -> None:
    _guest, path = _sent_guest(workshop)
    client = Client(REMOTE_ADDR="203.0.113.9")
    client.get(path)
    client.post(path, {"accept": "yes"})
    client.get(path + "event.ics")
    assert _actions() == [
        "workshop.guest_link_opened",
        "workshop.guest_replied",
        "workshop.guest_ics_downloaded",
    ]
    entries = AuditEntry.objects.filter(action__startswith="workshop.guest")
    assert all(e.ip_address == "203.0.113.9" and e.actor is None for e in entries)


def test_the_link_is_rate_limited_per_address(workshop: Workshop, settings: Any) -> None:
    settings.RATE_LIMIT_GUEST_LINK_PER_MINUTE = 3
    _guest, path = _sent_guest(workshop)
    client = Client()
    assert [client.get(path).status_code for _ in range(3)] == [200, 200, 200]
    limited = client.get(path)
    assert limited.status_code == 429
    assert limited["Retry-After"]
    # Guessing links is throttled alike.
    assert client.get(reverse("events:guest", args=["A" * 43])).status_code == 429
    assert Client(REMOTE_ADDR="198.51.100.7").get(path).status_code == 200


# --- The workshop page: replies, delivery, resend, counts --------------------------------


def test_the_page_counts_guests_and_shows_their_reply_and_delivery(
    as_user: Any, secretariat: Any, expert_user: Any, workshop: Workshop
) -> None:
    Workshop.objects.filter(pk=workshop.pk).update(status=Workshop.Status.INVITATIONS_SENT)
    InvitationFactory.create(workshop=workshop, user=expert_user, reply="accepted")
    _guest(workshop, reply="declined", reply_note="Đi công tác")
    guest = _guest(workshop, guest_name="Phan Văn Chờ", guest_email="cho@example.org")
    OutgoingEmail.objects.create(
        recipient="cho@example.org",
        template="events/email/guest_invitation",
        subject="Lời mời",
        related=guest,
        status=OutgoingEmail.Status.FAILED,
        last_error="SMTPRecipientsRefused: hộp thư không tồn tại",
    )
    response = as_user(secretariat).get(workshop.get_absolute_url())
    assert response.context["reply_counts"] == {"pending": 1, "accepted": 1, "declined": 1}
    page = response.text
    assert "Đi công tác" in page
    assert "hộp thư không tồn tại" in page
    assert reverse("events:guest_resend", args=[workshop.pk, guest.pk]) in page


def test_a_failed_guest_e_mail_is_sent_again_with_the_same_link(
    as_user: Any,
    secretariat: Any,
    workshop: Workshop,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    manager = as_user(secretariat)
    _invite_page(manager, workshop, name="Đinh Thị Hải Yến", email="yen@vienkientruc.vn")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", closed_port, 2
    _send(manager, workshop, django_capture_on_commit_callbacks)
    guest = workshop.invitations.get()
    email = OutgoingEmail.objects.for_object(guest).get()
    assert email.status == "retrying" and email.body  # unsent: the link is still there

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    resend = reverse("events:guest_resend", args=[workshop.pk, guest.pk])
    assert as_user(officer_of(workshop)).post(resend).status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        assert manager.post(resend).status_code == 302
    assert [m.to for m in mail.outbox] == [["yen@vienkientruc.vn"]]
    assert Client().get(_link_in(mail.outbox[0])).status_code == 200
    email.refresh_from_db()
    assert email.status == "sent"
    # Sent now: there is nothing to send again.
    manager.post(resend)
    assert OutgoingEmail.objects.for_object(guest).count() == 1
    assert _actions("workshop.guest_email_resent") == ["workshop.guest_email_resent"]


def officer_of(workshop: Workshop) -> Any:
    from thamvan.accounts.tests.factories import MembershipFactory, UserFactory

    user = UserFactory.create(full_name="Cán bộ Hội", email="canbohoi@example.vn")
    MembershipFactory.create(user=user, organization=workshop.host, role="agency_officer")
    return user


def test_the_workshop_page_query_count_does_not_grow_with_guests(
    as_user: Any, secretariat: Any, workshop: Workshop, django_assert_max_num_queries: Any
) -> None:
    client = as_user(secretariat)

    def add_guests(start: int, count: int) -> None:
        for n in range(start, start + count):
            guest = _guest(workshop, guest_name=f"Khách mời {n}", guest_email=f"k{n}@example.org")
            OutgoingEmail.objects.create(
                recipient=guest.guest_email,
                template="events/email/guest_invitation",
                subject="Lời mời",
                related=guest,
            )

    add_guests(0, 2)
    client.get(workshop.get_absolute_url())
    with django_assert_max_num_queries(12) as few:
        client.get(workshop.get_absolute_url())
    add_guests(2, 40)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(workshop.get_absolute_url())
    assert len(response.context["invitees"]) == 42


def test_guests_are_listed_after_people_with_an_account_in_name_order(
    secretariat: Any, expert_user: Any, other_expert_user: Any, workshop: Workshop
) -> None:
    _guest(workshop, guest_name="Vũ An", guest_email="an@example.org")
    _guest(workshop, guest_name="Đỗ Bình", guest_email="binh@example.org")
    InvitationFactory.create(workshop=workshop, user=expert_user)
    InvitationFactory.create(workshop=workshop, user=other_expert_user)
    names = [i.invitee_name for i in workshop.invitations.in_list_order().select_related("user")]
    assert names == ["Trần Quốc Bảo", "Lê Thị Mai", "Vũ An", "Đỗ Bình"]
