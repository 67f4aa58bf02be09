"""Consultation documents: the synthesis report (báo cáo tổng hợp ý kiến), the response
table (bảng tổng hợp, tiếp thu, giải trình ý kiến) and the XLSX export of all opinions.

Everything is built from the plain dataclasses below; the Django side maps its models
onto them. Labels are Vietnamese constants because these are Vietnamese administrative
documents whatever the user's interface language.
"""

from __future__ import annotations

import datetime
import io
import math
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, get_args

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

from .decree30 import (
    FONT_NAME,
    FOOTER_DISTANCE_MM,
    HEADER_DISTANCE_MM,
    MARGIN_BOTTOM_MM,
    MARGIN_LEFT_MM,
    MARGIN_RIGHT_MM,
    MARGIN_TOP_MM,
    TITLE_STYLE,
    BoldRow,
    Decree30Document,
    DocumentHeader,
    MergedRow,
    ParagraphSpec,
    Signer,
    TableColumn,
    TableRow,
    clean_text,
    normalize_zip,
    to_roman,
    vietnamese_upper,
)

Result = Literal["accepted", "partly_accepted", "not_accepted"]
RESULTS: tuple[Result, ...] = get_args(Result)

RESULT_LABELS: dict[Result, str] = {
    "accepted": "Tiếp thu",
    "partly_accepted": "Tiếp thu một phần",
    "not_accepted": "Giải trình, không tiếp thu",
}
# An opinion that endorses the draft needs no response; it is labelled rather than
# left blank so it cannot be mistaken for one still awaiting a decision.
AGREED_LABEL = "Nhất trí"
PENDING_LABEL = ""

RESPONSE_TABLE_COLUMNS = (
    TableColumn("STT", 11, "center"),
    TableColumn("Nội dung/hạng mục được góp ý", 38),
    TableColumn("Cơ quan, tổ chức, chuyên gia góp ý", 35),
    TableColumn("Nội dung góp ý", 63, "both"),
    TableColumn("Tiếp thu, giải trình", 63, "both"),
    TableColumn("Kết quả", 23, "center"),
    TableColumn("Ghi chú", 19),
)

COUNT_LABELS = (
    "Tổng số ý kiến",
    "Nhất trí",
    "Tiếp thu",
    "Tiếp thu một phần",
    "Giải trình, không tiếp thu",
    "Đang xem xét",
)

REPORT_SUMMARY = "Tổng hợp ý kiến chuyên gia về {subject}"
RESPONSE_TABLE_TITLE = "Bảng tổng hợp, tiếp thu, giải trình ý kiến"
RESPONSE_TABLE_SUMMARY = "về {subject}"
APPENDIX_LABEL = "Phụ lục"
APPENDIX_CITATION = "(Kèm theo {citation})"
ANSWERS_CITATION = "(Tiếp thu, giải trình ý kiến tại {citation})"
RESULTS_HEADING = "Kết quả tổng hợp ý kiến"
BY_TOPIC_INTRO = "Kết quả tổng hợp theo nhóm nội dung như sau:"
APPENDIX_REFERENCE = (
    "Chi tiết nội dung góp ý và việc tiếp thu, giải trình tại Phụ lục kèm theo {kind} này."
)
CONCLUSIONS_HEADING = "Kết luận"
RECOMMENDATIONS_HEADING = "Kiến nghị"
TOPIC_COLUMN = "Nhóm nội dung"
TOPIC_COUNT_LABEL = "Số ý kiến"
TOTAL_LABEL = "Tổng cộng"
DEADLINE_LINE = "Thời hạn trả lời: {deadline}"
EXTENDED_FROM = " (gia hạn từ {original})"
XLSX_SHEET_TITLE = "Tổng hợp ý kiến"

XLSX_COLUMNS: tuple[tuple[str, float], ...] = (
    ("STT", 6),
    (TOPIC_COLUMN, 20),
    ("Nội dung/hạng mục được góp ý", 28),
    ("Cơ quan, tổ chức, chuyên gia góp ý", 28),
    ("Nội dung góp ý", 60),
    ("Tiếp thu, giải trình", 60),
    ("Kết quả", 16),
    ("Ghi chú", 20),
)
XLSX_HEADER_ROW = 3
_XLSX_MAX_CELL_CHARS = 32767  # Excel's hard limit; longer cells make it "repair" the file


