"""Reminders of unanswered invitations: on the configured working days before the answer
date, once each however often the job runs, never after an answer or a revocation, one
timeline entry per run for the secretariat."""

from __future__ import annotations

import datetime as dt
from datetime import date
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from config.settings import envdays
from thamvan.consultations import access
from thamvan.consultations.deadlines import add_days
from thamvan.consultations.models import Invitation, Transition
from thamvan.consultations.services import panel as panel_services
from thamvan.consultations.services.reminders import invitations_remind, reminder_days
from thamvan.consultations.tests.conftest import World
from thamvan.notifications.models import Notification

pytestmark = pytest.mark.django_db

MONDAY = date(2026, 6, 1)
# Five working days later: the answer date.
NEXT_MONDAY = date(2026, 6, 8)
WEEK = [MONDAY + dt.timedelta(days=n) for n in range(8)]


def _sent_on(day: date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(9, 30)))


@pytest.fixture
def invited(world: World, officer: Any, secretariat: Any) -> list[Invitation]:
    """Both experts invited on a Monday of June 2026 (no holiday that fortnight)."""
    world.advance("accepted", officer=officer, secretariat=secretariat)
    invitations = panel_services.invitations_send(
        actor=secretariat,
        consultation=world.consultation,
        picks=[
            panel_services.Pick(expert=world.expert, override_reason="Tổ thường trực."),
            panel_services.Pick(expert=world.other_expert, override_reason="Tổ thường trực."),
        ],
    )
    Invitation.objects.filter(pk__in=[i.pk for i in invitations]).update(
        invited_at=_sent_on(MONDAY), respond_by=NEXT_MONDAY
    )
    for invitation in invitations:
        invitation.refresh_from_db()
    return invitations


def _reminders(user: Any) -> int:
    return Notification.objects.filter(
        recipient=user, kind="invitation", message__startswith=_reminder_start()
    ).count()


def _reminder_start() -> str:
    from django.conf import settings
    from django.utils import translation

    with translation.override(settings.LANGUAGE_CODE):
        return str(panel_services.REMINDER_MESSAGE).split("%(")[0]


def _entries(world: World) -> list[Transition]:
    return list(
        Transition.objects.filter(consultation=world.consultation, action="invitation_reminded")
    )


def test_the_answer_date_is_the_configured_number_of_working_days_away(
    world: World, officer: Any, secretariat: Any, settings: Any
) -> None:
    settings.INVITATION_ANSWER_DAYS = 3
    world.advance("accepted", officer=officer, secretariat=secretariat)
    (invitation,) = panel_services.invitations_send(
        actor=secretariat,
        consultation=world.consultation,
        picks=[panel_services.Pick(expert=world.expert, override_reason="Tổ thường trực.")],
    )
    today = timezone.localdate()
    assert invitation.respond_by == add_days(today, 3, "working")
    assert invitation.respond_by < add_days(today, 5, "working")


def test_reminders_fall_three_and_one_working_days_before_the_answer_date(
    invited: list[Invitation],
) -> None:
    # Wednesday and Friday: the weekend before the Monday does not count.
    assert reminder_days(invited[0]) == [date(2026, 6, 3), date(2026, 6, 5)]


def test_working_days_skip_the_public_holidays(invited: list[Invitation], settings: Any) -> None:
    settings.INVITATION_REMINDER_DAYS = [4]
    invitation = invited[0]
    invitation.invited_at = _sent_on(date(2026, 4, 28))
    invitation.respond_by = date(2026, 5, 7)
    # Back from Thursday 7 May: 6, 5 and 4 May, then over the weekend and 30 April–1 May.
    assert reminder_days(invitation) == [date(2026, 4, 29)]


def test_each_reminder_is_sent_once_on_its_day_however_often_the_job_runs(
    world: World, invited: list[Invitation], expert_user: Any, other_expert_user: Any
) -> None:
    sent_by_day = {}
    for day in WEEK:
        # Hourly: the job runs many times a day.
        sent_by_day[day] = sum(invitations_remind(day) for _ in range(3))
    assert {d: n for d, n in sent_by_day.items() if n} == {
        date(2026, 6, 3): 2,
        date(2026, 6, 5): 2,
    }
    assert _reminders(expert_user) == _reminders(other_expert_user) == 2
    assert {
        i.reminders_sent for i in Invitation.objects.filter(consultation=world.consultation)
    } == {2}


