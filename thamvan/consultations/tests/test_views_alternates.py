"""The alternates on the panel page: the proposal for each vacated seat, its one-click
invitation (a small form when a rule needs a reason) and the automatic setting."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from lxml import html

from thamvan.consultations.models import Consultation, Invitation, Transition
from thamvan.consultations.services import alternates as alternate_services
from thamvan.consultations.tests.alternates_world import (
    CONFLICT_REFUSAL,
    Seats,
    decline_first,
    english,
    footprint,
    other_secretariat,
    seats,
    vacated,
)
from thamvan.experts.tests.factories import (
    ConflictDeclarationFactory,
    ExpertFactory,
    UnavailablePeriodFactory,
)

__all__ = ["other_secretariat", "seats", "vacated"]


pytestmark = pytest.mark.django_db


def _panel(consultation: Consultation) -> str:
    return reverse("consultations:panel", args=[consultation.pk])


def _invite_url(seats: Seats) -> str:
    return reverse("consultations:alternate_invite", args=[seats.consultation.pk, seats.first.pk])


def test_the_panel_page_proposes_an_alternate_for_the_declined_seat(
    vacated: Seats, as_user: Callable[[Any], Client], secretariat: Any
) -> None:
    response = english(as_user(secretariat)).get(_panel(vacated.consultation))
    tree = html.fromstring(response.content.decode())
    (vacancy,) = tree.xpath(f"//div[@id='vacancy-{vacated.first.pk}']")
    text = vacancy.text_content()
    assert "Trần Quốc Bảo: Declined." in text
    assert "Proposed alternate: Đỗ Minh Khôi — covers Giao thông" in " ".join(text.split())
    (form,) = vacancy.xpath(".//form")
    assert form.get("action") == _invite_url(vacated)
    assert form.xpath(".//input[@name='expert']/@value") == [str(vacated.best.pk)]
    # No rule holds the alternate back: one click, no reason asked.
    assert form.xpath(".//input[@name='reason']") == []
    assert tree.xpath("//form[@id='auto-alternates']//input[@name='enabled']")


def test_one_click_invites_the_alternate_and_returns_to_the_panel(
    vacated: Seats, as_user: Callable[[Any], Client], secretariat: Any
) -> None:
    client = english(as_user(secretariat))
    response = client.post(_invite_url(vacated), {"expert": vacated.best.pk})
    assert response.status_code == 302 and response["Location"] == _panel(vacated.consultation)
    alternate = Invitation.objects.get(replaces=vacated.first)
    assert alternate.expert == vacated.best and alternate.invited_by == secretariat
    page = client.get(_panel(vacated.consultation)).content.decode()
    assert "Đỗ Minh Khôi was invited in place of Trần Quốc Bảo." in page
    assert f"vacancy-{vacated.first.pk}" not in page


def test_a_conflict_appearing_before_the_click_is_refused_with_the_next_proposal(
    vacated: Seats, as_user: Callable[[Any], Client], secretariat: Any
) -> None:
    ConflictDeclarationFactory(
        expert=vacated.best, dossier=vacated.consultation.dossier, reason="Cố vấn cho chủ đầu tư"
    )
    before = footprint(vacated)
    response = english(as_user(secretariat)).post(_invite_url(vacated), {"expert": vacated.best.pk})
    assert response.status_code == 200
    text = response.content.decode()
    assert CONFLICT_REFUSAL in text
    tree = html.fromstring(text)
    assert tree.xpath("//button[@data-alternate]/@data-alternate") == [str(vacated.second.pk)]
    assert footprint(vacated) == before


def test_an_alternate_needing_a_reason_gets_a_small_form_that_keeps_what_was_typed(
    seats: Seats, expert_user: Any, as_user: Callable[[Any], Client], secretariat: Any
) -> None:
    today = timezone.localdate()
    for expert in (seats.best, seats.second):
        UnavailablePeriodFactory.create(
            expert=expert, start_date=today, end_date=today + timedelta(days=60)
        )
    decline_first(seats, expert_user)
    (proposal,) = alternate_services.alternate_proposals(seats.consultation)
    client = english(as_user(secretariat))
    tree = html.fromstring(client.get(_panel(seats.consultation)).content.decode())
    (reason,) = tree.xpath(f"//div[@id='vacancy-{seats.first.pk}']//input[@name='reason']")
    assert reason.get("required") is not None
    assert tree.xpath(f"//label[@for='{reason.get('id')}']")
    assert tree.xpath(f"//div[@id='vacancy-{seats.first.pk}']//*[@data-warning]")

    refused = client.post(_invite_url(seats), {"expert": proposal.expert.pk, "reason": "  "})
    assert refused.status_code == 200
    assert "Record why you choose them all the same." in refused.content.decode()
    assert not Invitation.objects.filter(replaces=seats.first).exists()

    # A conflict appears meanwhile: the refusal keeps the reason typed.
    ConflictDeclarationFactory(
        expert=proposal.expert, dossier=seats.consultation.dossier, reason="Cố vấn"
    )
    refused = client.post(
        _invite_url(seats), {"expert": proposal.expert.pk, "reason": "Cần người thay ngay."}
    )
    tree = html.fromstring(refused.content.decode())
    assert tree.xpath("//div[@class='form-errors']")
    assert tree.xpath("//input[@name='reason']/@value") == ["Cần người thay ngay."]

    (proposal,) = alternate_services.alternate_proposals(seats.consultation)
    invited = client.post(
        _invite_url(seats), {"expert": proposal.expert.pk, "reason": "Cần người thay ngay."}
    )
    assert invited.status_code == 302
    alternate = Invitation.objects.get(replaces=seats.first)
    assert alternate.override_reason == "Cần người thay ngay."


@pytest.mark.parametrize("value", ["", "abc", "-3", "99999999999", "0"])
def test_a_bad_expert_id_is_refused_with_a_message_and_changes_nothing(
    value: str, vacated: Seats, as_user: Callable[[Any], Client], secretariat: Any
) -> None:
    before = footprint(vacated)
    response = english(as_user(secretariat)).post(_invite_url(vacated), {"expert": value})
    assert response.status_code == 200
    assert "Please correct the errors below." in response.content.decode()
    assert footprint(vacated) == before


def test_an_inactive_expert_is_refused(
    vacated: Seats, as_user: Callable[[Any], Client], secretariat: Any
) -> None:
    retired = ExpertFactory.create(full_name="Ngô Văn Nghỉ", is_active=False)
    response = english(as_user(secretariat)).post(_invite_url(vacated), {"expert": retired.pk})
    assert "No active expert has this id." in response.content.decode()


def test_the_alternate_page_says_when_no_seat_waits_here(
    vacated: Seats, as_user: Callable[[Any], Client], secretariat: Any
) -> None:
    client = english(as_user(secretariat))
    url = reverse(
        "consultations:alternate_invite",
        args=[vacated.consultation.pk, vacated.second_invitation.pk],
    )
    page = client.get(url)
    assert page.status_code == 200
    assert "No seat is waiting for an alternate here." in page.content.decode()
    refused = client.post(url, {"expert": vacated.best.pk})
    assert (
        "Only a declined or expired invitation can be replaced by an alternate."
        in refused.content.decode()
    )


def test_without_a_vacated_seat_the_panel_page_shows_no_alternates(
    seats: Seats, as_user: Callable[[Any], Client], secretariat: Any
) -> None:
    page = as_user(secretariat).get(_panel(seats.consultation)).content.decode()
    assert 'class="alternates"' not in page and "auto-alternates" not in page


def test_the_consultation_page_offers_the_setting_to_the_secretariat_only(
    seats: Seats, as_user: Callable[[Any], Client], secretariat: Any, officer: Any
) -> None:
    url = seats.consultation.get_absolute_url()
    client = english(as_user(secretariat))
    tree = html.fromstring(client.get(url).content.decode())
    (form,) = tree.xpath("//form[@id='auto-alternates']")
    assert form.xpath(".//input[@name='return_to']/@value") == ["detail"]
    response = client.post(
        reverse("consultations:auto_alternates", args=[seats.consultation.pk]),
        {"enabled": "on", "return_to": "detail"},
    )
    assert response.status_code == 302 and response["Location"] == url
    assert Consultation.objects.get(pk=seats.consultation.pk).auto_invite_alternates
    agency = as_user(officer).get(url).content.decode()
    assert "auto-alternates" not in agency


def test_the_automatic_setting_is_saved_from_the_panel_page(
    vacated: Seats, as_user: Callable[[Any], Client], secretariat: Any
) -> None:
    client = english(as_user(secretariat))
    url = reverse("consultations:auto_alternates", args=[vacated.consultation.pk])
    response = client.post(url, {"enabled": "on"})
    assert response.status_code == 302
    vacated.consultation.refresh_from_db()
    assert vacated.consultation.auto_invite_alternates
    page = client.get(_panel(vacated.consultation)).content.decode()
    assert "Alternates will be invited automatically." in page
    tree = html.fromstring(page)
    assert tree.xpath("//form[@id='auto-alternates']//input[@name='enabled']/@checked")
    client.post(url, {})
    vacated.consultation.refresh_from_db()
    assert not vacated.consultation.auto_invite_alternates
    assert [
        t.action
        for t in Transition.objects.filter(
            consultation=vacated.consultation, action__startswith="auto_alternates"
        )
    ] == ["auto_alternates_on", "auto_alternates_off"]


# Who may act: the secretariat the request was sent to (administrators too). The agency,
# leadership and a member still on the panel read the consultation but may not (403);
# the rest may not read it (404), the expert who declined included.
REFUSED = {
    "officer": 403,
    "leadership": 403,
    "other_expert_user": 403,
    "expert_user": 404,
    "other_officer": 404,
    "other_secretariat": 404,
    "outsider": 404,
}
ALLOWED = ("secretariat", "admin_user")


def _act(client: Client, action: str, seats: Seats) -> Any:
    if action == "page":
        return client.get(_invite_url(seats))
    if action == "invite":
        return client.post(_invite_url(seats), {"expert": seats.best.pk})
    return client.post(
        reverse("consultations:auto_alternates", args=[seats.consultation.pk]), {"enabled": "on"}
    )


@pytest.mark.parametrize("allowed", ALLOWED)
@pytest.mark.parametrize("action", ["page", "invite", "auto"])
def test_only_the_secretariat_reaches_the_alternates_side_by_side_with_everyone_else(
    action: str,
    allowed: str,
    vacated: Seats,
    other_secretariat: Any,
    request: pytest.FixtureRequest,
    as_user: Callable[[Any], Client],
) -> None:
    for name, status in REFUSED.items():
        before = footprint(vacated)
        response = _act(as_user(request.getfixturevalue(name)), action, vacated)
        assert response.status_code == status, name
        assert footprint(vacated) == before, name
    response = _act(as_user(request.getfixturevalue(allowed)), action, vacated)
    assert response.status_code == (200 if action == "page" else 302)
    if action == "invite":
        assert Invitation.objects.filter(replaces=vacated.first).exists()
    elif action == "auto":
        assert Consultation.objects.get(pk=vacated.consultation.pk).auto_invite_alternates


def test_the_panel_page_reads_a_bounded_number_of_queries_with_a_proposal(
    vacated: Seats, as_user: Callable[[Any], Client], secretariat: Any
) -> None:
    client = as_user(secretariat)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(_panel(vacated.consultation))
        assert f"vacancy-{vacated.first.pk}" in response.content.decode()
        return len(captured)

    few = queries()
    for _ in range(30):
        ExpertFactory.create(specialties=["giao-thong"])
    assert queries() == few
