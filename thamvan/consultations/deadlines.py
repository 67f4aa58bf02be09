"""Answer deadlines from dated configuration (DESIGN §4).

The default, 15 days from receipt of the complete dossier, is Law 47/2024/QH15
Art. 37(6); ``DeadlineRule`` rows override it from their date on. Working days
skip weekends and Vietnamese public holidays from the ``holidays`` package.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

import holidays

from thamvan.consultations.models import DayKind, DeadlineRule

DEFAULT_DAYS = 15
DEFAULT_DAY_KIND = DayKind.CALENDAR
DEFAULT_REMINDERS = (3, 1)
DEFAULT_LEGAL_BASIS = "Luật Quy hoạch đô thị và nông thôn số 47/2024/QH15, khoản 6 Điều 37"


@dataclass(frozen=True)
class Rule:
    days: int
    day_kind: str
    reminders: tuple[int, ...]
    legal_basis: str


def rule_on(day: date) -> Rule:
    """The rule in force on the day: the latest row valid from it, else the shipped default."""
    row = DeadlineRule.objects.filter(valid_from__lte=day).order_by("-valid_from").first()
    if row is None:
        return Rule(DEFAULT_DAYS, DEFAULT_DAY_KIND, DEFAULT_REMINDERS, DEFAULT_LEGAL_BASIS)
    return Rule(row.days, row.day_kind, tuple(row.reminder_offsets), row.legal_basis)


@lru_cache(maxsize=16)
def _vn_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("VN", years=year).keys())


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _vn_holidays(day.year)


def add_days(start: date, days: int, day_kind: str) -> date:
    """The deadline ``days`` after ``start``; with working days, only those count."""
    if day_kind != DayKind.WORKING:
        return start + timedelta(days=days)
    current = start
    counted = 0
    while counted < days:
        current += timedelta(days=1)
        if is_working_day(current):
            counted += 1
    return current


def working_days_before(end: date, days: int) -> date:
    """The working day ``days`` working days before ``end`` (``end`` itself for 0)."""
    current = end
    counted = 0
    while counted < days:
        current -= timedelta(days=1)
        if is_working_day(current):
            counted += 1
    return current