def test_one_timeline_entry_per_run_names_the_experts_reminded(
    world: World, invited: list[Invitation], secretariat: Any, officer: Any
) -> None:
    invitations_remind(date(2026, 6, 3))
    (entry,) = _entries(world)
    assert entry.actor is None
    assert entry.reason == "PGS.TS. Trần Quốc Bảo; KTS. Lê Thị Mai"
    assert entry.action_label
    # The secretariat reads the names; the agency sees that reminders went out.
    (shown,) = [
        t for t in access.timeline_visible_to(secretariat, world.consultation) if t.pk == entry.pk
    ]
    assert shown.reason == "PGS.TS. Trần Quốc Bảo; KTS. Lê Thị Mai"
    (hidden,) = [
        t for t in access.timeline_visible_to(officer, world.consultation) if t.pk == entry.pk
    ]
    assert hidden.reason == ""


def test_no_reminder_after_an_answer_or_a_revocation(
    world: World,
    invited: list[Invitation],
    expert_user: Any,
    other_expert_user: Any,
    secretariat: Any,
) -> None:
    panel_services.invitation_accept(
        actor=expert_user, invitation=invited[0], declared=True, statement="Không có."
    )
    panel_services.invitation_revoke(
        actor=secretariat, invitation=invited[1], reason="Đổi chuyên ngành."
    )
    assert sum(invitations_remind(day) for day in WEEK) == 0
    assert _reminders(expert_user) == _reminders(other_expert_user) == 0
    assert _entries(world) == []


def test_a_decline_stops_the_reminders_of_that_expert_only(
    world: World, invited: list[Invitation], expert_user: Any, other_expert_user: Any
) -> None:
    invitations_remind(date(2026, 6, 3))
    panel_services.invitation_decline(actor=expert_user, invitation=invited[0], reason="Bận.")
    invitations_remind(date(2026, 6, 5))
    assert _reminders(expert_user) == 1
    assert _reminders(other_expert_user) == 2


def test_a_job_that_missed_days_sends_one_reminder_not_the_backlog(
    invited: list[Invitation], expert_user: Any
) -> None:
    assert invitations_remind(date(2026, 6, 5)) == 2  # one for each expert
    assert invitations_remind(date(2026, 6, 8)) == 0
    assert _reminders(expert_user) == 1


def test_no_reminder_once_the_answer_date_has_passed(invited: list[Invitation]) -> None:
    assert invitations_remind(date(2026, 6, 9)) == 0


def test_the_reminder_days_are_configurable(
    world: World, invited: list[Invitation], settings: Any, expert_user: Any
) -> None:
    settings.INVITATION_REMINDER_DAYS = [2]
    assert reminder_days(invited[0]) == [date(2026, 6, 4)]
    assert [invitations_remind(day) for day in WEEK] == [0, 0, 0, 2, 0, 0, 0, 0]
    settings.INVITATION_REMINDER_DAYS = []
    Invitation.objects.update(reminders_sent=0)
    assert sum(invitations_remind(day) for day in WEEK) == 0


def test_a_reminder_due_on_the_day_of_the_invitation_is_skipped(
    invited: list[Invitation], settings: Any
) -> None:
    settings.INVITATION_REMINDER_DAYS = [5, 4, 0]
    # Five working days before the answer date is the Monday of the invitation itself.
    assert reminder_days(invited[0]) == [date(2026, 6, 2), NEXT_MONDAY]


def test_the_periodic_job_sends_the_reminders(
    invited: list[Invitation], expert_user: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from django.core import mail

    from thamvan.consultations.tasks import check_deadlines

    Invitation.objects.update(
        invited_at=timezone.now() - dt.timedelta(days=30),
        respond_by=timezone.localdate(),
    )
    with django_capture_on_commit_callbacks(execute=True):
        check_deadlines.call()
    assert _reminders(expert_user) == 1
    assert any(expert_user.email in m.to for m in mail.outbox)


@pytest.mark.parametrize(
    ("value", "days"), [("3,1", [3, 1]), ("1, 3,3", [3, 1]), ("", []), ("0", [0])]
)
def test_the_setting_reads_whole_numbers_of_days(
    value: str, days: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INVITATION_REMINDER_DAYS", value)
    assert envdays("INVITATION_REMINDER_DAYS", "3,1") == days


@pytest.mark.parametrize("value", ["2,x", "-1", "1.5"])
def test_the_setting_refuses_anything_else_naming_it(
    value: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INVITATION_REMINDER_DAYS", value)
    with pytest.raises(ImproperlyConfigured, match="INVITATION_REMINDER_DAYS"):
        envdays("INVITATION_REMINDER_DAYS", "3,1")
