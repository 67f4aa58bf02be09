"""Low-level builder for Vietnamese administrative documents in the Decree 30/2020/NĐ-CP format.

Decree 30/2020/NĐ-CP (Nghị định về công tác văn thư) fixes how an administrative
document looks: A4 paper, Times New Roman, the issuing body and the national title
side by side at the top, the "Nơi nhận:" block and the signature block side by side
at the bottom. This module knows those rules and nothing about the consultation
domain; ``reports.py`` composes the actual documents from it.

Paragraphs and tables are emitted as WordprocessingML strings and parsed once per
block rather than built through python-docx's object API: a 300-row response table
is tens of thousands of elements, and the object API is an order of magnitude slower
for that volume. python-docx is still used for the package scaffolding (styles,
sections, headers, core properties, saving).
"""

from __future__ import annotations

import datetime
import io
import math
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal
from xml.sax.saxutils import escape

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.section import Section
from docx.shared import Mm, Pt, Twips
from docx.styles.style import ParagraphStyle
from lxml import etree

# --- Page geometry (Decree 30, Appendix I, item I.2) -------------------------------
# The decree gives ranges (top/bottom 20-25 mm, left 30-35 mm, right 15-20 mm);
# the narrowest legal margins are used so the landscape response table gets the
# widest possible text area.
PAGE_WIDTH_MM = 210
PAGE_HEIGHT_MM = 297
MARGIN_TOP_MM = 20
MARGIN_BOTTOM_MM = 20
MARGIN_LEFT_MM = 30
MARGIN_RIGHT_MM = 15
HEADER_DISTANCE_MM = 10
FOOTER_DISTANCE_MM = 10

# --- Typography ----------------------------------------------------------------------
FONT_NAME = "Times New Roman"
LANGUAGE_TAG = "vi-VN"

BODY_PT = 14  # body text: 13-14 pt
PARENT_BODY_PT = 13  # parent body name: 12-13 pt, regular capitals
ISSUER_PT = 13  # issuing body name: 12-13 pt, bold capitals
# 12 pt (the low end of 12-13) keeps the national title on one line inside the
# right header column.
NATIONAL_TITLE_PT = 12
MOTTO_PT = 13  # motto: 13-14 pt, bold
NUMBER_PT = 13  # "Số: ...": 13 pt
DATE_PT = 14  # place and date: 13-14 pt, italic
TITLE_PT = 14  # document kind and summary: 13-14 pt, bold
SIGNATURE_PT = 14  # authority, position and signer's name: 13-14 pt, bold
RECIPIENTS_LABEL_PT = 12  # "Nơi nhận:": 12 pt, bold italic
RECIPIENTS_PT = 11  # recipients: 11 pt
PAGE_NUMBER_PT = 13  # page number: 13-14 pt, centred in the top margin
TABLE_PT = 12  # Decree 30 does not size table text; 12 pt keeps 7 columns readable
DATA_CELL_MARGIN_MM = 1.5
# Room above the estimated width of a header word: the estimate uses Adobe's Times
# metrics, and Word's own may be a little wider.
HEADER_WORD_SLACK_MM = 1.0

FIRST_LINE_INDENT_MM = 12.7  # paragraph indent: 1-1.27 cm
PARAGRAPH_SPACING_PT = 6  # at least 6 pt between paragraphs
LINE_SPACING = 1.15  # between single and 1.5 lines

NATIONAL_TITLE = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"
RECIPIENTS_LABEL = "Nơi nhận:"
ARCHIVE_PREFIX = "Lưu: VT"

# Names of the document kinds whose abbreviations appear in the number line
# (Decree 30, Appendix III).
DOCUMENT_KINDS: dict[str, str] = {
    "BC": "Báo cáo",
    "BB": "Biên bản",
    "KH": "Kế hoạch",
    "NQ": "Nghị quyết",
    "QĐ": "Quyết định",
    "TB": "Thông báo",
    "TTr": "Tờ trình",
    "CTr": "Chương trình",
    "PA": "Phương án",
    "ĐA": "Đề án",
}

Alignment = Literal["left", "center", "right", "both"]

_TWIPS_PER_MM = 1440 / 25.4
_TWIPS_PER_PT = 20
_MM_PER_PT = 25.4 / 72

# Advance widths of ASCII 32..126 in thousandths of an em, from the Adobe AFM files of
# Times-Roman and Times-Bold, which Times New Roman matches closely. They are only used
# to size the short rules under header lines, so per-glyph precision is not needed.
_TIMES_ROMAN_WIDTHS = (
    250, 333, 408, 500, 500, 833, 778, 333, 333, 333, 500, 564, 250, 564, 250, 278,
    500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 278, 278, 564, 564, 564, 444,
    921, 722, 667, 667, 722, 611, 556, 722, 722, 333, 389, 722, 611, 889, 722, 722,
    556, 722, 667, 556, 611, 722, 722, 944, 722, 722, 611, 333, 278, 333, 469, 500,
    333, 444, 500, 444, 500, 444, 333, 500, 500, 278, 278, 500, 278, 778, 500, 500,
    500, 500, 333, 389, 278, 500, 500, 722, 500, 500, 444, 480, 200, 480, 541,
)  # fmt: skip
_TIMES_BOLD_WIDTHS = (
    250, 333, 555, 500, 500, 1000, 833, 333, 333, 333, 500, 570, 250, 570, 250, 278,
    500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 333, 333, 570, 570, 570, 500,
    930, 722, 667, 722, 722, 667, 611, 778, 778, 389, 500, 778, 667, 944, 722, 778,
    611, 778, 722, 556, 667, 722, 722, 1000, 722, 722, 667, 333, 278, 333, 581, 500,
    333, 500, 556, 444, 556, 444, 333, 500, 556, 278, 333, 556, 278, 833, 556, 500,
    556, 556, 444, 389, 333, 556, 500, 722, 500, 500, 444, 394, 220, 394, 520,
)  # fmt: skip
_FALLBACK_WIDTH = 500

