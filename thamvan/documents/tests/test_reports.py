"""Tests of the synthesis report, the response table and the XLSX export."""

from __future__ import annotations

import dataclasses
import datetime
import io
import unicodedata
from collections.abc import Callable

import pytest
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.table import Table
from docx.text.paragraph import Paragraph
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from ..decree30 import (
    MOTTO,
    NATIONAL_TITLE,
    TABLE_PT,
    DocumentHeader,
    Issuer,
    Signer,
    longest_word_mm,
)
from ..reports import (
    AGREED_LABEL,
    OpinionCounts,
    OpinionItem,
    ReportData,
    ReportSection,
    opinion_items_xlsx,
    response_table_docx,
    synthesis_report_docx,
)
from .test_decree30 import (
    alignment,
    format_value,
    has_rule_below,
    is_bold,
    is_italic,
    mm,
    open_docx,
    size_pt,
    style_id,
    text_of,
)

COLUMNS = [
    "STT",
    "Nội dung/hạng mục được góp ý",
    "Cơ quan, tổ chức, chuyên gia góp ý",
    "Nội dung góp ý",
    "Tiếp thu, giải trình",
    "Kết quả",
    "Ghi chú",
]
XLSX_HEADERS = [
    "STT",
    "Nhóm nội dung",
    "Nội dung/hạng mục được góp ý",
    "Cơ quan, tổ chức, chuyên gia góp ý",
    "Nội dung góp ý",
    "Tiếp thu, giải trình",
    "Kết quả",
    "Ghi chú",
]
DECOMPOSED_COMMENT = unicodedata.normalize(
    "NFD", "Đề nghị bổ sung hồ điều hòa phía Bắc đường Vành đai 3,5."
)
FORMULA_LIKE_COMMENT = '=HYPERLINK("http://example.invalid","Xem")'

ITEMS = (
    OpinionItem(
        1,
        "Giao thông",
        "PGS.TS. Nguyễn Văn An",
        "Đề nghị mở rộng mặt cắt đường Cổ Linh lên 40 m.",
        "Tiếp thu, đã điều chỉnh bản vẽ QH-05.",
        "accepted",
        target="Mục 4.2 Quy hoạch mạng lưới giao thông",
    ),
    OpinionItem(
        2,
        "Giao thông",
        "Sở Quy hoạch - Kiến trúc Hà Nội",
        "Bổ sung bãi đỗ xe công cộng.\nTính toán lại nhu cầu đỗ xe đến năm 2035.",
        "Tiếp thu một phần.",
        "partly_accepted",
    ),
    OpinionItem(
        3,
        "Thoát nước",
        "TS. Lê Thị Bình",
        FORMULA_LIKE_COMMENT,
        "Giải trình: cao độ nền theo quy hoạch chuyên ngành.",
        "not_accepted",
        note="Đã trao đổi tại hội thảo",
    ),
    OpinionItem(4, "Thoát nước", "KTS. Trần Minh Châu", "Bổ sung vườn mưa.", "", None),
    OpinionItem(5, "Cây xanh", "Hội Kiến trúc sư Việt Nam", "Nhất trí với dự thảo.", agreed=True),
    OpinionItem(6, "Giao thông", "PGS.TS. Nguyễn Văn An", "Làn xe buýt nhanh.", "", "accepted"),
    OpinionItem(7, "Cây xanh", "ThS. Phạm Hồng Nhung", DECOMPOSED_COMMENT, "", None),
)
# Rows of the response table in grouped order: topics by first appearance.
GROUPED_ORDER = ["1", "2", "6", "3", "4", "5", "7"]

