"""iCalendar (RFC 5545) text for workshops, written by hand.

Lines end in CRLF and are folded at 75 octets (never inside a UTF-8
sequence); times are UTC; TEXT values escape backslash, semicolon, comma and
newline (§3.3.11).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from django.conf import settings

from thamvan.events.models import Workshop

CRLF = "\r\n"
LINE_OCTETS = 75


def escape_text(value: str) -> str:
    return (
        value.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def fold_line(line: str) -> str:
    """Split a content line into 75-octet pieces joined by CRLF and a space."""
    pieces: list[str] = []
    current = ""
    size = 0
    # Continuation lines begin with a space, which counts toward their 75 octets.
    limit = LINE_OCTETS
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            pieces.append(current)
            current, size, limit = "", 0, LINE_OCTETS - 1
        current += char
        size += width
    pieces.append(current)
    return (CRLF + " ").join(pieces)


def utc_stamp(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _host() -> str:
    return settings.SITE_URL.split("://", 1)[-1].split("/", 1)[0] or "thamvan"


def _event(workshop: Workshop, now: datetime, with_url: bool) -> list[str]:
    location = workshop.venue or workshop.online_url
    description = workshop.description
    if workshop.agenda_items():
        description = "\n".join([description, *workshop.agenda_items()]).strip()
    url = f"{settings.SITE_URL}{workshop.get_absolute_url()}"
    lines = [
        "BEGIN:VEVENT",
        f"UID:workshop-{workshop.pk}@{_host()}",
        f"DTSTAMP:{utc_stamp(now)}",
        f"DTSTART:{utc_stamp(workshop.starts_at)}",
        f"DTEND:{utc_stamp(workshop.ends_at)}",
        f"SUMMARY:{escape_text(workshop.topic)}",
        *([f"URL:{url}"] if with_url else []),
        f"STATUS:{'CANCELLED' if workshop.status == Workshop.Status.CANCELLED else 'CONFIRMED'}",
    ]
    if location:
        lines.append(f"LOCATION:{escape_text(location)}")
    if description:
        lines.append(f"DESCRIPTION:{escape_text(description)}")
    lines.append("END:VEVENT")
    return lines


def calendar(
    workshops: Iterable[Workshop], *, name: str, now: datetime, with_url: bool = True
) -> str:
    """The workshops as one calendar; ``with_url=False`` leaves out the link to the
    workshop's page, which a guest without an account cannot open."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//thamvan//workshops//VI",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape_text(name)}",
    ]
    for workshop in workshops:
        lines.extend(_event(workshop, now, with_url))
    lines.append("END:VCALENDAR")
    return "".join(fold_line(line) + CRLF for line in lines)
