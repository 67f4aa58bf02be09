"""Form pieces every app shares."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator

# The days a person can mean. Beyond them date arithmetic (a day added to
# 9999-12-31, a time zone applied to 0001-01-01) overflows; the API's schemas
# use the same bounds.
FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2999, 12, 31)

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class DateField(forms.DateField):
    """A date between FIRST_DAY and LAST_DAY, entered with the browser's date picker."""

    widget = DATE_INPUT

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.validators += [MinValueValidator(FIRST_DAY), MaxValueValidator(LAST_DAY)]