HEADER = DocumentHeader(
    issuer=Issuer(
        parent="Liên hiệp các Hội Khoa học và Kỹ thuật Việt Nam",
        name="Hội Quy hoạch phát triển đô thị Việt Nam",
        abbreviation="HQHĐT",
    ),
    number=12,
    place="Hà Nội",
    date=datetime.date(2026, 2, 5),
)
INTRODUCTION = (
    "Thực hiện đề nghị của Sở Quy hoạch - Kiến trúc Hà Nội, Hội đã lấy ý kiến chuyên gia."
)
DATA = ReportData(
    header=HEADER,
    subject="đồ án Quy hoạch phân khu đô thị N9, tỷ lệ 1/2000",
    signer=Signer("TM. Ban Chấp hành", "Chủ tịch", "Nguyễn Văn Thắng"),
    introduction=(INTRODUCTION,),
    sections=(
        ReportSection("Tình hình tổ chức lấy ý kiến", ("Hồ sơ được gửi tới 45 chuyên gia.",)),
    ),
    conclusions=("Đồ án cơ bản đáp ứng yêu cầu.",),
    recommendations=("Đề nghị hoàn thiện hồ sơ.", "2. Tổ chức lấy ý kiến cộng đồng."),
    recipients=("Sở Quy hoạch - Kiến trúc Hà Nội", "UBND quận Long Biên"),
    archive="VP",
    items=ITEMS,
)

Builder = Callable[[ReportData], bytes]
BUILDERS: dict[str, Builder] = {
    "report": synthesis_report_docx,
    "response_table": response_table_docx,
}


@pytest.fixture(scope="module")
def report() -> DocxDocument:
    return open_docx(synthesis_report_docx(DATA))


@pytest.fixture(scope="module")
def table_document() -> DocxDocument:
    return open_docx(response_table_docx(DATA))


@pytest.fixture(scope="module", params=list(BUILDERS))
def any_document(request: pytest.FixtureRequest) -> DocxDocument:
    return open_docx(BUILDERS[request.param](DATA))


def find_paragraph(paragraphs: list[Paragraph], text: str) -> Paragraph:
    matches = [paragraph for paragraph in paragraphs if paragraph.text == text]
    assert matches, f"no paragraph {text!r}"
    return matches[0]


def row_texts(table: Table, index: int) -> list[str]:
    row = table._tbl.findall(qn("w:tr"))[index]
    return [text_of(cell) for cell in row.findall(qn("w:tc"))]


def response_table(document: DocxDocument) -> Table:
    tables = [table for table in document.tables if row_texts(table, 0) == COLUMNS]
    assert len(tables) == 1
    return tables[0]


def closing_table(document: DocxDocument) -> Table:
    return next(table for table in document.tables if "Nơi nhận:" in row_texts(table, 0)[0])


# --- Data model ------------------------------------------------------------------------


def test_counts_partition_a_mixed_item_list() -> None:
    expected = OpinionCounts(
        received=7, agreed=1, accepted=2, partly_accepted=1, not_accepted=1, pending=2
    )
    assert OpinionCounts.from_items(ITEMS) == expected
    assert DATA.counts == expected


def test_result_labels() -> None:
    assert [item.result_label for item in ITEMS] == [
        "Tiếp thu",
        "Tiếp thu một phần",
        "Giải trình, không tiếp thu",
        "",
        AGREED_LABEL,
        "Tiếp thu",
        "",
    ]


def test_items_reject_invalid_results() -> None:
    with pytest.raises(ValueError, match="unknown result"):
        OpinionItem(1, "Giao thông", "TS. A", "x", result="rejected")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="agrees"):
        OpinionItem(1, "Giao thông", "TS. A", "x", result="accepted", agreed=True)


# --- Page layout -----------------------------------------------------------------------


def test_report_is_portrait_a4_with_a_landscape_appendix(report: DocxDocument) -> None:
    body, appendix = report.sections
    assert body.orientation == WD_ORIENT.PORTRAIT
    assert mm(body.page_width) == pytest.approx(210, abs=0.5)
    assert mm(body.page_height) == pytest.approx(297, abs=0.5)
    assert appendix.orientation == WD_ORIENT.LANDSCAPE
    assert mm(appendix.page_width) == pytest.approx(297, abs=0.5)
    assert mm(appendix.page_height) == pytest.approx(210, abs=0.5)
    # Decree 30 numbers appendix pages on their own.
    assert appendix._sectPr.find(qn("w:pgNumType")).get(qn("w:start")) == "1"
    # The response table lives in the landscape section, after the section break.
    body_elements = list(report.element.body)
    section_break = next(
        index
        for index, element in enumerate(body_elements)
        if element.find(f"{qn('w:pPr')}/{qn('w:sectPr')}") is not None
    )
    assert body_elements.index(response_table(report)._tbl) > section_break


