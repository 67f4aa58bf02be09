"""The consultation journey with the keyboard alone (Tab, Enter, Space, arrows) in Chromium,
and the reading of the dashboard: text size and one column per card."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from thamvan.accounts.models import User
from thamvan.consultations.models import Consultation, Opinion, Response, State
from thamvan.core.tests.test_accessibility import _load_demo


def _tab_to(page: Any, selector: str, limit: int = 200) -> None:
    """Press Tab until the focus reaches an element matching the selector."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            # The keyboard user sees where they are.
            outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
            assert outline != "none", selector
            return
    pytest.fail(f"Tab never reached {selector}")


def _offline(page: Any, live_server: Any) -> Any:
    # Map tiles come from the internet; the test stays on the live server.
    page.context.route(lambda url: not url.startswith(live_server.url), lambda route: route.abort())
    return page


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_consultation_journey_works_with_the_keyboard_alone(
    page_for: Any, live_server: Any
) -> None:
    _load_demo()
    expert = User.objects.get(email="chuyengia@thamvan.example")
    in_review = Consultation.objects.filter(state=State.IN_REVIEW).order_by("pk").first()
    assert in_review is not None

    # The skip link is the first stop and leads into the main content.
    page = _offline(page_for(expert), live_server)
    page.goto(in_review.get_absolute_url())
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.className") == "skip-link"
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main"

    # From the consultation page to the opinion form.
    _tab_to(page, "a[href$='/opinion/']")
    page.keyboard.press("Enter")
    page.wait_for_url("**/opinion/")

    # The verdict with the arrows, the remarks and the first answer typed, then submitted.
    _tab_to(page, "#id_verdict")
    page.keyboard.press("ArrowDown")
    _tab_to(page, "#id_summary")
    page.keyboard.type("Nhất trí với hồ sơ.")
    _tab_to(page, "textarea[name^='answer_']")
    page.keyboard.type("Phù hợp với quy hoạch chung.")
    _tab_to(page, "#submit-opinion")
    with page.expect_navigation():
        page.keyboard.press("Space")
    opinion = Opinion.objects.get(consultation=in_review, expert__user=expert)
    assert opinion.state == Opinion.Status.SUBMITTED
    assert opinion.summary == "Nhất trí với hồ sơ."

    # Signing the next persona in writes a session: first let the live server finish the
    # requests the opinion page started (SQLite's shared in-memory test database locks
    # a table for the length of a request instead of waiting).
    page.wait_for_load_state("networkidle")

    # The agency answers a remark on the response table.
    officer = User.objects.get(email="canbo@thamvan.example")
    responding = Consultation.objects.get(state=State.RESPONDING)
    answered = Response.objects.filter(item__opinion__consultation=responding).count()
    agency = _offline(page_for(officer), live_server)
    agency.goto(reverse("consultations:responses", args=[responding.pk]))
    _tab_to(agency, "tr[data-answered=false] select")
    agency.keyboard.press("ArrowDown")
    agency.wait_for_selector("tr .response-status:has-text('Đã lưu')")
    assert Response.objects.filter(item__opinion__consultation=responding).count() == answered + 1


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_dashboard_text_is_at_least_12_px_and_each_card_reads_in_one_column(
    page_for: Any, live_server: Any
) -> None:
    _load_demo()
    page = _offline(page_for(User.objects.get(email="lanhdao@thamvan.example")), live_server)
    page.goto(reverse("dashboard:index"))

    sizes = page.evaluate(
        """() => [...document.querySelectorAll('.dashboard-group *')]
            .filter(e => [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim()))
            .map(e => parseFloat(getComputedStyle(e).fontSize))"""
    )
    assert sizes
    assert min(sizes) >= 12
    # Within a card every figure starts at the same left edge: no text split across columns.
    lefts = page.evaluate(
        """() => [...document.querySelectorAll('.dashboard-group')].map(card =>
            [...new Set([...card.querySelectorAll('.figure-list li')]
                .map(li => Math.round(li.getBoundingClientRect().left)))].length)"""
    )
    assert lefts
    assert max(lefts) == 1
