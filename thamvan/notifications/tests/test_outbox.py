"""The outbox: every mail recorded, sent after commit, retried when the server fails."""

from __future__ import annotations

import email
import socket
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.test import TestCase
from django.utils import timezone

from thamvan.accounts.tests.factories import UserFactory
from thamvan.notifications import outbox
from thamvan.notifications.models import OutgoingEmail

pytestmark = pytest.mark.django_db

Status = OutgoingEmail.Status


def _closed_port() -> int:
    """A local port nothing listens on: connecting to it is refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp_down(settings: Any) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = _closed_port()
    settings.EMAIL_TIMEOUT = 2


def _send(**extra: Any) -> OutgoingEmail:
    with TestCase.captureOnCommitCallbacks(execute=True):
        sent = outbox.send(
            to="Hanh@Example.vn",
            subject="Lời mời\n tham gia",
            body="Nội dung",
            template="test/invitation",
            **extra,
        )
    sent.refresh_from_db()
    return sent


def test_a_mail_is_recorded_and_sent_after_commit() -> None:
    user: Any = UserFactory()
    with TestCase.captureOnCommitCallbacks(execute=False) as callbacks:
        queued = outbox.send(
            to="hanh@example.vn", subject="S", body="B", template="test/x", related=user, user=user
        )
        # Nothing leaves before the transaction that caused the mail commits.
        assert mail.outbox == []
    assert len(callbacks) == 1
    callbacks[0]()
    queued.refresh_from_db()
    assert queued.status == Status.SENT and queued.attempts == 1 and queued.sent_at
    assert mail.outbox[0].to == ["hanh@example.vn"]
    assert list(OutgoingEmail.objects.for_object(user)) == [queued]


def test_the_subject_is_one_line_and_the_address_lower_case() -> None:
    sent = _send()
    assert sent.subject == "Lời mời tham gia"
    assert sent.recipient == "hanh@example.vn"
    assert mail.outbox[0].subject == "Lời mời tham gia"


def test_a_mail_server_that_is_down_loses_nothing_and_the_send_is_retried(
    smtp_down: None, settings: Any
) -> None:
    sent = _send()
    assert sent.status == Status.RETRYING
    assert sent.attempts == 1
    assert "ConnectionRefusedError" in sent.last_error
    assert sent.body == "Nội dung"
    # Not due yet: the sweep leaves it.
    assert outbox.deliver_due() == 0
    # Due, still down: the second attempt fails too, with a longer wait.
    later = sent.next_attempt_at + timedelta(seconds=1)
    assert outbox.deliver_due(later) == 0
    sent.refresh_from_db()
    assert sent.attempts == 2 and sent.status == Status.RETRYING
    assert sent.next_attempt_at - later == timedelta(minutes=5)
    # The server is back: the next sweep sends it.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert outbox.deliver_due(sent.next_attempt_at) == 1
    sent.refresh_from_db()
    assert sent.status == Status.SENT and sent.last_error == ""
    assert len(mail.outbox) == 1


def test_after_the_last_attempt_the_mail_is_marked_failed_and_can_be_retried_by_hand(
    smtp_down: None, settings: Any
) -> None:
    settings.EMAIL_MAX_ATTEMPTS = 2
    sent = _send()
    outbox.deliver_due(sent.next_attempt_at)
    sent.refresh_from_db()
    assert sent.status == Status.FAILED and sent.is_problem
    assert outbox.deliver_due(timezone.now() + timedelta(days=1)) == 0
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with TestCase.captureOnCommitCallbacks(execute=True):
        outbox.retry_now(sent)
    sent.refresh_from_db()
    assert sent.status == Status.SENT and sent.attempts == 3


def test_a_send_interrupted_by_a_stopped_worker_is_taken_up_again() -> None:
    with TestCase.captureOnCommitCallbacks(execute=False):
        queued = outbox.send(to="a@example.vn", subject="S", body="B", template="t")
    OutgoingEmail.objects.filter(pk=queued.pk).update(status=Status.SENDING)
    assert outbox.deliver_due() == 0
    assert outbox.deliver_due(timezone.now() + outbox.STALE_SENDING + timedelta(minutes=1)) == 1


def test_a_mail_is_sent_once_even_if_delivered_twice() -> None:
    sent = _send()
    assert outbox.deliver(sent.pk) == Status.SENT
    assert len(mail.outbox) == 1


def test_a_personal_link_is_dropped_from_the_record_once_sent(
    smtp_down: None, settings: Any
) -> None:
    waiting = _send(sensitive=True)
    # Kept while it still has to be sent.
    assert waiting.body == "Nội dung"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    outbox.deliver_due(waiting.next_attempt_at)
    waiting.refresh_from_db()
    assert waiting.status == Status.SENT and waiting.body == ""
    assert mail.outbox[0].body == "Nội dung"


def test_attachments_travel_with_the_mail() -> None:
    _send(attachments=[("hoi-thao.ics", "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "text/calendar")])
    name, content, mimetype = mail.outbox[0].attachments[0]
    assert name == "hoi-thao.ics" and "VCALENDAR" in content and mimetype == "text/calendar"


def test_the_latest_mail_per_object_is_read_in_one_query(django_assert_num_queries: Any) -> None:
    users = UserFactory.create_batch(3)
    for user in users:
        _send(related=user)
        _send(related=user)
    newest = {u.pk: OutgoingEmail.objects.for_object(u).first() for u in users}
    with django_assert_num_queries(1):
        latest = outbox.latest_for(type(users[0]), [u.pk for u in users])
    assert latest == newest


def test_the_development_backend_writes_one_eml_file_per_mail(
    settings: Any, tmp_path: Path
) -> None:
    settings.EMAIL_BACKEND = "thamvan.notifications.backends.EmlFileBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path / "mail")
    _send(attachments=[("a.ics", "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "text/calendar")])
    _send()
    files = sorted((tmp_path / "mail").glob("*.eml"))
    assert len(files) == 2
    assert not list((tmp_path / "mail").glob("*.part"))
    message = email.message_from_bytes(files[0].read_bytes())
    assert message["To"] == "hanh@example.vn"
    assert str(email.header.make_header(email.header.decode_header(message["Subject"]))) == (
        "Lời mời tham gia"
    )
    texts = [
        bytes(part.get_payload(decode=True)).decode()
        for part in message.walk()
        if part.get_content_type() == "text/plain"
    ]
    assert "Nội dung" in texts
