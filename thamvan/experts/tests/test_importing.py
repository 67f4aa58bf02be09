"""The parser on its own: files in, row results out, nothing written."""

from __future__ import annotations

import unicodedata
from datetime import date, datetime
from typing import Any

import pytest
from django.utils.translation import gettext

from thamvan.core.tests.samples import csv_bytes, xlsx_bytes
from thamvan.experts.importing import (
    COLUMNS,
    MAX_ROWS,
    ParseResult,
    parse_file,
    write_template,
)
from thamvan.experts.models import Specialty
from thamvan.experts.tests.factories import ExpertFactory
from thamvan.organizations.tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db

HEADERS = [column.header for column in COLUMNS]


class _RowPrefix:
    """The start of a row message in the active language: "Row 7, column “"."""

    def __mod__(self, number: int) -> str:
        template = gettext("Row %(row)s, column “%(column)s”: %(reason)s")
        return template.split("%(column)s")[0] % {"row": number}


ROW_PREFIX = _RowPrefix()


def row(**values: object) -> list[object]:
    defaults: dict[str, object] = {
        "Họ và tên": "Nguyễn Văn An",
        "Học hàm": "PGS",
        "Học vị": "TS",
        "Số hội viên": "HV-100",
        "Email": "an@example.vn",
        "Điện thoại": "0912 000 111",
        "Chuyên ngành": "Giao thông; hạ tầng kỹ thuật",
        "Cơ quan công tác": "",
        "Chức vụ": "",
        "Từ ngày": "",
        "Số dự án tối đa": 3,
        "Từ khóa": "đường sắt đô thị",
        "Tiểu sử": "",
    }
    defaults.update(values)
    return [defaults[header] for header in HEADERS]


def parse_xlsx(*rows: list[object], headers: list[str] = HEADERS) -> ParseResult:
    return parse_file(xlsx_bytes([headers, *rows]), "xlsx")


def errors(result: ParseResult) -> list[str]:
    return [error.message for r in result.rows for error in r.errors]


def test_good_rows_parse_into_typed_values() -> None:
    result = parse_xlsx(
        row(),
        row(
            **{
                "Họ và tên": "Trần Thị Bình",
                "Số hội viên": "HV-101",
                "Email": "",
                "Học hàm": "",
                "Học vị": "KTS",
                "Chuyên ngành": "kien-truc",
            }
        ),
    )

    assert result.is_valid and not result.file_error
    first, second = result.rows
    assert (first.row, first.action, second.row) == (2, "create", 3)
    assert first.values.full_name == "Nguyễn Văn An"
    assert (first.values.academic_rank, first.values.degree) == ("PGS", "TS")
    slugs = dict(Specialty.objects.values_list("pk", "slug"))
    assert [slugs[pk] for pk in first.values.specialty_ids] == ["giao-thong", "ha-tang-ky-thuat"]
    assert [slugs[pk] for pk in second.values.specialty_ids] == ["kien-truc"]
    assert first.display["name"] == "PGS.TS. Nguyễn Văn An"


def test_an_unknown_specialty_names_row_column_and_value() -> None:
    result = parse_xlsx(
        *[row(**{"Số hội viên": f"HV-{n}", "Email": f"x{n}@example.vn"}) for n in range(5)],
        row(**{"Số hội viên": "HV-9", "Email": "", "Chuyên ngành": "giao thong vận tải"}),
    )

    assert not result.is_valid
    assert errors(result) == [
        gettext("Row %(row)s, column “%(column)s”: %(reason)s")
        % {
            "row": 7,
            "column": "Chuyên ngành",
            "reason": gettext("there is no specialty “%(value)s”")
            % {"value": "giao thong vận tải"},
        }
    ]
    assert [r.action for r in result.rows] == ["create"] * 5 + ["error"]


def test_every_problem_of_a_row_is_reported() -> None:
    result = parse_xlsx(
        row(
            **{
                "Họ và tên": "",
                "Học hàm": "Tiến sĩ",
                "Email": "not-an-email",
                "Từ ngày": "31/02/2020",
                "Số dự án tối đa": 25,
            }
        )
    )
    columns = [error.column for error in result.rows[0].errors]

    assert columns == ["Họ và tên", "Học hàm", "Email", "Từ ngày", "Số dự án tối đa"]
    assert all(message.startswith(ROW_PREFIX % 2) for message in errors(result))


def test_headers_match_without_accents_case_or_order() -> None:
    headers = ["EMAIL", "ho va ten", "chuyen nganh", "So hoi vien"]

    result = parse_xlsx(["b@example.vn", "Lê Văn Bình", "moi truong", "HV-7"], headers=headers)

    assert result.is_valid
    values = result.rows[0].values
    assert (values.full_name, values.email, values.membership_number) == (
        "Lê Văn Bình",
        "b@example.vn",
        "HV-7",
    )
    assert values.present == {"email", "full_name", "specialties", "membership_number"}