# Characters that XML 1.0 cannot carry; python-docx and openpyxl both refuse them, and
# they do turn up in text pasted from PDFs and spreadsheets.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")

# Style ids of the paragraph styles this module defines (see _STYLE_SPECS).
BODY_STYLE = "DecreeBody"
HEADING_STYLE = "DecreeHeading"
TITLE_STYLE = "DecreeTitle"
HEADER_BLOCK_STYLE = "DecreeHeaderBlock"
RULE_STYLE = "DecreeRule"
TABLE_TEXT_STYLE = "DecreeTableText"
TABLE_HEADING_STYLE = "DecreeTableHeading"
RECIPIENTS_STYLE = "DecreeRecipients"
SIGNATURE_STYLE = "DecreeSignature"


@dataclass(frozen=True)
class Issuer:
    """The body issuing a document.

    ``parent`` is the directly superior body ("" when there is none) and ``name`` the
    issuing body; both are given in normal case and capitalised when rendered.
    ``abbreviation`` is the short name used in the number line (e.g. "HQHĐT").
    """

    parent: str
    name: str
    abbreviation: str


@dataclass(frozen=True)
class Signer:
    """The signature block: ``authority`` is the signing capacity such as
    "TM. BAN CHẤP HÀNH" or "KT. CHỦ TỊCH" ("" when the head signs in their own right),
    ``position`` the signer's post, ``name`` the full name."""

    authority: str
    position: str
    name: str


@dataclass(frozen=True)
class DocumentHeader:
    """Identification of a document: who issues it, its number, place and date.

    ``number`` is "" for a draft; the clerk assigns it on issue.
    ``kind`` is the abbreviation of the document kind ("BC" for a report).
    """

    issuer: Issuer
    number: str | int
    place: str
    date: datetime.date
    kind: str = "BC"

    @property
    def number_line(self) -> str:
        return number_line(self.number, self.kind, self.issuer.abbreviation)

    @property
    def date_line(self) -> str:
        return vietnamese_date_line(self.place, self.date)

    @property
    def kind_name(self) -> str:
        return document_kind_name(self.kind)

    def citation(self) -> str:
        """How other documents refer to this one, e.g.
        "Báo cáo số 12/BC-HQHĐT ngày 05 tháng 02 năm 2026 của Hội ..."."""
        number = self.number_line.removeprefix("Số:").strip()
        return (
            f"{self.kind_name} số {number} {vietnamese_date(self.date)}"
            f" của {clean_text(self.issuer.name)}"
        )


@dataclass(frozen=True)
class TableColumn:
    """A column of a bordered data table; ``width_mm`` values are scaled to the text
    width of the section, so only their proportions matter."""

    title: str
    width_mm: float
    align: Alignment = "left"


@dataclass(frozen=True)
class MergedRow:
    """A row spanning every column, used to head a group of rows."""

    text: str


@dataclass(frozen=True)
class BoldRow:
    """A row set in bold, such as a totals row."""

    cells: Sequence[str]


TableRow = Sequence[str] | MergedRow | BoldRow


@dataclass(frozen=True)
class ParagraphSpec:
    """Formatting of one paragraph; ``None`` fields inherit from the style."""

    text: str = ""
    style: str = BODY_STYLE
    align: Alignment | None = None
    bold: bool | None = None
    italic: bool | None = None
    size_pt: float | None = None
    keep_next: bool = False
    space_before_pt: float | None = None
    indent_mm: tuple[float, float] | None = None  # (left, right)
    first_line_mm: float | None = None


# --- Text helpers --------------------------------------------------------------------


