"""Tests of the Decree 30 builder and its text helpers.

The DOCX files are reopened with python-docx and, where python-docx has no API for a
property (borders, fields, East Asian fonts), inspected as XML.
"""

from __future__ import annotations

import datetime
import io
import unicodedata
import zipfile
from collections.abc import Callable, Iterator
from typing import TypeVar

import pytest
from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Length
from docx.styles.style import ParagraphStyle
from docx.text.font import Font
from docx.text.paragraph import Paragraph
from docx.text.parfmt import ParagraphFormat
from lxml import etree

from ..decree30 import (
    FONT_NAME,
    MOTTO,
    MOTTO_PT,
    NATIONAL_TITLE,
    NATIONAL_TITLE_PT,
    BoldRow,
    Decree30Document,
    DocumentHeader,
    Issuer,
    MergedRow,
    ParagraphSpec,
    Signer,
    TableColumn,
    clean_text,
    document_kind_name,
    estimate_text_width_pt,
    is_plain_number,
    number_line,
    recipient_lines,
    to_roman,
    vietnamese_date_line,
    vietnamese_upper,
)

MM = 36000  # EMU per millimetre
PORTRAIT_TEXT_WIDTH_MM = 165

ISSUER = Issuer(
    parent="Liên hiệp các Hội Khoa học và Kỹ thuật Việt Nam",
    name="Hội Quy hoạch phát triển đô thị Việt Nam",
    abbreviation="HQHĐT",
)
HEADER = DocumentHeader(
    issuer=ISSUER, number=12, place="Hà Nội", date=datetime.date(2026, 2, 5), kind="BC"
)
SIGNER = Signer("TM. Ban Chấp hành", "Chủ tịch", "Nguyễn Văn Thắng")


# --- Helpers shared with test_reports ----------------------------------------------


def open_docx(data: bytes) -> DocxDocument:
    return Document(io.BytesIO(data))


def xml_parts(data: bytes) -> Iterator[tuple[str, etree._Element]]:
    """Every XML part of a package, parsed."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            if name.endswith((".xml", ".rels")):
                yield name, etree.fromstring(archive.read(name))


def text_of(element: etree._Element) -> str:
    return "".join(node.text or "" for node in element.iter(qn("w:t")))


def mm(length: Length | int | None) -> float:
    assert length is not None
    return length / MM


T = TypeVar("T")


def _styles(paragraph: Paragraph) -> Iterator[ParagraphStyle]:
    """The paragraph's style and its base styles, nearest first."""
    style: object = paragraph.style
    while isinstance(style, ParagraphStyle):
        yield style
        style = style.base_style


def format_value(paragraph: Paragraph, get: Callable[[ParagraphFormat], T | None]) -> T | None:
    """A paragraph-format value as Word resolves it: direct formatting first, then the
    paragraph style and its base styles."""
    value = get(paragraph.paragraph_format)
    for style in _styles(paragraph):
        if value is not None:
            break
        value = get(style.paragraph_format)
    return value


def alignment(paragraph: Paragraph) -> WD_ALIGN_PARAGRAPH | None:
    return format_value(paragraph, lambda fmt: fmt.alignment)


def _font_value(paragraph: Paragraph, run_index: int, get: Callable[[Font], T | None]) -> T | None:
    value = get(paragraph.runs[run_index].font)
    for style in _styles(paragraph):
        if value is not None:
            break
        value = get(style.font)
    return value


def is_bold(paragraph: Paragraph, run_index: int = 0) -> bool:
    return bool(_font_value(paragraph, run_index, lambda font: font.bold))


def is_italic(paragraph: Paragraph, run_index: int = 0) -> bool:
    return bool(_font_value(paragraph, run_index, lambda font: font.italic))


def size_pt(paragraph: Paragraph, run_index: int = 0) -> float:
    size = _font_value(paragraph, run_index, lambda font: font.size)
    assert size is not None
    return size.pt


