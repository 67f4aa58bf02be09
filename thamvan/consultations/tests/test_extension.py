"""Extending the answer deadline: who may, when, with what; the timeline, the notices, the
reminders that follow the new date, and the page and the API that take it."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from thamvan.audit.models import AuditEntry
from thamvan.consultations import lifecycle
from thamvan.consultations.lifecycle import ConsultationError
from thamvan.consultations.models import Consultation, Transition
from thamvan.consultations.services import outcome as outcome_services
from thamvan.consultations.services import requests as request_services
from thamvan.consultations.tests.conftest import World
from thamvan.consultations.tests.test_lifecycle_agreement import SCENARIOS, _build, _footprint
from thamvan.notifications.models import Notification

pytestmark = pytest.mark.django_db


def _later(consultation: Consultation, days: int = 10) -> date:
    assert consultation.deadline is not None
    return consultation.deadline + timedelta(days=days)


def test_the_secretariat_extends_and_everyone_concerned_is_told(
    world: World, officer: Any, secretariat: Any, expert_user: Any, other_expert_user: Any
) -> None:
    consultation = world.advance("in_review", officer=officer, secretariat=secretariat)
    old = consultation.deadline
    assert old is not None
    new = _later(consultation)
    request_services.consultation_extend_deadline(
        actor=secretariat, consultation=consultation, deadline=new, reason="Hồ sơ bổ sung."
    )
    consultation.refresh_from_db()
    assert consultation.deadline == new
    entry = Transition.objects.filter(consultation=consultation).latest("pk")
    assert (entry.action, entry.reason, entry.deadline_change) == (
        "deadline_extended",
        "Hồ sơ bổ sung.",
        (old, new),
    )
    audit = AuditEntry.objects.get(action="consultation.deadline_extended")
    assert audit.details["new_deadline"] == new.isoformat()
    told = set(
        Notification.objects.filter(kind="deadline_extended").values_list("recipient", flat=True)
    )
    assert {officer.pk, secretariat.pk, expert_user.pk, other_expert_user.pk} <= told
    message = Notification.objects.filter(kind="deadline_extended").first()
    assert message is not None and new.strftime("%d/%m/%Y") in message.message


def test_the_new_date_must_be_later_and_not_past_and_the_reason_given(
    world: World, officer: Any, secretariat: Any
) -> None:
    consultation = world.advance("accepted", officer=officer, secretariat=secretariat)
    today = timezone.localdate()
    assert consultation.deadline is not None

    def refusal(deadline: date, reason: str = "Lý do.") -> ConsultationError:
        with pytest.raises(ConsultationError) as error:
            request_services.consultation_extend_deadline(
                actor=officer, consultation=consultation, deadline=deadline, reason=reason
            )
        return error.value

    same = refusal(consultation.deadline)
    assert same.code == "deadline"
    assert consultation.deadline.strftime("%d/%m/%Y") in same.messages[0]
    assert refusal(today - timedelta(days=1)).code == "deadline"
    assert refusal(today - timedelta(days=1)).messages == [str(lifecycle.DEADLINE_IN_PAST)]
    assert refusal(_later(consultation), reason=" ").code == "reason"
    assert Transition.objects.filter(action="deadline_extended").count() == 0


def test_an_overdue_consultation_gets_its_own_reminders_after_the_extension(
    world: World, officer: Any, secretariat: Any, other_expert_user: Any
) -> None:
    consultation = world.advance("in_review", officer=officer, secretariat=secretariat)
    old = consultation.deadline
    assert old is not None
    # The old deadline passes: the consultation is flagged overdue.
    outcome_services.deadlines_check(today=old + timedelta(days=1))
    consultation.refresh_from_db()
    assert consultation.overdue
    Consultation.objects.filter(pk=consultation.pk).update(deadline=timezone.localdate())
    consultation.refresh_from_db()
    new = timezone.localdate() + timedelta(days=5)
    request_services.consultation_extend_deadline(
        actor=secretariat, consultation=consultation, deadline=new, reason="Thêm thời gian."
    )
    consultation.refresh_from_db()
    assert not consultation.overdue

    def reminders() -> int:
        return Notification.objects.filter(kind="reminder", recipient=other_expert_user).count()

    # Where the old date had a reminder, nothing fires; the new date has its own.
    before = reminders()
    outcome_services.deadlines_check(today=timezone.localdate() - timedelta(days=1))
    assert reminders() == before
    outcome_services.deadlines_check(today=new - timedelta(days=3))
    outcome_services.deadlines_check(today=new - timedelta(days=1))
    assert reminders() == before + 2
    assert Notification.objects.filter(dedupe_key__contains=f":{new}:").count() >= 2
    consultation.refresh_from_db()
    assert not consultation.overdue


def test_the_agency_extends_on_the_page_and_the_timeline_shows_both_dates(
    world: World,
    officer: Any,
    secretariat: Any,
    leadership: Any,
    expert_user: Any,
    other_officer: Any,
    as_user: Callable[[Any], Client],
) -> None:
    consultation = world.advance("panel_forming", officer=officer, secretariat=secretariat)
    old = consultation.deadline
    new = _later(consultation)
    url = reverse("consultations:extend_deadline", args=[consultation.pk])
    data = {"deadline": new.isoformat(), "reason": "Chờ ý kiến Sở Xây dựng."}
    page = as_user(officer).get(consultation.get_absolute_url())
    assert b'id="extend-deadline"' in page.content
    for user in (leadership, expert_user):
        detail = as_user(user).get(consultation.get_absolute_url())
        assert b'id="extend-deadline"' not in detail.content
        assert as_user(user).post(url, data).status_code == 403
    assert as_user(other_officer).post(url, data).status_code == 404
    assert Consultation.objects.get(pk=consultation.pk).deadline == old

    done = as_user(officer).post(url, data, follow=True)
    assert done.status_code == 200
    assert Consultation.objects.get(pk=consultation.pk).deadline == new
    text = done.content.decode()
    assert new.strftime("%d/%m/%Y") in text
    assert old is not None and old.strftime("%d/%m/%Y") in text
    assert "Chờ ý kiến Sở Xây dựng." in text


@pytest.mark.parametrize(
    "data",
    [
        {"deadline": "", "reason": "Lý do."},
        {"deadline": "31/02/2026", "reason": "Lý do."},
        {"deadline": "9999-12-31", "reason": "Lý do."},
        {"deadline": "2030-01-01", "reason": ""},
        {"deadline": "2000-01-01", "reason": "Lý do."},
    ],
)
def test_bad_input_on_the_page_is_a_message_and_changes_nothing(
    world: World,
    officer: Any,
    secretariat: Any,
    as_user: Callable[[Any], Client],
    data: dict[str, str],
) -> None:
    consultation = world.advance("accepted", officer=officer, secretariat=secretariat)
    url = reverse("consultations:extend_deadline", args=[consultation.pk])
    response = as_user(secretariat).post(url, data, follow=True)
    assert response.status_code == 200
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    assert Consultation.objects.get(pk=consultation.pk).deadline == consultation.deadline
    assert not Transition.objects.filter(action="deadline_extended").exists()


def test_the_api_extends_and_refuses_like_the_page(
    world: World,
    officer: Any,
    secretariat: Any,
    leadership: Any,
    other_officer: Any,
    api_client: Callable[[Any], Client],
) -> None:
    consultation = world.advance("in_review", officer=officer, secretariat=secretariat)
    url = f"/api/v1/consultations/{consultation.pk}/extend"
    new = _later(consultation)

    def post(user: Any, **payload: Any) -> Any:
        body = {"deadline": new.isoformat(), "reason": "Lý do."} | payload
        return api_client(user).post(url, body, content_type="application/json")

    assert post(leadership).status_code == 403
    assert post(other_officer).status_code == 404
    same = post(secretariat, deadline=consultation.deadline.isoformat())  # type: ignore[union-attr]
    assert (same.status_code, same.json()["code"]) == (422, "deadline")
    assert post(secretariat, reason="").json()["code"] == "reason"
    done = post(secretariat)
    assert done.status_code == 200, done.content
    assert done.json()["deadline"] == new.isoformat()
    timeline = api_client(officer).get(f"/api/v1/consultations/{consultation.pk}/transitions")
    assert timeline.json()[-1]["data"] == {
        "old_deadline": consultation.deadline.isoformat(),  # type: ignore[union-attr]
        "new_deadline": new.isoformat(),
    }


PERSONAS = ("secretariat", "officer", "other_officer", "member", "leadership", "admin_user")


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_service_page_and_api_agree_on_who_extends_in_which_state(
    scenario: str,
    world: World,
    officer: Any,
    other_officer: Any,
    secretariat: Any,
    other_expert_user: Any,
    leadership: Any,
    admin_user: Any,
    as_user: Callable[[Any], Client],
    api_client: Callable[[Any], Client],
) -> None:
    users = {
        "secretariat": secretariat,
        "officer": officer,
        "other_officer": other_officer,
        "member": other_expert_user,
        "leadership": leadership,
        "admin_user": admin_user,
    }
    _build(scenario, world, officer, secretariat)
    allowed_by = []
    for name in PERSONAS:
        user = users[name]
        consultation = Consultation.objects.get(pk=world.consultation.pk)
        expected = lifecycle.can("extend_deadline", user, consultation) and not lifecycle.unmet(
            "extend_deadline", consultation
        )
        if expected:
            allowed_by.append(name)
        new = (consultation.deadline or timezone.localdate()) + timedelta(days=7)
        payload = {"deadline": new.isoformat(), "reason": "Lý do."}
        for channel in ("service", "page", "api"):
            with transaction.atomic():
                before = _footprint(consultation)
                fresh = Consultation.objects.get(pk=consultation.pk)
                if channel == "service":
                    with contextlib.suppress(ConsultationError):
                        request_services.consultation_extend_deadline(
                            actor=user, consultation=fresh, deadline=new, reason="Lý do."
                        )
                elif channel == "page":
                    url = reverse("consultations:extend_deadline", args=[fresh.pk])
                    status = as_user(user).post(url, payload).status_code
                    assert status in (302, 403, 404)
                else:
                    url = f"/api/v1/consultations/{fresh.pk}/extend"
                    status = api_client(user).post(url, payload, "application/json").status_code
                    assert status in (200, 403, 404, 422)
                done = Consultation.objects.get(pk=fresh.pk).deadline == new
                after = _footprint(consultation)
                transaction.set_rollback(True)
            where = f"extend in {scenario} by {name} through the {channel}"
            assert done == expected, where
            if expected:
                assert after[1] > before[1] and after[2] > before[2], where
            else:
                assert after == before, where
    running = scenario in ("accepted", "panel_forming", "panel_forming_without_chair", "in_review")
    assert allowed_by == (["secretariat", "officer", "admin_user"] if running else [])
