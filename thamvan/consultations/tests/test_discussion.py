"""The panel discussion's rule, model and service: who reads, who posts, what is recorded
and who is told."""

from __future__ import annotations

from typing import Any

import pytest
from django.db.models import ProtectedError

from thamvan.audit.models import AuditEntry
from thamvan.consultations import access, lifecycle
from thamvan.consultations.lifecycle import NOT_ALLOWED, ConsultationError
from thamvan.consultations.models import DiscussionMessage, State
from thamvan.consultations.services import synthesis as synthesis_services
from thamvan.consultations.services.discussion import (
    MESSAGE_REQUIRED,
    MESSAGE_TOO_LONG,
    NOTIFICATION_KIND,
    REPLY_ELSEWHERE,
    discussion_post,
)
from thamvan.consultations.tests.discussion_world import NON_READERS, READERS, Panel
from thamvan.consultations.tests.factories import ConsultationFactory
from thamvan.notifications.models import Notification

pytestmark = pytest.mark.django_db


def _footprint() -> tuple[int, int, int]:
    return (
        DiscussionMessage.objects.count(),
        AuditEntry.objects.count(),
        Notification.objects.count(),
    )


@pytest.mark.parametrize("persona", READERS)
def test_the_chair_secretariat_and_submitted_members_read_and_post(
    panel: Panel, persona: str
) -> None:
    user = panel.users[persona]
    assert access.discussion_visible_to(user, panel.consultation)
    message = discussion_post(actor=user, consultation=panel.consultation, body="Ý kiến.")
    assert message.author == user
    assert AuditEntry.objects.filter(
        action="discussion_message.posted", target_id=str(message.pk)
    ).exists()


@pytest.mark.parametrize("persona", NON_READERS)
def test_everyone_else_neither_reads_nor_posts_and_nothing_is_recorded(
    panel: Panel, persona: str
) -> None:
    user = panel.users[persona]
    assert not access.discussion_visible_to(user, panel.consultation)
    before = _footprint()
    with pytest.raises(ConsultationError) as error:
        discussion_post(actor=user, consultation=panel.consultation, body="Xin chào.")
    assert error.value.code == "forbidden"
    assert " ".join(error.value.messages) == str(NOT_ALLOWED)
    assert _footprint() == before


def test_only_the_waiting_member_is_told_the_discussion_opens_on_submission(
    panel: Panel,
) -> None:
    told = {
        name
        for name, user in panel.users.items()
        if access.discussion_opens_on_submission(user, panel.consultation)
    }
    assert told == {"waiting_member"}


def test_the_discussion_is_written_in_review_and_synthesis_only(
    world: Any, officer: Any, secretariat: Any
) -> None:
    assert lifecycle.ACTIONS["discuss"].from_states == {State.IN_REVIEW, State.SYNTHESIZING}
    world.advance("synthesizing", officer=officer, secretariat=secretariat)
    discussion_post(actor=secretariat, consultation=world.consultation, body="Tổng hợp.")
    synthesis_services.synthesis_save(
        actor=secretariat,
        consultation=world.consultation,
        lock_version=world.consultation.synthesis_lock_version,
        introduction="",
        conclusions="Đạt.",
        recommendations="",
    )
    synthesis_services.consultation_issue_report(
        actor=secretariat, consultation=world.consultation, report_number="7"
    )
    before = _footprint()
    with pytest.raises(ConsultationError) as error:
        discussion_post(actor=secretariat, consultation=world.consultation, body="Muộn.")
    assert error.value.code == "state"
    assert _footprint() == before
    # Still readable afterwards: it is the record of the review.
    assert access.discussion_visible_to(secretariat, world.consultation)