def test_report_without_appendix_is_one_portrait_section() -> None:
    document = open_docx(synthesis_report_docx(DATA, include_response_table=False))
    assert len(document.sections) == 1
    assert not [table for table in document.tables if row_texts(table, 0) == COLUMNS]


def test_response_table_document_is_landscape_a4(table_document: DocxDocument) -> None:
    (section,) = table_document.sections
    assert mm(section.page_width) > mm(section.page_height)
    assert mm(section.page_width) == pytest.approx(297, abs=0.5)
    assert mm(section.page_height) == pytest.approx(210, abs=0.5)


def test_margins_within_decree_ranges(any_document: DocxDocument) -> None:
    for section in any_document.sections:
        assert 20 <= mm(section.top_margin) <= 25
        assert 20 <= mm(section.bottom_margin) <= 25
        assert 30 <= mm(section.left_margin) <= 35
        assert 15 <= mm(section.right_margin) <= 20


# --- Header, title, body ------------------------------------------------------------


def test_header_block(any_document: DocxDocument) -> None:
    header = any_document.tables[0]
    issuer_cell, national_cell = header.rows[0].cells
    parent, issuer, issuer_rule = issuer_cell.paragraphs
    assert parent.text == "LIÊN HIỆP CÁC HỘI KHOA HỌC VÀ KỸ THUẬT VIỆT NAM"
    assert not is_bold(parent)
    assert issuer.text == "HỘI QUY HOẠCH PHÁT TRIỂN ĐÔ THỊ VIỆT NAM"
    assert is_bold(issuer)
    assert has_rule_below(issuer_rule)

    title, motto, motto_rule = national_cell.paragraphs
    assert title.text == NATIONAL_TITLE == "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
    assert is_bold(title)
    assert 12 <= size_pt(title) <= 13
    assert motto.text == MOTTO == "Độc lập - Tự do - Hạnh phúc"
    assert is_bold(motto)
    assert 13 <= size_pt(motto) <= 14
    assert has_rule_below(motto_rule)

    number_cell, date_cell = header.rows[1].cells
    assert number_cell.text == "Số: 12/BC-HQHĐT"
    date = date_cell.paragraphs[0]
    assert date.text == "Hà Nội, ngày 05 tháng 02 năm 2026"
    assert is_italic(date)
    assert 13 <= size_pt(date) <= 14


def test_date_line_of_a_two_digit_date() -> None:
    header = dataclasses.replace(HEADER, date=datetime.date(2026, 11, 15))
    document = open_docx(synthesis_report_docx(dataclasses.replace(DATA, header=header)))
    date = document.tables[0].rows[1].cells[1].paragraphs[0]
    assert date.text == "Hà Nội, ngày 15 tháng 11 năm 2026"
    assert is_italic(date)


def test_report_title_is_bold_centred_capitals(report: DocxDocument) -> None:
    title = find_paragraph(report.paragraphs, "BÁO CÁO")
    assert is_bold(title)
    assert alignment(title) == WD_ALIGN_PARAGRAPH.CENTER
    summary_text = "Tổng hợp ý kiến chuyên gia về đồ án Quy hoạch phân khu đô thị N9, tỷ lệ 1/2000"
    summary = find_paragraph(report.paragraphs, summary_text)
    assert is_bold(summary)
    rule = Paragraph(summary._p.getnext(), summary._parent)
    assert has_rule_below(rule)
    assert not has_rule_below(summary)


def test_response_table_title(table_document: DocxDocument) -> None:
    title = find_paragraph(table_document.paragraphs, "BẢNG TỔNG HỢP, TIẾP THU, GIẢI TRÌNH Ý KIẾN")
    assert is_bold(title)
    find_paragraph(table_document.paragraphs, "về đồ án Quy hoạch phân khu đô thị N9, tỷ lệ 1/2000")


