"""Password reset: a link from SITE_URL, mailed by the queue, limited per account and address."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client, TestCase
from django.urls import reverse
from django_tasks import default_task_backend

from thamvan.accounts.tasks import send_password_reset_email
from thamvan.accounts.tests.factories import UserFactory
from thamvan.audit.models import AuditEntry

pytestmark = pytest.mark.django_db

URL = reverse("accounts:password_reset")
SITE_URL = "https://thamvan.example.vn"
EMAIL = "hanh@example.vn"
LINK = re.compile(r"\S+/accounts/password/reset/[\w-]+/[\w-]+/")


@pytest.fixture
def user(settings: Any) -> Any:
    settings.SITE_URL = SITE_URL
    return UserFactory(email=EMAIL, full_name="Nguyễn Thị Hạnh")


def _ask(email: str = EMAIL, address: str = "203.0.113.7", **extra: Any) -> Any:
    # The mail leaves once the request's transaction commits.
    with TestCase.captureOnCommitCallbacks(execute=True):
        return Client().post(URL, {"email": email}, REMOTE_ADDR=address, **extra)


def test_the_link_is_built_from_the_site_url_whatever_the_host_header(
    settings: Any, user: Any, mailoutbox: list[Any]
) -> None:
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "evil.example"]
    response = _ask(HTTP_HOST="evil.example")
    assert response.status_code == 302
    assert len(mailoutbox) == 1
    link = LINK.search(mailoutbox[0].body)
    assert link is not None
    assert link.group().startswith(f"{SITE_URL}/accounts/password/reset/")
    assert "evil.example" not in mailoutbox[0].body
    # The link works: it leads to the form for a new password.
    opened = Client().get(link.group().removeprefix(SITE_URL), follow=True)
    assert opened.status_code == 200
    assert opened.context["validlink"] is True


def test_the_mail_is_sent_by_the_task_queue_not_in_the_request(
    settings: Any, user: Any, mailoutbox: list[Any]
) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    assert _ask().status_code == 302
    assert mailoutbox == []
    [queued] = default_task_backend.results  # type: ignore[attr-defined]
    assert queued.task.name == send_password_reset_email.name
    # The queue holds the account and the language, never the reset token.
    assert queued.args == [user.pk, "vi"]

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert send_password_reset_email.call(*queued.args) is True
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == [EMAIL]
    assert "Nguyễn Thị Hạnh" in mailoutbox[0].body


def test_an_account_gets_five_mails_an_hour_then_the_same_page_and_no_mail(
    user: Any, mailoutbox: list[Any]
) -> None:
    answers = [_ask(address=f"203.0.113.{n}") for n in range(6)]
    assert [a.status_code for a in answers] == [302] * 6
    assert {a["Location"] for a in answers} == {reverse("accounts:password_reset_done")}
    assert len(mailoutbox) == 5
    entry = AuditEntry.objects.get(action="password_reset.throttled")
    assert entry.details == {"email": EMAIL}
    assert entry.ip_address == "203.0.113.5"


def test_an_address_may_ask_twenty_times_an_hour_across_accounts(
    user: Any, mailoutbox: list[Any]
) -> None:
    for n in range(20):
        assert _ask(f"nobody{n}@example.vn", address="203.0.113.7").status_code == 302
    # A real account asked from the busy address: same page, nothing sent.
    limited = _ask(EMAIL, address="203.0.113.7")
    from_elsewhere = _ask(EMAIL, address="203.0.113.8")
    assert limited.status_code == from_elsewhere.status_code == 302
    assert limited["Location"] == from_elsewhere["Location"]
    assert len(mailoutbox) == 1
    assert AuditEntry.objects.filter(action="password_reset.throttled").count() == 1


def test_the_task_sends_nothing_to_an_account_deactivated_meanwhile(
    user: Any, mailoutbox: list[Any]
) -> None:
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert send_password_reset_email.call(user.pk, "vi") is False
    assert mailoutbox == []
