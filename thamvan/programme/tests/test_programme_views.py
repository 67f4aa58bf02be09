from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.urls import reverse

from thamvan.programme.models import Programme, Task
from thamvan.programme.tests.factories import ProgrammeFactory, TaskFactory

pytestmark = pytest.mark.django_db


def test_the_secretariat_creates_a_programme_with_parties_and_objectives(
    as_user: Any, secretariat: Any, orgs: Any
) -> None:
    response = as_user(secretariat).post(
        reverse("programme:create"),
        {
            "code": "CTHT-HN-2021",
            "name": "Chương trình hợp tác 2021–2026",
            "period_start": "2021-01-01",
            "period_end": "2026-12-31",
            "parties": [orgs.city.pk, orgs.association.pk],
            "objectives": "Nâng cao chất lượng quy hoạch\n\nTranh thủ tham vấn chuyên môn",
        },
    )
    programme = Programme.objects.get(code="CTHT-HN-2021")
    assert response.status_code == 302
    assert set(programme.parties.all()) == {orgs.city, orgs.association}
    assert [o.text for o in programme.objectives.all()] == [
        "Nâng cao chất lượng quy hoạch",
        "Tranh thủ tham vấn chuyên môn",
    ]


def test_a_period_that_ends_before_it_starts_is_refused_and_the_form_kept(
    as_user: Any, secretariat: Any, orgs: Any
) -> None:
    response = as_user(secretariat).post(
        reverse("programme:create"),
        {
            "code": "X",
            "name": "Chương trình thử",
            "period_start": "2026-01-01",
            "period_end": "2021-01-01",
            "parties": [orgs.city.pk],
        },
    )
    assert response.status_code == 200
    assert "Chương trình thử" in response.content.decode()
    assert not Programme.objects.filter(code="X").exists()


def test_the_secretariat_adds_a_subtask_and_the_leadership_cannot(
    as_user: Any, secretariat: Any, leadership: Any, programme: Any, department_task: Any, orgs: Any
) -> None:
    url = reverse("programme:task_create", args=[programme.pk])
    data = {
        "code": "1.1",
        "title": "Khảo sát hiện trạng",
        "parent": department_task.pk,
        "lead_organization": orgs.department.pk,
        "cooperating_organizations": [orgs.branch.pk],
        "start": "2024-02-01",
        "deadline": "2024-12-31",
        "weight": 2,
    }
    assert as_user(leadership).post(url, data).status_code == 403
    response = as_user(secretariat).post(url, data)
    task = Task.objects.get(code="1.1")
    assert response.status_code == 302
    assert task.parent == department_task and task.programme == programme
    assert list(task.cooperating_organizations.all()) == [orgs.branch]


def test_a_deadline_before_the_start_is_refused(
    as_user: Any, secretariat: Any, programme: Any, orgs: Any
) -> None:
    response = as_user(secretariat).post(
        reverse("programme:task_create", args=[programme.pk]),
        {
            "title": "Nhiệm vụ sai hạn",
            "lead_organization": orgs.department.pk,
            "start": "2025-01-01",
            "deadline": "2024-01-01",
            "weight": 1,
        },
    )
    assert response.status_code == 200
    assert not Task.objects.filter(title="Nhiệm vụ sai hạn").exists()


def test_the_detail_shows_the_tree_and_rolled_up_progress(
    as_user: Any, leadership: Any, programme: Any, department_task: Any
) -> None:
    TaskFactory.create(
        programme=programme, parent=department_task, title="Nhiệm vụ con", progress=60
    )
    department_task.progress = 60
    department_task.save(update_fields=["progress"])
    page = as_user(leadership).get(programme.get_absolute_url()).content.decode()
    assert "Nhiệm vụ con" in page
    assert "60%" in page


def test_the_timeline_draws_a_bar_per_dated_task_without_inline_styles(
    as_user: Any, officer: Any, programme: Any, department_task: Any
) -> None:
    page = as_user(officer).get(reverse("programme:timeline", args=[programme.pk])).content.decode()
    assert page.count('class="timeline-bar"') == 1
    assert "style=" not in page
    assert department_task.title[:20] in page


def test_the_programme_list_query_count_does_not_grow_with_rows(
    as_user: Any, secretariat: Any, orgs: Any, django_assert_max_num_queries: Any
) -> None:
    client = as_user(secretariat)
    for _ in range(3):
        TaskFactory.create(programme=ProgrammeFactory.create(parties=[orgs.city]))
    with django_assert_max_num_queries(9):
        assert client.get(reverse("programme:list")).status_code == 200
    for _ in range(30):
        TaskFactory.create(programme=ProgrammeFactory.create(parties=[orgs.city, orgs.association]))
    with django_assert_max_num_queries(9):
        assert client.get(reverse("programme:list")).status_code == 200