def test_unknown_headers_are_ignored_and_reported() -> None:
    result = parse_xlsx(["Lê Văn Bình", "x"], headers=["Họ và tên", "Ghi chú"])

    assert result.is_valid
    assert result.ignored_headers == ["Ghi chú"]


def test_a_file_without_the_name_column_is_refused_whole() -> None:
    result = parse_xlsx(["b@example.vn"], headers=["Email"])

    assert "Họ và tên" in result.file_error
    assert not result.rows


def test_a_header_without_rows_is_refused() -> None:
    assert parse_xlsx().file_error


def test_excel_dates_and_typed_dates_both_work(orgs: Any) -> None:
    result = parse_xlsx(
        row(**{"Cơ quan công tác": orgs.consultant.name, "Từ ngày": datetime(2019, 7, 1)}),
        row(
            **{
                "Số hội viên": "HV-2",
                "Email": "",
                "Cơ quan công tác": orgs.consultant.name,
                "Từ ngày": "5/3/2021",
            }
        ),
    )

    assert result.is_valid, errors(result)
    assert [r.values.start_date for r in result.rows] == [date(2019, 7, 1), date(2021, 3, 5)]
    assert result.rows[0].values.organization_id == orgs.consultant.pk


def test_organisations_match_by_folded_name_or_unique_abbreviation(orgs: Any) -> None:
    result = parse_xlsx(
        row(**{"Cơ quan công tác": "vien quy hoach xay dung ha noi", "Từ ngày": "01/01/2020"}),
        row(
            **{
                "Số hội viên": "HV-2",
                "Email": "",
                "Cơ quan công tác": "QHKT",
                "Từ ngày": "01/01/2020",
            }
        ),
        row(
            **{
                "Số hội viên": "HV-3",
                "Email": "",
                "Cơ quan công tác": "UBND",
                "Từ ngày": "01/01/2020",
            }
        ),
        row(
            **{
                "Số hội viên": "HV-4",
                "Email": "",
                "Cơ quan công tác": "Công ty Không Có",
                "Từ ngày": "01/01/2020",
            }
        ),
    )

    assert result.rows[0].values.organization_id == orgs.consultant.pk
    assert result.rows[1].values.organization_id == orgs.department.pk
    assert result.rows[2].errors and "UBND" in result.rows[2].errors[0].reason  # two share it
    assert result.rows[3].errors and "Công ty Không Có" in result.rows[3].errors[0].reason


def test_an_affiliation_needs_both_organisation_and_start_date(orgs: Any) -> None:
    result = parse_xlsx(
        row(**{"Cơ quan công tác": orgs.consultant.name, "Từ ngày": ""}),
        row(**{"Số hội viên": "HV-2", "Email": "", "Chức vụ": "Giám đốc", "Từ ngày": "01/01/2020"}),
    )

    assert [e.column for e in result.rows[0].errors] == ["Từ ngày"]
    assert [e.column for e in result.rows[1].errors] == ["Chức vụ", "Từ ngày"]


@pytest.mark.parametrize(
    ("cell", "expected"),
    [(3, 3), (3.0, 3), ("7", 7), ("", 3), (None, 3)],
)
def test_the_capacity_is_a_whole_number_defaulting_to_3(cell: object, expected: int) -> None:
    result = parse_xlsx(row(**{"Số dự án tối đa": cell}))

    assert result.rows[0].values.max_concurrent_consultations == expected


@pytest.mark.parametrize("cell", [0, 21, 2.5, "ba", "-1"])
def test_a_bad_capacity_is_an_error(cell: object) -> None:
    result = parse_xlsx(row(**{"Số dự án tối đa": cell}))

    assert [e.column for e in result.rows[0].errors] == ["Số dự án tối đa"]


@pytest.mark.parametrize(
    ("rank", "degree", "expected"),
    [
        ("GS.", "TSKH.", ("GS", "TSKH")),
        ("Phó giáo sư", "Tiến sĩ", ("PGS", "TS")),
        ("", "Thạc sĩ", ("", "ThS")),
        ("", "kiến trúc sư", ("", "KTS")),
        ("", "Kỹ sư", ("", "KS")),
        ("", "CN", ("", "CN")),
    ],
)
def test_ranks_and_degrees_are_read_in_any_usual_spelling(
    rank: str, degree: str, expected: tuple[str, str]
) -> None:
    values = parse_xlsx(row(**{"Học hàm": rank, "Học vị": degree})).rows[0].values

    assert (values.academic_rank, values.degree) == expected


def test_decomposed_text_is_composed() -> None:
    nfd = unicodedata.normalize("NFD", "Nguyễn Thị Thuỷ")

    values = (
        parse_xlsx(
            row(**{"Họ và tên": nfd, "Chuyên ngành": unicodedata.normalize("NFD", "Địa kỹ thuật")})
        )
        .rows[0]
        .values
    )

    assert values.full_name == unicodedata.normalize("NFC", "Nguyễn Thị Thuỷ")
    assert values.specialty_ids == [Specialty.objects.get(slug="dia-ky-thuat").pk]


