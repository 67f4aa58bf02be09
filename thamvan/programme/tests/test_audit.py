"""Every change to tasks, directives and programmes leaves one audit entry, committed with it;
exports and downloads are recorded too."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from thamvan.audit.models import AuditEntry
from thamvan.audit.services import Action
from thamvan.core.tests.samples import as_upload, pdf_bytes
from thamvan.programme.models import Directive, Programme, Task
from thamvan.programme.services import (
    ProgrammeError,
    conclusion_add,
    conclusion_assign,
    progress_report_add,
    task_set_status,
    task_update,
    tasks_mark_overdue,
)
from thamvan.programme.spreadsheet import import_apply, plan_from_data
from thamvan.programme.tests.factories import ConclusionFactory, DirectiveFactory, TaskFactory

pytestmark = pytest.mark.django_db


def _entries(action: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action).order_by("id"))


def _about(entry: AuditEntry, obj: Any) -> bool:
    return (entry.target_type, entry.target_id) == (obj._meta.label_lower, str(obj.pk))


def test_a_status_change_is_recorded_with_its_from_and_to(
    secretariat: Any, department_task: Any
) -> None:
    task_set_status(actor=secretariat, task=department_task, status="in_progress")
    [entry] = _entries("task.status_changed")
    assert _about(entry, department_task)
    assert entry.actor == secretariat
    assert entry.details == {"from": "planned", "to": "in_progress"}


def test_a_refused_status_change_leaves_no_entry(secretariat: Any, department_task: Any) -> None:
    task_set_status(actor=secretariat, task=department_task, status="done")
    with pytest.raises(ProgrammeError):
        task_set_status(actor=secretariat, task=department_task, status="planned")
    assert [e.details["to"] for e in _entries("task.status_changed")] == ["done"]


def test_a_progress_report_is_recorded_and_a_refused_one_is_not(
    officer: Any, secretariat: Any, department_task: Any
) -> None:
    report = progress_report_add(actor=officer, task=department_task, progress=60, note="Xong")
    [entry] = _entries("task.progress_reported")
    assert _about(entry, department_task)
    assert entry.details["report"] == report.pk
    assert entry.details["progress"] == 60
    task_set_status(actor=secretariat, task=department_task, status="cancelled")
    with pytest.raises(ProgrammeError):
        progress_report_add(actor=officer, task=department_task, progress=70)
    assert len(_entries("task.progress_reported")) == 1


def test_an_edit_records_the_changed_fields(secretariat: Any, department_task: Any) -> None:
    task_update(actor=secretariat, task=department_task, title="Rà soát quy hoạch N10")
    [entry] = _entries("task.updated")
    assert _about(entry, department_task)
    assert entry.details == {"fields": ["title"]}


def test_an_edit_by_leadership_is_refused_and_leaves_no_entry(
    leadership: Any, department_task: Any
) -> None:
    with pytest.raises(ProgrammeError):
        task_update(actor=leadership, task=department_task, title="Đổi tên")
    assert _entries("task.updated") == []


def test_a_conclusion_becomes_a_task_with_its_entries(secretariat: Any, orgs: Any) -> None:
    directive = DirectiveFactory.create()
    conclusion = conclusion_add(actor=secretariat, directive=directive, text="Lập quy chế phối hợp")
    [added] = _entries("directive.conclusion_added")
    assert _about(added, directive)
    task = conclusion_assign(
        actor=secretariat,
        conclusion=conclusion,
        lead_organization=orgs.department,
        deadline=None,
    )
    [assigned] = _entries("directive.conclusion_assigned")
    assert _about(assigned, task)
    assert assigned.details == {"directive": directive.pk, "conclusion": conclusion.pk}
    assert _about(_entries("task.created")[0], task)


def test_an_officer_cannot_assign_a_conclusion_and_nothing_is_recorded(
    officer: Any, orgs: Any
) -> None:
    conclusion = ConclusionFactory.create()
    with pytest.raises(ProgrammeError):
        conclusion_assign(
            actor=officer, conclusion=conclusion, lead_organization=orgs.department, deadline=None
        )
    assert not Task.objects.exists()
    assert AuditEntry.objects.filter(action__startswith="directive.").count() == 0
    assert _entries("task.created") == []


def test_the_overdue_job_records_each_task_it_marks(orgs: Any) -> None:
    late = TaskFactory.create(
        lead_organization=orgs.department,
        start=None,
        deadline=timezone.localdate() - timedelta(days=1),
    )
    TaskFactory.create(lead_organization=orgs.department)
    tasks_mark_overdue()
    [entry] = _entries("task.status_changed")
    assert _about(entry, late)
    assert entry.actor is None
    assert entry.details["to"] == "overdue"


def test_an_import_records_each_changed_task(secretariat: Any, department_task: Any) -> None:
    plan = plan_from_data(
        [{"row": 2, "task_id": department_task.pk, "changes": {"progress": 50}, "note": ""}]
    )
    import_apply(actor=secretariat, tasks={department_task.pk: department_task}, plan=plan)
    [entry] = _entries("task.imported")
    assert _about(entry, department_task)
    assert entry.details["changes"] == {"progress": 50}
    department_task.refresh_from_db()
    assert department_task.lock_version == 1


def test_saving_programmes_and_directives_through_the_pages_is_recorded(
    as_user: Any, secretariat: Any, orgs: Any
) -> None:
    client = as_user(secretariat)
    response = client.post(
        reverse("programme:create"),
        {
            "code": "CTHT-2027",
            "name": "Chương trình hợp tác 2027–2031",
            "period_start": "2027-01-01",
            "period_end": "2031-12-31",
            "parties": [orgs.city.pk, orgs.association.pk],
            "objectives": "Nâng cao chất lượng quy hoạch\nPhản biện độc lập",
        },
    )
    assert response.status_code == 302
    programme = Programme.objects.get(code="CTHT-2027")
    assert list(programme.objectives.values_list("text", flat=True)) == [
        "Nâng cao chất lượng quy hoạch",
        "Phản biện độc lập",
    ]
    assert _about(_entries("programme.created")[0], programme)
    response = client.post(
        reverse("programme:directive_create"),
        {
            "kind": "conclusion_notice",
            "number": "06-TB/TU",
            "issuer": "Thành ủy Hà Nội",
            "issued_on": "2020-10-28",
            "title": "Kết luận về hợp tác",
        },
    )
    assert response.status_code == 302
    assert _about(_entries("directive.created")[0], Directive.objects.get())


def test_an_invalid_programme_form_records_nothing(
    as_user: Any, secretariat: Any, orgs: Any
) -> None:
    response = as_user(secretariat).post(
        reverse("programme:create"),
        {"code": "X", "name": "Sai", "period_start": "2027-01-01", "period_end": "2020-01-01"},
    )
    assert response.status_code == 200
    assert not Programme.objects.exists()
    assert AuditEntry.objects.filter(action__startswith="programme.").count() == 0


def test_the_task_export_is_recorded(as_user: Any, leadership: Any, department_task: Any) -> None:
    programme = department_task.programme
    response = as_user(leadership).get(reverse("programme:export", args=[programme.pk]))
    assert response.status_code == 200
    [entry] = _entries(Action.EXPORT)
    assert _about(entry, programme)
    assert entry.actor == leadership
    assert entry.details == {"what": "tasks", "format": "xlsx", "count": 1}


def test_a_refused_export_records_no_export(
    as_user: Any, expert_user: Any, department_task: Any
) -> None:
    response = as_user(expert_user).get(
        reverse("programme:export", args=[department_task.programme.pk])
    )
    assert response.status_code == 404
    assert _entries(Action.EXPORT) == []


def test_attachment_downloads_are_recorded(
    as_user: Any, officer: Any, department_task: Any, settings: Any, tmp_path: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path
    client = as_user(officer)
    client.post(
        reverse("programme:report_create", args=[department_task.pk]),
        {
            "reported_on": timezone.localdate().isoformat(),
            "progress": 10,
            "attachment": as_upload(pdf_bytes(), "bao-cao.pdf"),
        },
    )
    report = department_task.reports.get()
    assert client.get(reverse("programme:report_attachment", args=[report.pk])).status_code == 200
    [entry] = _entries(Action.DOWNLOAD)
    assert _about(entry, report)
    assert entry.details["file"] == "bao-cao.pdf"
