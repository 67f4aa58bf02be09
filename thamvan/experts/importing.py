"""Reading and writing the registry spreadsheet (XLSX or CSV).

The functions here turn a file into a list of :class:`RowResult` and the
registry back into a workbook; they read the database only through a
:class:`Lookup` built once per file, and never write. Applying a parsed file is
``services.expert_import_apply``.

Columns are found by their header text, folded (accents, case and punctuation
do not matter), so their order is free and a column left out is left alone on
update. Every text cell is NFC-normalised.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.formats import number_format
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from thamvan.core.spreadsheets import SheetTooLarge, bounded_rows
from thamvan.experts.models import (
    DEFAULT_CONCURRENT_CONSULTATIONS,
    MAX_CONCURRENT_CONSULTATIONS,
    MIN_CONCURRENT_CONSULTATIONS,
    AcademicRank,
    Degree,
    Expert,
    Specialty,
)
from thamvan.organizations.models import Organization
from thamvan.search.normalize import fold, nfc, slugify_vi, syllables

MAX_ROWS = 5000
SPECIALTY_SEPARATOR = ";"
DATE_FORMAT = "%d/%m/%Y"

Action = Literal["create", "update", "error"]


# ---------------------------------------------------------------------------
# Columns
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    description: str | Promise
    aliases: tuple[str, ...] = ()
    required: bool = False
    width: int = 18

    @property
    def match_keys(self) -> set[str]:
        return {header_key(self.header), *(header_key(alias) for alias in self.aliases)}


COLUMNS: tuple[Column, ...] = (
    Column(
        "full_name",
        "Họ và tên",
        gettext_lazy("Required. The name only, without titles."),
        aliases=("Họ tên", "Tên chuyên gia"),
        required=True,
        width=28,
    ),
    Column(
        "academic_rank",
        "Học hàm",
        gettext_lazy("GS or PGS (Giáo sư, Phó giáo sư); empty if none."),
        width=10,
    ),
    Column(
        "degree",
        "Học vị",
        gettext_lazy("TSKH, TS, ThS, KTS, KS or CN (or written in full); empty if none."),
        aliases=("Học vị, chức danh", "Chức danh nghề nghiệp"),
        width=10,
    ),
    Column(
        "membership_number",
        "Số hội viên",
        gettext_lazy(
            "The association membership number. A row whose membership number or email is "
            "already in the registry updates that expert."
        ),
        aliases=("Mã hội viên", "Số thẻ hội viên"),
        width=14,
    ),
    Column("email", "Email", gettext_lazy("Email address."), aliases=("E-mail", "Thư điện tử")),
    Column("phone", "Điện thoại", gettext_lazy("Phone number."), aliases=("Số điện thoại",)),
    Column(
        "specialties",
        "Chuyên ngành",
        gettext_lazy(
            "Specialties separated by “;”, the primary one first, written as in the "
            "specialty list (accents optional) or as their identifier, e.g. giao-thong."
        ),
        width=36,
    ),
    Column(
        "organization",
        "Cơ quan công tác",
        gettext_lazy(
            "Current employer, as registered under Organisations (full name or unique "
            "abbreviation). Recorded as a current affiliation."
        ),
        aliases=("Đơn vị công tác", "Nơi công tác"),
        width=36,
    ),
    Column(
        "position",
        "Chức vụ",
        gettext_lazy("Position at that organisation."),
        aliases=("Chức danh",),
    ),
    Column(
        "start_date",
        "Từ ngày",
        gettext_lazy("Date the expert started there, dd/mm/yyyy; required with an organisation."),
        width=12,
    ),
    Column(
        "max_concurrent_consultations",
        "Số dự án tối đa",
        gettext_lazy("Consultations the expert takes on at once, 1 to 20; 3 when empty."),
        width=10,
    ),
    Column(
        "keywords",
        "Từ khóa",
        gettext_lazy("Fields of work, separated by commas."),
        width=30,
    ),
    Column("biography", "Tiểu sử", gettext_lazy("Short biography."), width=50),
)
COLUMNS_BY_KEY = {column.key: column for column in COLUMNS}


def header_key(text: str) -> str:
    """Header text compared without accents, case, spacing or punctuation."""
    return " ".join(syllables(text))


_COLUMN_BY_HEADER = {key: column for column in COLUMNS for key in column.match_keys}


# ---------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------


class ImportFileError(Exception):
    """The file as a whole cannot be imported; the message says why and what to do."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    reason: str

    @property
    def message(self) -> str:
        if self.column:
            return _("Row %(row)s, column “%(column)s”: %(reason)s") % {
                "row": self.row,
                "column": self.column,
                "reason": self.reason,
            }
        return _("Row %(row)s: %(reason)s") % {"row": self.row, "reason": self.reason}

    def __str__(self) -> str:
        return self.message