def has_rule_below(paragraph: Paragraph) -> bool:
    """Whether the paragraph (through its style) draws a single bottom border."""
    for style in _styles(paragraph):
        ppr = style.element.pPr
        borders = None if ppr is None else ppr.find(qn("w:pBdr"))
        if borders is not None and borders.find(qn("w:bottom")) is not None:
            return borders.find(qn("w:bottom")).get(qn("w:val")) == "single"
    return False


def style_id(paragraph: Paragraph) -> str | None:
    style = paragraph.style
    return None if style is None else style.style_id


def all_font_elements(data: bytes) -> list[tuple[str, etree._Element]]:
    """Every font declaration that can apply to text. numbering.xml is left out: its
    unused bullet definitions name Symbol and Wingdings for the bullet glyphs, which
    must stay in those fonts."""
    return [
        (name, element)
        for name, root in xml_parts(data)
        if name != "word/numbering.xml"
        for element in root.iter(qn("w:rFonts"))
    ]


def sample_document(*, landscape: bool = False) -> bytes:
    builder = Decree30Document(landscape=landscape)
    builder.add_header(HEADER)
    builder.add_title("Báo cáo", "Tổng hợp ý kiến chuyên gia")
    builder.add_heading("I. TÌNH HÌNH")
    builder.add_text("Đoạn thứ nhất.\nĐoạn thứ hai.")
    builder.add_table(
        [TableColumn("STT", 10, "center"), TableColumn("Nội dung", 60, "both")],
        [MergedRow("I. Giao thông"), ["1", "Mặt cắt ngang"], BoldRow(["", "Tổng cộng"])],
    )
    builder.add_closing(["Sở Xây dựng"], SIGNER, archive="VP")
    builder.set_properties(title="Báo cáo", author=ISSUER.name, date=HEADER.date)
    return builder.to_bytes()


# --- Text helpers ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("date", "expected"),
    [
        (datetime.date(2026, 2, 5), "Hà Nội, ngày 05 tháng 02 năm 2026"),
        (datetime.date(2026, 2, 28), "Hà Nội, ngày 28 tháng 02 năm 2026"),
        (datetime.date(2026, 1, 9), "Hà Nội, ngày 09 tháng 01 năm 2026"),
        (datetime.date(2026, 3, 5), "Hà Nội, ngày 05 tháng 3 năm 2026"),
        (datetime.date(2026, 11, 15), "Hà Nội, ngày 15 tháng 11 năm 2026"),
        (datetime.date(2026, 9, 30), "Hà Nội, ngày 30 tháng 9 năm 2026"),
        (datetime.date(2026, 10, 1), "Hà Nội, ngày 01 tháng 10 năm 2026"),
    ],
)
def test_date_line_pads_days_below_ten_and_months_one_and_two(
    date: datetime.date, expected: str
) -> None:
    assert vietnamese_date_line("Hà Nội", date) == expected


def test_date_line_normalises_decomposed_place_name() -> None:
    line = vietnamese_date_line(unicodedata.normalize("NFD", "Hà Nội"), datetime.date(2026, 2, 5))
    assert line.startswith("Hà Nội,")
    assert unicodedata.is_normalized("NFC", line)


@pytest.mark.parametrize(
    ("number", "kind", "expected"),
    [
        (12, "BC", "Số: 12/BC-HQHĐT"),
        (5, "BC", "Số: 05/BC-HQHĐT"),
        ("7", "TTr", "Số: 07/TTr-HQHĐT"),
        (123, "BC", "Số: 123/BC-HQHĐT"),
        ("", "BC", "Số:       /BC-HQHĐT"),
        (12, "", "Số: 12/HQHĐT"),
        # A full number stored before numbers were composed keeps its own symbol.
        ("532/BC-HQHĐT", "BC", "Số: 532/BC-HQHĐT"),
    ],
)
def test_number_line(number: str | int, kind: str, expected: str) -> None:
    assert number_line(number, kind, "HQHĐT") == expected


