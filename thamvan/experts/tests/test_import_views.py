from __future__ import annotations

import unicodedata
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext

from thamvan.accounts.models import User
from thamvan.core.spreadsheets import too_many_rows_message, too_slow_message
from thamvan.core.tests.samples import (
    as_upload,
    csv_bytes,
    pdf_bytes,
    xlsx_bytes,
    xlsx_running_to_row,
)
from thamvan.experts.importing import COLUMNS, MAX_ROWS
from thamvan.experts.models import Expert, ExpertImport
from thamvan.experts.services import IMPORT_REGISTRY_CHANGED, expert_imports_purge
from thamvan.experts.tests.factories import ExpertFactory

# Personas come through request.getfixturevalue, so the database must be declared.
pytestmark = pytest.mark.django_db

START = reverse("experts:import")
HEADERS = [column.header for column in COLUMNS]

AsUser = Callable[[User], Client]


def row(name: str, number: str, **values: object) -> list[object]:
    cells: dict[str, object] = {
        "Họ và tên": name,
        "Học hàm": "",
        "Học vị": "TS",
        "Số hội viên": number,
        "Email": "",
        "Chuyên ngành": "Quy hoạch đô thị",
        "Số dự án tối đa": 3,
    }
    cells.update(values)
    return [cells.get(header, "") for header in HEADERS]


GOOD_ROWS = [
    row("Nguyễn Văn An", "HV-001", **{"Học hàm": "PGS", "Email": "an@example.vn"}),
    row("Trần Thị Bình", "HV-002", **{"Chuyên ngành": "kiến trúc; cảnh quan"}),
    row("Lê Hoàng Cường", "HV-003", **{"Học vị": "KTS"}),
]


def upload(client: Client, data: bytes, name: str = "chuyen-gia.xlsx") -> Any:
    return client.post(START, {"file": as_upload(data, name)})


def preview_url(record: ExpertImport) -> str:
    return reverse("experts:import_preview", args=[record.pk])


def commit_url(record: ExpertImport) -> str:
    return reverse("experts:import_commit", args=[record.pk])


def commit(client: Client, record: ExpertImport, capture: Any) -> Any:
    with capture(execute=True):
        return client.post(commit_url(record))


@pytest.mark.parametrize("persona", ["secretariat", "admin_user"])
def test_registry_managers_open_the_import_page(
    persona: str, request: pytest.FixtureRequest, as_user: AsUser
) -> None:
    response = as_user(request.getfixturevalue(persona)).get(START)
    html = response.content.decode()

    assert response.status_code == 200
    for header in HEADERS:
        assert header in html
    assert reverse("experts:import_template") in html


@pytest.mark.parametrize("persona", ["leadership", "expert_user", "officer", "outsider"])
def test_other_roles_may_not_import(
    persona: str, request: pytest.FixtureRequest, as_user: AsUser
) -> None:
    client = as_user(request.getfixturevalue(persona))

    assert client.get(START).status_code == 403
    assert upload(client, xlsx_bytes([HEADERS, *GOOD_ROWS])).status_code == 403
    assert client.get(reverse("experts:import_template")).status_code == 403
    assert not ExpertImport.objects.exists()


def test_the_template_downloads_as_a_workbook(as_user: AsUser, secretariat: User) -> None:
    response = as_user(secretariat).get(reverse("experts:import_template"))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    assert response.content.startswith(b"PK")


def test_a_good_file_is_previewed_then_imported(
    as_user: AsUser, secretariat: User, django_capture_on_commit_callbacks: Any
) -> None:
    client = as_user(secretariat)

    response = upload(client, xlsx_bytes([HEADERS, *GOOD_ROWS]))
    record = ExpertImport.objects.get()

    assert response.status_code == 302 and response["Location"] == preview_url(record)
    assert not Expert.objects.exists()  # a preview writes nothing
    assert (record.status, record.rows_to_create, record.rows_with_errors) == ("previewed", 3, 0)
    kept = record.file_key
    assert default_storage.exists(kept)
    assert record.file_key.startswith("expert-imports/") and "chuyen-gia" not in record.file_key

    preview = client.get(preview_url(record))
    html = preview.content.decode()
    assert "Trần Thị Bình" in html and "PGS.TS. Nguyễn Văn An" in html
    assert f'action="{commit_url(record)}"' in html

    response = commit(client, record, django_capture_on_commit_callbacks)

    record.refresh_from_db()
    assert response.status_code == 302
    assert record.status == ExpertImport.Status.COMMITTED
    assert sorted(Expert.objects.values_list("full_name", flat=True)) == [
        "Lê Hoàng Cường",
        "Nguyễn Văn An",
        "Trần Thị Bình",
    ]
    binh = Expert.objects.get(membership_number="HV-002")
    assert [s.slug for s in binh.ordered_specialties] == ["kien-truc", "canh-quan"]
    assert Expert.objects.get(membership_number="HV-001").titled_name == "PGS.TS. Nguyễn Văn An"
    assert record.file_key == "" and not default_storage.exists(kept)


