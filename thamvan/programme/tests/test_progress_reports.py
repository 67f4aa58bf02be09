from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from thamvan.core.tests.samples import as_upload, exe_bytes, pdf_bytes
from thamvan.programme.models import ProgressReport, Task
from thamvan.programme.services import TASK_HAS_SUBTASKS, ProgrammeError, progress_report_add
from thamvan.programme.tests.factories import TaskFactory

pytestmark = pytest.mark.django_db


def _report(client: Any, task: Task, **data: Any) -> Any:
    payload = {
        "reported_on": timezone.localdate().isoformat(),
        "progress": 40,
        "note": "Đã khảo sát",
    }
    payload.update(data)
    return client.post(reverse("programme:report_create", args=[task.pk]), payload)


def test_the_lead_officer_reports_progress_with_an_attachment(
    as_user: Any, officer: Any, department_task: Any, settings: Any, tmp_path: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path
    client = as_user(officer)
    response = _report(client, department_task, attachment=as_upload(pdf_bytes(), "bao-cao.pdf"))
    assert response.status_code == 302
    department_task.refresh_from_db()
    assert department_task.progress == 40
    assert department_task.status == "in_progress"
    report = ProgressReport.objects.get(task=department_task)
    assert report.attachment_name == "bao-cao.pdf"
    assert report.attachment.name != "bao-cao.pdf"  # stored under a generated key
    download = client.get(reverse("programme:report_attachment", args=[report.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"%PDF")


def test_another_organisations_officer_cannot_report_or_download(
    as_user: Any,
    officer: Any,
    other_officer: Any,
    department_task: Any,
    settings: Any,
    tmp_path: Any,
) -> None:
    settings.MEDIA_ROOT = tmp_path
    assert _report(as_user(other_officer), department_task).status_code == 404
    _report(as_user(officer), department_task, attachment=as_upload(pdf_bytes(), "a.pdf"))
    report = ProgressReport.objects.get()
    url = reverse("programme:report_attachment", args=[report.pk])
    assert as_user(other_officer).get(url).status_code == 404
    assert as_user(officer).get(url).status_code == 200


def test_a_program_disguised_as_a_pdf_is_refused_and_nothing_is_recorded(
    as_user: Any, officer: Any, department_task: Any, settings: Any, tmp_path: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path
    response = _report(
        as_user(officer), department_task, attachment=as_upload(exe_bytes(), "x.pdf")
    )
    assert response.status_code == 200
    assert "x.pdf" in response.content.decode()
    assert not ProgressReport.objects.exists()
    assert not any(tmp_path.rglob("*.pdf"))


def test_full_progress_marks_the_task_done(
    as_user: Any, officer: Any, department_task: Any
) -> None:
    _report(as_user(officer), department_task, progress=100)
    department_task.refresh_from_db()
    assert department_task.status == "done"
    assert department_task.completed_on == timezone.localdate()


def test_a_future_date_or_out_of_range_progress_is_refused(
    as_user: Any, officer: Any, department_task: Any
) -> None:
    client = as_user(officer)
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    assert _report(client, department_task, reported_on=tomorrow).status_code == 200
    assert _report(client, department_task, progress=101).status_code == 200
    assert not ProgressReport.objects.exists()


def test_progress_of_a_parent_comes_from_its_subtasks(
    secretariat: Any, department_task: Any
) -> None:
    TaskFactory.create(programme=department_task.programme, parent=department_task)
    with pytest.raises(ProgrammeError) as error:
        progress_report_add(actor=secretariat, task=department_task, progress=50)
    assert error.value.messages == [str(TASK_HAS_SUBTASKS)]


def test_a_done_task_takes_no_more_reports(
    as_user: Any, officer: Any, department_task: Any
) -> None:
    department_task.status = "done"
    department_task.save(update_fields=["status"])
    assert (
        as_user(officer)
        .get(reverse("programme:report_create", args=[department_task.pk]))
        .status_code
        == 200
    )
    response = _report(as_user(officer), department_task)
    assert response.status_code == 200
    assert not ProgressReport.objects.exists()


def test_the_secretariat_changes_status_along_allowed_transitions_only(
    as_user: Any, secretariat: Any, department_task: Any
) -> None:
    client = as_user(secretariat)
    url = reverse("programme:task_status", args=[department_task.pk])
    client.post(url, {"status": "cancelled"})
    department_task.refresh_from_db()
    assert department_task.status == "cancelled"
    client.post(url, {"status": "in_progress"})
    department_task.refresh_from_db()
    assert department_task.status == "cancelled"


def test_an_officer_cannot_change_status(as_user: Any, officer: Any, department_task: Any) -> None:
    response = as_user(officer).post(
        reverse("programme:task_status", args=[department_task.pk]), {"status": "done"}
    )
    assert response.status_code == 403
    department_task.refresh_from_db()
    assert department_task.status == "planned"