@pytest.mark.parametrize(
    ("text", "plain"),
    [("45", True), (" 07 ", True), ("532/BC-HQHĐT", False), ("45a", False), ("", False)],
)
def test_only_a_bare_number_is_a_plain_number(text: str, plain: bool) -> None:
    assert is_plain_number(text) is plain


def test_document_kind_names() -> None:
    assert document_kind_name("BC") == "Báo cáo"
    assert document_kind_name("TTr") == "Tờ trình"
    with pytest.raises(ValueError, match="XX"):
        document_kind_name("XX")


def test_header_citation() -> None:
    assert HEADER.citation() == (
        "Báo cáo số 12/BC-HQHĐT ngày 05 tháng 02 năm 2026"
        " của Hội Quy hoạch phát triển đô thị Việt Nam"
    )


def test_vietnamese_upper_keeps_precomposed_letters() -> None:
    text = vietnamese_upper(unicodedata.normalize("NFD", "đường Đuống, hồ điều hòa"))
    assert text == "ĐƯỜNG ĐUỐNG, HỒ ĐIỀU HÒA"
    assert unicodedata.is_normalized("NFC", text)


def test_clean_text_drops_xml_illegal_characters_and_composes() -> None:
    raw = unicodedata.normalize("NFD", "Thoát\x0bnước\x00 mưa\r\nhồ")
    assert clean_text(raw) == "Thoátnước mưa\nhồ"


def test_width_estimate_measures_vietnamese_letters_as_their_base() -> None:
    assert estimate_text_width_pt("Độc lập", 13, bold=True) == pytest.approx(
        estimate_text_width_pt("Doc lap", 13, bold=True)
    )
    assert estimate_text_width_pt(MOTTO, 13, bold=True) > estimate_text_width_pt(MOTTO, 13)
    # The motto is about 58 mm wide at 13 pt bold in Times New Roman.
    assert 50 < estimate_text_width_pt(MOTTO, 13, bold=True) * 25.4 / 72 < 66


def test_national_title_fits_on_one_line_of_the_header_column() -> None:
    right_column_mm = PORTRAIT_TEXT_WIDTH_MM * 0.6 - 1
    title_mm = estimate_text_width_pt(NATIONAL_TITLE, NATIONAL_TITLE_PT, bold=True) * 25.4 / 72
    assert title_mm < right_column_mm


@pytest.mark.parametrize(
    ("number", "numeral"), [(1, "I"), (4, "IV"), (9, "IX"), (14, "XIV"), (40, "XL")]
)
def test_roman_numerals(number: int, numeral: str) -> None:
    assert to_roman(number) == numeral


def test_recipient_lines_follow_decree_punctuation() -> None:
    lines = recipient_lines(["Sở Xây dựng", "- UBND quận Long Biên;", "  "], "VP, 02b")
    assert lines == ["- Sở Xây dựng;", "- UBND quận Long Biên;", "- Lưu: VT, VP, 02b."]
    assert recipient_lines([]) == ["- Lưu: VT."]


def test_recipient_lines_list_each_recipient_and_archive_entry_once() -> None:
    lines = recipient_lines(
        ["Sở Xây dựng", "sở xây dựng;", "Thành viên Tổ chuyên gia", "Sở Xây dựng"],
        "VT, VT, VP, vp",
    )
    assert lines == ["- Sở Xây dựng;", "- Thành viên Tổ chuyên gia;", "- Lưu: VT, VP."]


# --- The builder ---------------------------------------------------------------------


@pytest.mark.parametrize("landscape", [False, True])
def test_page_is_a4_with_decree_margins(landscape: bool) -> None:
    document = open_docx(sample_document(landscape=landscape))
    section = document.sections[0]
    width, height = mm(section.page_width), mm(section.page_height)
    if landscape:
        assert section.orientation == WD_ORIENT.LANDSCAPE
        width, height = height, width
    assert width == pytest.approx(210, abs=0.5)
    assert height == pytest.approx(297, abs=0.5)
    assert 20 <= mm(section.top_margin) <= 25
    assert 20 <= mm(section.bottom_margin) <= 25
    assert 30 <= mm(section.left_margin) <= 35
    assert 15 <= mm(section.right_margin) <= 20