def test_a_file_with_bad_rows_reports_them_and_imports_nothing(
    as_user: AsUser, secretariat: User, django_capture_on_commit_callbacks: Any
) -> None:
    rows = [*GOOD_ROWS, row("Phạm Thị Dung", "HV-004"), row("Hoàng Minh Đức", "HV-005")]
    rows += [row("Vũ Văn Em", "HV-006", **{"Chuyên ngành": "giao thong vận tải"})]
    rows += [row("Đỗ Thị Gấm", "HV-007", **{"Số dự án tối đa": 30})]
    client = as_user(secretariat)

    upload(client, xlsx_bytes([HEADERS, *rows]))
    record = ExpertImport.objects.get()
    html = client.get(preview_url(record)).content.decode()

    row_message = gettext("Row %(row)s, column “%(column)s”: %(reason)s")
    specialty = row_message % {
        "row": 7,
        "column": "Chuyên ngành",
        "reason": gettext("there is no specialty “%(value)s”") % {"value": "giao thong vận tải"},
    }
    capacity = row_message % {
        "row": 8,
        "column": "Số dự án tối đa",
        "reason": gettext("%(value)s is out of range; enter a number from %(min)s to %(max)s")
        % {"value": 30, "min": 1, "max": 20},
    }
    assert specialty in html
    assert capacity in html
    assert (
        gettext(
            "Nothing will be imported until the file is fixed: correct the rows listed below "
            "and upload the file again."
        )
        in html
    )
    assert "disabled" in html
    assert f'action="{commit_url(record)}"' not in html
    assert record.rows_with_errors == 2

    response = commit(client, record, django_capture_on_commit_callbacks)

    assert response.status_code == 302
    assert not Expert.objects.exists()
    record.refresh_from_db()
    assert record.status == ExpertImport.Status.PREVIEWED


def test_a_pdf_renamed_xlsx_is_refused_with_a_clear_message(
    as_user: AsUser, secretariat: User
) -> None:
    response = upload(as_user(secretariat), pdf_bytes(), "danh-sach.xlsx")

    assert response.status_code == 200
    errors = response.context["form"].errors["file"]
    assert errors and "danh-sach.xlsx" in errors[0]
    assert not ExpertImport.objects.exists()


def test_a_csv_with_a_byte_order_mark_imports(
    as_user: AsUser, secretariat: User, django_capture_on_commit_callbacks: Any
) -> None:
    client = as_user(secretariat)

    upload(client, csv_bytes([HEADERS, *GOOD_ROWS], bom=True), "chuyen-gia.csv")
    record = ExpertImport.objects.get()
    commit(client, record, django_capture_on_commit_callbacks)

    assert record.kind == "csv"
    assert Expert.objects.count() == 3
    assert Expert.objects.get(membership_number="HV-001").full_name == "Nguyễn Văn An"


def test_a_row_with_a_known_membership_number_updates_that_expert(
    as_user: AsUser, secretariat: User, django_capture_on_commit_callbacks: Any
) -> None:
    existing = ExpertFactory.create(
        full_name="Nguyễn Văn An",
        membership_number="HV-001",
        phone="0900",
        specialties=["moi-truong"],
    )
    client = as_user(secretariat)
    headers = ["Họ và tên", "Số hội viên", "Học hàm", "Chuyên ngành"]

    upload(client, xlsx_bytes([headers, ["Nguyễn Văn An", "HV-001", "GS", "giao-thong"]]))
    record = ExpertImport.objects.get()
    assert (record.rows_to_update, record.rows_to_create) == (1, 0)
    commit(client, record, django_capture_on_commit_callbacks)

    existing.refresh_from_db()
    assert Expert.objects.count() == 1
    assert existing.academic_rank == "GS"
    assert [s.slug for s in existing.ordered_specialties] == ["giao-thong"]
    assert existing.phone == "0900"  # not a column of this file: left alone


def test_too_many_rows_are_refused_with_a_message(as_user: AsUser, secretariat: User) -> None:
    rows = [HEADERS] + [row(f"Người {n}", f"HV-{n}") for n in range(MAX_ROWS + 1)]
    client = as_user(secretariat)

    response = upload(client, csv_bytes(rows), "nhieu.csv")
    record = ExpertImport.objects.get()
    html = client.get(preview_url(record)).content.decode()

    assert response.status_code == 302
    assert record.status == ExpertImport.Status.FAILED and record.file_key == ""
    assert record.file_error in html
    assert gettext("Nothing will be imported until the file is fixed.") in html


def test_the_preview_is_for_registry_managers_only(
    as_user: AsUser,
    secretariat: User,
    admin_user: User,
    leadership: User,
    expert_user: User,
) -> None:
    upload(as_user(secretariat), xlsx_bytes([HEADERS, *GOOD_ROWS]))
    record = ExpertImport.objects.get()

    assert as_user(admin_user).get(preview_url(record)).status_code == 200
    for user in (leadership, expert_user):
        client = as_user(user)
        assert client.get(preview_url(record)).status_code == 404
        assert client.post(commit_url(record)).status_code == 404
    assert not Expert.objects.exists()