@dataclass
class ExpertValues:
    """The typed values of one row; ``present`` holds the keys of the file's columns."""

    present: frozenset[str]
    full_name: str = ""
    academic_rank: str = ""
    degree: str = ""
    membership_number: str = ""
    email: str = ""
    phone: str = ""
    specialty_ids: list[int] = field(default_factory=list)
    organization_id: int | None = None
    position: str = ""
    start_date: date | None = None
    max_concurrent_consultations: int = DEFAULT_CONCURRENT_CONSULTATIONS
    keywords: str = ""
    biography: str = ""


@dataclass
class RowResult:
    row: int
    values: ExpertValues
    expert_id: int | None = None
    errors: list[RowError] = field(default_factory=list)
    display: dict[str, str] = field(default_factory=dict)

    @property
    def action(self) -> Action:
        if self.errors:
            return "error"
        return "update" if self.expert_id else "create"

    def add_error(self, column_key: str, reason: str) -> None:
        column = COLUMNS_BY_KEY[column_key].header if column_key else ""
        self.errors.append(RowError(self.row, column, reason))

    def as_preview(self) -> dict[str, Any]:
        """A JSON-serialisable summary for the preview page."""
        return {
            "row": self.row,
            "action": self.action,
            **self.display,
            "errors": [error.message for error in self.errors],
        }


@dataclass
class ParseResult:
    rows: list[RowResult] = field(default_factory=list)
    file_error: str = ""
    ignored_headers: list[str] = field(default_factory=list)

    @property
    def error_rows(self) -> list[RowResult]:
        return [row for row in self.rows if row.errors]

    @property
    def is_valid(self) -> bool:
        return not self.file_error and bool(self.rows) and not self.error_rows

    def count(self, action: Action) -> int:
        return sum(1 for row in self.rows if row.action == action)


# ---------------------------------------------------------------------------
# Reading files
# ---------------------------------------------------------------------------


@dataclass
class Table:
    headers: list[str]
    header_row: int
    rows: list[tuple[int, list[Any]]]


def _is_empty(cells: Sequence[Any]) -> bool:
    return all(cell is None or (isinstance(cell, str) and not cell.strip()) for cell in cells)


def _too_many_rows_message() -> str:
    return _(
        "The file has more than %(max)s rows of experts. Split it into files of at most "
        "%(max)s rows and import them one after another."
    ) % {"max": number_format(MAX_ROWS, force_grouping=True)}


def _collect(rows: Iterable[Sequence[Any]]) -> Table:
    """The first non-empty row is the header; empty rows are skipped, numbering kept."""
    headers: list[str] | None = None
    header_row = 0
    data: list[tuple[int, list[Any]]] = []
    try:
        for number, cells in bounded_rows(rows, max_rows=MAX_ROWS):
            if _is_empty(cells):
                continue
            if headers is None:
                headers = [_cell_text(cell) for cell in cells]
                header_row = number
                continue
            if len(data) >= MAX_ROWS:
                raise ImportFileError(_too_many_rows_message())
            data.append((number, list(cells)))
    except SheetTooLarge as error:
        raise ImportFileError(error.message) from None
    if headers is None:
        raise ImportFileError(_("The file is empty: it has no header row and no experts."))
    return Table(headers=headers, header_row=header_row, rows=data)