def test_every_font_declaration_is_times_new_roman_including_east_asian() -> None:
    data = sample_document()
    fonts = all_font_elements(data)
    assert fonts, "styles must declare a font"
    for name, element in fonts:
        for attribute in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
            assert element.get(qn(attribute)) == FONT_NAME, (name, attribute)
        for attribute in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
            assert element.get(qn(attribute)) is None, (name, attribute)


def test_normal_style_and_defaults_are_times_new_roman() -> None:
    document = open_docx(sample_document())
    normal = document.styles["Normal"]
    assert normal.font.name == FONT_NAME
    rfonts = normal.element.rPr.rFonts
    assert rfonts.get(qn("w:eastAsia")) == FONT_NAME
    defaults = document.styles.element.find(qn("w:docDefaults"))
    default_fonts = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr")).find(qn("w:rFonts"))
    assert default_fonts.get(qn("w:eastAsia")) == FONT_NAME
    assert default_fonts.get(qn("w:ascii")) == FONT_NAME


def test_template_leftovers_are_removed() -> None:
    data = sample_document()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = set(archive.namelist())
    assert "word/stylesWithEffects.xml" not in names
    assert "docProps/thumbnail.jpeg" not in names
    core = dict(xml_parts(data))["docProps/core.xml"]
    assert "python-docx" not in etree.tostring(core, encoding="unicode")


def test_header_block_layout() -> None:
    document = open_docx(sample_document())
    header_table = document.tables[0]
    issuer_cell, national_cell = header_table.rows[0].cells
    texts = [paragraph.text for paragraph in issuer_cell.paragraphs]
    assert texts[:2] == [
        "LIÊN HIỆP CÁC HỘI KHOA HỌC VÀ KỸ THUẬT VIỆT NAM",
        "HỘI QUY HOẠCH PHÁT TRIỂN ĐÔ THỊ VIỆT NAM",
    ]
    parent, issuer, issuer_rule = issuer_cell.paragraphs
    assert not is_bold(parent)
    assert is_bold(issuer)
    assert issuer_rule.text == ""
    assert has_rule_below(issuer_rule)
    assert not has_rule_below(issuer)

    title, motto, motto_rule = national_cell.paragraphs
    assert title.text == NATIONAL_TITLE
    assert motto.text == MOTTO
    assert is_bold(title) and is_bold(motto)
    assert 12 <= size_pt(title) <= 13
    assert 13 <= size_pt(motto) <= 14
    assert motto_rule.text == ""
    assert has_rule_below(motto_rule)

    number_cell, date_cell = header_table.rows[1].cells
    assert number_cell.text == "Số: 12/BC-HQHĐT"
    assert date_cell.text == "Hà Nội, ngày 05 tháng 02 năm 2026"
    assert is_italic(date_cell.paragraphs[0])


def test_rule_under_motto_is_about_as_long_as_the_motto() -> None:
    document = open_docx(sample_document())
    cell = document.tables[0].rows[0].cells[1]
    rule = cell.paragraphs[2]
    assert has_rule_below(rule)
    cell_mm = mm(cell.width) - 1  # minus the cell margins
    indent = rule._p.pPr.find(qn("w:ind"))
    rule_mm = cell_mm - (int(indent.get(qn("w:left"))) + int(indent.get(qn("w:right")))) / 56.7
    motto_mm = estimate_text_width_pt(MOTTO, MOTTO_PT, bold=True) * 25.4 / 72
    assert rule_mm == pytest.approx(motto_mm, abs=1)


def test_header_tables_are_borderless() -> None:
    document = open_docx(sample_document())
    for table in (document.tables[0], document.tables[-1]):
        borders = table._tbl.tblPr.find(qn("w:tblBorders"))
        assert {edge.get(qn("w:val")) for edge in borders} == {"nil"}


