"""The alternates in real Chromium: the proposal for a declined seat passes axe (WCAG 2.2
A and AA), fits a phone, and its small form invites the alternate with the reason typed."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from thamvan.consultations.models import Invitation
from thamvan.consultations.services import alternates as alternate_services
from thamvan.consultations.tests.alternates_world import Seats, decline_first, seats
from thamvan.core.tests.test_accessibility import _violations
from thamvan.experts.tests.factories import UnavailablePeriodFactory

__all__ = ["seats"]

PHONE = {"width": 390, "height": 844}


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_secretariat_invites_a_proposed_alternate_with_a_reason(
    page_for: Any, seats: Seats, expert_user: Any, secretariat: Any
) -> None:
    today = timezone.localdate()
    for expert in (seats.best, seats.second):
        UnavailablePeriodFactory.create(
            expert=expert, start_date=today, end_date=today + timedelta(days=60)
        )
    decline_first(seats, expert_user)
    (proposal,) = alternate_services.alternate_proposals(seats.consultation)
    assert proposal.needs_reason

    page = page_for(secretariat)
    page.goto(f"/consultations/{seats.consultation.pk}/panel/")
    vacancy = page.locator(f"#vacancy-{seats.first.pk}")
    assert str(proposal.expert) in vacancy.inner_text()
    assert _violations(page) == []
    page.set_viewport_size(PHONE)
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0

    vacancy.get_by_label("Lý do").fill("Cần người thay ngay trong tuần.")
    vacancy.locator("button[data-alternate]").click()
    page.wait_for_selector(".message-success")
    alternate = Invitation.objects.get(replaces=seats.first)
    assert alternate.expert == proposal.expert
    assert alternate.override_reason == "Cần người thay ngay trong tuần."
    assert page.locator(f"#vacancy-{seats.first.pk}").count() == 0
