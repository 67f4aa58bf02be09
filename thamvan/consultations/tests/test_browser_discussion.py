"""The panel discussion in real Chromium: hidden from a member until they submit, posted
without a reload, read by the chair, and its conclusion copied into the synthesis."""

from __future__ import annotations

from typing import Any

import pytest

from thamvan.consultations.models import DiscussionMessage
from thamvan.consultations.tests.conftest import World

CHAIR_MESSAGE = "Đề nghị các thành viên cho ý kiến về giao thông tĩnh."
MEMBER_MESSAGE = "Tôi đề xuất bổ sung hai bãi đỗ xe ngầm."
CONCLUSION = "Hồ sơ cơ bản đáp ứng yêu cầu, cần bổ sung giao thông tĩnh."


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_member_joins_the_discussion_after_submitting_and_the_chair_reads_it(
    page_for: Any,
    world: World,
    officer: Any,
    secretariat: Any,
    expert_user: Any,
    other_expert_user: Any,
) -> None:
    consultation = world.advance("in_review", officer=officer, secretariat=secretariat)
    url = consultation.get_absolute_url()

    # The chair opens the discussion; the message appears without leaving the page.
    chair = page_for(expert_user)
    chair.goto(url)
    chair.evaluate("window.stayedOnPage = true")
    chair.fill("#discussion-form textarea[name=body]", CHAIR_MESSAGE)
    chair.click("#post-message")
    chair.wait_for_selector(f"#discussion .discussion-body:has-text('{CHAIR_MESSAGE}')")
    assert chair.evaluate("window.stayedOnPage") is True

    # A member who has not submitted sees only that the discussion opens on submission.
    member = page_for(other_expert_user)
    member.goto(url)
    member.wait_for_selector("#discussion-closed")
    assert member.locator("#discussion-form").count() == 0
    assert CHAIR_MESSAGE not in member.content()

    # After submitting, the member reads the thread and answers, again without a reload.
    member.goto(f"/consultations/{consultation.pk}/opinion/")
    member.select_option("#id_verdict", "agree")
    member.wait_for_selector("#save-status p.muted")
    member.click("#submit-opinion")
    member.wait_for_selector("[data-state=in_review]")
    member.wait_for_selector(f"#discussion .discussion-body:has-text('{CHAIR_MESSAGE}')")
    member.evaluate("window.stayedOnPage = true")
    member.fill("#discussion-form textarea[name=body]", MEMBER_MESSAGE)
    member.click("#post-message")
    member.wait_for_selector(f"#discussion .discussion-body:has-text('{MEMBER_MESSAGE}')")
    assert member.evaluate("window.stayedOnPage") is True
    assert DiscussionMessage.objects.filter(author=other_expert_user).count() == 1

    # The chair sees the member's message.
    chair.goto(url)
    chair.wait_for_selector(f"#discussion .discussion-body:has-text('{MEMBER_MESSAGE}')")

    # In the synthesis the chair posts the conclusion and copies it into the conclusions.
    chair.click("[data-action=start_synthesis]")
    chair.wait_for_selector("[data-state=synthesizing]")
    chair.goto(f"/consultations/{consultation.pk}/synthesis/")
    chair.fill("#discussion-form textarea[name=body]", CONCLUSION)
    chair.check("#discussion-form input[name=is_conclusion]")
    chair.click("#post-message")
    chair.click("[data-copy-conclusion]")
    assert chair.input_value("#id_conclusions") == CONCLUSION
    chair.click("#save-synthesis")
    chair.wait_for_selector(".message-success")
    consultation.refresh_from_db()
    assert consultation.conclusions == CONCLUSION