def test_body_is_justified_13_to_14_pt_with_indent_and_spacing(report: DocxDocument) -> None:
    paragraph = find_paragraph(report.paragraphs, INTRODUCTION)
    assert alignment(paragraph) == WD_ALIGN_PARAGRAPH.JUSTIFY
    assert 13 <= size_pt(paragraph) <= 14
    assert mm(format_value(paragraph, lambda fmt: fmt.first_line_indent)) >= 10
    space_before = format_value(paragraph, lambda fmt: fmt.space_before)
    assert space_before is not None and space_before.pt >= 6


def test_report_sections_are_numbered(report: DocxDocument) -> None:
    headings = [p.text for p in report.paragraphs if style_id(p) == "DecreeHeading"]
    assert headings == [
        "I. TÌNH HÌNH TỔ CHỨC LẤY Ý KIẾN",
        "II. KẾT QUẢ TỔNG HỢP Ý KIẾN",
        "III. KẾT LUẬN",
        "IV. KIẾN NGHỊ",
    ]
    assert is_bold(find_paragraph(report.paragraphs, headings[0]))
    find_paragraph(report.paragraphs, "- Đề nghị hoàn thiện hồ sơ.")
    find_paragraph(report.paragraphs, "2. Tổ chức lấy ý kiến cộng đồng.")


def test_report_states_the_counts(report: DocxDocument) -> None:
    sentence = next(p.text for p in report.paragraphs if p.text.startswith("Tổng số ý kiến"))
    assert "7 ý kiến của 6 cơ quan, tổ chức, chuyên gia" in sentence
    assert "1 ý kiến nhất trí" in sentence
    assert "2 ý kiến được tiếp thu;" in sentence
    assert "1 ý kiến được tiếp thu một phần" in sentence
    assert "1 ý kiến được giải trình, không tiếp thu" in sentence
    assert "2 ý kiến đang được nghiên cứu, xem xét" in sentence
    by_topic = next(t for t in report.tables if row_texts(t, 0)[:2] == ["STT", "Nhóm nội dung"])
    assert row_texts(by_topic, 1) == ["1", "Giao thông", "3", "0", "2", "1", "0", "0"]
    assert row_texts(by_topic, 4) == ["", "Tổng cộng", "7", "1", "2", "1", "1", "2"]


# --- Closing -------------------------------------------------------------------------


def test_recipients_block(any_document: DocxDocument) -> None:
    table = closing_table(any_document)
    recipients = table.rows[0].cells[0].paragraphs
    label = recipients[0]
    assert label.text == "Nơi nhận:"
    assert is_bold(label) and is_italic(label)
    assert size_pt(label) == 12
    lines = recipients[1:]
    assert [line.text for line in lines] == [
        "- Sở Quy hoạch - Kiến trúc Hà Nội;",
        "- UBND quận Long Biên;",
        "- Lưu: VT, VP.",
    ]
    assert {size_pt(line) for line in lines} == {11}
    borders = table._tbl.tblPr.find(qn("w:tblBorders"))
    assert {edge.get(qn("w:val")) for edge in borders} == {"nil"}


def test_signature_block(any_document: DocxDocument) -> None:
    signature = closing_table(any_document).rows[0].cells[1].paragraphs
    authority, position, name = signature
    assert (authority.text, position.text, name.text) == (
        "TM. BAN CHẤP HÀNH",
        "CHỦ TỊCH",
        "Nguyễn Văn Thắng",
    )
    for paragraph in signature:
        assert is_bold(paragraph)
        assert alignment(paragraph) == WD_ALIGN_PARAGRAPH.CENTER
    # Room for the signature and seal above the name.
    space_before = name.paragraph_format.space_before
    assert space_before is not None and space_before.pt >= 48