@dataclass(frozen=True)
class OpinionItem:
    """One opinion and its handling.

    ``topic`` groups opinions (a section of the dossier or a theme such as "Giao
    thông"); ``target`` is the specific part commented on ("" to use the topic).
    ``author`` is the expert with their title ("PGS.TS. Nguyễn Văn A") or the body.
    ``agreed`` marks an opinion that endorses the draft as it stands, which needs no
    result; ``result`` is ``None`` while the opinion awaits a decision.
    """

    order: int
    topic: str
    author: str
    content: str
    response: str = ""
    result: Result | None = None
    note: str = ""
    target: str = ""
    agreed: bool = False

    def __post_init__(self) -> None:
        if self.result is not None and self.result not in RESULTS:
            raise ValueError(f"unknown result {self.result!r}; expected one of {RESULTS}")
        if self.agreed and self.result is not None:
            # Keeps the counts additive: every opinion is in exactly one bucket.
            raise ValueError("an opinion that agrees with the draft has no result")

    @property
    def result_label(self) -> str:
        if self.agreed:
            return AGREED_LABEL
        if self.result is None:
            return PENDING_LABEL
        return RESULT_LABELS[self.result]

    @property
    def subject_label(self) -> str:
        """What the "Nội dung/hạng mục được góp ý" column shows."""
        return self.target.strip() or self.topic


@dataclass(frozen=True)
class OpinionCounts:
    """How many opinions were received and how each was handled; the five buckets
    after ``received`` partition the opinions."""

    received: int
    agreed: int
    accepted: int
    partly_accepted: int
    not_accepted: int
    pending: int

    @classmethod
    def from_items(cls, items: Sequence[OpinionItem]) -> OpinionCounts:
        results = [item.result for item in items if not item.agreed]
        return cls(
            received=len(items),
            agreed=sum(1 for item in items if item.agreed),
            accepted=results.count("accepted"),
            partly_accepted=results.count("partly_accepted"),
            not_accepted=results.count("not_accepted"),
            pending=results.count(None),
        )

    def as_row(self) -> list[str]:
        """Values in the order of :data:`COUNT_LABELS`."""
        values = (
            self.received,
            self.agreed,
            self.accepted,
            self.partly_accepted,
            self.not_accepted,
            self.pending,
        )
        return [format_count(value) for value in values]


@dataclass(frozen=True)
class ReportSection:
    """A free-text section of the report: a heading and its paragraphs."""

    heading: str
    paragraphs: Sequence[str] = ()


@dataclass(frozen=True)
class ReportData:
    """Everything the synthesis report and the response table are made of.

    ``subject`` names what was consulted on ("đồ án Quy hoạch phân khu đô thị N9, tỷ
    lệ 1/2000"); ``title`` is the summary line under "BÁO CÁO" and defaults to
    "Tổng hợp ý kiến chuyên gia về <subject>". The report runs: ``introduction``,
    ``sections`` (numbered I, II, ...), the results computed from ``items``,
    ``conclusions``, ``recommendations``, then "Nơi nhận:" (``recipients`` and the
    ``archive`` note of the "Lưu: VT, ..." line) beside the signature of ``signer``.
    """

    header: DocumentHeader
    subject: str
    signer: Signer
    title: str = ""
    introduction: Sequence[str] = ()
    sections: Sequence[ReportSection] = ()
    conclusions: Sequence[str] = ()
    recommendations: Sequence[str] = ()
    recipients: Sequence[str] = ()
    archive: str = ""
    items: Sequence[OpinionItem] = ()
    # The document a standalone response table answers, cited under its title.
    answers: DocumentHeader | None = None
    # The answer deadline that applied and, if it was extended, the one first set.
    deadline: datetime.date | None = None
    extended_from: datetime.date | None = None

    @property
    def counts(self) -> OpinionCounts:
        return OpinionCounts.from_items(self.items)

    @property
    def summary(self) -> str:
        return self.title.strip() or REPORT_SUMMARY.format(subject=self.subject.strip())


# --- Helpers ---------------------------------------------------------------------------


def format_count(value: int) -> str:
    """Vietnamese digit grouping uses dots: 1.234."""
    return f"{value:,}".replace(",", ".")


def group_by_topic(items: Sequence[OpinionItem]) -> list[tuple[str, list[OpinionItem]]]:
    """Items grouped by topic, topics in order of first appearance, items keeping
    their given order inside each group."""
    groups: dict[str, list[OpinionItem]] = {}
    for item in items:
        groups.setdefault(clean_text(item.topic).strip(), []).append(item)
    return list(groups.items())


