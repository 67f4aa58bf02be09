from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse

from thamvan.accounts.models import User
from thamvan.core.tests.samples import as_upload
from thamvan.experts.importing import COLUMNS, parse_file
from thamvan.experts.models import Expert, ExpertImport
from thamvan.experts.tests.factories import (
    AffiliationFactory,
    ExpertFactory,
    UnavailablePeriodFactory,
)

# Personas come through request.getfixturevalue, so the database must be declared.
pytestmark = pytest.mark.django_db

EXPORT = reverse("experts:export")
HEADERS = [column.header for column in COLUMNS]

AsUser = Callable[[User], Client]


def sheet_rows(content: bytes) -> list[list[Any]]:
    workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    rows: list[list[Any]] = [list(r) for r in workbook.worksheets[0].iter_rows(values_only=True)]
    # Trailing empty cells are not written; pad rows to the header's width.
    return [r + [None] * (len(HEADERS) - len(r)) for r in rows]


@pytest.fixture
def registry(orgs: Any) -> list[Expert]:
    an = ExpertFactory.create(
        full_name="Nguyễn Văn An",
        academic_rank="PGS",
        degree="TS",
        membership_number="0012",
        email="an@example.vn",
        phone="0912345678",
        max_concurrent_consultations=5,
        keywords="giao thông, đường sắt",
        biography="Nguyên Phó Viện trưởng.\nGiảng viên.",
        specialties=["giao-thong", "ha-tang-ky-thuat", "moi-truong"],
    )
    AffiliationFactory.create(
        expert=an,
        organization=orgs.consultant,
        position="Phó Viện trưởng",
        start_date=date(2018, 3, 1),
    )
    AffiliationFactory.create(
        expert=an,
        organization=orgs.department,
        start_date=date(2005, 1, 1),
        end_date=date(2017, 12, 31),
    )
    UnavailablePeriodFactory.create(expert=an)
    binh = ExpertFactory.create(
        full_name="Trần Thị Bình",
        degree="KTS",
        membership_number="",
        email="binh@example.vn",
        phone="",
        specialties=["kien-truc"],
    )
    cuong = ExpertFactory.create(
        full_name="Lê Văn Cường", membership_number="HV-3", email="", specialties=[]
    )
    return [an, binh, cuong]


def snapshot() -> list[tuple[Any, ...]]:
    result: list[tuple[Any, ...]] = []
    for expert in Expert.objects.for_list().order_by("full_name"):
        affiliations = sorted(
            (a.organization_id, a.position, a.start_date, a.end_date)
            for a in expert.affiliations.all()
        )
        result.append(
            (
                expert.full_name,
                expert.academic_rank,
                expert.degree,
                expert.membership_number,
                expert.email,
                expert.phone,
                tuple(s.slug for s in expert.ordered_specialties),
                expert.max_concurrent_consultations,
                expert.keywords,
                expert.biography,
                tuple(affiliations),
            )
        )
    return result


@pytest.mark.parametrize("persona", ["secretariat", "admin_user", "leadership"])
def test_registry_readers_export_the_registry(
    persona: str, request: pytest.FixtureRequest, as_user: AsUser, registry: list[Expert]
) -> None:
    response = as_user(request.getfixturevalue(persona)).get(EXPORT)

    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    rows = sheet_rows(response.content)
    assert rows[0] == HEADERS
    assert [r[0] for r in rows[1:]] == ["Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường"]
    an = dict(zip(HEADERS, rows[1], strict=True))
    assert an["Họ và tên"] == "Nguyễn Văn An"
    assert an["Số hội viên"] == "0012"  # text, leading zeros kept
    assert an["Điện thoại"] == "0912345678"
    assert an["Chuyên ngành"] == "Giao thông; Hạ tầng kỹ thuật; Môi trường"
    assert an["Cơ quan công tác"] == "Viện Quy hoạch Xây dựng Hà Nội"
    assert an["Từ ngày"] == datetime(2018, 3, 1)


@pytest.mark.parametrize("persona", ["expert_user", "officer", "outsider"])
def test_others_may_not_export(
    persona: str, request: pytest.FixtureRequest, as_user: AsUser, registry: list[Expert]
) -> None:
    assert as_user(request.getfixturevalue(persona)).get(EXPORT).status_code == 403


def test_the_export_follows_the_filters(
    as_user: AsUser, secretariat: User, registry: list[Expert]
) -> None:
    response = as_user(secretariat).get(EXPORT, {"q": "binh"})

    assert [r[0] for r in sheet_rows(response.content)[1:]] == ["Trần Thị Bình"]


def test_re_importing_an_export_changes_nothing(
    as_user: AsUser,
    secretariat: User,
    registry: list[Expert],
    django_capture_on_commit_callbacks: Any,
) -> None:
    client = as_user(secretariat)
    before = snapshot()
    exported = client.get(EXPORT).content

    result = parse_file(exported, "xlsx")
    assert result.is_valid, [e.message for r in result.rows for e in r.errors]
    assert [r.action for r in result.rows] == ["update"] * 3

    client.post(reverse("experts:import"), {"file": as_upload(exported, "xuat.xlsx")})
    record = ExpertImport.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("experts:import_commit", args=[record.pk]))

    record.refresh_from_db()
    assert record.status == ExpertImport.Status.COMMITTED
    assert snapshot() == before


def test_an_export_rebuilds_the_registry_from_scratch(
    as_user: AsUser,
    secretariat: User,
    registry: list[Expert],
    django_capture_on_commit_callbacks: Any,
) -> None:
    client = as_user(secretariat)
    exported = client.get(EXPORT).content
    current_only = [
        (name, *rest[:-1], tuple(a for a in rest[-1] if a[3] is None)) for name, *rest in snapshot()
    ]
    Expert.objects.all().delete()

    client.post(reverse("experts:import"), {"file": as_upload(exported, "xuat.xlsx")})
    record = ExpertImport.objects.get()
    assert record.rows_to_create == 3
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("experts:import_commit", args=[record.pk]))

    # Past affiliations and absences are not columns of the sheet; the rest comes back.
    assert snapshot() == current_only


def test_an_edited_export_updates_the_registry(
    as_user: AsUser,
    secretariat: User,
    registry: list[Expert],
    django_capture_on_commit_callbacks: Any,
) -> None:
    client = as_user(secretariat)
    workbook = openpyxl.load_workbook(io.BytesIO(client.get(EXPORT).content))
    sheet = workbook.worksheets[0]
    rank_column = HEADERS.index("Học hàm") + 1
    sheet.cell(row=2, column=rank_column, value="GS")  # Nguyễn Văn An
    buffer = io.BytesIO()
    workbook.save(buffer)

    client.post(reverse("experts:import"), {"file": as_upload(buffer.getvalue(), "sua.xlsx")})
    record = ExpertImport.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("experts:import_commit", args=[record.pk]))

    assert Expert.objects.get(email="an@example.vn").titled_name == "GS.TS. Nguyễn Văn An"


def test_text_that_looks_like_a_formula_is_exported_as_text(
    as_user: AsUser, secretariat: User
) -> None:
    ExpertFactory.create(full_name="Hồ Văn Tính", keywords='=HYPERLINK("http://x.example","y")')

    content = as_user(secretariat).get(EXPORT).content
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    cell = workbook.worksheets[0].cell(row=2, column=HEADERS.index("Từ khóa") + 1)

    assert cell.data_type == "s"
    assert cell.value == '=HYPERLINK("http://x.example","y")'