@pytest.mark.parametrize("build", list(BUILDERS.values()), ids=list(BUILDERS))
def test_the_signer_signs_without_academic_titles(build: Builder) -> None:
    signer = Signer("TM. Tổ chuyên gia", "Tổ trưởng", "GS.TSKH. Lê Thị Minh Châu")
    document = open_docx(build(dataclasses.replace(DATA, signer=signer)))
    name = closing_table(document).rows[0].cells[1].paragraphs[-1]
    assert name.text == "Lê Thị Minh Châu"


# --- Response table ----------------------------------------------------------------


def test_response_table_columns_and_repeated_header(any_document: DocxDocument) -> None:
    table = response_table(any_document)
    rows = table._tbl.findall(qn("w:tr"))
    assert row_texts(table, 0) == COLUMNS
    assert rows[0].find(f"{qn('w:trPr')}/{qn('w:tblHeader')}") is not None
    borders = table._tbl.tblPr.find(qn("w:tblBorders"))
    assert {edge.get(qn("w:val")) for edge in borders} == {"single"}
    assert len(borders) == 6


def test_no_row_splits_across_pages_and_the_header_repeats(any_document: DocxDocument) -> None:
    rows = response_table(any_document)._tbl.findall(qn("w:tr"))
    assert len(rows) > 2
    for index, row in enumerate(rows):
        assert row.find(f"{qn('w:trPr')}/{qn('w:cantSplit')}") is not None
        assert (row.find(f"{qn('w:trPr')}/{qn('w:tblHeader')}") is not None) == (index == 0)


def test_no_row_of_any_data_table_splits_across_pages(any_document: DocxDocument) -> None:
    for table in _bordered_tables(any_document):
        for row in table._tbl.findall(qn("w:tr")):
            assert row.find(f"{qn('w:trPr')}/{qn('w:cantSplit')}") is not None


def _bordered_tables(document: DocxDocument) -> list[Table]:
    return [
        table
        for table in document.tables
        if {edge.get(qn("w:val")) for edge in table._tbl.tblPr.find(qn("w:tblBorders"))}
        == {"single"}
    ]


def test_header_cells_are_wide_enough_for_their_longest_word(
    any_document: DocxDocument,
) -> None:
    """ "STT" must not wrap to "ST/T": each header cell, less its left and right margins,
    holds the widest word of its title in 12 pt bold with half a millimetre to spare."""
    tables = _bordered_tables(any_document)
    assert len(tables) >= 2
    for table in tables:
        margins = table._tbl.tblPr.find(qn("w:tblCellMar"))
        padding = sum(
            int(margins.find(qn(f"w:{side}")).get(qn("w:w"))) for side in ("left", "right")
        )
        header = table._tbl.findall(qn("w:tr"))[0]
        for cell in header.findall(qn("w:tc")):
            width = int(cell.find(f"{qn('w:tcPr')}/{qn('w:tcW')}").get(qn("w:w")))
            word_mm = longest_word_mm(text_of(cell), TABLE_PT, bold=True)
            assert (width - padding) / 56.7 >= word_mm + 0.5, text_of(cell)


def test_the_topic_table_keeps_stt_on_one_line(report: DocxDocument) -> None:
    topics = next(t for t in _bordered_tables(report) if row_texts(t, 0)[1] == "Nhóm nội dung")
    stt = topics._tbl.findall(qn("w:tr"))[0].findall(qn("w:tc"))[0]
    assert text_of(stt) == "STT"
    assert int(stt.find(f"{qn('w:tcPr')}/{qn('w:tcW')}").get(qn("w:w"))) / 56.7 >= 11


def test_response_table_rows_are_grouped_by_topic(any_document: DocxDocument) -> None:
    table = response_table(any_document)
    rows = [row_texts(table, index) for index in range(1, len(table._tbl.tr_lst))]
    groups = [row[0] for row in rows if len(row) == 1]
    assert groups == ["I. Giao thông", "II. Thoát nước", "III. Cây xanh"]
    merged = [tr for tr in table._tbl.tr_lst[1:] if len(tr.findall(qn("w:tc"))) == 1]
    assert {tr.find(qn("w:tc")).tcPr.find(qn("w:gridSpan")).get(qn("w:val")) for tr in merged} == {
        "7"
    }
    items = [row for row in rows if len(row) == 7]
    assert [row[0] for row in items] == GROUPED_ORDER
    by_order = {row[0]: row for row in items}
    assert by_order["1"][1:3] == ["Mục 4.2 Quy hoạch mạng lưới giao thông", "PGS.TS. Nguyễn Văn An"]
    assert by_order["2"][1] == "Giao thông"  # no specific target: the topic
    assert by_order["3"][6] == "Đã trao đổi tại hội thảo"
    assert [by_order[order][5] for order in "1234567"] == [
        "Tiếp thu",
        "Tiếp thu một phần",
        "Giải trình, không tiếp thu",
        "",
        AGREED_LABEL,
        "Tiếp thu",
        "",
    ]


