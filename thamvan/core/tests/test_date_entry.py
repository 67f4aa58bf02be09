"""Dates are typed as dd/mm/yyyy in every form, whatever the browser's locale."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from typing import Any

import pytest
from django import forms
from django.urls import reverse
from django.utils.html import escape

import thamvan
from thamvan.core.forms import DATE_INVALID
from thamvan.core.widgets import DateInput

DASHBOARD = reverse("dashboard:index")


def _form_classes() -> list[type[forms.BaseForm]]:
    for module in pkgutil.walk_packages(thamvan.__path__, "thamvan."):
        if module.name.endswith(".forms"):
            importlib.import_module(module.name)
    found: list[type[forms.BaseForm]] = []
    pending: list[type[forms.BaseForm]] = [forms.BaseForm]
    while pending:
        cls = pending.pop()
        for sub in cls.__subclasses__():
            pending.append(sub)
            if sub.__module__.startswith("thamvan.") and not inspect.isabstract(sub):
                found.append(sub)
    return found


def test_every_date_field_of_every_form_uses_the_dd_mm_yyyy_text_box() -> None:
    date_fields = [
        (cls.__qualname__, name, field)
        for cls in _form_classes()
        for name, field in getattr(cls, "base_fields", {}).items()
        if isinstance(field, forms.DateField) and not isinstance(field, forms.DateTimeField)
    ]
    assert len(date_fields) > 10
    for form, name, field in date_fields:
        assert isinstance(field.widget, DateInput), (form, name)
        assert field.widget.input_type == "text", (form, name)
        assert field.error_messages["invalid"] == DATE_INVALID, (form, name)


def test_a_date_filter_is_a_text_box_with_the_format_as_placeholder(
    as_user: Any, leadership: Any
) -> None:
    page = as_user(leadership).get(DASHBOARD).text
    assert 'type="date"' not in page
    assert 'name="start"' in page
    assert 'placeholder="dd/mm/yyyy"' in page or 'placeholder="nn/tt/nnnn"' in page
    assert 'inputmode="numeric"' in page


@pytest.mark.parametrize("typed", ["05/03/2026", "5/3/2026", "2026-03-05"])
def test_a_date_typed_as_dd_mm_yyyy_or_iso_is_accepted_and_shown_as_dd_mm_yyyy(
    as_user: Any, leadership: Any, typed: str
) -> None:
    response = as_user(leadership).get(DASHBOARD, {"start": typed})
    assert response.status_code == 200
    assert response.context["filters"].is_valid()
    assert str(response.context["scope"].start) == "2026-03-05"
    assert 'value="05/03/2026"' in response.text


@pytest.mark.parametrize("typed", ["31/02/2026", "03-05-2026", "mai"])
def test_a_date_that_is_not_one_is_refused_with_the_format_and_the_typed_text_kept(
    as_user: Any, leadership: Any, typed: str
) -> None:
    response = as_user(leadership).get(DASHBOARD, {"start": typed})
    assert response.status_code == 200
    assert response.context["filters"].errors["start"] == [str(DATE_INVALID)]
    assert escape(str(DATE_INVALID)) in response.text
    assert f'value="{escape(typed)}"' in response.text


def test_a_form_posted_with_a_dd_mm_yyyy_date_saves_that_day(
    as_user: Any, secretariat: Any
) -> None:
    from thamvan.research.tests.factories import TopicFactory

    topic = TopicFactory.create()
    response = as_user(secretariat).post(
        reverse("research:milestone_create", args=[topic.pk]),
        {"title": "Báo cáo giữa kỳ", "due_on": "05/03/2026"},
    )
    assert response.status_code == 302
    assert str(topic.milestones.get().due_on) == "2026-03-05"