def read_xlsx(data: bytes) -> Table:
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError):
        raise ImportFileError(
            _("The file could not be read as an Excel workbook (.xlsx). Save it again from Excel.")
        ) from None
    try:
        sheet = workbook.worksheets[0]
        # Some writers record a wrong sheet size; read every row that is there.
        sheet.reset_dimensions()
        return _collect(sheet.iter_rows(values_only=True))
    except ImportFileError:
        raise
    except Exception:
        # openpyxl raises many kinds of errors on damaged sheet XML.
        raise ImportFileError(
            _("The workbook is damaged and could not be read. Save it again from Excel.")
        ) from None
    finally:
        workbook.close()


def _sniff_delimiter(text: str) -> str:
    first_line = text.split("\n", 1)[0]
    counts = {delimiter: first_line.count(delimiter) for delimiter in (",", ";", "\t")}
    return max(counts, key=lambda delimiter: counts[delimiter])


def read_csv(data: bytes) -> Table:
    try:
        # utf-8-sig drops the byte-order mark Excel writes in "CSV UTF-8" files.
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFileError(
            _(
                "The CSV file is not in UTF-8. In Excel, save it as “CSV UTF-8 (Comma "
                "delimited)”, or import the .xlsx file itself."
            )
        ) from None
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_sniff_delimiter(text))
    try:
        return _collect(reader)
    except csv.Error as error:
        raise ImportFileError(
            _("The CSV file is malformed near line %(line)s: %(error)s")
            % {"line": reader.line_num, "error": error}
        ) from None


def read_table(data: bytes, kind: str) -> Table:
    if kind == "xlsx":
        return read_xlsx(data)
    if kind == "csv":
        return read_csv(data)
    raise ImportFileError(_("Only Excel (.xlsx) and CSV files can be imported."))


# ---------------------------------------------------------------------------
# Cell values
# ---------------------------------------------------------------------------


class CellError(ValueError):
    pass


def _cell_text(cell: Any) -> str:
    if cell is None:
        return ""
    if isinstance(cell, bool):
        return str(cell)
    if isinstance(cell, datetime):
        return cell.strftime(DATE_FORMAT)
    if isinstance(cell, date):
        return cell.strftime(DATE_FORMAT)
    if isinstance(cell, float):
        return str(int(cell)) if cell.is_integer() else str(cell)
    if isinstance(cell, int):
        return str(cell)
    return nfc(str(cell)).strip()


def _bounded(text: str, max_length: int) -> str:
    if len(text) > max_length:
        raise CellError(
            _("the text is %(length)s characters long; at most %(max)s are allowed")
            % {"length": len(text), "max": max_length}
        )
    return text


_DATE_RE = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$")
_ISO_DATE_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


def _cell_date(cell: Any) -> date | None:
    if cell is None or cell == "":
        return None
    if isinstance(cell, datetime):
        return cell.date()
    if isinstance(cell, date):
        return cell
    text = _cell_text(cell)
    if not text:
        return None
    try:
        if match := _DATE_RE.match(text):
            day, month, year = (int(part) for part in match.groups())
            return date(year, month, day)
        if match := _ISO_DATE_RE.match(text):
            year, month, day = (int(part) for part in match.groups())
            return date(year, month, day)
    except ValueError:
        pass
    raise CellError(
        _("“%(value)s” is not a date; write it as dd/mm/yyyy, e.g. 01/07/2025") % {"value": text}
    )


def _cell_int(cell: Any) -> int | None:
    if cell is None or cell == "":
        return None
    if isinstance(cell, bool):
        raise CellError(_("“%(value)s” is not a whole number") % {"value": cell})
    if isinstance(cell, int):
        return cell
    if isinstance(cell, float) and cell.is_integer():
        return int(cell)
    text = _cell_text(cell)
    if not text:
        return None
    if re.fullmatch(r"\d+", text):
        return int(text)
    raise CellError(_("“%(value)s” is not a whole number") % {"value": text})


