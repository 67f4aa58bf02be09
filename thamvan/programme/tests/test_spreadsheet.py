from __future__ import annotations

import io
from datetime import date
from typing import Any

import openpyxl
import pytest
from django.urls import reverse
from django.utils.html import escape
from openpyxl.worksheet.worksheet import Worksheet

from thamvan.core.spreadsheets import too_many_rows_message, too_slow_message
from thamvan.core.tests.samples import (
    as_upload,
    pdf_bytes,
    xlsx_running_to_row,
    xlsx_with_raw_number,
)
from thamvan.programme.models import ProgressReport, Task
from thamvan.programme.spreadsheet import COLUMNS, MAX_ROWS
from thamvan.programme.tests.factories import TaskFactory

pytestmark = pytest.mark.django_db

COLUMN = {key: index + 1 for index, (key, _header) in enumerate(COLUMNS)}


def _export(client: Any, programme: Any) -> openpyxl.Workbook:
    response = client.get(reverse("programme:export", args=[programme.pk]))
    assert response.status_code == 200
    return openpyxl.load_workbook(io.BytesIO(response.content))


def _sheet(workbook: openpyxl.Workbook) -> Worksheet:
    sheet = workbook.active
    assert isinstance(sheet, Worksheet)
    return sheet


def _row_of(sheet: Any, task: Task) -> int:
    for row in range(2, sheet.max_row + 1):
        if sheet.cell(row, COLUMN["id"]).value == task.pk:
            return row
    raise AssertionError(f"task {task.pk} not exported")


def _upload(client: Any, programme: Any, workbook: openpyxl.Workbook) -> Any:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return client.post(
        reverse("programme:import", args=[programme.pk]),
        {"file": as_upload(buffer.getvalue(), "nhiem-vu.xlsx")},
    )


@pytest.fixture
def tree(programme: Any, orgs: Any) -> dict[str, Task]:
    parent = TaskFactory.create(programme=programme, code="1", title="Nhóm nhiệm vụ quy hoạch")
    return {
        "parent": parent,
        "a": TaskFactory.create(programme=programme, parent=parent, code="1.1", weight=1),
        "b": TaskFactory.create(programme=programme, parent=parent, code="1.2", weight=3),
        "c": TaskFactory.create(programme=programme, code="2", status="done", progress=100),
    }


def test_export_then_import_updates_the_same_tasks_and_rolls_up(
    as_user: Any, secretariat: Any, programme: Any, tree: dict[str, Task]
) -> None:
    client = as_user(secretariat)
    workbook = _export(client, programme)
    sheet = _sheet(workbook)
    assert [c.value for c in sheet[1]] == [header for _key, header in COLUMNS]
    sheet.cell(_row_of(sheet, tree["a"]), COLUMN["progress"]).value = 100
    sheet.cell(_row_of(sheet, tree["b"]), COLUMN["progress"]).value = 20
    sheet.cell(_row_of(sheet, tree["b"]), COLUMN["note"]).value = "Đã hoàn thành khảo sát"
    sheet.cell(_row_of(sheet, tree["b"]), COLUMN["deadline"]).value = "31/12/2031"

    preview = _upload(client, programme, workbook)
    assert preview.status_code == 200
    assert preview.context["plan"].ok
    assert len(preview.context["plan"].changes) == 2
    tree["a"].refresh_from_db()
    assert tree["a"].progress == 0  # the preview changes nothing

    response = client.post(
        reverse("programme:import", args=[programme.pk]), {"token": preview.context["token"]}
    )
    assert response.status_code == 302
    for task in tree.values():
        task.refresh_from_db()
    assert (tree["a"].progress, tree["a"].status) == (100, "done")
    assert (tree["b"].progress, tree["b"].status) == (20, "in_progress")
    assert tree["b"].deadline == date(2031, 12, 31)
    assert tree["parent"].progress == 40  # (100 + 3×20) / 4
    assert ProgressReport.objects.filter(task=tree["b"], note="Đã hoàn thành khảo sát").exists()
    assert Task.objects.count() == 4


