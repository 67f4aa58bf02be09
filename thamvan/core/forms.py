"""Form pieces every app shares."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

from thamvan.core.widgets import DATE_INPUT_FORMATS, TIME_INPUT_FORMATS, DateInput, TimeInput

# The days a person can mean. Beyond them date arithmetic (a day added to
# 9999-12-31, a time zone applied to 0001-01-01) overflows; the API's schemas
# use the same bounds.
FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2999, 12, 31)

DATE_INVALID = _("Enter the date as dd/mm/yyyy, for example 05/03/2026.")


class DateField(forms.DateField):
    """A date between FIRST_DAY and LAST_DAY, typed as dd/mm/yyyy (ISO accepted too)."""

    widget = DateInput
    default_error_messages = {"invalid": DATE_INVALID}

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("input_formats", DATE_INPUT_FORMATS)
        super().__init__(**kwargs)
        self.validators += [MinValueValidator(FIRST_DAY), MaxValueValidator(LAST_DAY)]


TIME_INVALID = _("Enter the time as hh:mm on the 24-hour clock, for example 14:30.")


class TimeField(forms.TimeField):
    """A time of day typed as HH:MM on the 24-hour clock (14.30 and 14h30 accepted too)."""

    widget = TimeInput
    default_error_messages = {"invalid": TIME_INVALID}

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("input_formats", TIME_INPUT_FORMATS)
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> Any:
        # "14H30" is as good as "14h30".
        return super().to_python(value.strip().lower() if isinstance(value, str) else value)