def test_rows_match_existing_experts_by_membership_number_then_email() -> None:
    by_number = ExpertFactory.create(membership_number="HV-100", email="old@example.vn")
    by_email = ExpertFactory.create(membership_number="", email="mail@example.vn")

    result = parse_xlsx(
        row(**{"Số hội viên": "HV-100", "Email": "new@example.vn"}),
        row(**{"Số hội viên": "HV-200", "Email": "MAIL@example.vn"}),
        row(**{"Số hội viên": "HV-300", "Email": "fresh@example.vn"}),
    )

    assert result.is_valid, errors(result)
    assert [(r.action, r.expert_id) for r in result.rows] == [
        ("update", by_number.pk),
        ("update", by_email.pk),
        ("create", None),
    ]


def test_a_number_and_an_email_of_two_different_experts_conflict() -> None:
    ExpertFactory.create(membership_number="HV-100", email="a@example.vn")
    ExpertFactory.create(membership_number="HV-200", email="b@example.vn")

    result = parse_xlsx(
        row(**{"Số hội viên": "HV-100", "Email": "b@example.vn"}),
        row(**{"Số hội viên": "HV-300", "Email": "a@example.vn"}),
    )

    assert [e.column for e in result.rows[0].errors] == ["Email"]
    assert [e.column for e in result.rows[1].errors] == ["Số hội viên"]


def test_duplicates_within_the_file_name_the_first_row() -> None:
    result = parse_xlsx(
        row(),
        row(**{"Email": "other@example.vn"}),
        row(**{"Số hội viên": "HV-9", "Email": "an@example.vn"}),
    )

    assert errors(result) == [
        gettext("Row %(row)s, column “%(column)s”: %(reason)s")
        % {
            "row": 3,
            "column": "Số hội viên",
            "reason": gettext("the same membership number is on row %(row)s") % {"row": 2},
        },
        gettext("Row %(row)s, column “%(column)s”: %(reason)s")
        % {
            "row": 4,
            "column": "Email",
            "reason": gettext("the same email is on row %(row)s") % {"row": 2},
        },
    ]


def test_empty_rows_are_skipped_but_numbering_follows_the_sheet() -> None:
    result = parse_xlsx([None] * len(HEADERS), row(**{"Chuyên ngành": "không có"}))

    assert [r.row for r in result.rows] == [3]
    assert errors(result)[0].startswith(ROW_PREFIX % 3)


def test_csv_with_a_byte_order_mark_is_read() -> None:
    data = csv_bytes([HEADERS, row()], bom=True)

    result = parse_file(data, "csv")

    assert result.is_valid, (result.file_error, errors(result))
    assert result.rows[0].values.full_name == "Nguyễn Văn An"


def test_csv_with_semicolons_is_read() -> None:
    lines = [
        ";".join(HEADERS),
        ";".join(str(v) for v in row(**{"Chuyên ngành": '"giao thông; môi trường"'})),
    ]

    result = parse_file("\n".join(lines).encode(), "csv")

    assert result.is_valid, (result.file_error, errors(result))
    assert len(result.rows[0].values.specialty_ids) == 2


def test_csv_that_is_not_utf8_is_refused_with_advice() -> None:
    result = parse_file("Họ và tên\nLê\n".encode("utf-16"), "csv")

    assert "UTF-8" in result.file_error


def test_more_than_the_row_limit_is_refused() -> None:
    rows = [HEADERS] + [row(**{"Số hội viên": f"HV-{n}", "Email": ""}) for n in range(MAX_ROWS + 1)]

    result = parse_file(csv_bytes(rows), "csv")

    assert result.file_error
    assert "5.000" in result.file_error or "5,000" in result.file_error
    assert not result.rows


def test_a_broken_workbook_is_reported_not_raised() -> None:
    assert parse_file(b"PK\x03\x04 not really a workbook", "xlsx").file_error


def test_the_template_has_the_columns_and_imports_as_empty() -> None:
    result = parse_file(write_template(), "xlsx")

    assert result.file_error  # headers only: nothing to import
    import io

    import openpyxl

    sheet = openpyxl.load_workbook(io.BytesIO(write_template()), read_only=True).worksheets[0]
    assert [c.value for c in next(sheet.iter_rows(max_row=1))] == HEADERS


def test_an_unrelated_organisation_with_the_same_name_makes_it_ambiguous(orgs: Any) -> None:
    OrganizationFactory(name="Viện Quy hoạch Xây dựng Hà Nội")

    result = parse_xlsx(
        row(**{"Cơ quan công tác": "Viện Quy hoạch Xây dựng Hà Nội", "Từ ngày": "01/01/2020"})
    )

    assert [e.column for e in result.rows[0].errors] == ["Cơ quan công tác"]