def test_multiline_comment_keeps_its_paragraphs(table_document: DocxDocument) -> None:
    table = response_table(table_document)
    row = next(tr for tr in table._tbl.tr_lst if text_of(tr).startswith("2"))
    comment = row.findall(qn("w:tc"))[3]
    assert [text_of(p) for p in comment.findall(qn("w:p"))] == [
        "Bổ sung bãi đỗ xe công cộng.",
        "Tính toán lại nhu cầu đỗ xe đến năm 2035.",
    ]


def test_single_topic_needs_no_group_rows() -> None:
    items = [dataclasses.replace(item, topic="Giao thông") for item in ITEMS]
    document = open_docx(response_table_docx(dataclasses.replace(DATA, items=items)))
    table = response_table(document)
    assert all(len(tr.findall(qn("w:tc"))) == 7 for tr in table._tbl.tr_lst)
    assert len(table._tbl.tr_lst) == 1 + len(items)


def test_grouping_can_be_turned_off() -> None:
    document = open_docx(response_table_docx(DATA, grouped=False))
    rows = response_table(document)._tbl.tr_lst[1:]
    assert [text_of(tr.findall(qn("w:tc"))[0]) for tr in rows] == [str(i) for i in range(1, 8)]


def test_response_table_opens_with_counts(any_document: DocxDocument) -> None:
    counts = next(t for t in any_document.tables if row_texts(t, 0)[0] == "Tổng số ý kiến")
    assert row_texts(counts, 0) == [
        "Tổng số ý kiến",
        "Nhất trí",
        "Tiếp thu",
        "Tiếp thu một phần",
        "Giải trình, không tiếp thu",
        "Đang xem xét",
    ]
    assert row_texts(counts, 1) == ["7", "1", "2", "1", "1", "2"]


def test_appendix_cites_the_report(report: DocxDocument) -> None:
    citation = find_paragraph(
        report.paragraphs,
        "(Kèm theo Báo cáo số 12/BC-HQHĐT ngày 05 tháng 02 năm 2026"
        " của Hội Quy hoạch phát triển đô thị Việt Nam)",
    )
    assert is_italic(citation)
    assert not is_bold(citation)
    assert is_bold(find_paragraph(report.paragraphs, "Phụ lục"))
    find_paragraph(
        report.paragraphs,
        "Chi tiết nội dung góp ý và việc tiếp thu, giải trình tại Phụ lục kèm theo Báo cáo này.",
    )


def test_without_items_the_report_skips_results() -> None:
    data = dataclasses.replace(DATA, items=())
    report = open_docx(synthesis_report_docx(data, include_response_table=False))
    assert not any("KẾT QUẢ TỔNG HỢP" in paragraph.text for paragraph in report.paragraphs)
    table = response_table(open_docx(response_table_docx(data)))
    assert len(table._tbl.tr_lst) == 1


# --- Text, metadata, reproducibility ---------------------------------------------------


def test_vietnamese_text_is_stored_in_nfc(table_document: DocxDocument) -> None:
    texts = [text_of(element) for element in table_document.element.body.iter(qn("w:p"))]
    expected = unicodedata.normalize("NFC", DECOMPOSED_COMMENT)
    assert expected in texts
    assert all(unicodedata.is_normalized("NFC", text) for text in texts)