def test_page_numbers_in_top_margin_except_first_page() -> None:
    document = open_docx(sample_document())
    section = document.sections[0]
    assert section.different_first_page_header_footer
    default_fields = section.header._element.findall(f".//{qn('w:fldSimple')}")
    assert [field.get(qn("w:instr")).strip() for field in default_fields] == ["PAGE"]
    assert section.first_page_header._element.findall(f".//{qn('w:fldSimple')}") == []


def test_landscape_section_restarts_page_numbers() -> None:
    builder = Decree30Document()
    builder.add_text("Trang dọc.")
    builder.add_section(landscape=True, restart_numbering=True)
    builder.add_text("Trang ngang.")
    document = open_docx(builder.to_bytes())
    portrait, landscape = document.sections
    assert mm(portrait.page_width) < mm(portrait.page_height)
    assert mm(landscape.page_width) > mm(landscape.page_height)
    assert landscape._sectPr.find(qn("w:pgNumType")).get(qn("w:start")) == "1"
    assert portrait._sectPr.find(qn("w:pgNumType")) is None


def test_data_table_structure() -> None:
    document = open_docx(sample_document())
    table = document.tables[1]
    rows = table._tbl.findall(qn("w:tr"))
    repeated = [row.find(f"{qn('w:trPr')}/{qn('w:tblHeader')}") is not None for row in rows]
    assert repeated == [True, False, False, False]
    borders = table._tbl.tblPr.find(qn("w:tblBorders"))
    sides = {edge.tag.split("}")[1] for edge in borders}
    assert sides == {"top", "left", "bottom", "right", "insideH", "insideV"}
    assert {edge.get(qn("w:val")) for edge in borders} == {"single"}
    grid = [int(col.get(qn("w:w"))) for col in table._tbl.tblGrid.findall(qn("w:gridCol"))]
    assert sum(grid) / 56.7 == pytest.approx(PORTRAIT_TEXT_WIDTH_MM, abs=0.5)
    assert grid[1] / grid[0] == pytest.approx(6, rel=0.01)
    merged = rows[1].findall(qn("w:tc"))
    assert len(merged) == 1
    assert merged[0].tcPr.find(qn("w:gridSpan")).get(qn("w:val")) == "2"
    assert text_of(merged[0]) == "I. Giao thông"
    total = Paragraph(rows[3].findall(qn("w:tc"))[1].find(qn("w:p")), table)
    assert is_bold(total)
    assert alignment(total) == WD_ALIGN_PARAGRAPH.JUSTIFY


def test_table_rejects_rows_of_the_wrong_width() -> None:
    builder = Decree30Document()
    with pytest.raises(ValueError, match="2 columns"):
        builder.add_table([TableColumn("A", 1), TableColumn("B", 1)], [["only one"]])


def test_multiline_cell_text_becomes_paragraphs() -> None:
    builder = Decree30Document()
    builder.add_table([TableColumn("A", 1)], [["dòng một\ndòng hai"]])
    table = open_docx(builder.to_bytes()).tables[0]
    cell = table._tbl.findall(qn("w:tr"))[1].find(qn("w:tc"))
    assert [text_of(p) for p in cell.findall(qn("w:p"))] == ["dòng một", "dòng hai"]


def test_paragraph_text_is_escaped_and_sanitised() -> None:
    builder = Decree30Document()
    builder.add_paragraph(ParagraphSpec("a < b & c > d \x07"))
    assert open_docx(builder.to_bytes()).paragraphs[0].text == "a < b & c > d "


def test_output_is_reproducible_and_stamped_with_the_document_date() -> None:
    first, second = sample_document(), sample_document()
    assert first == second
    with zipfile.ZipFile(io.BytesIO(first)) as archive:
        assert {info.date_time for info in archive.infolist()} == {(2026, 2, 5, 0, 0, 0)}
        assert archive.namelist()[0] == "[Content_Types].xml"
    properties = open_docx(first).core_properties
    assert properties.created == datetime.datetime(2026, 2, 5, tzinfo=datetime.UTC)
    assert properties.author == ISSUER.name
