"""Synthesis, report and responses through HTTP."""

from __future__ import annotations

import pytest
from django.urls import reverse

from thamvan.consultations.models import Consultation, State
from thamvan.consultations.services import outcome as outcome_services
from thamvan.consultations.services import synthesis as synthesis_services

pytestmark = pytest.mark.django_db


def test_the_chair_groups_items_and_saves_the_synthesis(
    world, officer, secretariat, expert_user, as_user
):
    world.advance("synthesizing", officer=officer, secretariat=secretariat)
    url = reverse("consultations:synthesis", args=[world.consultation.pk])
    client = as_user(expert_user)
    for grouping in ("question", "section", "topic", "verdict"):
        assert client.get(url, {"by": grouping}).status_code == 200
    item = outcome_services.items_to_answer(world.consultation).get()
    response = client.post(
        url,
        {
            "lock_version": 0,
            "introduction": "Mở đầu",
            "conclusions": "Kết luận",
            "recommendations": "Kiến nghị",
            f"topic_{item.pk}": "Giao thông tĩnh",
        },
    )
    assert response.status_code == 302
    item.refresh_from_db()
    world.consultation.refresh_from_db()
    assert item.topic == "Giao thông tĩnh" and world.consultation.conclusions == "Kết luận"
    stale = client.post(url, {"lock_version": 0, "conclusions": "Ghi đè"})
    assert stale.status_code == 200
    world.consultation.refresh_from_db()
    assert world.consultation.conclusions == "Kết luận"


@pytest.mark.parametrize("persona", ["officer", "other_expert_user", "leadership"])
def test_others_may_not_open_the_synthesis(world, officer, secretariat, persona, request, as_user):
    world.advance("synthesizing", officer=officer, secretariat=secretariat)
    url = reverse("consultations:synthesis", args=[world.consultation.pk])
    assert as_user(request.getfixturevalue(persona)).get(url).status_code == 403


@pytest.fixture
def synthesized(world, officer, secretariat, expert_user):
    """A consultation whose synthesis is written, ready for its report to be issued."""
    world.advance("synthesizing", officer=officer, secretariat=secretariat)
    synthesis_services.synthesis_save(
        actor=expert_user,
        consultation=world.consultation,
        lock_version=0,
        introduction="",
        conclusions="Kết luận",
        recommendations="",
    )
    return world


def test_the_secretariat_issues_the_report_and_the_chair_may_not(
    synthesized, secretariat, expert_user, as_user
):
    world = synthesized
    url = reverse("consultations:issue_report", args=[world.consultation.pk])
    assert as_user(expert_user).post(url).status_code == 403
    assert as_user(secretariat).post(url, {"report_number": "15"}).status_code == 302
    world.consultation.refresh_from_db()
    assert (world.consultation.state, world.consultation.report_number) == (State.REPORTED, "15")


def test_the_agency_answers_every_item_then_closes_the_consultation(
    world, officer, secretariat, leadership, as_user
):
    world.advance("reported", officer=officer, secretariat=secretariat)
    url = reverse("consultations:responses", args=[world.consultation.pk])
    item = outcome_services.items_to_answer(world.consultation).get()
    prefix = f"item{item.pk}"
    assert as_user(leadership).get(url).status_code == 200
    assert (
        as_user(leadership).post(url, {"item": item.pk, f"{prefix}-result": "accepted"}).status_code
        == 403
    )
    missing = as_user(officer).post(
        url, {"item": item.pk, f"{prefix}-result": "partly_accepted", f"{prefix}-lock_version": 0}
    )
    assert (
        missing.status_code == 200 and "Explain" in missing.content.decode()
    ) or "Giải" in missing.content.decode()
    done = as_user(officer).post(
        url,
        {
            "item": item.pk,
            f"{prefix}-result": "partly_accepted",
            f"{prefix}-explanation": "Bổ sung 2 bãi",
            f"{prefix}-lock_version": 0,
        },
    )
    assert done.status_code == 302
    assert Consultation.objects.get(pk=world.consultation.pk).state == State.RESPONDING
    close = reverse("consultations:transition", args=[world.consultation.pk, "close"])
    assert as_user(leadership).post(close).status_code == 403
    assert as_user(officer).post(close).status_code == 302
    assert Consultation.objects.get(pk=world.consultation.pk).state == State.CLOSED


def test_other_organisations_get_404_on_the_responses(
    world, officer, secretariat, other_officer, as_user
):
    world.advance("reported", officer=officer, secretariat=secretariat)
    url = reverse("consultations:responses", args=[world.consultation.pk])
    assert as_user(other_officer).get(url).status_code == 404


def test_a_report_number_too_long_is_refused_not_dropped(synthesized, secretariat, as_user):
    world = synthesized
    url = reverse("consultations:issue_report", args=[world.consultation.pk])
    response = as_user(secretariat).post(url, {"report_number": "9" * 31})
    assert response.status_code == 302
    world.consultation.refresh_from_db()
    assert world.consultation.state == State.SYNTHESIZING
    assert world.consultation.report_number == ""