def test_core_properties(report: DocxDocument) -> None:
    properties = report.core_properties
    assert properties.title.startswith("Tổng hợp ý kiến chuyên gia về đồ án")
    assert properties.author == "Hội Quy hoạch phát triển đô thị Việt Nam"
    assert properties.created == datetime.datetime(2026, 2, 5, tzinfo=datetime.UTC)
    assert properties.modified == properties.created
    assert properties.language == "vi-VN"


@pytest.mark.parametrize("build", list(BUILDERS.values()), ids=list(BUILDERS))
def test_documents_are_reproducible(build: Builder) -> None:
    assert build(DATA) == build(DATA)


# --- XLSX ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def xlsx() -> bytes:
    return opinion_items_xlsx(ITEMS, "Ý kiến về " + DATA.subject, date=HEADER.date)


def worksheet(data: bytes) -> Worksheet:
    sheet = load_workbook(io.BytesIO(data)).active
    assert isinstance(sheet, Worksheet)
    return sheet


def test_xlsx_headers_rows_and_layout(xlsx: bytes) -> None:
    sheet = worksheet(xlsx)
    assert sheet["A1"].value == "Ý kiến về đồ án Quy hoạch phân khu đô thị N9, tỷ lệ 1/2000"
    assert sheet["A1"].font.b
    headers = [cell.value for cell in sheet[3]]
    assert headers == XLSX_HEADERS
    assert all(cell.font.b for cell in sheet[3])
    assert sheet.max_row == 3 + len(ITEMS)
    assert sheet.freeze_panes == "A4"
    assert sheet.auto_filter.ref == f"A3:H{3 + len(ITEMS)}"
    assert sheet.column_dimensions["E"].width >= 40
    assert sheet["E4"].alignment.wrap_text
    assert sheet["A4"].value == 1
    assert [sheet.cell(row=row, column=7).value or "" for row in range(4, 11)] == [
        "Tiếp thu",
        "Tiếp thu một phần",
        "Giải trình, không tiếp thu",
        "",
        AGREED_LABEL,
        "Tiếp thu",
        "",
    ]
    assert "Tổng số ý kiến: 7" in sheet["A2"].value


def test_xlsx_prints_on_a4_landscape_with_decree_margins_and_page_numbers(xlsx: bytes) -> None:
    sheet = worksheet(xlsx)
    setup = sheet.page_setup
    assert (setup.orientation, str(setup.paperSize)) == ("landscape", "9")  # 9: A4
    fit = sheet.sheet_properties.pageSetUpPr
    assert fit is not None and fit.fitToPage
    assert (setup.fitToWidth, setup.fitToHeight) == (1, 0)
    margins_mm = {
        side: getattr(sheet.page_margins, side) * 25.4
        for side in ("top", "bottom", "left", "right")
    }
    assert 20 <= margins_mm["top"] <= 25 and 20 <= margins_mm["bottom"] <= 25
    assert 30 <= margins_mm["left"] <= 35
    assert 15 <= margins_mm["right"] <= 20
    assert sheet.oddHeader is not None
    assert "&P" in (sheet.oddHeader.center.text or "")
    assert sheet.print_title_rows == "$3:$3"


def test_xlsx_never_turns_text_into_formulas(xlsx: bytes) -> None:
    sheet = worksheet(xlsx)
    cell = sheet["E6"]
    assert cell.value == FORMULA_LIKE_COMMENT
    assert cell.data_type == "s"


def test_xlsx_round_trips_vietnamese_in_nfc(xlsx: bytes) -> None:
    sheet = worksheet(xlsx)
    assert sheet["E10"].value == unicodedata.normalize("NFC", DECOMPOSED_COMMENT)
    assert sheet["D4"].value == "PGS.TS. Nguyễn Văn An"


def test_xlsx_is_reproducible(xlsx: bytes) -> None:
    assert opinion_items_xlsx(ITEMS, "Ý kiến về " + DATA.subject, date=HEADER.date) == xlsx
    # Timestamps come from the given date, never from the clock.
    properties = load_workbook(io.BytesIO(xlsx)).properties
    assert properties.created == properties.modified == datetime.datetime(2026, 2, 5)
