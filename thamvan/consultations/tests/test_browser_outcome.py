"""In real Chromium: the answer deadline extended from the consultation page, and the
agency answering every remark on one page, reviewing and confirming the close."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from thamvan.consultations.models import Consultation, Response, State
from thamvan.consultations.services import opinions as opinion_services
from thamvan.consultations.services import outcome as outcome_services
from thamvan.consultations.tests.conftest import World


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_agency_then_the_secretariat_extend_the_deadline_in_the_browser(
    page_for: Any, world: World, officer: Any, secretariat: Any
) -> None:
    consultation = world.advance("in_review", officer=officer, secretariat=secretariat)
    first = consultation.deadline
    assert first is not None
    later, latest = first + timedelta(days=7), first + timedelta(days=14)

    for user, new, reason in (
        (officer, later, "Chờ ý kiến Sở Xây dựng."),
        (secretariat, latest, "Tổ chuyên gia cần khảo sát hiện trường."),
    ):
        page = page_for(user)
        page.goto(consultation.get_absolute_url())
        page.click("summary[data-action=extend_deadline]")
        page.fill("#id_extension_deadline", new.isoformat())
        page.fill("#id_extension_reason", reason)
        page.click("#confirm-extension")
        page.wait_for_selector(".message-success")
        assert page.text_content("#consultation-deadline") == new.strftime("%d/%m/%Y")
        assert reason in (page.text_content(".timeline") or "")

    changes = page.locator(".timeline .deadline-change").all_text_contents()
    assert len(changes) == 2
    assert first.strftime("%d/%m/%Y") in changes[0] and later.strftime("%d/%m/%Y") in changes[0]
    assert later.strftime("%d/%m/%Y") in changes[1] and latest.strftime("%d/%m/%Y") in changes[1]
    assert Consultation.objects.get(pk=consultation.pk).deadline == latest


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_agency_answers_on_one_page_reviews_and_closes_in_the_browser(
    page_for: Any, world: World, officer: Any, secretariat: Any
) -> None:
    consultation = world.advance("synthesizing", officer=officer, secretariat=secretariat)
    opinion_services.opinion_record_offline(
        actor=secretariat,
        consultation=consultation,
        source="paper",
        verdict="conditions",
        author_name="Sở Giao thông vận tải",
        items=[opinion_services.OfflineItem(content="Bổ sung điểm dừng xe buýt.")],
    )
    consultation = world.advance("reported", officer=officer, secretariat=secretariat)
    first, second = outcome_services.items_to_answer(consultation).order_by("pk")

    agency = page_for(officer)
    agency.goto(f"/consultations/{consultation.pk}/responses/")
    # Set on this page only: a reload would lose it.
    agency.evaluate("window.samePage = true")
    agency.wait_for_selector("[data-unanswered='2']")
    agency.select_option(f"#item-{first.pk} select", "accepted")
    agency.wait_for_selector(f"#item-{first.pk}[data-answered=true]")
    agency.wait_for_selector("[data-unanswered='1']")
    # The close waits for the last answer, and says so.
    assert agency.locator("#review button[data-action=close]").is_disabled()

    row = f"#item-{second.pk}"
    agency.select_option(f"{row} select", "not_accepted")
    agency.wait_for_selector(f"{row} .form-errors")
    agency.fill(f"{row} textarea", "Tuyến xe buýt đã có trong quy hoạch giao thông.")
    agency.locator(f"{row} textarea").blur()
    agency.wait_for_selector(f"{row}[data-answered=true]")
    agency.wait_for_selector("[data-unanswered='0']")
    assert Consultation.objects.get(pk=consultation.pk).state == State.RESPONDING

    # Still open: an answer changes, then the agency reviews and confirms.
    agency.fill(f"#item-{first.pk} textarea", "Tiếp thu, bổ sung bãi đỗ xe ngầm.")
    agency.locator(f"#item-{first.pk} textarea").blur()
    agency.wait_for_selector(
        f"#item-{first.pk} input[name$=lock_version][value='2']", state="attached"
    )
    assert agency.evaluate("window.samePage") is True
    assert Response.objects.get(item=first).explanation == "Tiếp thu, bổ sung bãi đỗ xe ngầm."
    agency.click("#close-form button[data-action=close]")
    agency.wait_for_selector("[data-state=closed]")
    assert Consultation.objects.get(pk=consultation.pk).state == State.CLOSED