def test_an_unchanged_export_changes_nothing(
    as_user: Any, secretariat: Any, programme: Any, tree: dict[str, Task]
) -> None:
    client = as_user(secretariat)
    response = _upload(client, programme, _export(client, programme))
    plan = response.context["plan"]
    assert plan.ok and not plan.changes and plan.unchanged == 4


def test_a_file_with_bad_rows_reports_each_row_and_changes_nothing(
    as_user: Any, secretariat: Any, programme: Any, tree: dict[str, Task]
) -> None:
    client = as_user(secretariat)
    workbook = _export(client, programme)
    sheet = _sheet(workbook)
    sheet.cell(_row_of(sheet, tree["a"]), COLUMN["progress"]).value = 50  # a good row
    bad_progress = _row_of(sheet, tree["b"])
    sheet.cell(bad_progress, COLUMN["progress"]).value = "một nửa"
    parent_row = _row_of(sheet, tree["parent"])
    sheet.cell(parent_row, COLUMN["progress"]).value = 90
    done_row = _row_of(sheet, tree["c"])
    sheet.cell(done_row, COLUMN["status"]).value = "Đang thực hiện"
    sheet.append([999999, "9", "Nhiệm vụ lạ"])
    unknown_row = sheet.max_row

    response = _upload(client, programme, workbook)
    errors = {error.row: error.reason for error in response.context["plan"].errors}
    assert set(errors) == {bad_progress, parent_row, done_row, unknown_row}
    assert "một nửa" in errors[bad_progress]
    assert "999999" in errors[unknown_row]
    assert "Hoàn thành" in errors[done_row] and "Đang thực hiện" in errors[done_row]
    assert "token" not in response.context
    page = response.content.decode()
    assert str(bad_progress) in page
    tree["a"].refresh_from_db()
    assert tree["a"].progress == 0
    assert not ProgressReport.objects.exists()


def test_a_task_of_another_programme_cannot_be_changed_through_this_one(
    as_user: Any, secretariat: Any, programme: Any, tree: dict[str, Task]
) -> None:
    client = as_user(secretariat)
    foreign = TaskFactory.create()
    workbook = _export(client, programme)
    _sheet(workbook).cell(2, COLUMN["id"]).value = foreign.pk
    response = _upload(client, programme, workbook)
    assert not response.context["plan"].ok


def test_a_tampered_token_changes_nothing(
    as_user: Any, secretariat: Any, programme: Any, tree: dict[str, Task]
) -> None:
    response = as_user(secretariat).post(
        reverse("programme:import", args=[programme.pk]), {"token": "forged:token"}
    )
    assert response.status_code == 302
    tree["a"].refresh_from_db()
    assert tree["a"].progress == 0