def _choice_key(text: str) -> str:
    return "".join(syllables(text))


_RANKS = {
    "gs": AcademicRank.PROFESSOR,
    "giaosu": AcademicRank.PROFESSOR,
    "pgs": AcademicRank.ASSOCIATE_PROFESSOR,
    "phogiaosu": AcademicRank.ASSOCIATE_PROFESSOR,
}
_DEGREES = {
    "tskh": Degree.DOCTOR_OF_SCIENCE,
    "tiensikhoahoc": Degree.DOCTOR_OF_SCIENCE,
    "tiensykhoahoc": Degree.DOCTOR_OF_SCIENCE,
    "ts": Degree.DOCTOR,
    "tiensi": Degree.DOCTOR,
    "tiensy": Degree.DOCTOR,
    "ths": Degree.MASTER,
    "thacsi": Degree.MASTER,
    "thacsy": Degree.MASTER,
    "kts": Degree.ARCHITECT,
    "kientrucsu": Degree.ARCHITECT,
    "ks": Degree.ENGINEER,
    "kysu": Degree.ENGINEER,
    "kisu": Degree.ENGINEER,
    "cn": Degree.BACHELOR,
    "cunhan": Degree.BACHELOR,
}


def _cell_choice(cell: Any, table: Mapping[str, str], allowed: str) -> str:
    text = _cell_text(cell)
    if not text:
        return ""
    value = table.get(_choice_key(text))
    if value is None:
        raise CellError(
            _("“%(value)s” is not one of %(allowed)s") % {"value": text, "allowed": allowed}
        )
    return value


# ---------------------------------------------------------------------------
# What the rows refer to
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class KnownExpert:
    id: int
    membership_number: str
    email: str


@dataclass
class Lookup:
    """The registry's reference data, loaded once per file."""

    specialties_by_key: dict[str, int]
    specialty_names: dict[int, str]
    organizations_by_name: dict[str, list[int]]
    organizations_by_abbreviation: dict[str, list[int]]
    organization_names: dict[int, str]
    experts_by_number: dict[str, KnownExpert]
    experts_by_email: dict[str, KnownExpert]

    @classmethod
    def from_database(cls) -> Lookup:
        specialties_by_key: dict[str, int] = {}
        specialty_names: dict[int, str] = {}
        for pk, name, name_key, slug in Specialty.objects.values_list(
            "pk", "name", "name_key", "slug"
        ):
            specialties_by_key[name_key] = pk
            specialties_by_key[slug] = pk
            specialty_names[pk] = name
        by_name: dict[str, list[int]] = {}
        by_abbreviation: dict[str, list[int]] = {}
        organization_names: dict[int, str] = {}
        for pk, name, name_key, abbreviation in Organization.objects.values_list(
            "pk", "name", "name_key", "abbreviation"
        ):
            by_name.setdefault(name_key, []).append(pk)
            if abbreviation:
                by_abbreviation.setdefault(fold(abbreviation), []).append(pk)
            organization_names[pk] = name
        by_number: dict[str, KnownExpert] = {}
        by_email: dict[str, KnownExpert] = {}
        for pk, number, email in Expert.objects.values_list("pk", "membership_number", "email"):
            known = KnownExpert(pk, number, email)
            if number:
                by_number[number] = known
            if email:
                by_email[email] = known
        return cls(
            specialties_by_key,
            specialty_names,
            by_name,
            by_abbreviation,
            organization_names,
            by_number,
            by_email,
        )

    def specialty(self, text: str) -> int | None:
        for key in (fold(text), text.strip().lower(), slugify_vi(text)):
            if key in self.specialties_by_key:
                return self.specialties_by_key[key]
        return None

    def organization(self, text: str) -> int:
        by_name = self.organizations_by_name.get(fold(text), [])
        if len(by_name) == 1:
            return by_name[0]
        if len(by_name) > 1:
            raise CellError(
                _(
                    "several organisations are named “%(value)s”; "
                    "ask the administrator to merge them"
                )
                % {"value": text}
            )
        by_abbreviation = self.organizations_by_abbreviation.get(fold(text), [])
        if len(by_abbreviation) == 1:
            return by_abbreviation[0]
        if len(by_abbreviation) > 1:
            raise CellError(
                _("several organisations use the abbreviation “%(value)s”; write the full name")
                % {"value": text}
            )
        raise CellError(
            _("there is no organisation “%(value)s”; register it under Organisations first")
            % {"value": text}
        )


