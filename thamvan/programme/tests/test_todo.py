"""Tasks due on the home page: the user's own and their organisation's, by deadline."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from thamvan.core.tests.todo_page import Shown, api_items, home_items
from thamvan.programme.models import TaskStatus
from thamvan.programme.tests.factories import TaskFactory

pytestmark = pytest.mark.django_db

PERSONAS = ["officer", "other_officer", "secretariat", "expert_user", "leadership", "outsider"]


def _in(days):
    return timezone.localdate() + timedelta(days=days)


def _shown(task, urgency):
    return Shown("tasks", str(task), reverse("programme:task_detail", args=[task.pk]), urgency)


@pytest.fixture
def tasks(programme, orgs, expert_user):
    def task(title, org, days, **extra):
        return TaskFactory.create(
            programme=programme,
            title=title,
            lead_organization=org,
            start=_in(-100),
            deadline=_in(days),
            **extra,
        )

    return {
        "late": task("Rà soát quy hoạch N9", orgs.department, -10, status=TaskStatus.OVERDUE),
        "soon": task("Lập danh mục khu vực", orgs.department, 2),
        "in_a_week": task("Tổng hợp ý kiến", orgs.city, 7, cooperating=[orgs.department]),
        "far": task("Báo cáo năm", orgs.department, 60),
        "done": task("Đã xong", orgs.department, -5, status=TaskStatus.DONE),
        "ward": task("Lấy ý kiến cộng đồng", orgs.ward, 1),
        "owned": task("Góp ý chuyên đề", orgs.association, 10, owner=expert_user),
    }


def test_each_persona_sees_the_tasks_due_for_them_overdue_first(request, as_user, tasks):
    shown = {p: home_items(as_user(request.getfixturevalue(p))) for p in PERSONAS}
    assert shown == {
        "officer": [
            _shown(tasks["late"], "overdue"),
            _shown(tasks["soon"], "soon"),
            _shown(tasks["in_a_week"], "later"),
        ],
        "other_officer": [_shown(tasks["ward"], "soon")],
        # The association leads the owned task: its secretariat reports on it too.
        "secretariat": [_shown(tasks["owned"], "later")],
        "expert_user": [_shown(tasks["owned"], "later")],
        "leadership": [],
        "outsider": [],
    }


def test_an_overdue_task_says_so_in_words_and_its_date_in_dd_mm_yyyy(as_user, officer, tasks):
    body = as_user(officer).get(reverse("core:home")).content.decode()
    late = tasks["late"].deadline
    assert f'<time datetime="{late:%Y-%m-%d}" class="error">' in body
    assert f"{late:%d/%m/%Y}" in body
    assert 'class="badge badge-restricted"' in body


def test_a_completed_task_leaves_the_list(as_user, officer, secretariat, tasks):
    client = as_user(officer)
    task = tasks["soon"]
    assert _shown(task, "soon") in home_items(client)
    response = as_user(secretariat).post(
        reverse("programme:task_status", args=[task.pk]), {"status": TaskStatus.DONE}
    )
    assert response.status_code == 302
    assert [item.title for item in home_items(client)] == [
        str(tasks["late"]),
        str(tasks["in_a_week"]),
    ]


def test_the_api_lists_what_the_page_shows(as_user, api_client, officer, tasks):
    assert api_items(api_client(officer)) == home_items(as_user(officer))


def test_the_number_of_queries_does_not_grow_with_the_tasks(
    as_user, officer, programme, orgs, django_assert_max_num_queries
):
    TaskFactory.create(programme=programme, lead_organization=orgs.department, deadline=_in(1))
    client = as_user(officer)
    with django_assert_max_num_queries(20) as one:
        client.get(reverse("core:home"))
    for _ in range(29):
        TaskFactory.create(programme=programme, lead_organization=orgs.department, deadline=_in(1))
    with django_assert_max_num_queries(len(one.captured_queries)):
        client.get(reverse("core:home"))
    assert len(home_items(client)) == 30