def counts_sentence(items: Sequence[OpinionItem]) -> str:
    """The overall result in one sentence, as the report states it."""
    counts = OpinionCounts.from_items(items)
    contributors = len({clean_text(item.author).strip() for item in items})
    return (
        f"Tổng số ý kiến nhận được: {format_count(counts.received)} ý kiến của "
        f"{format_count(contributors)} cơ quan, tổ chức, chuyên gia; trong đó: "
        f"{format_count(counts.agreed)} ý kiến nhất trí với nội dung dự thảo; "
        f"{format_count(counts.accepted)} ý kiến được tiếp thu; "
        f"{format_count(counts.partly_accepted)} ý kiến được tiếp thu một phần; "
        f"{format_count(counts.not_accepted)} ý kiến được giải trình, không tiếp thu; "
        f"{format_count(counts.pending)} ý kiến đang được nghiên cứu, xem xét."
    )


def deadline_line(data: ReportData) -> str:
    """ "Thời hạn trả lời: 20/12/2026 (gia hạn từ 10/12/2026)", or "" without a deadline."""
    if data.deadline is None:
        return ""
    line = DEADLINE_LINE.format(deadline=data.deadline.strftime("%d/%m/%Y"))
    if data.extended_from is not None and data.extended_from != data.deadline:
        line += EXTENDED_FROM.format(original=data.extended_from.strftime("%d/%m/%Y"))
    return line + "."


def _bullet(text: str) -> str:
    """Recommendations read as a dash list, unless the author already numbered them."""
    stripped = text.strip()
    if stripped[:1] in "-+•" or stripped.split(" ", 1)[0].rstrip(".)").isdigit():
        return stripped
    return f"- {stripped}"


def _item_row(item: OpinionItem) -> list[str]:
    return [
        str(item.order),
        item.subject_label,
        item.author,
        item.content,
        item.response,
        item.result_label,
        item.note,
    ]


def _response_rows(items: Sequence[OpinionItem], *, grouped: bool) -> list[TableRow]:
    """Rows of the response table: grouped by topic under merged group rows, or in the
    given order when ``grouped`` is false."""
    if not grouped:
        return [_item_row(item) for item in items]
    groups = group_by_topic(items)
    # A single group row above every row says nothing the column does not.
    with_group_rows = len(groups) > 1
    rows: list[TableRow] = []
    for index, (topic, group) in enumerate(groups, start=1):
        if with_group_rows:
            rows.append(MergedRow(f"{to_roman(index)}. {topic}"))
        rows.extend(_item_row(item) for item in group)
    return rows


def _add_response_table(document: Decree30Document, data: ReportData, *, grouped: bool) -> None:
    """The counts, then the table itself."""
    counts_columns = [TableColumn(label, 1, "center") for label in COUNT_LABELS]
    document.add_table(counts_columns, [data.counts.as_row()], repeat_header=False)
    document.add_paragraph(ParagraphSpec(space_before_pt=6))
    document.add_table(RESPONSE_TABLE_COLUMNS, _response_rows(data.items, grouped=grouped))


def _add_results(document: Decree30Document, data: ReportData, number: int, appendix: bool) -> None:
    document.add_heading(f"{to_roman(number)}. {vietnamese_upper(RESULTS_HEADING)}")
    document.add_text(counts_sentence(data.items))
    groups = group_by_topic(data.items)
    if len(groups) > 1:
        document.add_text(BY_TOPIC_INTRO)
        columns = [
            TableColumn("STT", 10, "center"),
            TableColumn(TOPIC_COLUMN, 45),
            TableColumn(TOPIC_COUNT_LABEL, 18, "center"),
            *(TableColumn(label, 18, "center") for label in COUNT_LABELS[1:]),
        ]
        rows: list[TableRow] = [
            [str(index), topic, *OpinionCounts.from_items(group).as_row()]
            for index, (topic, group) in enumerate(groups, start=1)
        ]
        rows.append(BoldRow(["", TOTAL_LABEL, *data.counts.as_row()]))
        document.add_table(columns, rows)
    if appendix:
        document.add_text(APPENDIX_REFERENCE.format(kind=data.header.kind_name))


# --- Documents -------------------------------------------------------------------------


