"""The programme API: programmes, tasks, progress reports and directives, persona by persona."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from thamvan.programme.models import ProgressReport, Task
from thamvan.programme.tests.factories import (
    ConclusionFactory,
    DirectiveFactory,
    ProgrammeFactory,
    TaskFactory,
)

pytestmark = pytest.mark.django_db


def _ids(response: Any) -> set[int]:
    assert response.status_code == 200, response.content
    return {item["id"] for item in response.json()["items"]}


# --- Programmes ------------------------------------------------------------------------


def test_programmes_are_read_by_their_parties_and_hidden_from_others(
    programme: Any,
    department_task: Any,
    orgs: Any,
    officer: Any,
    leadership: Any,
    secretariat: Any,
    expert_user: Any,
    outsider: Any,
    api_client: Any,
) -> None:
    foreign = ProgrammeFactory.create(parties=[orgs.consultant])
    url = f"/api/v1/programmes/{programme.pk}"
    assert _ids(api_client(secretariat).get("/api/v1/programmes")) == {programme.pk, foreign.pk}
    for user in (officer, leadership):
        assert _ids(api_client(user).get("/api/v1/programmes")) == {programme.pk}
        assert api_client(user).get(url).json()["code"] == "CTHT-2021-2026"
        assert api_client(user).get(f"/api/v1/programmes/{foreign.pk}").status_code == 404
    assert set(api_client(leadership).get(url).json()["party_ids"]) == {
        orgs.city.pk,
        orgs.association.pk,
        orgs.branch.pk,
    }
    for user in (expert_user, outsider):
        assert _ids(api_client(user).get("/api/v1/programmes")) == set()
        response = api_client(user).get(url)
        assert response.status_code == 404
        assert response.json() == {"detail": "Not found.", "code": "not_found"}


def test_programmes_are_searched_paginated_and_listed_in_bounded_queries(
    secretariat: Any, api_client: Any, django_assert_max_num_queries: Any
) -> None:
    api = api_client(secretariat)
    ProgrammeFactory.create(name="Chương trình phát triển đô thị xanh")
    with django_assert_max_num_queries(10):
        assert api.get("/api/v1/programmes").json()["count"] == 1
    for _ in range(20):
        ProgrammeFactory.create()
    with django_assert_max_num_queries(10):
        assert len(api.get("/api/v1/programmes", {"limit": 100}).json()["items"]) == 21
    assert api.get("/api/v1/programmes", {"q": "do thi xanh"}).json()["count"] == 1
    page = api.get("/api/v1/programmes", {"limit": 5, "offset": 20}).json()
    assert (page["count"], len(page["items"])) == (21, 1)
    assert api.get("/api/v1/programmes", {"offset": -1}).json()["code"] == "invalid_request"


# --- Tasks -----------------------------------------------------------------------------


def test_an_officer_reads_the_tasks_of_their_department_but_not_the_wards(
    department_task: Any,
    ward_task: Any,
    officer: Any,
    other_officer: Any,
    expert_user: Any,
    api_client: Any,
) -> None:
    assert _ids(api_client(officer).get("/api/v1/tasks")) == {department_task.pk}
    assert _ids(api_client(other_officer).get("/api/v1/tasks")) == {ward_task.pk}
    body = api_client(officer).get(f"/api/v1/tasks/{department_task.pk}").json()
    assert body["title"] == "Rà soát quy hoạch phân khu đô thị N9"
    assert body["status"] == "planned"
    assert api_client(officer).get(f"/api/v1/tasks/{ward_task.pk}").status_code == 404
    assert api_client(expert_user).get(f"/api/v1/tasks/{department_task.pk}").status_code == 404
    assert _ids(api_client(expert_user).get("/api/v1/tasks")) == set()


def test_tasks_are_filtered_like_the_task_list(
    programme: Any,
    department_task: Any,
    ward_task: Any,
    orgs: Any,
    secretariat: Any,
    api_client: Any,
) -> None:
    conclusion = ConclusionFactory.create()
    directed = TaskFactory.create(
        programme=None,
        conclusion=conclusion,
        title="Xây dựng quy chế phối hợp",
        lead_organization=orgs.association,
        deadline=date(2026, 3, 31),
        status=Task.Status.IN_PROGRESS,
    )
    api = api_client(secretariat)

    def ids(**params: Any) -> set[int]:
        return _ids(api.get("/api/v1/tasks", params))

    assert ids() == {department_task.pk, ward_task.pk, directed.pk}
    assert ids(q="quy che phoi hop") == {directed.pk}
    assert ids(status="in_progress") == {directed.pk}
    assert ids(organization_id=orgs.city.pk) == {department_task.pk, ward_task.pk}
    assert ids(programme_id=programme.pk) == {department_task.pk, ward_task.pk}
    assert ids(directive_id=conclusion.directive_id) == {directed.pk}
    assert ids(deadline_until="2026-12-31") == {directed.pk}
    assert ids(deadline_from="2027-01-01") == {department_task.pk, ward_task.pk}
    assert api.get("/api/v1/tasks", {"status": "late"}).status_code == 422
    assert api.get("/api/v1/tasks", {"deadline_from": "0001-01-01"}).status_code == 422


def test_listing_tasks_takes_the_same_number_of_queries_for_many_rows(
    programme: Any,
    orgs: Any,
    secretariat: Any,
    api_client: Any,
    django_assert_max_num_queries: Any,
) -> None:
    api = api_client(secretariat)
    TaskFactory.create(programme=programme, lead_organization=orgs.department)
    with django_assert_max_num_queries(10):
        api.get("/api/v1/tasks")
    for _ in range(25):
        task = TaskFactory.create(
            programme=programme,
            lead_organization=orgs.department,
            conclusion=ConclusionFactory.create(),
        )
        task.cooperating_organizations.add(orgs.ward)
    with django_assert_max_num_queries(10):
        assert len(api.get("/api/v1/tasks", {"limit": 100}).json()["items"]) == 26


# --- Progress reports ------------------------------------------------------------------


def _report(api: Client, task: Any, **payload: Any) -> Any:
    return api.post(
        f"/api/v1/tasks/{task.pk}/reports",
        {"progress": 40, "note": "Đã hoàn thành khảo sát hiện trạng."} | payload,
        content_type="application/json",
    )


def test_the_lead_department_reports_progress_through_the_service(
    department_task: Any, officer: Any, api_client: Any
) -> None:
    response = _report(api_client(officer), department_task)
    assert response.status_code == 201, response.content
    assert response.json()["progress"] == 40
    assert response.json()["reported_on"] == timezone.localdate().isoformat()
    department_task.refresh_from_db()
    assert department_task.progress == 40
    assert department_task.status == Task.Status.IN_PROGRESS
    reports = api_client(officer).get(f"/api/v1/tasks/{department_task.pk}/reports").json()
    assert [r["note"] for r in reports] == ["Đã hoàn thành khảo sát hiện trạng."]


def test_who_may_not_report_progress_is_refused(
    department_task: Any,
    orgs: Any,
    other_officer: Any,
    leadership: Any,
    expert_user: Any,
    api_client: Any,
) -> None:
    # The ward's officer sees the task it cooperates on but does not lead it.
    department_task.cooperating_organizations.add(orgs.ward)
    for user in (other_officer, leadership):
        response = _report(api_client(user), department_task)
        assert response.status_code == 403
        assert response.json()["code"] == "forbidden"
    assert _report(api_client(expert_user), department_task).status_code == 404
    assert (
        api_client(expert_user).get(f"/api/v1/tasks/{department_task.pk}/reports").status_code
        == 404
    )
    assert not ProgressReport.objects.exists()


def test_a_bad_progress_report_answers_422_and_changes_nothing(
    department_task: Any, officer: Any, api_client: Any
) -> None:
    api = api_client(officer)
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    future = _report(api, department_task, reported_on=tomorrow)
    assert future.status_code == 422
    assert future.json()["code"] == "future"
    assert _report(api, department_task, progress=101).json()["code"] == "invalid_request"
    assert _report(api, department_task, note="nul\x00").status_code == 422
    department_task.status = Task.Status.DONE
    department_task.save(update_fields=["status"])
    assert _report(api, department_task).json()["code"] == "closed"
    assert not ProgressReport.objects.exists()


# --- Directives ------------------------------------------------------------------------


def test_directives_are_read_by_staff_and_hidden_from_experts(
    officer: Any,
    leadership: Any,
    secretariat: Any,
    expert_user: Any,
    outsider: Any,
    api_client: Any,
) -> None:
    directive = DirectiveFactory.create(number="06-TB/TU")
    ConclusionFactory.create(directive=directive, position=1, text="Ban hành quy chế phối hợp.")
    url = f"/api/v1/directives/{directive.pk}"
    for user in (officer, leadership, secretariat):
        body = api_client(user).get(url).json()
        assert body["number"] == "06-TB/TU"
        assert [c["text"] for c in body["conclusions"]] == ["Ban hành quy chế phối hợp."]
        assert _ids(api_client(user).get("/api/v1/directives")) == {directive.pk}
    for user in (expert_user, outsider):
        assert api_client(user).get(url).status_code == 404
        assert _ids(api_client(user).get("/api/v1/directives")) == set()


def test_directives_are_filtered_paginated_and_listed_in_bounded_queries(
    secretariat: Any, api_client: Any, django_assert_max_num_queries: Any
) -> None:
    api = api_client(secretariat)
    DirectiveFactory.create(kind="plan", title="Kế hoạch thực hiện chương trình hợp tác")
    with django_assert_max_num_queries(10):
        api.get("/api/v1/directives")
    for _ in range(20):
        DirectiveFactory.create()
    with django_assert_max_num_queries(10):
        assert api.get("/api/v1/directives", {"limit": 100}).json()["count"] == 21
    assert api.get("/api/v1/directives", {"kind": "plan"}).json()["count"] == 1
    assert api.get("/api/v1/directives", {"q": "ke hoach thuc hien"}).json()["count"] == 1
    page = api.get("/api/v1/directives", {"limit": 10, "offset": 10}).json()
    assert len(page["items"]) == 10
    assert api.get("/api/v1/directives", {"kind": "memo"}).status_code == 422


def test_listing_progress_reports_takes_the_same_queries_for_many(
    department_task: Any, officer: Any, api_client: Any, django_assert_max_num_queries: Any
) -> None:
    api = api_client(officer)
    url = f"/api/v1/tasks/{department_task.pk}/reports"
    assert _report(api, department_task, progress=10).status_code == 201
    with django_assert_max_num_queries(8):
        assert len(api.get(url).json()) == 1
    for progress in range(20, 80, 10):
        assert _report(api, department_task, progress=progress).status_code == 201
    with django_assert_max_num_queries(8):
        assert len(api.get(url).json()) == 7
