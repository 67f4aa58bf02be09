"""The Vietnamese catalogue uses the words of the glossary (docs/glossary.md).

The table reads the compiled catalogue through Django's translation machinery,
so a message that loses its context, or a translation that drifts, fails here.
The scans read the source catalogue, entry by entry.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext, pgettext

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "vi" / "LC_MESSAGES" / "django.po"

# (context, English msgid, Vietnamese the glossary prescribes); None: no context.
GLOSSARY: list[tuple[str | None, str, str]] = [
    # Consultation (one round) and its states.
    (None, "Draft", "Bản nháp"),
    (None, "Sent", "Đã gửi"),
    ("request", "Accepted", "Đã tiếp nhận"),
    ("request", "Accept", "Tiếp nhận"),
    ("request", "Title", "Trích yếu"),
    (None, "Returned", "Đã trả lại"),
    (None, "Forming the panel", "Đang thành lập tổ chuyên gia"),
    (None, "In review", "Đang lấy ý kiến chuyên gia"),
    (None, "Start the review", "Bắt đầu lấy ý kiến chuyên gia"),
    (None, "Synthesising", "Đang tổng hợp"),
    (None, "Reported", "Đã ban hành báo cáo"),
    (None, "Responding", "Đang tiếp thu, giải trình"),
    (None, "Closed", "Đã kết thúc"),
    (None, "Withdrawn", "Đã rút"),
    (None, "Withdraw", "Rút phiếu xin ý kiến"),
    (None, "Round", "Lần xin ý kiến"),
    (None, "Lead agency", "Cơ quan tổ chức lập"),
    (None, "Calendar days", "Ngày theo lịch (kể cả ngày nghỉ)"),
    (None, "Working days", "Ngày làm việc"),
    (None, "Deadline", "Thời hạn"),
    (None, "Overdue", "Quá hạn"),
    (None, "Secretariat", "Văn phòng Hội"),
    # Panel invitations: an expert accepts (nhận lời) a letter (lời mời).
    ("invitation", "Accepted", "Đã nhận lời"),
    ("invitation", "Accept", "Nhận lời"),
    ("invitation", "invitation", "lời mời"),
    ("invitation", "invitations", "lời mời"),
    ("invitation", "Send the invitations", "Gửi lời mời"),
    ("invitation", "The invitations were sent.", "Đã gửi lời mời."),
    (None, "Invited", "Đã mời"),
    (None, "Declined", "Đã từ chối"),
    (None, "Expired", "Đã hết hạn"),
    (None, "Expert panel", "Tổ chuyên gia"),
    (None, "Chair", "Tổ trưởng"),
    (None, "Senior", "Có học hàm (GS., PGS.)"),
    (None, "Matching", "Lựa chọn chuyên gia"),
    (None, "Unavailable periods", "Thời gian không thể tham gia"),
    # Opinions.
    (None, "Submitted", "Đã gửi"),
    (None, "Verdict", "Đánh giá chung"),
    (None, "Overall verdict", "Đánh giá chung"),
    (None, "Agree", "Nhất trí"),
    (None, "Agree with conditions", "Nhất trí có điều kiện"),
    (None, "Disagree", "Không nhất trí"),
    (None, "Amend", "Sửa đổi, bổ sung ý kiến"),
    (None, "Concerns", "Hạng mục được góp ý"),
    (None, "Blind review", "Góp ý độc lập"),
    (None, "Record an opinion received", "Nhập ý kiến đã nhận (văn bản giấy, thư điện tử)"),
    # The agency's answers: accepted in full, in part, or explained and not accepted.
    ("response", "Accepted", "Tiếp thu"),
    (None, "Partly accepted", "Tiếp thu một phần"),
    (None, "Explained, not accepted", "Giải trình, không tiếp thu"),
    ("response", "answered by", "người tiếp thu, giải trình"),
    (None, "Response table", "Bảng tổng hợp, tiếp thu, giải trình ý kiến"),
    # Research: "nghiệm thu" is acceptance on completion, and only that.
    ("research", "Accepted", "Đã nghiệm thu"),
    ("research", "Title", "Tên đề tài"),
    ("research output", "Title", "Tên sản phẩm"),
    (None, "Approved", "Đã phê duyệt"),
    (None, "Rejected", "Không được chấp thuận"),
    # Workshops: a meeting invitation is a giấy mời.
    ("workshop", "Planned", "Dự kiến tổ chức"),
    ("workshop", "invitation", "giấy mời"),
    ("workshop", "invitations", "giấy mời"),
    ("workshop", "Send the invitations", "Gửi giấy mời"),
    ("workshop", "The invitations were sent.", "Đã gửi giấy mời."),
    (None, "Invitations sent", "Đã gửi giấy mời"),
    (None, "Agenda", "Chương trình hội thảo"),
    (None, "Events", "Hội thảo, tọa đàm"),
    # Tasks of the programme and of directives.
    ("task", "Planned", "Chưa triển khai"),
    (None, "In progress", "Đang thực hiện"),
    (None, "Subtasks", "Nhiệm vụ thành phần"),
    # Everything else that one English word covers.
    ("document", "Title", "Tên tài liệu"),
    ("expert", "Active", "Đang hoạt động"),
    ("specialty", "Active", "Đang sử dụng"),
    ("specialty", "Inactive", "Ngừng sử dụng"),
    ("token", "Active", "Còn hiệu lực"),
    ("dossier stage", "Consultation", "Lấy ý kiến"),
    (None, "Dashboard", "Trang tổng quan"),
    (None, "Audit", "Nhật ký thao tác"),
    (None, "Knowledge base", "Cơ sở tri thức"),
    (None, "days", "ngày"),
]

# The only entries allowed to say "nghiệm thu": research accepted on completion.
NGHIEM_THU_ALLOWED = {("research", "Accepted")}


@dataclass
class Entry:
    context: str | None
    msgid: str
    msgstrs: list[str] = field(default_factory=list)


def read_catalogue(path: Path) -> list[Entry]:
    """The entries of a .po file as makemessages writes it (no obsolete entries)."""
    entries: list[Entry] = []
    fields: dict[str, str] = {}
    last = ""

    def flush() -> None:
        if fields.get("msgid"):
            strs = [value for key, value in fields.items() if key.startswith("msgstr")]
            entries.append(Entry(fields.get("msgctxt"), fields["msgid"], strs))

    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            flush()
            fields, last = {}, ""
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            fields[last] += ast.literal_eval(line)
        else:
            last, _space, value = line.partition(" ")
            fields[last] = ast.literal_eval(value)
    flush()
    return entries


@pytest.fixture(scope="module")
def catalogue() -> list[Entry]:
    return read_catalogue(CATALOGUE)


@pytest.mark.parametrize(("context", "msgid", "expected"), GLOSSARY)
def test_each_term_uses_the_glossary_word_in_its_context(
    context: str | None, msgid: str, expected: str
) -> None:
    with translation.override("vi"):
        found = gettext(msgid) if context is None else pgettext(context, msgid)
    assert found == expected


def test_nghiem_thu_is_said_only_of_research_accepted_on_completion(
    catalogue: list[Entry],
) -> None:
    misused = [
        (entry.context, entry.msgid)
        for entry in catalogue
        if any("nghiệm thu" in text.lower() for text in entry.msgstrs)
        and (entry.context, entry.msgid) not in NGHIEM_THU_ALLOWED
    ]
    assert misused == []


def test_the_user_is_addressed_as_ong_ba_or_not_at_all(catalogue: list[Entry]) -> None:
    familiar = re.compile(r"\b(bạn|quý vị)\b|\bông/bà\b", re.IGNORECASE)
    wrong = [
        entry.msgid
        for entry in catalogue
        for text in entry.msgstrs
        # "Ông/Bà", both capitalised, is the one form of address.
        if familiar.search(text.replace("Ông/Bà", ""))
    ]
    assert wrong == []


def test_no_translation_formats_a_number_itself(catalogue: list[Entry]) -> None:
    # "%.2f" prints "0.71"; numbers arrive already localised ("0,71").
    float_format = re.compile(r"%(\(\w+\))?\.?\d*f")
    assert [e.msgid for e in catalogue if any(float_format.search(t) for t in e.msgstrs)] == []