def synthesis_report_docx(
    data: ReportData, *, include_response_table: bool = True, grouped: bool = True
) -> bytes:
    """The synthesis report (A4 portrait). With ``include_response_table`` the
    response table follows as a landscape appendix, numbered from page 1 as Decree 30
    requires for appendices."""
    document = Decree30Document()
    document.add_header(data.header)
    document.add_title(data.header.kind_name, data.summary)
    for paragraph in data.introduction:
        document.add_text(paragraph)
    if line := deadline_line(data):
        document.add_text(line)
    number = 0
    for section in data.sections:
        number += 1
        document.add_heading(f"{to_roman(number)}. {vietnamese_upper(section.heading).strip()}")
        for paragraph in section.paragraphs:
            document.add_text(paragraph)
    if data.items:
        number += 1
        _add_results(document, data, number, include_response_table)
    if data.conclusions:
        number += 1
        document.add_heading(f"{to_roman(number)}. {vietnamese_upper(CONCLUSIONS_HEADING)}")
        for paragraph in data.conclusions:
            document.add_text(paragraph)
    if data.recommendations:
        number += 1
        document.add_heading(f"{to_roman(number)}. {vietnamese_upper(RECOMMENDATIONS_HEADING)}")
        for paragraph in data.recommendations:
            document.add_text(_bullet(paragraph))
    document.add_closing(data.recipients, data.signer, archive=data.archive)

    if include_response_table:
        document.add_section(landscape=True, restart_numbering=True)
        document.add_paragraphs(
            [
                ParagraphSpec(APPENDIX_LABEL, style=TITLE_STYLE),
                ParagraphSpec(vietnamese_upper(RESPONSE_TABLE_TITLE), style=TITLE_STYLE),
                ParagraphSpec(_response_table_summary(data), style=TITLE_STYLE),
                # Decree 30: the appendix cites its document in italics, not bold.
                ParagraphSpec(
                    APPENDIX_CITATION.format(citation=data.header.citation()),
                    style=TITLE_STYLE,
                    bold=False,
                    italic=True,
                ),
                ParagraphSpec(space_before_pt=6),
            ]
        )
        _add_response_table(document, data, grouped=grouped)

    _set_properties(document, data, data.summary)
    return document.to_bytes()


def response_table_docx(data: ReportData, *, grouped: bool = True) -> bytes:
    """The response table as a standalone A4 landscape document: the agency's own, under
    its header and signature, citing the report it answers (``data.answers``)."""
    document = Decree30Document(landscape=True)
    document.add_header(data.header)
    summary = _response_table_summary(data)
    document.add_title(RESPONSE_TABLE_TITLE, summary)
    if data.answers is not None:
        document.add_paragraphs(
            [
                ParagraphSpec(
                    ANSWERS_CITATION.format(citation=data.answers.citation()),
                    style=TITLE_STYLE,
                    bold=False,
                    italic=True,
                ),
                ParagraphSpec(space_before_pt=6),
            ]
        )
    _add_response_table(document, data, grouped=grouped)
    document.add_closing(data.recipients, data.signer, archive=data.archive)
    _set_properties(document, data, f"{RESPONSE_TABLE_TITLE} {summary}")
    return document.to_bytes()


def _response_table_summary(data: ReportData) -> str:
    return RESPONSE_TABLE_SUMMARY.format(subject=data.subject.strip())


def _set_properties(document: Decree30Document, data: ReportData, title: str) -> None:
    document.set_properties(
        title=title,
        author=data.header.issuer.name,
        date=data.header.date,
        subject=data.subject,
        keywords=data.header.number_line.removeprefix("Số:").strip(),
    )


# --- XLSX ------------------------------------------------------------------------------


def _xlsx_text(value: str) -> str:
    text = clean_text(value)
    if len(text) > _XLSX_MAX_CELL_CHARS:
        text = text[: _XLSX_MAX_CELL_CHARS - 1] + "…"
    return text


def _inches(mm: float) -> float:
    """Spreadsheet margins are in inches; rounding up keeps a margin at the lower bound
    of a Decree 30 range from falling below it."""
    return math.ceil(mm / 25.4 * 1000) / 1000


def _write_text(sheet: Worksheet, row: int, column: int, value: str, style: str) -> None:
    cell = sheet.cell(row=row, column=column, value=_xlsx_text(value))
    # openpyxl stores any string starting with "=" as a formula; user text must never
    # become one (formula injection).
    cell.data_type = "s"
    cell.style = style