def test_a_file_that_is_not_a_workbook_is_refused_with_a_message(
    as_user: Any, secretariat: Any, programme: Any
) -> None:
    response = as_user(secretariat).post(
        reverse("programme:import", args=[programme.pk]),
        {"file": as_upload(pdf_bytes(), "nhiem-vu.xlsx")},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["file"]


def test_leadership_may_export_but_not_import(
    as_user: Any, leadership: Any, programme: Any, tree: dict[str, Task]
) -> None:
    client = as_user(leadership)
    assert client.get(reverse("programme:export", args=[programme.pk])).status_code == 200
    workbook = openpyxl.Workbook()
    assert _upload(client, programme, workbook).status_code == 403


def test_a_title_that_looks_like_a_formula_is_exported_as_text(
    as_user: Any, secretariat: Any, programme: Any
) -> None:
    TaskFactory.create(programme=programme, title='=HYPERLINK("http://example.com","Bấm vào")')
    workbook = _export(as_user(secretariat), programme)
    cell = _sheet(workbook).cell(2, COLUMN["title"])
    assert cell.data_type == "s"
    assert str(cell.value).startswith("=HYPERLINK")


def test_a_task_deleted_after_the_preview_stops_the_import_cleanly(
    as_user: Any, secretariat: Any, programme: Any, tree: dict[str, Task]
) -> None:
    client = as_user(secretariat)
    workbook = _export(client, programme)
    sheet = _sheet(workbook)
    sheet.cell(_row_of(sheet, tree["c"]), COLUMN["note"]).value = "Bổ sung"
    sheet.cell(_row_of(sheet, tree["a"]), COLUMN["progress"]).value = 50
    preview = _upload(client, programme, workbook)
    assert preview.context["plan"].ok
    tree["a"].delete()

    response = client.post(
        reverse("programme:import", args=[programme.pk]), {"token": preview.context["token"]}
    )
    assert response.status_code in (200, 302)
    assert not ProgressReport.objects.filter(note="Bổ sung").exists()


def _export_bytes(client: Any, programme: Any) -> bytes:
    response = client.get(reverse("programme:export", args=[programme.pk]))
    assert response.status_code == 200
    return bytes(response.content)


def _upload_bytes(client: Any, programme: Any, data: bytes) -> Any:
    return client.post(
        reverse("programme:import", args=[programme.pk]),
        {"file": as_upload(data, "nhiem-vu.xlsx")},
    )


def test_a_sheet_running_to_a_million_blank_rows_is_refused_quickly(
    as_user: Any, secretariat: Any, programme: Any, tree: dict[str, Task]
) -> None:
    client = as_user(secretariat)
    data = xlsx_running_to_row(_export_bytes(client, programme))

    response = _upload_bytes(client, programme, data)

    assert response.status_code == 200
    [error] = response.context["form"].errors["file"]
    assert error == too_many_rows_message(MAX_ROWS)
    assert escape(error) in response.content.decode()
    assert "plan" not in response.context


def test_a_read_past_the_time_allowed_is_refused(
    as_user: Any, secretariat: Any, programme: Any, tree: dict[str, Task], settings: Any
) -> None:
    settings.SPREADSHEET_READ_SECONDS = 0
    client = as_user(secretariat)

    response = _upload_bytes(client, programme, _export_bytes(client, programme))

    assert response.context["form"].errors["file"] == [too_slow_message()]
    assert "plan" not in response.context


def test_an_infinite_progress_is_a_row_error_not_a_server_error(
    as_user: Any, secretariat: Any, programme: Any, tree: dict[str, Task]
) -> None:
    client = as_user(secretariat)
    workbook = _export(client, programme)
    sheet = _sheet(workbook)
    row = _row_of(sheet, tree["b"])
    sheet.cell(row, COLUMN["progress"]).value = 4242
    buffer = io.BytesIO()
    workbook.save(buffer)

    response = _upload_bytes(
        client, programme, xlsx_with_raw_number(buffer.getvalue(), 4242, "1E999")
    )

    assert response.status_code == 200
    errors = {error.row: error.reason for error in response.context["plan"].errors}
    assert list(errors) == [row]
    assert "inf" in errors[row]
    assert str(row) in response.content.decode()


def test_text_where_progress_is_expected_is_a_row_error(
    as_user: Any, secretariat: Any, programme: Any, tree: dict[str, Task]
) -> None:
    client = as_user(secretariat)
    workbook = _export(client, programme)
    sheet = _sheet(workbook)
    row = _row_of(sheet, tree["b"])
    sheet.cell(row, COLUMN["progress"]).value = "abc"

    response = _upload(client, programme, workbook)

    assert response.status_code == 200
    errors = {error.row: error.reason for error in response.context["plan"].errors}
    assert list(errors) == [row] and "abc" in errors[row]


def test_a_number_cell_holding_text_is_refused_with_a_message_not_a_server_error(
    as_user: Any, secretariat: Any, programme: Any, tree: dict[str, Task]
) -> None:
    client = as_user(secretariat)
    workbook = _export(client, programme)
    sheet = _sheet(workbook)
    row = _row_of(sheet, tree["b"])
    sheet.cell(row, COLUMN["progress"]).value = 4242
    buffer = io.BytesIO()
    workbook.save(buffer)

    response = _upload_bytes(
        client, programme, xlsx_with_raw_number(buffer.getvalue(), 4242, "abc")
    )

    assert response.status_code == 200
    [error] = response.context["form"].errors["file"]
    # openpyxl stops before handing over the row, so the message names the row before it.
    assert f"{row - 1}" in error
    tree["b"].refresh_from_db()
    assert tree["b"].progress == 0