# ---------------------------------------------------------------------------
# Parsing rows
# ---------------------------------------------------------------------------


def map_headers(headers: Sequence[str]) -> tuple[dict[str, int], list[str]]:
    """Column key → cell index, and the headers that match no column."""
    positions: dict[str, int] = {}
    ignored: list[str] = []
    for index, header in enumerate(headers):
        if not header:
            continue
        column = _COLUMN_BY_HEADER.get(header_key(header))
        if column is None:
            ignored.append(header)
            continue
        if column.key in positions:
            raise ImportFileError(
                _("The column “%(column)s” appears twice. Keep only one.")
                % {"column": column.header}
            )
        positions[column.key] = index
    for column in COLUMNS:
        if column.required and column.key not in positions:
            raise ImportFileError(
                _(
                    "The file has no “%(column)s” column. The first row must hold the column "
                    "headers of the template."
                )
                % {"column": column.header}
            )
    return positions, ignored


class _RowParser:
    def __init__(self, lookup: Lookup, positions: dict[str, int]) -> None:
        self.lookup = lookup
        self.positions = positions
        self.present = frozenset(positions)
        self.rows_by_number: dict[str, int] = {}
        self.rows_by_email: dict[str, int] = {}

    def parse(self, number: int, cells: list[Any]) -> RowResult:
        result = RowResult(row=number, values=ExpertValues(present=self.present))
        values = result.values

        def cell(key: str) -> Any:
            index = self.positions.get(key)
            return cells[index] if index is not None and index < len(cells) else None

        def read(key: str, convert: Any) -> Any:
            try:
                return convert(cell(key))
            except CellError as error:
                result.add_error(key, str(error))
                return None

        full_name = read("full_name", lambda c: _bounded(_cell_text(c), 150))
        if full_name == "":
            result.add_error("full_name", _("the name is required"))
        values.full_name = full_name or ""
        values.academic_rank = (
            read("academic_rank", lambda c: _cell_choice(c, _RANKS, "GS, PGS")) or ""
        )
        values.degree = (
            read("degree", lambda c: _cell_choice(c, _DEGREES, "TSKH, TS, ThS, KTS, KS, CN")) or ""
        )
        values.membership_number = (
            read("membership_number", lambda c: _bounded(_cell_text(c), 30)) or ""
        )
        values.email = read("email", self._email) or ""
        values.phone = read("phone", lambda c: _bounded(_cell_text(c), 30)) or ""
        values.specialty_ids = read("specialties", self._specialties) or []
        values.organization_id = read("organization", self._organization)
        values.position = read("position", lambda c: _bounded(_cell_text(c), 150)) or ""
        values.start_date = read("start_date", _cell_date)
        capacity = read("max_concurrent_consultations", self._capacity)
        values.max_concurrent_consultations = capacity or DEFAULT_CONCURRENT_CONSULTATIONS
        values.keywords = read("keywords", lambda c: _bounded(_cell_text(c), 500)) or ""
        values.biography = read("biography", _cell_text) or ""

        self._check_affiliation(result, cell)
        self._match(result)
        result.display = self._display(values)
        return result

    def _email(self, cell: Any) -> str:
        text = _cell_text(cell).lower()
        if not text:
            return ""
        try:
            validate_email(text)
        except ValidationError:
            raise CellError(_("“%(value)s” is not an email address") % {"value": text}) from None
        return text

    def _specialties(self, cell: Any) -> list[int]:
        ids: list[int] = []
        for part in _cell_text(cell).split(SPECIALTY_SEPARATOR):
            name = part.strip()
            if not name:
                continue
            pk = self.lookup.specialty(name)
            if pk is None:
                raise CellError(_("there is no specialty “%(value)s”") % {"value": name})
            if pk not in ids:
                ids.append(pk)
        return ids

    def _organization(self, cell: Any) -> int | None:
        text = _cell_text(cell)
        return self.lookup.organization(text) if text else None

    def _capacity(self, cell: Any) -> int | None:
        value = _cell_int(cell)
        if value is not None and not (
            MIN_CONCURRENT_CONSULTATIONS <= value <= MAX_CONCURRENT_CONSULTATIONS
        ):
            raise CellError(
                _("%(value)s is out of range; enter a number from %(min)s to %(max)s")
                % {
                    "value": value,
                    "min": MIN_CONCURRENT_CONSULTATIONS,
                    "max": MAX_CONCURRENT_CONSULTATIONS,
                }
            )
        return value

    def _check_affiliation(self, result: RowResult, cell: Any) -> None:
        values = result.values
        organization_given = bool(_cell_text(cell("organization")))
        if organization_given:
            if values.start_date is None and not _cell_text(cell("start_date")):
                result.add_error(
                    "start_date",
                    _("enter the date the expert started at the organisation (dd/mm/yyyy)"),
                )
            return
        organization_column = {"column": COLUMNS_BY_KEY["organization"].header}
        if values.position:
            result.add_error(
                "position",
                _("a position needs an organisation in the “%(column)s” column")
                % organization_column,
            )
        if values.start_date:
            result.add_error(
                "start_date",
                _("a start date needs an organisation in the “%(column)s” column")
                % organization_column,
            )

    def _match(self, result: RowResult) -> None:
        values = result.values
        number, email = values.membership_number, values.email
        by_number = self.lookup.experts_by_number.get(number) if number else None
        by_email = self.lookup.experts_by_email.get(email) if email else None
        if by_number and by_email and by_number.id != by_email.id:
            result.add_error(
                "email",
                _("this email belongs to another expert (membership number “%(number)s”)")
                % {"number": by_email.membership_number or "—"},
            )
        elif (
            by_email
            and not by_number
            and number
            and by_email.membership_number
            and by_email.membership_number != number
        ):
            result.add_error(
                "membership_number",
                _("the expert with this email has membership number “%(number)s”")
                % {"number": by_email.membership_number},
            )
        else:
            target = by_number or by_email
            result.expert_id = target.id if target else None

        if number:
            if number in self.rows_by_number:
                result.add_error(
                    "membership_number",
                    _("the same membership number is on row %(row)s")
                    % {"row": self.rows_by_number[number]},
                )
            else:
                self.rows_by_number[number] = result.row
        if email:
            if email in self.rows_by_email:
                result.add_error(
                    "email",
                    _("the same email is on row %(row)s") % {"row": self.rows_by_email[email]},
                )
            else:
                self.rows_by_email[email] = result.row

    def _display(self, values: ExpertValues) -> dict[str, str]:
        titles = ".".join(part for part in (values.academic_rank, values.degree) if part)
        return {
            "name": f"{titles}. {values.full_name}" if titles else values.full_name,
            "membership_number": values.membership_number,
            "email": values.email,
            "specialties": "; ".join(
                self.lookup.specialty_names[pk] for pk in values.specialty_ids
            ),
            "organization": (
                self.lookup.organization_names[values.organization_id]
                if values.organization_id
                else ""
            ),
        }


