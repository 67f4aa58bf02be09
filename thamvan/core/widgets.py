"""Widgets every app's forms share: dd/mm/yyyy dates, HH:MM times and searchable pickers.

The pickers are plain ``<select>`` elements marked ``data-picker``;
``static/js/pickers.js`` turns them into Tom Select controls (the library's
files come from the django-tomselect package). Without script they stay
ordinary selects, so every form still works.
"""

from __future__ import annotations

import copy
from datetime import datetime, time
from typing import Any

from django import forms
from django.forms.models import ModelChoiceIterator
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

# The formats a person types; ISO is accepted too because browsers autofill it
# and links carry it, but dates always display as dd/mm/yyyy.
DATE_DISPLAY_FORMAT = "%d/%m/%Y"
DATE_INPUT_FORMATS = [DATE_DISPLAY_FORMAT, "%Y-%m-%d"]
DATE_PATTERN = r"\d{1,2}/\d{1,2}/\d{4}|\d{4}-\d{2}-\d{2}"


class DateInput(forms.DateInput):
    """A text box for dd/mm/yyyy: ``type=date`` follows the browser's locale (mm/dd/yyyy)."""

    input_type = "text"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        defaults = {
            "placeholder": _("dd/mm/yyyy"),
            "inputmode": "numeric",
            "pattern": DATE_PATTERN,
            "title": _("A date as dd/mm/yyyy, for example 05/03/2026."),
            "autocomplete": "off",
            "size": 10,
        }
        super().__init__(attrs={**defaults, **(attrs or {})}, format=DATE_DISPLAY_FORMAT)

    def format_value(self, value: Any) -> str | None:
        # A bound form echoes what was typed: a date typed as ISO or without
        # leading zeros comes back as dd/mm/yyyy, anything else as typed.
        if isinstance(value, str):
            for input_format in DATE_INPUT_FORMATS:
                try:
                    value = datetime.strptime(value.strip(), input_format).date()
                    break
                except ValueError:
                    continue
        return super().format_value(value)


# A time on the 24-hour clock; "14.30" and "14h30" are how people also write it.
TIME_DISPLAY_FORMAT = "%H:%M"
TIME_INPUT_FORMATS = [TIME_DISPLAY_FORMAT, "%H.%M", "%Hh%M", "%H:%M:%S"]
TIME_PATTERN = r"\d{1,2}[:.hH]\d{2}(:\d{2})?"


class TimeInput(forms.TimeInput):
    """A text box for HH:MM: ``type=time`` shows AM/PM in some browsers' locales."""

    input_type = "text"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        defaults = {
            "placeholder": _("hh:mm"),
            "inputmode": "numeric",
            "pattern": TIME_PATTERN,
            "title": _("A time on the 24-hour clock as hh:mm, for example 14:30."),
            "autocomplete": "off",
            "size": 5,
        }
        super().__init__(attrs={**defaults, **(attrs or {})}, format=TIME_DISPLAY_FORMAT)

    def format_value(self, value: Any) -> str | None:
        # As DateInput: a time typed another accepted way comes back as HH:MM,
        # anything else exactly as typed.
        if isinstance(value, str):
            for input_format in TIME_INPUT_FORMATS:
                try:
                    value = datetime.strptime(value.strip().lower(), input_format).time()
                    break
                except ValueError:
                    continue
        if isinstance(value, time):
            return value.strftime(TIME_DISPLAY_FORMAT)
        return super().format_value(value)


def _picker_attrs(attrs: dict[str, Any] | None) -> dict[str, Any]:
    # Tom Select's own words are English; the page hands it translated ones.
    return {
        "data-picker": "",
        "data-picker-placeholder": _("Type to search"),
        "data-picker-no-results": _("No match"),
        "data-picker-remove": _("Remove"),
        **(attrs or {}),
    }


class PickerSelect(forms.Select):
    """A select with a search box, for lists short enough to send whole."""

    def __init__(self, attrs: dict[str, Any] | None = None, choices: Any = ()) -> None:
        super().__init__(_picker_attrs(attrs), choices)


class PickerSelectMultiple(forms.SelectMultiple):
    """A multiple select with a search box and removable chips instead of Ctrl-click."""

    def __init__(self, attrs: dict[str, Any] | None = None, choices: Any = ()) -> None:
        super().__init__(_picker_attrs(attrs), choices)


class RemotePickerMixin:
    """Render only the chosen options; the rest come from ``url_name`` as the user types.

    For lists that are long or that the user may see only in part: the page never
    carries the whole list, and the endpoint applies the access rules.
    """

    url_name: str
    choices: Any

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        widget = copy.copy(self)
        widget.choices = self._chosen(value)
        attrs = {**(attrs or {}), "data-picker-url": reverse(self.url_name)}
        return super(RemotePickerMixin, widget).get_context(name, value, attrs)  # type: ignore[misc]

    def _chosen(self, value: Any) -> list[tuple[Any, Any]]:
        if not isinstance(self.choices, ModelChoiceIterator):
            return list(self.choices)
        field = self.choices.field
        values = value if isinstance(value, list | tuple) else [value]
        # Bound data may hold anything; only whole numbers can name a row.
        wanted = [str(v) for v in values if v is not None and str(v).isdigit()]
        chosen: list[tuple[Any, Any]] = []
        if field.empty_label is not None:
            chosen.append(("", field.empty_label))
        if wanted and field.queryset is not None:
            chosen += [
                (field.prepare_value(obj), field.label_from_instance(obj))
                for obj in field.queryset.filter(pk__in=wanted)
            ]
        return chosen


class ExpertPicker(RemotePickerMixin, PickerSelect):
    url_name = "experts:pick"


class ExpertPickerMultiple(RemotePickerMixin, PickerSelectMultiple):
    url_name = "experts:pick"


class ColleaguePicker(RemotePickerMixin, PickerSelect):
    """Any active expert, by name only: for an expert naming another in a declaration."""

    url_name = "experts:pick_colleague"


class DossierPicker(RemotePickerMixin, PickerSelect):
    url_name = "dossiers:pick"
