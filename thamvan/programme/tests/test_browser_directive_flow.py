"""In real Chromium: a directive's conclusion becomes a task, progress is reported, and
the dashboard and the directive's page show it."""

from __future__ import annotations

from typing import Any

import pytest

from thamvan.programme.models import Directive, Task


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_directive_conclusion_is_assigned_reported_and_shown(
    page_for: Any, secretariat: Any, officer: Any, leadership: Any, orgs: Any
) -> None:
    secretary = page_for(secretariat)
    secretary.goto("/programme/directives/new/")
    secretary.select_option("#id_kind", "conclusion_notice")
    secretary.fill("#id_number", "06-TB/TU")
    secretary.fill("#id_issuer", "Thành ủy Hà Nội")
    secretary.fill("#id_issued_on", "2020-10-28")
    secretary.fill("#id_title", "Thông báo kết luận về hợp tác với Hội Quy hoạch")
    secretary.click("form.card button[type=submit]")
    secretary.wait_for_url("**/programme/directives/*/")
    directive = Directive.objects.get(number="06-TB/TU")

    secretary.fill("#id_text", "Nghiên cứu cơ chế phối hợp bằng chương trình hợp tác.")
    secretary.locator("form[action$='/conclusions/'] button[type=submit]").click()
    secretary.wait_for_selector("section.conclusion")
    secretary.locator("section.conclusion a.button").click()
    secretary.wait_for_url("**/conclusions/*/assign/")
    secretary.select_option("#id_lead_organization", str(orgs.department.pk))
    secretary.fill("#id_deadline", "2030-12-31")
    secretary.locator("form.card button[type=submit]").click()
    secretary.wait_for_url("**/programme/tasks/*/")
    task = Task.objects.get(conclusion__directive=directive)
    assert task.lead_organization_id == orgs.department.pk

    agency = page_for(officer)
    agency.goto(f"/programme/tasks/{task.pk}/report/")
    agency.fill("#id_progress", "60")
    agency.fill("#id_note", "Đã dự thảo quy chế phối hợp.")
    agency.locator("form.card button[type=submit]").click()
    agency.wait_for_url(f"**/programme/tasks/{task.pk}/")
    assert agency.locator(".task-progress").inner_text() == "60%"

    leader = page_for(leadership)
    leader.goto("/dashboard/")
    figure = leader.locator(f"a.figure[data-figure='directive_{directive.pk}_tasks'] .figure-value")
    assert figure.inner_text() == "1"
    assert (
        leader.locator("a.figure[data-figure='tasks_in_progress'] .figure-value").inner_text()
        == "1"
    )
    leader.goto(f"/programme/directives/{directive.pk}/")
    assert leader.locator(".impl-total").inner_text() == "1"
    assert "60%" in leader.locator("section.conclusion").inner_text()
    assert "Đã dự thảo" not in leader.content()  # the report itself lives on the task page
    leader.locator("section.conclusion a").first.click()
    leader.wait_for_url(f"**/programme/tasks/{task.pk}/")
    assert "Đã dự thảo quy chế phối hợp." in leader.locator("tr.progress-report").inner_text()