def test_a_commit_needs_a_post(as_user: AsUser, secretariat: User) -> None:
    upload(as_user(secretariat), xlsx_bytes([HEADERS, *GOOD_ROWS]))

    response = as_user(secretariat).get(commit_url(ExpertImport.objects.get()))

    assert response.status_code == 405


def test_an_import_cannot_be_committed_twice(
    as_user: AsUser, secretariat: User, django_capture_on_commit_callbacks: Any
) -> None:
    client = as_user(secretariat)
    upload(client, xlsx_bytes([HEADERS, *GOOD_ROWS]))
    record = ExpertImport.objects.get()

    commit(client, record, django_capture_on_commit_callbacks)
    commit(client, record, django_capture_on_commit_callbacks)

    assert Expert.objects.count() == 3


def test_a_registry_change_after_the_preview_imports_nothing(
    as_user: AsUser, secretariat: User, django_capture_on_commit_callbacks: Any
) -> None:
    client = as_user(secretariat)
    upload(client, xlsx_bytes([HEADERS, *GOOD_ROWS]))
    record = ExpertImport.objects.get()
    # Meanwhile someone registers row 2's email under another membership number.
    ExpertFactory.create(membership_number="HV-999", email="an@example.vn", full_name="Người khác")

    commit(client, record, django_capture_on_commit_callbacks)

    record.refresh_from_db()
    assert record.status == ExpertImport.Status.FAILED
    assert record.message == str(IMPORT_REGISTRY_CHANGED)
    assert record.rows_with_errors == 1
    assert Expert.objects.count() == 1


def test_kept_files_are_deleted_after_24_hours(as_user: AsUser, secretariat: User) -> None:
    upload(as_user(secretariat), xlsx_bytes([HEADERS, *GOOD_ROWS]))
    record = ExpertImport.objects.get()
    key = record.file_key

    assert expert_imports_purge(now=timezone.now() + timedelta(hours=23)) == 0
    assert default_storage.exists(key)
    assert expert_imports_purge(now=timezone.now() + timedelta(hours=25)) == 1

    record.refresh_from_db()
    assert not default_storage.exists(key)
    assert (record.status, record.file_key) == (ExpertImport.Status.EXPIRED, "")
    assert not record.can_commit


def test_decomposed_text_in_a_file_is_stored_composed(
    as_user: AsUser, secretariat: User, django_capture_on_commit_callbacks: Any
) -> None:
    nfd_name = unicodedata.normalize("NFD", "Nguyễn Thị Thuỷ")
    nfd_keywords = unicodedata.normalize("NFD", "quy hoạch đô thị")
    client = as_user(secretariat)

    upload(client, xlsx_bytes([HEADERS, row(nfd_name, "HV-010", **{"Từ khóa": nfd_keywords})]))
    commit(client, ExpertImport.objects.get(), django_capture_on_commit_callbacks)

    expert = Expert.objects.get(membership_number="HV-010")
    assert expert.full_name == unicodedata.normalize("NFC", "Nguyễn Thị Thuỷ")
    assert expert.keywords == unicodedata.normalize("NFC", "quy hoạch đô thị")
    assert list(Expert.objects.search("thuy")) == [expert]


def _refused_with(client: Client, data: bytes, name: str) -> str:
    response = upload(client, data, name)
    record = ExpertImport.objects.get()
    assert response.status_code == 302
    assert record.status == ExpertImport.Status.FAILED and record.file_key == ""
    assert escape(record.file_error) in client.get(preview_url(record)).content.decode()
    return record.file_error


def test_a_sheet_running_to_a_million_blank_rows_is_refused_quickly(
    as_user: AsUser, secretariat: User
) -> None:
    data = xlsx_running_to_row(xlsx_bytes([HEADERS, *GOOD_ROWS]))

    error = _refused_with(as_user(secretariat), data, "chuyen-gia.xlsx")

    assert error == too_many_rows_message(MAX_ROWS)
    assert not Expert.objects.exists()


def test_a_csv_of_blank_lines_is_refused_the_same_way(as_user: AsUser, secretariat: User) -> None:
    data = csv_bytes([HEADERS, *GOOD_ROWS]) + b"\r\n" * (MAX_ROWS * 2)

    error = _refused_with(as_user(secretariat), data, "chuyen-gia.csv")

    assert error == too_many_rows_message(MAX_ROWS)


def test_a_read_past_the_time_allowed_is_refused(
    as_user: AsUser, secretariat: User, settings: Any
) -> None:
    settings.SPREADSHEET_READ_SECONDS = 0

    error = _refused_with(as_user(secretariat), xlsx_bytes([HEADERS, *GOOD_ROWS]), "a.xlsx")

    assert error == too_slow_message()