def clean_text(text: str) -> str:
    """Normalise text for the document: NFC (Vietnamese typed on macOS or pasted from
    PDFs is often decomposed, which breaks search and renders badly in some fonts),
    Unix newlines, and no characters XML cannot carry."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return unicodedata.normalize("NFC", _XML_ILLEGAL.sub("", text))


def vietnamese_upper(text: str) -> str:
    """Capitalise Vietnamese text, staying in NFC so "đ" becomes "Đ" and tone marks
    stay on their precomposed letters."""
    return unicodedata.normalize("NFC", clean_text(text).upper())


def vietnamese_date(date: datetime.date) -> str:
    """The date as written in documents, e.g. "ngày 05 tháng 3 năm 2026".

    Decree 30 (Appendix I) pads days 1-9 and months 1-2 only: "tháng 01", "tháng 02",
    then "tháng 3" to "tháng 12".
    """
    month = f"{date.month:02d}" if date.month < 3 else str(date.month)
    return f"ngày {date.day:02d} tháng {month} năm {date.year}"


def vietnamese_date_line(place: str, date: datetime.date) -> str:
    """The place and date line, e.g. "Hà Nội, ngày 05 tháng 02 năm 2026"."""
    return f"{clean_text(place).strip()}, {vietnamese_date(date)}"


_PLAIN_NUMBER = re.compile(r"[0-9]{1,9}")


def is_plain_number(text: str) -> bool:
    """Whether ``text`` is a bare document number ("45"), which is what users type: the
    symbol after the slash is composed from the document kind and the issuer."""
    return _PLAIN_NUMBER.fullmatch(text.strip()) is not None


def document_symbol(kind: str, issuer_abbreviation: str) -> str:
    """The symbol after the number, e.g. "BC-HQHĐT"; an empty ``kind`` gives the
    letter form ("HQHĐT")."""
    symbol = clean_text(issuer_abbreviation).strip()
    kind = clean_text(kind).strip()
    return "-".join(part for part in (kind, symbol) if part)


def number_line(number: str | int, kind: str, issuer_abbreviation: str) -> str:
    """The number line, e.g. "Số: 12/BC-HQHĐT".

    Numbers below 10 get a leading zero (Decree 30). An empty number leaves a blank for
    the clerk to fill in on issue. A number that already carries a symbol
    ("532/BC-HQHĐT", stored before numbers were composed) is printed as it is rather
    than given a second symbol.
    """
    text = clean_text(str(number)).strip()
    if "/" in text:
        return f"Số: {text}"
    if is_plain_number(text):
        text = f"{int(text):02d}"
    elif not text:
        text = " " * 6
    return f"Số: {text}/{document_symbol(kind, issuer_abbreviation)}"


# Academic ranks, degrees and professional titles as abbreviated before a name
# ("GS.TSKH.", "PGS.TS.", "KTS.", "ThS."); each ends with a dot.
_LEADING_TITLES = re.compile(r"^(?:(?:GS|PGS|TSKH|TS|ThS|KTS|KS|CN|NCS|BS|LS)\.\s*)+", re.I)


def signer_name(name: str) -> str:
    """The name under a signature: Decree 30 (Appendix I) puts no academic rank, degree
    or title before it, so "GS.TSKH. Lê Thị Minh Châu" signs as "Lê Thị Minh Châu"."""
    return _LEADING_TITLES.sub("", clean_text(name).strip())


def document_kind_name(kind: str) -> str:
    """The name of a document kind from its abbreviation ("BC" -> "Báo cáo")."""
    try:
        return DOCUMENT_KINDS[kind]
    except KeyError:
        raise ValueError(f"unknown document kind abbreviation: {kind!r}") from None


def _base_letter(char: str) -> str:
    if char in "đĐ":
        return "d" if char == "đ" else "D"
    return unicodedata.normalize("NFD", char)[0]


def estimate_text_width_pt(text: str, size_pt: float, *, bold: bool = False) -> float:
    """Approximate rendered width of one line of Times New Roman text.

    Vietnamese letters are measured as their base Latin letter, which is how the font
    draws them (the diacritics do not add advance width).
    """
    widths = _TIMES_BOLD_WIDTHS if bold else _TIMES_ROMAN_WIDTHS
    total = 0
    for char in clean_text(text):
        code = ord(_base_letter(char))
        total += widths[code - 32] if 32 <= code <= 126 else _FALLBACK_WIDTH
    return total * size_pt / 1000


def longest_word_mm(text: str, size_pt: float, *, bold: bool = False) -> float:
    """Width of the widest word of ``text``: a cell narrower than that breaks the word."""
    words = clean_text(text).split()
    return max((estimate_text_width_pt(w, size_pt, bold=bold) for w in words), default=0) * (
        _MM_PER_PT
    )


def fit_column_widths(
    columns: Sequence[TableColumn], total_mm: float, cell_margin_mm: float
) -> list[int]:
    """Column widths in twips filling ``total_mm`` in the columns' proportions, except that
    no column is narrower than the widest word of its title (so "STT" never wraps to
    "ST/T"); the room this takes comes from the other columns in proportion."""
    minimums = [
        longest_word_mm(column.title, TABLE_PT, bold=True)
        + 2 * cell_margin_mm
        + HEADER_WORD_SLACK_MM
        for column in columns
    ]
    widths = [column.width_mm for column in columns]
    fixed: set[int] = set()
    while True:
        free = [i for i in range(len(columns)) if i not in fixed]
        room = total_mm - sum(minimums[i] for i in fixed)
        weight = sum(columns[i].width_mm for i in free)
        for i in range(len(columns)):
            widths[i] = minimums[i] if i in fixed else columns[i].width_mm * room / weight
        short = {i for i in free if widths[i] < minimums[i]}
        if not short or len(short) == len(free):
            fixed |= short
            break
        fixed |= short
    if len(fixed) == len(columns):
        widths = minimums
    return [mm_to_twips(width) for width in widths]


def _margin(mm: float) -> Twips:
    """Margins are stored in whole twips; rounding up keeps a margin set at the lower
    bound of a Decree 30 range (15 mm is 850.4 twips) from falling below it."""
    return Twips(math.ceil(mm * _TWIPS_PER_MM))


def mm_to_twips(mm: float) -> int:
    return round(mm * _TWIPS_PER_MM)


def pt_to_twips(pt: float) -> int:
    return round(pt * _TWIPS_PER_PT)


def to_roman(number: int) -> str:
    """Upper-case Roman numeral, used to number the sections of a report."""
    if number <= 0:
        raise ValueError("Roman numerals start at 1")
    numerals = (
        (1000, "M"),
        (900, "CM"),
        (500, "D"),
        (400, "CD"),
        (100, "C"),
        (90, "XC"),
        (50, "L"),
        (40, "XL"),
        (10, "X"),
        (9, "IX"),
        (5, "V"),
        (4, "IV"),
        (1, "I"),
    )
    parts: list[str] = []
    for value, numeral in numerals:
        count, number = divmod(number, value)
        parts.append(numeral * count)
    return "".join(parts)


# --- WordprocessingML fragments ----------------------------------------------------


def _run_xml(text: str, *, bold: bool | None, italic: bool | None, size_pt: float | None) -> str:
    props = ""
    # None inherits from the style; False must be explicit to override a bold style.
    if bold is not None:
        props += "<w:b/><w:bCs/>" if bold else '<w:b w:val="0"/><w:bCs w:val="0"/>'
    if italic is not None:
        props += "<w:i/><w:iCs/>" if italic else '<w:i w:val="0"/><w:iCs w:val="0"/>'
    if size_pt is not None:
        half_points = round(size_pt * 2)
        props += f'<w:sz w:val="{half_points}"/><w:szCs w:val="{half_points}"/>'
    rpr = f"<w:rPr>{props}</w:rPr>" if props else ""
    pieces: list[str] = []
    for index, line in enumerate(text.split("\n")):
        if index:
            pieces.append("<w:br/>")
        for part_index, part in enumerate(line.split("\t")):
            if part_index:
                pieces.append("<w:tab/>")
            if part:
                pieces.append(f'<w:t xml:space="preserve">{escape(part)}</w:t>')
    return f"<w:r>{rpr}{''.join(pieces)}</w:r>"


def paragraph_xml(paragraph: ParagraphSpec) -> str:
    """Serialise a :class:`ParagraphSpec` (without namespace declarations)."""
    ppr = f'<w:pStyle w:val="{paragraph.style}"/>'
    if paragraph.keep_next:
        ppr += "<w:keepNext/>"
    if paragraph.space_before_pt is not None:
        ppr += f'<w:spacing w:before="{pt_to_twips(paragraph.space_before_pt)}"/>'
    indent = ""
    if paragraph.indent_mm is not None:
        left, right = paragraph.indent_mm
        indent += f' w:left="{mm_to_twips(left)}" w:right="{mm_to_twips(right)}"'
    if paragraph.first_line_mm is not None:
        indent += f' w:firstLine="{mm_to_twips(paragraph.first_line_mm)}"'
    if indent:
        ppr += f"<w:ind{indent}/>"
    if paragraph.align is not None:
        ppr += f'<w:jc w:val="{paragraph.align}"/>'
    body = ""
    if paragraph.text:
        body = _run_xml(
            clean_text(paragraph.text),
            bold=paragraph.bold,
            italic=paragraph.italic,
            size_pt=paragraph.size_pt,
        )
    return f"<w:p><w:pPr>{ppr}</w:pPr>{body}</w:p>"


def _borders_xml(tag: str, visible: bool) -> str:
    sides = ("top", "left", "bottom", "right", "insideH", "insideV")
    if visible:
        edges = "".join(
            f'<w:{side} w:val="single" w:sz="4" w:space="0" w:color="000000"/>' for side in sides
        )
    else:
        edges = "".join(f'<w:{side} w:val="nil"/>' for side in sides)
    return f"<w:{tag}>{edges}</w:{tag}>"


def _table_xml(
    widths: Sequence[int],
    rows_xml: Iterable[str],
    *,
    borders: bool,
    cell_margin_mm: float,
) -> str:
    margin = mm_to_twips(cell_margin_mm)
    grid = "".join(f'<w:gridCol w:w="{width}"/>' for width in widths)
    return (
        f"<w:tbl {nsdecls('w')}><w:tblPr>"
        f'<w:tblW w:w="{sum(widths)}" w:type="dxa"/><w:jc w:val="center"/>'
        f"{_borders_xml('tblBorders', borders)}"
        '<w:tblLayout w:type="fixed"/>'
        f'<w:tblCellMar><w:left w:w="{margin}" w:type="dxa"/>'
        f'<w:right w:w="{margin}" w:type="dxa"/></w:tblCellMar>'
        '<w:tblLook w:val="0000" w:firstRow="0" w:lastRow="0" w:firstColumn="0"'
        ' w:lastColumn="0" w:noHBand="1" w:noVBand="1"/>'
        f"</w:tblPr><w:tblGrid>{grid}</w:tblGrid>{''.join(rows_xml)}</w:tbl>"
    )


def _cell_xml(
    width: int,
    paragraphs: Sequence[str],
    *,
    span: int = 1,
    shade: str | None = None,
    valign: Literal["top", "center", "bottom"] = "top",
) -> str:
    props = f'<w:tcW w:w="{width}" w:type="dxa"/>'
    if span > 1:
        props += f'<w:gridSpan w:val="{span}"/>'
    if shade is not None:
        props += f'<w:shd w:val="clear" w:color="auto" w:fill="{shade}"/>'
    props += f'<w:vAlign w:val="{valign}"/>'
    # A cell must end with a paragraph, even an empty one.
    content = "".join(paragraphs) or paragraph_xml(ParagraphSpec(style=TABLE_TEXT_STYLE))
    return f"<w:tc><w:tcPr>{props}</w:tcPr>{content}</w:tc>"


def _row_xml(cells: Sequence[str], *, header: bool = False, cant_split: bool = False) -> str:
    props = ""
    if cant_split or header:
        props += "<w:cantSplit/>"
    if header:
        props += "<w:tblHeader/>"
    trpr = f"<w:trPr>{props}</w:trPr>" if props else ""
    return f"<w:tr>{trpr}{''.join(cells)}</w:tr>"


def _text_paragraphs(
    text: str, *, style: str, align: Alignment, bold: bool | None = None
) -> list[str]:
    """One paragraph per line, so multi-paragraph comments keep their structure and
    justification works per paragraph."""
    lines = clean_text(text).split("\n")
    return [
        paragraph_xml(ParagraphSpec(line, style=style, align=align, bold=bold)) for line in lines
    ]


# --- Package post-processing -------------------------------------------------------


def normalize_zip(data: bytes, date: datetime.date) -> bytes:
    """Rewrite an OOXML package with every entry stamped with ``date``.

    Office packages are zip files whose entries carry the wall-clock time of writing;
    pinning them makes a document a pure function of its content, so identical
    inputs give byte-identical files (cacheable, diffable, testable).
    """
    stamp = (max(date.year, 1980), date.month, date.day, 0, 0, 0)
    output = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=stamp)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            target.writestr(entry, source.read(info.filename))
    return output.getvalue()


# --- Styles --------------------------------------------------------------------------


@dataclass(frozen=True)
class _StyleSpec:
    style_id: str
    name: str
    size_pt: float
    align: Alignment = "left"
    bold: bool = False
    italic: bool = False
    first_line_mm: float = 0
    space_before_pt: float = 0
    line_spacing: float = 1.0
    keep_next: bool = False
    bottom_border: bool = False


_STYLE_SPECS = (
    _StyleSpec(
        BODY_STYLE,
        "Decree Body",
        BODY_PT,
        align="both",
        first_line_mm=FIRST_LINE_INDENT_MM,
        space_before_pt=PARAGRAPH_SPACING_PT,
        line_spacing=LINE_SPACING,
    ),
    _StyleSpec(
        HEADING_STYLE,
        "Decree Heading",
        BODY_PT,
        align="both",
        bold=True,
        first_line_mm=FIRST_LINE_INDENT_MM,
        space_before_pt=PARAGRAPH_SPACING_PT,
        line_spacing=LINE_SPACING,
        keep_next=True,
    ),
    _StyleSpec(TITLE_STYLE, "Decree Title", TITLE_PT, align="center", bold=True, keep_next=True),
    _StyleSpec(HEADER_BLOCK_STYLE, "Decree Header Block", ISSUER_PT, align="center"),
    # An empty paragraph whose bottom border is the short rule under header lines;
    # its tiny font keeps the rule close to the text above it.
    _StyleSpec(RULE_STYLE, "Decree Rule", 2, align="center", bottom_border=True, keep_next=True),
    _StyleSpec(TABLE_TEXT_STYLE, "Decree Table Text", TABLE_PT, space_before_pt=2),
    _StyleSpec(
        TABLE_HEADING_STYLE,
        "Decree Table Heading",
        TABLE_PT,
        align="center",
        bold=True,
        space_before_pt=2,
    ),
    _StyleSpec(RECIPIENTS_STYLE, "Decree Recipients", RECIPIENTS_PT),
    _StyleSpec(SIGNATURE_STYLE, "Decree Signature", SIGNATURE_PT, align="center", bold=True),
)

_ALIGNMENTS: dict[Alignment, WD_ALIGN_PARAGRAPH] = {
    "left": WD_ALIGN_PARAGRAPH.LEFT,
    "center": WD_ALIGN_PARAGRAPH.CENTER,
    "right": WD_ALIGN_PARAGRAPH.RIGHT,
    "both": WD_ALIGN_PARAGRAPH.JUSTIFY,
}

_STYLES_WITH_EFFECTS_RELTYPE = (
    "http://schemas.microsoft.com/office/2007/relationships/stylesWithEffects"
)
_THEME_FONT_ATTRIBUTES = ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme")
_FONT_ATTRIBUTES = ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs")


def _force_font(rfonts: etree._Element) -> None:
    # Theme attributes win over explicit names in Word, so they must go.
    for attribute in _THEME_FONT_ATTRIBUTES:
        rfonts.attrib.pop(qn(attribute), None)
    for attribute in _FONT_ATTRIBUTES:
        rfonts.set(qn(attribute), FONT_NAME)


def _replace_child(parent: etree._Element, xml: str, successors: Sequence[str]) -> None:
    """Insert ``xml`` into ``parent`` in schema order, replacing an existing element of
    the same tag; ``successors`` are the tags that must come after it."""
    element = parse_xml(xml)
    existing = parent.find(element.tag)
    if existing is not None:
        parent.remove(existing)
    for tag in successors:
        anchor = parent.find(qn(tag))
        if anchor is not None:
            anchor.addprevious(element)
            return
    parent.append(element)


def _configure_styles(document: DocxDocument) -> None:
    styles_element = document.styles.element
    # Every rFonts in the template names a theme font (Calibri/Cambria) or Courier;
    # Decree 30 requires Times New Roman throughout, including for East Asian and
    # complex-script slots, which Word consults for some Vietnamese characters.
    for rfonts in styles_element.iter(qn("w:rFonts")):
        _force_font(rfonts)
    rpr_default = styles_element.find(qn("w:docDefaults")).find(qn("w:rPrDefault"))
    rpr = rpr_default.find(qn("w:rPr"))
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = OxmlElement("w:rFonts")
        rpr.insert(0, rfonts)
    _force_font(rfonts)
    half_points = BODY_PT * 2
    for tag in ("w:sz", "w:szCs"):
        element = rpr.find(qn(tag))
        if element is not None:
            element.set(qn("w:val"), str(half_points))
    lang = rpr.find(qn("w:lang"))
    if lang is not None:
        lang.set(qn("w:val"), LANGUAGE_TAG)
    ppr_default = styles_element.find(qn("w:docDefaults")).find(qn("w:pPrDefault"))
    spacing = ppr_default.find(qn("w:pPr")).find(qn("w:spacing"))
    if spacing is not None:
        # The template's 10 pt after / 1.15 lines default would leak into table cells.
        spacing.attrib.clear()
        spacing.set(qn("w:after"), "0")
        spacing.set(qn("w:line"), "240")
        spacing.set(qn("w:lineRule"), "auto")

    normal = document.styles["Normal"]
    assert isinstance(normal, ParagraphStyle)
    normal.font.name = FONT_NAME
    _force_font(normal.element.get_or_add_rPr().get_or_add_rFonts())
    normal.font.size = Pt(BODY_PT)
    normal.paragraph_format.space_before = Pt(0)
    normal.paragraph_format.space_after = Pt(0)
    normal.paragraph_format.line_spacing = 1.0

    header_style = document.styles["Header"]
    assert isinstance(header_style, ParagraphStyle)
    header_style.font.size = Pt(PAGE_NUMBER_PT)
    header_style.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER

    for spec in _STYLE_SPECS:
        style = document.styles.add_style(spec.name, WD_STYLE_TYPE.PARAGRAPH)
        assert isinstance(style, ParagraphStyle)
        style.base_style = normal
        style.quick_style = True
        ppr = style.element.get_or_add_pPr()
        if spec.bottom_border:
            ppr.append(
                parse_xml(
                    f'<w:pBdr {nsdecls("w")}><w:bottom w:val="single" w:sz="6"'
                    ' w:space="1" w:color="000000"/></w:pBdr>'
                )
            )
        fmt = style.paragraph_format
        fmt.space_before = Pt(spec.space_before_pt)
        fmt.space_after = Pt(0)
        fmt.line_spacing = spec.line_spacing
        fmt.first_line_indent = Mm(spec.first_line_mm) if spec.first_line_mm else None
        fmt.keep_with_next = spec.keep_next or None
        fmt.alignment = _ALIGNMENTS[spec.align]
        style.font.size = Pt(spec.size_pt)
        style.font.bold = spec.bold or None
        style.font.italic = spec.italic or None
        if style.style_id != spec.style_id:
            raise RuntimeError(f"style id {style.style_id!r} != {spec.style_id!r}")


def _drop_template_leftovers(document: DocxDocument) -> None:
    package = document.part.package
    # The template's thumbnail shows an empty page and would be shown as this
    # document's preview by file managers.
    for rel_id, rel in list(package.rels.items()):
        if rel.reltype == RT.THUMBNAIL:
            del package.rels[rel_id]
    # Word 2010 reads stylesWithEffects.xml, which would still carry the template's
    # Calibri styles.
    for rel_id, rel in list(document.part.rels.items()):
        if rel.reltype == _STYLES_WITH_EFFECTS_RELTYPE:
            del document.part.rels[rel_id]
    settings = document.settings.element
    theme_lang = settings.find(qn("w:themeFontLang"))
    if theme_lang is not None:
        theme_lang.set(qn("w:val"), LANGUAGE_TAG)
    preview = settings.find(qn("w:savePreviewPicture"))
    if preview is not None:
        settings.remove(preview)


# --- The builder ---------------------------------------------------------------------


class Decree30Document:
    """An A4 document laid out per Decree 30/2020/NĐ-CP.

    Blocks are appended in reading order: :meth:`add_header`, :meth:`add_title`,
    body paragraphs and tables, :meth:`add_closing`; :meth:`add_section` starts a new
    page, optionally landscape (for wide tables and appendices).
    """

    def __init__(self, *, landscape: bool = False) -> None:
        self._document = Document()
        self._date: datetime.date | None = None
        _configure_styles(self._document)
        _drop_template_leftovers(self._document)
        body = self._document.element.body
        for child in list(body):
            if child.tag != qn("w:sectPr"):
                body.remove(child)
        section = self._document.sections[0]
        self._set_geometry(section, landscape=landscape)
        self._add_page_numbers(section)

    @property
    def document(self) -> DocxDocument:
        return self._document

    # -- geometry --

    @staticmethod
    def _set_geometry(section: Section, *, landscape: bool) -> None:
        section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
        short, long = Mm(PAGE_WIDTH_MM), Mm(PAGE_HEIGHT_MM)
        section.page_width, section.page_height = (long, short) if landscape else (short, long)
        # The binding edge stays on the left of the reading direction in both
        # orientations, so the margins keep their meaning.
        section.top_margin = _margin(MARGIN_TOP_MM)
        section.bottom_margin = _margin(MARGIN_BOTTOM_MM)
        section.left_margin = _margin(MARGIN_LEFT_MM)
        section.right_margin = _margin(MARGIN_RIGHT_MM)
        section.header_distance = Mm(HEADER_DISTANCE_MM)
        section.footer_distance = Mm(FOOTER_DISTANCE_MM)
        section.gutter = Mm(0)

    @staticmethod
    def _add_page_numbers(section: Section) -> None:
        # Decree 30: Arabic page numbers centred in the top margin, none on page one.
        section.different_first_page_header_footer = True
        section.first_page_header.is_linked_to_previous = False
        header = section.header
        header.is_linked_to_previous = False
        paragraph = header.paragraphs[0]
        paragraph._p.append(
            parse_xml(
                f'<w:fldSimple {nsdecls("w")} w:instr=" PAGE "><w:r><w:t>2</w:t></w:r>'
                "</w:fldSimple>"
            )
        )

    @property
    def text_width_mm(self) -> float:
        """Width between the margins of the section being written (the last one)."""
        section = self._document.sections[-1]
        assert section.page_width is not None
        assert section.left_margin is not None
        assert section.right_margin is not None
        return (section.page_width - section.left_margin - section.right_margin) / Mm(1)

    def add_section(self, *, landscape: bool, restart_numbering: bool = False) -> None:
        """Start a new page in a new section; Decree 30 numbers each appendix from 1,
        hence ``restart_numbering``."""
        section = self._document.add_section(WD_SECTION.NEW_PAGE)
        self._set_geometry(section, landscape=landscape)
        sect_pr = section._sectPr
        existing = sect_pr.find(qn("w:pgNumType"))
        if existing is not None:
            sect_pr.remove(existing)
        if restart_numbering:
            _replace_child(
                sect_pr,
                f'<w:pgNumType {nsdecls("w")} w:start="1"/>',
                (
                    "w:cols",
                    "w:formProt",
                    "w:vAlign",
                    "w:noEndnote",
                    "w:titlePg",
                    "w:textDirection",
                    "w:bidi",
                    "w:rtlGutter",
                    "w:docGrid",
                    "w:printerSettings",
                ),
            )

    # -- low-level appends --

    def _append(self, xml: str) -> None:
        element = parse_xml(xml)
        body = self._document.element.body
        body.sectPr.addprevious(element)

    def add_paragraph(self, paragraph: ParagraphSpec) -> None:
        self._append(paragraph_xml(paragraph).replace("<w:p>", f"<w:p {nsdecls('w')}>", 1))

    def add_paragraphs(self, paragraphs: Iterable[ParagraphSpec]) -> None:
        xml = "".join(paragraph_xml(paragraph) for paragraph in paragraphs)
        if not xml:
            return
        # One parse for the whole batch; unwrap the container afterwards.
        container = parse_xml(f"<w:body {nsdecls('w')}>{xml}</w:body>")
        anchor = self._document.element.body.sectPr
        for child in list(container):
            anchor.addprevious(child)

    def add_text(self, text: str, *, style: str = BODY_STYLE) -> None:
        """Body text; each line of ``text`` becomes its own paragraph."""
        self.add_paragraphs(
            ParagraphSpec(line, style=style)
            for line in clean_text(text).split("\n")
            if line.strip()
        )

    def add_heading(self, text: str) -> None:
        self.add_paragraph(ParagraphSpec(text, style=HEADING_STYLE))

    def _rule(self, length_mm: float, available_mm: float) -> ParagraphSpec:
        length = min(length_mm, available_mm)
        side = max((available_mm - length) / 2, 0)
        return ParagraphSpec(style=RULE_STYLE, indent_mm=(side, side))

    # -- Decree 30 blocks --

    def add_header(self, header: DocumentHeader) -> None:
        """The header block: issuing body (left) and national title (right), then the
        number line under the issuing body and the place and date line."""
        width = self.text_width_mm
        left_mm = round(width * 0.4, 1)
        right_mm = width - left_mm
        margin_mm = 0.5
        left_inner = left_mm - 2 * margin_mm
        right_inner = right_mm - 2 * margin_mm

        issuer = header.issuer
        left: list[ParagraphSpec] = []
        if issuer.parent.strip():
            left.append(
                ParagraphSpec(
                    vietnamese_upper(issuer.parent),
                    size_pt=PARENT_BODY_PT,
                    style=HEADER_BLOCK_STYLE,
                )
            )
        name = vietnamese_upper(issuer.name)
        left.append(ParagraphSpec(name, style=HEADER_BLOCK_STYLE, bold=True, size_pt=ISSUER_PT))
        # Decree 30: a rule of 1/3 to 1/2 of the name's line length, centred.
        name_mm = estimate_text_width_pt(name, ISSUER_PT, bold=True) * _MM_PER_PT
        left.append(self._rule(max(min(name_mm, left_inner) * 0.4, 15), left_inner))

        right = [
            ParagraphSpec(
                NATIONAL_TITLE, style=HEADER_BLOCK_STYLE, bold=True, size_pt=NATIONAL_TITLE_PT
            ),
            ParagraphSpec(MOTTO, style=HEADER_BLOCK_STYLE, bold=True, size_pt=MOTTO_PT),
        ]
        # Decree 30: the rule under the motto is as long as the motto.
        motto_mm = estimate_text_width_pt(MOTTO, MOTTO_PT, bold=True) * _MM_PER_PT
        right.append(self._rule(motto_mm, right_inner))

        number = ParagraphSpec(
            header.number_line, style=HEADER_BLOCK_STYLE, size_pt=NUMBER_PT, space_before_pt=6
        )
        date = ParagraphSpec(
            header.date_line,
            style=HEADER_BLOCK_STYLE,
            italic=True,
            size_pt=DATE_PT,
            space_before_pt=6,
        )
        widths = [mm_to_twips(left_mm), mm_to_twips(right_mm)]

        def cell(index: int, paragraphs: Sequence[ParagraphSpec]) -> str:
            return _cell_xml(widths[index], [paragraph_xml(p) for p in paragraphs])

        rows = [
            _row_xml([cell(0, left), cell(1, right)], cant_split=True),
            _row_xml([cell(0, [number]), cell(1, [date])], cant_split=True),
        ]
        self._append(_table_xml(widths, rows, borders=False, cell_margin_mm=margin_mm))

    def add_title(self, kind_name: str, summary: str = "", *, rule: bool = True) -> None:
        """Document kind in bold capitals ("BÁO CÁO"), then the summary line in bold,
        with the short rule Decree 30 puts under the summary."""
        paragraphs = [
            ParagraphSpec(vietnamese_upper(kind_name), style=TITLE_STYLE, space_before_pt=18)
        ]
        text_mm = self.text_width_mm
        last_line = vietnamese_upper(kind_name)
        if summary.strip():
            paragraphs.append(ParagraphSpec(clean_text(summary).strip(), style=TITLE_STYLE))
            last_line = clean_text(summary).strip()
        if rule:
            line_mm = estimate_text_width_pt(last_line, TITLE_PT, bold=True) * _MM_PER_PT
            paragraphs.append(self._rule(max(min(line_mm, text_mm) * 0.4, 20), text_mm))
        paragraphs.append(ParagraphSpec(style=BODY_STYLE, space_before_pt=6))
        self.add_paragraphs(paragraphs)

    def add_closing(
        self, recipients: Sequence[str], signer: Signer | None, *, archive: str = ""
    ) -> None:
        """The "Nơi nhận:" block (left) beside the signature block (right).

        Recipients are listed one per line as "- name;"; the list ends with
        "- Lưu: VT, <archive>." where ``archive`` names the drafting unit and copies.
        """
        width = self.text_width_mm
        left_mm = round(width * 0.45, 1)
        right_mm = width - left_mm
        widths = [mm_to_twips(left_mm), mm_to_twips(right_mm)]

        left = [
            ParagraphSpec(
                RECIPIENTS_LABEL,
                style=RECIPIENTS_STYLE,
                bold=True,
                italic=True,
                size_pt=RECIPIENTS_LABEL_PT,
            )
        ]
        for line in recipient_lines(recipients, archive):
            left.append(ParagraphSpec(line, style=RECIPIENTS_STYLE))

        right: list[ParagraphSpec] = []
        if signer is not None:
            for line in (signer.authority, signer.position):
                if line.strip():
                    right.append(
                        ParagraphSpec(vietnamese_upper(line).strip(), style=SIGNATURE_STYLE)
                    )
            # Room for the signature and the seal.
            right.append(
                ParagraphSpec(signer_name(signer.name), style=SIGNATURE_STYLE, space_before_pt=72)
            )

        def cell(index: int, paragraphs: Sequence[ParagraphSpec]) -> str:
            return _cell_xml(widths[index], [paragraph_xml(p) for p in paragraphs])

        rows = [_row_xml([cell(0, left), cell(1, right)], cant_split=True)]
        self.add_paragraph(ParagraphSpec(style=BODY_STYLE, space_before_pt=6, keep_next=True))
        self._append(_table_xml(widths, rows, borders=False, cell_margin_mm=0.5))

    def add_table(
        self,
        columns: Sequence[TableColumn],
        rows: Iterable[TableRow],
        *,
        repeat_header: bool = True,
        group_shade: str = "F2F2F2",
    ) -> None:
        """A bordered table filling the text width, with the column titles as a header
        row that Word repeats at the top of every page."""
        widths = fit_column_widths(columns, self.text_width_mm, DATA_CELL_MARGIN_MM)
        full_width = sum(widths)
        header_cells = [
            _cell_xml(
                width,
                _text_paragraphs(column.title, style=TABLE_HEADING_STYLE, align="center"),
                valign="center",
            )
            for width, column in zip(widths, columns, strict=True)
        ]
        rows_xml = [_row_xml(header_cells, header=repeat_header, cant_split=True)]
        for row in rows:
            if isinstance(row, MergedRow):
                paragraphs = [
                    paragraph_xml(
                        ParagraphSpec(line, style=TABLE_TEXT_STYLE, bold=True, keep_next=True)
                    )
                    for line in clean_text(row.text).split("\n")
                ]
                cell = _cell_xml(full_width, paragraphs, span=len(columns), shade=group_shade)
                rows_xml.append(_row_xml([cell], cant_split=True))
                continue
            bold = True if isinstance(row, BoldRow) else None
            texts = row.cells if isinstance(row, BoldRow) else row
            if len(texts) != len(columns):
                raise ValueError(f"row has {len(texts)} cells, table has {len(columns)} columns")
            cells = [
                _cell_xml(
                    width,
                    _text_paragraphs(text, style=TABLE_TEXT_STYLE, align=column.align, bold=bold),
                )
                for width, column, text in zip(widths, columns, texts, strict=True)
            ]
            # A row split across pages can leave a lone word on the next page.
            rows_xml.append(_row_xml(cells, cant_split=True))
        self._append(_table_xml(widths, rows_xml, borders=True, cell_margin_mm=DATA_CELL_MARGIN_MM))

    # -- output --

    def set_properties(
        self,
        *,
        title: str,
        author: str,
        date: datetime.date,
        subject: str = "",
        keywords: str = "",
    ) -> None:
        """Core properties; the timestamps come from the document date rather than the
        clock so the output is reproducible."""
        props = self._document.core_properties
        props.title = clean_text(title)
        props.author = clean_text(author)
        props.last_modified_by = clean_text(author)
        props.subject = clean_text(subject)
        props.keywords = clean_text(keywords)
        props.comments = ""
        props.language = LANGUAGE_TAG
        props.revision = 1
        moment = datetime.datetime(date.year, date.month, date.day)
        props.created = moment
        props.modified = moment
        self._date = date

    def to_bytes(self) -> bytes:
        buffer = io.BytesIO()
        self._document.save(buffer)
        # Without a document date the zip epoch keeps the output reproducible.
        return normalize_zip(buffer.getvalue(), self._date or datetime.date(1980, 1, 1))


def _same_text_key(text: str) -> str:
    return " ".join(text.casefold().split())


def recipient_lines(recipients: Sequence[str], archive: str = "") -> list[str]:
    """Recipient lines in Decree 30 form: "- name;" each, closed by "- Lưu: VT, ....".

    A recipient or archive entry given twice is listed once, and "VT" is not repeated
    after the prefix that already holds it.
    """
    lines: list[str] = []
    seen: set[str] = set()
    for recipient in recipients:
        text = clean_text(recipient).strip().lstrip("-").strip().rstrip(";,.")
        if text and _same_text_key(text) not in seen:
            seen.add(_same_text_key(text))
            lines.append(f"- {text};")
    entries: list[str] = []
    kept = {_same_text_key(ARCHIVE_PREFIX.rsplit(" ", 1)[-1])}
    for entry in clean_text(archive).strip().rstrip(".").split(","):
        entry = entry.strip()
        if entry and _same_text_key(entry) not in kept:
            kept.add(_same_text_key(entry))
            entries.append(entry)
    lines.append(f"- {', '.join([ARCHIVE_PREFIX, *entries])}.")
    return lines