def test_the_task_list_filters_and_keeps_a_bounded_query_count(
    as_user: Any, officer: Any, orgs: Any, programme: Any, django_assert_max_num_queries: Any
) -> None:
    client = as_user(officer)
    for _ in range(3):
        TaskFactory.create(programme=programme, lead_organization=orgs.department, status="overdue")
    with django_assert_max_num_queries(10):
        response = client.get(reverse("programme:task_list"), {"status": "overdue"})
    assert response.context["page_obj"].paginator.count == 3
    TaskFactory.create_batch(30, programme=programme, lead_organization=orgs.department)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("programme:task_list"), {"status": "overdue"})
    assert response.context["page_obj"].paginator.count == 3


def test_the_task_list_answers_htmx_with_the_results_only(
    as_user: Any, secretariat: Any, department_task: Any
) -> None:
    response = as_user(secretariat).get(reverse("programme:task_list"), HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert department_task.title in page
    assert "<html" not in page


def test_a_malformed_filter_does_not_fail(as_user: Any, secretariat: Any) -> None:
    response = as_user(secretariat).get(
        reverse("programme:task_list"), {"start": "not-a-date", "organization": "x", "page": "zz"}
    )
    assert response.status_code == 200


def test_the_task_list_filters_by_deadline_period(
    as_user: Any, secretariat: Any, programme: Any
) -> None:
    TaskFactory.create(programme=programme, title="Trong kỳ", deadline=date(2025, 6, 1))
    TaskFactory.create(programme=programme, title="Ngoài kỳ", deadline=date(2027, 6, 1))
    page = (
        as_user(secretariat)
        .get(reverse("programme:task_list"), {"start": "2025-01-01", "end": "2025-12-31"})
        .content.decode()
    )
    assert "Trong kỳ" in page and "Ngoài kỳ" not in page


def test_the_detail_and_timeline_query_counts_do_not_grow_with_tasks(
    as_user: Any, leadership: Any, programme: Any, orgs: Any, django_assert_max_num_queries: Any
) -> None:
    client = as_user(leadership)
    root = TaskFactory.create(programme=programme, lead_organization=orgs.department)
    for _ in range(3):
        TaskFactory.create(programme=programme, parent=root, cooperating=[orgs.branch])
    urls = [programme.get_absolute_url(), reverse("programme:timeline", args=[programme.pk])]
    for url in urls:
        with django_assert_max_num_queries(14):
            assert client.get(url).status_code == 200
    for _ in range(30):
        TaskFactory.create(programme=programme, parent=root, cooperating=[orgs.ward])
    for url in urls:
        with django_assert_max_num_queries(14):
            assert client.get(url).status_code == 200


def test_svg_coordinates_are_plain_numbers_in_the_vietnamese_interface(
    as_user: Any, leadership: Any, programme: Any, department_task: Any
) -> None:
    import re

    TaskFactory.create(
        programme=programme, start=date(2022, 3, 7), deadline=date(2025, 7, 9), progress=33
    )
    page = (
        as_user(leadership)
        .get(reverse("programme:timeline", args=[programme.pk]), HTTP_ACCEPT_LANGUAGE="vi")
        .content.decode()
    )
    values = re.findall(r' (?:x|x1|x2|y|width)="([^"]*)"', page)
    assert values
    for value in values:
        float(value)  # a decimal comma would make the browser drop the shape


def test_the_task_page_lists_the_linked_workshops_and_research_the_user_may_see(
    as_user: Any, secretariat: Any, officer: Any, department_task: Any, orgs: Any
) -> None:
    from thamvan.events.tests.factories import WorkshopFactory
    from thamvan.research.tests.factories import TopicFactory

    hosted = WorkshopFactory.create(topic="Hội thảo của Sở", host=orgs.department)
    other = WorkshopFactory.create(topic="Hội thảo nội bộ Hội", host=orgs.association)
    topic = TopicFactory.create(title="Đề tài của Hội", commissioning_organization=orgs.association)
    for workshop in (hosted, other):
        workshop.tasks.add(department_task)
    topic.tasks.add(department_task)
    page = as_user(secretariat).get(department_task.get_absolute_url()).content.decode()
    assert "Hội thảo của Sở" in page and "Hội thảo nội bộ Hội" in page and "Đề tài của Hội" in page
    page = as_user(officer).get(department_task.get_absolute_url()).content.decode()
    assert "Hội thảo của Sở" in page
    assert "Hội thảo nội bộ Hội" not in page and "Đề tài của Hội" not in page
