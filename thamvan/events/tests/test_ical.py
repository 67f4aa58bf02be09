from __future__ import annotations

from datetime import UTC, datetime

from thamvan.events.ical import escape_text, fold_line


def test_text_escapes_backslash_semicolon_comma_and_newline() -> None:
    assert escape_text("a\\b;c,d\ne") == "a\\\\b\\;c\\,d\\ne"


def test_long_lines_fold_at_75_octets_without_splitting_a_character() -> None:
    line = "SUMMARY:" + "Hội thảo quy hoạch đô thị Hà Nội " * 6
    folded = fold_line(line)
    pieces = folded.split("\r\n")
    assert len(pieces) > 1
    assert all(len(piece.encode("utf-8")) <= 75 for piece in pieces)
    assert all(piece.startswith(" ") for piece in pieces[1:])
    assert "".join(p[1:] if i else p for i, p in enumerate(pieces)) == line


def test_a_short_line_is_left_alone() -> None:
    assert fold_line("VERSION:2.0") == "VERSION:2.0"


def test_times_are_written_in_utc() -> None:
    from zoneinfo import ZoneInfo

    from thamvan.events.ical import utc_stamp

    local = datetime(2026, 3, 5, 8, 30, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
    assert utc_stamp(local) == "20260305T013000Z"
    assert utc_stamp(datetime(2026, 3, 5, 1, 30, tzinfo=UTC)) == "20260305T013000Z"
