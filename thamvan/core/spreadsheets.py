"""Reading an uploaded spreadsheet within a bound of rows and of time.

An importer's row cap counted only the rows with data, so a small file whose
sheet ran to a million blank rows (or whose dimension claimed so: openpyxl's
read-only mode fills the gap with blank rows) kept a worker busy for minutes.
Every row read counts here, blank or not, and a deadline stops a slow read.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from typing import TypeVar

from django.conf import settings
from django.utils.formats import number_format
from django.utils.translation import gettext as _

T = TypeVar("T")

# Blank rows tolerated beyond an importer's cap: gaps between rows, a header,
# formatting left below the data.
BLANK_ROW_MARGIN = 1000


class SheetTooLarge(Exception):
    """Reading stopped at a bound; the message says which and what to do."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def read_seconds() -> float:
    return float(getattr(settings, "SPREADSHEET_READ_SECONDS", 20))


def too_many_rows_message(max_rows: int) -> str:
    return _(
        "The sheet has more than %(max)s rows, empty rows included. Delete the empty rows "
        "below the data, or split the file into files of at most %(max)s rows."
    ) % {"max": number_format(max_rows, force_grouping=True)}


def too_slow_message() -> str:
    return _(
        "Reading the file took longer than %(seconds)s seconds. Delete the empty rows and "
        "columns around the data, or split the file, and import it again."
    ) % {"seconds": number_format(read_seconds(), decimal_pos=0)}


def bounded_rows(rows: Iterable[T], *, max_rows: int) -> Iterator[tuple[int, T]]:
    """(row number from 1, row) for every row, blank ones included.

    Raises SheetTooLarge past ``max_rows`` and a margin of blank rows, or once
    the read has taken ``SPREADSHEET_READ_SECONDS``.
    """
    deadline = time.monotonic() + read_seconds()
    limit = max_rows + BLANK_ROW_MARGIN
    for number, row in enumerate(rows, start=1):
        if number > limit:
            raise SheetTooLarge(too_many_rows_message(max_rows))
        if time.monotonic() >= deadline:
            raise SheetTooLarge(too_slow_message())
        yield number, row