def opinion_items_xlsx(
    items: Sequence[OpinionItem],
    title: str,
    *,
    date: datetime.date | None = None,
    author: str = "",
) -> bytes:
    """All opinions as a filterable worksheet: a title row, a counts row, then a bold,
    frozen, filterable header row and one row per opinion in the given order.

    ``date`` stamps the file's metadata; without it a fixed date keeps the output
    reproducible.
    """
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = XLSX_SHEET_TITLE

    thin = Side(style="thin", color="000000")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    text_style = NamedStyle(
        name="opinion_text",
        font=Font(name=FONT_NAME, size=12),
        alignment=Alignment(wrap_text=True, vertical="top"),
        border=border,
    )
    number_style = NamedStyle(
        name="opinion_number",
        font=Font(name=FONT_NAME, size=12),
        alignment=Alignment(horizontal="center", vertical="top"),
        border=border,
    )
    header_style = NamedStyle(
        name="opinion_header",
        font=Font(name=FONT_NAME, size=12, bold=True),
        alignment=Alignment(horizontal="center", vertical="center", wrap_text=True),
        fill=PatternFill("solid", fgColor="D9D9D9"),
        border=border,
    )
    for style in (text_style, number_style, header_style):
        workbook.add_named_style(style)

    last_column = get_column_letter(len(XLSX_COLUMNS))
    title_cell = sheet.cell(row=1, column=1, value=_xlsx_text(title))
    title_cell.data_type = "s"
    title_cell.font = Font(name=FONT_NAME, size=14, bold=True)
    title_cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    sheet.merge_cells(f"A1:{last_column}1")
    sheet.row_dimensions[1].height = 36

    counts = OpinionCounts.from_items(items)
    summary = "; ".join(
        f"{label}: {value}" for label, value in zip(COUNT_LABELS, counts.as_row(), strict=True)
    )
    summary_cell = sheet.cell(row=2, column=1, value=summary)
    summary_cell.font = Font(name=FONT_NAME, size=12, italic=True)
    sheet.merge_cells(f"A2:{last_column}2")

    for column, (label, width) in enumerate(XLSX_COLUMNS, start=1):
        _write_text(sheet, XLSX_HEADER_ROW, column, label, header_style.name)
        sheet.column_dimensions[get_column_letter(column)].width = width

    row = XLSX_HEADER_ROW
    for row, item in enumerate(items, start=XLSX_HEADER_ROW + 1):
        order = sheet.cell(row=row, column=1, value=item.order)
        order.style = number_style.name
        texts = (
            item.topic,
            item.subject_label,
            item.author,
            item.content,
            item.response,
            item.result_label,
            item.note,
        )
        for column, value in enumerate(texts, start=2):
            _write_text(sheet, row, column, value, text_style.name)

    sheet.freeze_panes = f"A{XLSX_HEADER_ROW + 1}"
    sheet.auto_filter.ref = f"A{XLSX_HEADER_ROW}:{last_column}{row}"
    sheet.print_title_rows = f"{XLSX_HEADER_ROW}:{XLSX_HEADER_ROW}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    sheet.page_margins = PageMargins(
        top=_inches(MARGIN_TOP_MM),
        bottom=_inches(MARGIN_BOTTOM_MM),
        left=_inches(MARGIN_LEFT_MM),
        right=_inches(MARGIN_RIGHT_MM),
        header=_inches(HEADER_DISTANCE_MM),
        footer=_inches(FOOTER_DISTANCE_MM),
    )
    # Decree 30: the page number centred in the top margin.
    page_header = sheet.oddHeader
    assert page_header is not None  # openpyxl creates it with the sheet
    page_header.center.text = "&P"
    page_header.center.font = FONT_NAME
    page_header.center.size = 13

    stamp_date = date or datetime.date(1980, 1, 1)
    stamp = datetime.datetime(stamp_date.year, stamp_date.month, stamp_date.day)
    workbook.properties.title = clean_text(title)
    workbook.properties.creator = clean_text(author)
    workbook.properties.lastModifiedBy = clean_text(author)
    workbook.properties.language = "vi-VN"
    workbook.properties.created = stamp
    workbook.properties.modified = stamp

    buffer = io.BytesIO()
    # Workbook.save() overwrites the modified time with the clock; the writer it wraps
    # keeps the properties as set.
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(workbook, archive).save()
    return normalize_zip(buffer.getvalue(), stamp_date)
