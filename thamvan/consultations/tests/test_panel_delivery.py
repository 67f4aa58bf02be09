"""The panel page says how each invitation reaches its expert: the account, or the
personal link's e-mail with its fate (sent, retrying, failed with the error and a way to
send it again), or nothing at all, flagged."""

from __future__ import annotations

import socket
from typing import Any

import pytest
from django.conf import settings
from django.core import mail
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.translation import gettext
from lxml import html

from thamvan.consultations.services import links
from thamvan.consultations.services.links import LinkState
from thamvan.consultations.tests.link_world import Guest, guest_expert, invite, token_in
from thamvan.experts.tests.factories import ExpertFactory
from thamvan.notifications.models import OutgoingEmail

pytestmark = pytest.mark.django_db


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _panel(client: Any, guest: Guest) -> Any:
    response = client.get(reverse("consultations:panel", args=[guest.consultation.pk]))
    assert response.status_code == 200
    return html.fromstring(response.content.decode())


def _cell(tree: Any, expert: Any) -> Any:
    (cell,) = tree.xpath(f"//td[@data-delivery='{expert.pk}']")
    return cell


def test_each_row_says_how_the_invitation_reaches_the_expert(
    guest: Guest, world: Any, secretariat: Any, as_user: Any
) -> None:
    unreachable = ExpertFactory.create(full_name="Bùi Văn Khánh", email="")
    invite(guest.consultation, secretariat, unreachable)
    tree = _panel(as_user(secretariat), guest)

    linked = _cell(tree, guest.expert)
    assert linked.get("data-delivery-status") == "sent"
    assert linked.xpath(".//*[@data-link-invitation]")
    assert gettext("No account — invited by e-mail link") in linked.text_content()
    assert str(OutgoingEmail.Status.SENT.label) in linked.text_content()

    member = _cell(tree, world.expert)
    assert gettext("Account: notified in the application and by e-mail") in member.text_content()

    flagged = _cell(tree, unreachable)
    assert flagged.xpath(".//*[@data-unreachable]")
    assert flagged.get("data-delivery-status") is None


def test_a_failed_link_mail_shows_the_error_and_sends_again_with_a_new_link(
    world: Any, officer: Any, secretariat: Any, as_user: Any, settings: Any
) -> None:
    consultation = world.advance("in_review", officer=officer, secretariat=secretariat)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = _closed_port()
    settings.EMAIL_TIMEOUT = 2
    settings.EMAIL_MAX_ATTEMPTS = 1
    expert = guest_expert()
    invitation = invite(consultation, secretariat, expert)
    (failed,) = OutgoingEmail.objects.for_object(invitation)
    assert failed.status == OutgoingEmail.Status.FAILED

    client = as_user(secretariat)
    guest = Guest(consultation, expert, invitation, "")
    cell = _cell(_panel(client, guest), expert)
    assert cell.get("data-delivery-status") == "failed"
    assert str(OutgoingEmail.Status.FAILED.label) in cell.text_content()
    assert failed.last_error in cell.text_content()
    (button,) = cell.xpath(f".//button[@data-resend='{expert.pk}']")
    action = button.getparent().get("action")
    assert action == reverse(
        "consultations:invitation_resend", args=[consultation.pk, invitation.pk]
    )

    # The mail server is back: sending again makes a new link, which arrives.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox.clear()
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert client.post(action).status_code == 302
    (message,) = mail.outbox
    assert links.link_state(links.link_find(token_in(message.body))) == LinkState.OPEN
    cell = _cell(_panel(client, guest), expert)
    assert cell.get("data-delivery-status") == "sent"
    assert not cell.xpath(".//button[@data-resend]")


def test_the_invitations_table_reads_a_fixed_number_of_queries(
    guest: Guest, secretariat: Any, as_user: Any
) -> None:
    client = as_user(secretariat)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    url = reverse("consultations:panel", args=[guest.consultation.pk])

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    few = count()
    for index in range(8):
        invite(guest.consultation, secretariat, guest_expert(email=f"khach{index}@example.vn"))
    invite(guest.consultation, secretariat, ExpertFactory.create(email=""))
    assert count() == few


def test_only_the_secretariat_sees_the_delivery_of_invitations(
    guest: Guest, secretariat: Any, expert_user: Any, officer: Any, as_user: Any
) -> None:
    url = reverse("consultations:panel", args=[guest.consultation.pk])
    assert as_user(secretariat).get(url).status_code == 200
    # The chair and the agency read the consultation but not the panel page.
    assert as_user(expert_user).get(url).status_code == 403
    assert as_user(officer).get(url).status_code == 403
    detail = as_user(expert_user).get(guest.consultation.get_absolute_url()).content.decode()
    assert "data-delivery" not in detail