def parse_table(table: Table, lookup: Lookup) -> ParseResult:
    positions, ignored = map_headers(table.headers)
    parser = _RowParser(lookup, positions)
    result = ParseResult(ignored_headers=ignored)
    result.rows = [parser.parse(number, cells) for number, cells in table.rows]
    if not result.rows:
        result.file_error = _("The file has column headers but no experts below them.")
    return result


def parse_file(data: bytes, kind: str, lookup: Lookup | None = None) -> ParseResult:
    """Parse every row of the file; a file-level problem is reported in ``file_error``."""
    try:
        table = read_table(data, kind)
        return parse_table(table, lookup or Lookup.from_database())
    except ImportFileError as error:
        return ParseResult(file_error=error.message)


# ---------------------------------------------------------------------------
# Writing workbooks
# ---------------------------------------------------------------------------

_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDE7F0")


def _export_row(expert: Expert) -> list[Any]:
    affiliation = expert_export_affiliation(expert)
    values: dict[str, Any] = {
        "full_name": expert.full_name,
        "academic_rank": expert.academic_rank,
        "degree": expert.degree,
        "membership_number": expert.membership_number,
        "email": expert.email,
        "phone": expert.phone,
        "specialties": f"{SPECIALTY_SEPARATOR} ".join(s.name for s in expert.ordered_specialties),
        "organization": affiliation.organization.name if affiliation else "",
        "position": affiliation.position if affiliation else "",
        "start_date": affiliation.start_date if affiliation else None,
        "max_concurrent_consultations": expert.max_concurrent_consultations,
        "keywords": expert.keywords,
        "biography": expert.biography,
    }
    return [values[column.key] for column in COLUMNS]


