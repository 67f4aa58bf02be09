"""The task spreadsheet: export a programme's tasks, load edited progress back.

The secretary downloads the workbook, changes progress, status, deadline or
adds a note, and uploads it. Rows are matched by the ID column; columns are
found by their header text, folded, so their order does not matter. The whole
file is checked first: any bad row stops the import and nothing changes.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import IO, Any

from django.db import transaction
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from thamvan import audit
from thamvan.accounts.models import User
from thamvan.core.spreadsheets import SheetTooLarge, bounded_rows
from thamvan.programme.access import can_manage_programme
from thamvan.programme.models import TASK_TRANSITIONS, ProgressReport, Task, TaskStatus
from thamvan.programme.services import NOT_ALLOWED, ProgrammeError, refresh_rollup, today
from thamvan.search.indexing import index_object
from thamvan.search.normalize import fold, nfc

MAX_ROWS = 5000
DATE_FORMAT = "%d/%m/%Y"

# (key, header) in the order written; headers are matched folded on import.
COLUMNS: list[tuple[str, str]] = [
    ("id", "ID"),
    ("code", "Mã"),
    ("title", "Nhiệm vụ"),
    ("parent", "Thuộc nhiệm vụ"),
    ("lead", "Đơn vị chủ trì"),
    ("cooperating", "Đơn vị phối hợp"),
    ("start", "Bắt đầu"),
    ("deadline", "Thời hạn"),
    ("status", "Trạng thái"),
    ("weight", "Trọng số"),
    ("progress", "Tiến độ (%)"),
    ("note", "Ghi chú cập nhật"),
]
# The sheet is in Vietnamese whatever the interface language, so a file exported by
# one user loads for another; English labels and the codes are accepted too.
STATUS_LABELS = {
    TaskStatus.PLANNED: "Chưa bắt đầu",
    TaskStatus.IN_PROGRESS: "Đang thực hiện",
    TaskStatus.DONE: "Hoàn thành",
    TaskStatus.OVERDUE: "Quá hạn",
    TaskStatus.CANCELLED: "Hủy bỏ",
}


def _status_lookup() -> dict[str, str]:
    lookup: dict[str, str] = {}
    for value, label in TaskStatus.choices:
        lookup[fold(value)] = value
        lookup[fold(str(label))] = value
        lookup[fold(STATUS_LABELS[TaskStatus(value)])] = value
    return lookup


def export_tasks(tasks: Iterable[Task]) -> bytes:
    """A workbook of the tasks; pass them with lead_organization, parent and cooperating loaded."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Nhiem vu"
    sheet.append([header for _key, header in COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDE7F0")
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    for task in tasks:
        sheet.append(
            [
                task.pk,
                task.code,
                task.title,
                task.parent.code or task.parent.title if task.parent else "",
                task.lead_organization.name,
                "; ".join(o.name for o in task.cooperating_organizations.all()),
                task.start,
                task.deadline,
                STATUS_LABELS[TaskStatus(task.status)],
                task.weight,
                task.progress,
                "",
            ]
        )
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, date):
                cell.number_format = "DD/MM/YYYY"
            elif isinstance(cell.value, str) and cell.value.startswith("="):
                # User text is never a formula, whatever it starts with.
                cell.data_type = "s"
    widths = [8, 10, 60, 14, 36, 36, 12, 12, 16, 10, 12, 40]
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@dataclass
class RowChange:
    row: int
    task_id: int
    title: str
    changes: dict[str, Any] = field(default_factory=dict)
    note: str = ""


@dataclass
class RowError:
    row: int
    reason: str


@dataclass
class ImportPlan:
    changes: list[RowChange] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    unchanged: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_data(self) -> list[dict[str, Any]]:
        """The changes in a form that survives signing between preview and confirm."""
        return [
            {
                "row": c.row,
                "task_id": c.task_id,
                "changes": {
                    k: v.isoformat() if isinstance(v, date) else v for k, v in c.changes.items()
                },
                "note": c.note,
            }
            for c in self.changes
        ]


class FileUnreadable(ProgrammeError):
    pass


def read_rows(file: IO[bytes]) -> list[tuple[int, dict[str, Any]]]:
    """(row number, {column key: value}) for every non-empty row; raises FileUnreadable."""
    try:
        workbook = load_workbook(file, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a damaged file
        raise FileUnreadable(_("The file could not be read as an Excel workbook.")) from error
    try:
        sheet = workbook.worksheets[0]
        # The recorded sheet size can be wrong either way; read the rows that are there.
        sheet.reset_dimensions()
        return _read_sheet(sheet.iter_rows(values_only=True))
    except SheetTooLarge as error:
        raise FileUnreadable(error.message) from None
    finally:
        workbook.close()


def _read_sheet(values: Iterator[tuple[Any, ...]]) -> list[tuple[int, dict[str, Any]]]:
    rows = bounded_rows(values, max_rows=MAX_ROWS)
    last = 0
    try:
        last, header = next(rows, (0, None))
        if header is None:
            raise FileUnreadable(_("The workbook is empty."))
        by_header = {fold(name): key for key, name in COLUMNS}
        positions: dict[str, int] = {}
        for index, value in enumerate(header):
            key = by_header.get(fold(str(value or "")))
            if key:
                positions[key] = index
        if "id" not in positions:
            raise FileUnreadable(_("The first row must hold the column headers, including “ID”."))
        result: list[tuple[int, dict[str, Any]]] = []
        for number, cells in rows:
            last = number
            if cells is None or all(v in (None, "") for v in cells):
                continue
            if len(result) >= MAX_ROWS:
                raise FileUnreadable(
                    _("The file has more than %(limit)s rows; split it.") % {"limit": MAX_ROWS}
                )
            result.append(
                (
                    number,
                    {key: cells[i] if i < len(cells) else None for key, i in positions.items()},
                )
            )
        return result
    except (ValueError, TypeError, IndexError) as error:
        # openpyxl stops at a cell it cannot read (a number cell holding "abc"), before
        # handing over that row, so only the last row read is known.
        raise FileUnreadable(
            _(
                "A cell after row %(row)s cannot be read: it is marked as a number but holds "
                "something else. Type the values below row %(row)s again and save the file "
                "from Excel."
            )
            % {"row": last}
        ) from error


def _parse_date(value: Any) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return datetime.strptime(str(value).strip(), DATE_FORMAT).date()


def _parse_progress(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError
    if isinstance(value, float):
        # is_integer() is False for inf and nan, which int() cannot convert.
        if not value.is_integer():
            raise ValueError
        value = int(value)
    number = int(str(value).strip().rstrip("%").strip())
    if not 0 <= number <= 100:
        raise ValueError
    return number


def plan_import(rows: list[tuple[int, dict[str, Any]]], tasks: dict[int, Task]) -> ImportPlan:
    """Check every row against the tasks it may change; nothing is written."""
    plan = ImportPlan()
    statuses = _status_lookup()
    seen: dict[int, int] = {}
    parents = {t.parent_id for t in tasks.values() if t.parent_id is not None}
    for number, cells in rows:
        raw_id = cells.get("id")
        try:
            task_id = int(str(raw_id).strip().split(".")[0]) if raw_id not in (None, "") else None
        except ValueError:
            task_id = None
        if task_id is None or task_id not in tasks:
            plan.errors.append(
                RowError(number, _("ID “%(id)s” is not a task of this programme.") % {"id": raw_id})
            )
            continue
        if task_id in seen:
            plan.errors.append(
                RowError(
                    number,
                    _("Task %(id)s also appears in row %(row)s.")
                    % {"id": task_id, "row": seen[task_id]},
                )
            )
            continue
        seen[task_id] = number
        task = tasks[task_id]
        change = RowChange(number, task_id, task.title)
        problems: list[str] = []
        if "progress" in cells:
            try:
                progress = _parse_progress(cells["progress"])
            except (TypeError, ValueError):
                problems.append(
                    _("progress “%(value)s” is not a whole number from 0 to 100")
                    % {"value": cells["progress"]}
                )
            else:
                if progress != task.progress:
                    if task_id in parents:
                        problems.append(
                            _("progress of a task with subtasks is computed from its subtasks")
                        )
                    elif not task.is_open:
                        problems.append(_("the task is done or cancelled"))
                    else:
                        change.changes["progress"] = progress
        if "status" in cells and cells["status"] not in (None, ""):
            status = statuses.get(fold(nfc(str(cells["status"]))))
            if status is None:
                problems.append(_("status “%(value)s” is unknown") % {"value": cells["status"]})
            elif status != task.status:
                if status not in TASK_TRANSITIONS[task.status]:
                    problems.append(
                        _("the status cannot change from “%(current)s” to “%(target)s”")
                        % {
                            "current": STATUS_LABELS[TaskStatus(task.status)],
                            "target": STATUS_LABELS[TaskStatus(status)],
                        }
                    )
                else:
                    change.changes["status"] = status
        if "deadline" in cells:
            try:
                deadline = _parse_date(cells["deadline"])
            except ValueError:
                problems.append(
                    _("deadline “%(value)s” is not a date (dd/mm/yyyy)")
                    % {"value": cells["deadline"]}
                )
            else:
                if deadline != task.deadline:
                    if deadline is not None and task.start and deadline < task.start:
                        problems.append(_("the deadline is before the start"))
                    else:
                        change.changes["deadline"] = deadline
        note = nfc(str(cells.get("note") or "")).strip()
        if problems:
            plan.errors.append(RowError(number, "; ".join(problems)))
            continue
        change.note = note
        if change.changes or note:
            plan.changes.append(change)
        else:
            plan.unchanged += 1
    return plan


def import_apply(*, actor: User, tasks: dict[int, Task], plan: ImportPlan) -> int:
    """Apply a checked plan, all or nothing; return the number of tasks changed."""
    if not can_manage_programme(actor):
        raise ProgrammeError(NOT_ALLOWED, code="forbidden")
    if not plan.ok:
        raise ProgrammeError(_("The file has errors; nothing was changed."), code="invalid")
    with transaction.atomic():
        locked = Task.objects.select_for_update().in_bulk([c.task_id for c in plan.changes])
        gone = next((c for c in plan.changes if c.task_id not in locked), None)
        if gone is not None:
            # Deleted since the preview: the plan no longer matches the programme.
            raise ProgrammeError(
                _("Row %(row)s: %(reason)s")
                % {
                    "row": gone.row,
                    "reason": _("ID “%(id)s” is not a task of this programme.")
                    % {"id": gone.task_id},
                },
                code="stale",
            )
        # Re-check against the rows as they are now, in case they changed since the preview.
        fresh = plan_import(
            [(c.row, {"id": c.task_id, **_as_cells(c, locked[c.task_id])}) for c in plan.changes],
            {**tasks, **locked},
        )
        if not fresh.ok:
            raise ProgrammeError(
                _("Row %(row)s: %(reason)s")
                % {"row": fresh.errors[0].row, "reason": fresh.errors[0].reason},
                code="stale",
            )
        changed: list[Task] = []
        for change in plan.changes:
            task = locked[change.task_id]
            values = change.changes
            if "deadline" in values:
                task.deadline = values["deadline"]
                if task.status == TaskStatus.OVERDUE and task.deadline and task.deadline >= today():
                    task.status = TaskStatus.IN_PROGRESS if task.progress else TaskStatus.PLANNED
            if "status" in values:
                task.status = values["status"]
                if task.status == TaskStatus.DONE:
                    task.completed_on = today()
                    if not Task.objects.filter(parent_id=task.pk).exists():
                        task.progress = 100
            if "progress" in values:
                task.progress = values["progress"]
                if task.progress >= 100 and task.status != TaskStatus.CANCELLED:
                    task.status = TaskStatus.DONE
                    task.completed_on = today()
                elif task.progress > 0 and task.status == TaskStatus.PLANNED:
                    task.status = TaskStatus.IN_PROGRESS
            # An import is an edit: forms opened before it must report a conflict.
            task.lock_version += 1
            task.save(
                update_fields=[
                    "deadline",
                    "status",
                    "progress",
                    "completed_on",
                    "updated_at",
                    "lock_version",
                ]
            )
            audit.record(
                actor=actor,
                action="task.imported",
                target=task,
                data={"row": change.row, "changes": values, "status": task.status},
            )
            index_object(task)
            if "progress" in values or change.note:
                ProgressReport.objects.create(
                    task=task,
                    reported_on=today(),
                    progress=task.progress,
                    note=change.note or _("Updated from a spreadsheet."),
                    author=actor,
                )
            changed.append(task)
        refresh_rollup(changed)
    return len(changed)


def _as_cells(change: RowChange, task: Task) -> dict[str, Any]:
    values = dict(change.changes)
    if "deadline" in values:
        values["deadline"] = _parse_date(values["deadline"])
    # Fields the row leaves alone are given their current value so only the change is checked.
    values.setdefault("progress", task.progress)
    return values


def plan_from_data(data: list[dict[str, Any]]) -> ImportPlan:
    plan = ImportPlan()
    for item in data:
        changes = dict(item["changes"])
        if changes.get("deadline"):
            changes["deadline"] = date.fromisoformat(changes["deadline"])
        plan.changes.append(
            RowChange(
                int(item["row"]), int(item["task_id"]), "", changes, str(item.get("note", ""))
            )
        )
    return plan
