from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.test import TestCase
from django.utils import timezone

from thamvan.programme.tasks import check_task_deadlines
from thamvan.programme.tests.factories import TaskFactory

pytestmark = pytest.mark.django_db


def test_open_tasks_past_their_deadline_become_overdue_and_others_do_not(
    officer: Any, orgs: Any
) -> None:
    today = timezone.localdate()
    late = TaskFactory.create(
        lead_organization=orgs.department, start=None, deadline=today - timedelta(days=1)
    )
    done = TaskFactory.create(start=None, deadline=today - timedelta(days=1), status="done")
    on_time = TaskFactory.create(start=None, deadline=today)
    result = check_task_deadlines.call()
    for task in (late, done, on_time):
        task.refresh_from_db()
    assert (late.status, done.status, on_time.status) == ("overdue", "done", "planned")
    assert result["overdue"] == 1


def test_reminders_go_to_the_lead_officers_three_days_before_and_once_a_day(
    officer: Any, orgs: Any
) -> None:
    today = timezone.localdate()
    TaskFactory.create(
        lead_organization=orgs.department,
        start=None,
        deadline=today + timedelta(days=3),
        title="Báo cáo sơ kết",
    )
    TaskFactory.create(
        lead_organization=orgs.department, start=None, deadline=today + timedelta(days=2)
    )
    with TestCase.captureOnCommitCallbacks(execute=True):
        check_task_deadlines.call()
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [officer.email]
    assert "Báo cáo sơ kết" in mail.outbox[0].subject
    with TestCase.captureOnCommitCallbacks(execute=True):
        check_task_deadlines.call()
    assert len(mail.outbox) == 1


def test_moving_the_deadline_of_an_overdue_task_reopens_it(
    as_user: Any, secretariat: Any, orgs: Any
) -> None:
    from django.urls import reverse

    today = timezone.localdate()
    task = TaskFactory.create(
        lead_organization=orgs.department,
        start=None,
        deadline=today - timedelta(days=2),
        status="overdue",
        progress=20,
    )
    response = as_user(secretariat).post(
        reverse("programme:task_edit", args=[task.pk]),
        {
            "title": task.title,
            "lead_organization": orgs.department.pk,
            "weight": 1,
            "deadline": (today + timedelta(days=30)).isoformat(),
            "lock_version": task.lock_version,
        },
    )
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.status == "in_progress"