def expert_export_affiliation(expert: Expert) -> Any:
    """The most recent current affiliation, from the ``current_affiliation_list`` prefetch."""
    current = getattr(expert, "current_affiliation_list", None)
    if current is None:
        current = expert.current_affiliations()
    return max(current, key=lambda a: (a.start_date, a.pk), default=None)


def _header_cells(sheet: Any) -> list[Any]:
    cells = []
    for column in COLUMNS:
        cell = WriteOnlyCell(sheet, value=column.header)
        cell.font = _HEADER_FONT
        cell.fill = _HEADER_FILL
        cells.append(cell)
    return cells


def _data_cells(sheet: Any, row: list[Any]) -> list[Any]:
    cells: list[Any] = []
    for value in row:
        if isinstance(value, date):
            cell = WriteOnlyCell(sheet, value=datetime(value.year, value.month, value.day))
            cell.number_format = "DD/MM/YYYY"
            cells.append(cell)
        elif value == "" or value is None:
            cells.append(None)
        elif isinstance(value, str):
            # openpyxl writes text starting with "=" as a formula; registry text
            # typed by users must never run as one in the recipient's Excel.
            cell = WriteOnlyCell(sheet, value=value)
            cell.data_type = "s"
            cells.append(cell)
        else:
            cells.append(value)
    return cells


def _new_sheet(workbook: Workbook, title: str) -> Any:
    sheet = workbook.create_sheet(title)
    for index, column in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.freeze_panes = "A2"
    return sheet


def write_registry(experts: Iterable[Expert]) -> bytes:
    """The registry as a workbook with the import columns: export, edit, import back."""
    workbook = Workbook(write_only=True)
    sheet = _new_sheet(workbook, "Chuyên gia")
    sheet.append(_header_cells(sheet))
    for expert in experts:
        sheet.append(_data_cells(sheet, _export_row(expert)))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def write_template() -> bytes:
    """An empty import sheet, with a second sheet describing each column."""
    workbook = Workbook(write_only=True)
    sheet = _new_sheet(workbook, "Chuyên gia")
    sheet.append(_header_cells(sheet))
    guide = workbook.create_sheet("Hướng dẫn")
    guide.column_dimensions["A"].width = 22
    guide.column_dimensions["B"].width = 100
    wrap = Alignment(wrap_text=True, vertical="top")
    for column in COLUMNS:
        header = WriteOnlyCell(guide, value=column.header)
        header.font = _HEADER_FONT
        description = WriteOnlyCell(guide, value=str(column.description))
        description.alignment = wrap
        guide.append([header, description])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def iter_column_docs() -> Iterator[tuple[str, str, bool]]:
    for column in COLUMNS:
        yield column.header, str(column.description), column.required