def test_only_the_chair_marks_the_conclusion(panel: Panel) -> None:
    conclusion = discussion_post(
        actor=panel.users["chair"],
        consultation=panel.consultation,
        body="Kết luận: hồ sơ đạt yêu cầu.",
        is_conclusion=True,
    )
    assert conclusion.is_conclusion
    assert conclusion.author_role == DiscussionMessage.Role.CHAIR
    before = _footprint()
    for persona in ("secretariat", "submitted_member"):
        with pytest.raises(ConsultationError) as error:
            discussion_post(
                actor=panel.users[persona],
                consultation=panel.consultation,
                body="Kết luận khác.",
                is_conclusion=True,
            )
        assert error.value.code == "forbidden"
    assert _footprint() == before


def test_the_body_is_nfc_trimmed_required_and_bounded(panel: Panel) -> None:
    chair = panel.users["chair"]
    decomposed = "  Quy hoa\u0323ch giao thông  "
    message = discussion_post(actor=chair, consultation=panel.consultation, body=decomposed)
    message.refresh_from_db()
    assert message.body == "Quy hoạch giao thông"
    before = _footprint()
    too_long = str(MESSAGE_TOO_LONG) % {"limit": 5000}
    for body, expected in ((" \n ", str(MESSAGE_REQUIRED)), ("a" * 5001, too_long)):
        with pytest.raises(ConsultationError) as error:
            discussion_post(actor=chair, consultation=panel.consultation, body=body)
        assert error.value.code == "body"
        assert " ".join(error.value.messages) == expected
    assert _footprint() == before


def test_a_reply_must_belong_to_the_same_discussion(
    panel: Panel, secretariat: Any, officer: Any
) -> None:
    chair = panel.users["chair"]
    first = discussion_post(actor=chair, consultation=panel.consultation, body="Câu hỏi?")
    reply = discussion_post(
        actor=panel.users["submitted_member"],
        consultation=panel.consultation,
        body="Trả lời.",
        reply_to=first,
    )
    assert reply.reply_to == first
    elsewhere = ConsultationFactory.create(association=panel.consultation.association)
    stray = DiscussionMessage(consultation=elsewhere, author=secretariat, body="x")
    stray.save()
    with pytest.raises(ConsultationError) as error:
        discussion_post(
            actor=chair, consultation=panel.consultation, body="Sai chỗ.", reply_to=stray
        )
    assert " ".join(error.value.messages) == str(REPLY_ELSEWHERE)


def test_messages_are_never_changed_or_deleted(panel: Panel) -> None:
    message = discussion_post(
        actor=panel.users["chair"], consultation=panel.consultation, body="Gốc."
    )
    message.body = "Sửa."
    with pytest.raises(ProtectedError):
        message.save()
    with pytest.raises(ProtectedError):
        message.delete()
    assert DiscussionMessage.objects.get(pk=message.pk).body == "Gốc."


def test_the_other_participants_are_told_once_until_they_read(
    panel: Panel, django_capture_on_commit_callbacks: Any
) -> None:
    chair = panel.users["chair"]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        discussion_post(actor=chair, consultation=panel.consultation, body="Mời thảo luận.")
    assert callbacks, "the e-mails leave on commit"
    told = set(
        Notification.objects.filter(kind=NOTIFICATION_KIND).values_list("recipient", flat=True)
    )
    expected = {panel.users["secretariat"].pk, panel.users["submitted_member"].pk}
    assert told == expected
    # A lively thread adds nothing while the notice is unread...
    discussion_post(actor=chair, consultation=panel.consultation, body="Thêm một ý.")
    assert Notification.objects.filter(kind=NOTIFICATION_KIND).count() == 2
    # ...and the author of a message is not told of it.
    discussion_post(
        actor=panel.users["submitted_member"], consultation=panel.consultation, body="Đồng ý."
    )
    member = panel.users["submitted_member"]
    assert Notification.objects.filter(kind=NOTIFICATION_KIND, recipient=member).count() == 1
    chair_notices = Notification.objects.filter(kind=NOTIFICATION_KIND, recipient=chair)
    assert chair_notices.count() == 1
    # Once read, the next message notifies again.
    chair_notices.update(read_at=panel.consultation.updated_at)
    discussion_post(
        actor=panel.users["secretariat"], consultation=panel.consultation, body="Đã nhận."
    )
    assert chair_notices.count() == 2
