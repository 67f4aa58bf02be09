"""Posting back a form as the browser would, for the two-client locking tests."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.test import Client
from django.utils import timezone

from thamvan.core.locking import CONFLICT_MESSAGE


def _posted(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, datetime):
        # A bound form gives back the local time it parsed, without a zone.
        local = timezone.localtime(value) if timezone.is_aware(value) else value
        return local.strftime("%Y-%m-%dT%H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [str(getattr(v, "pk", v)) for v in value]
    return getattr(value, "pk", value)


def form_data(response: Any, **changes: Any) -> dict[str, Any]:
    """The values the page's form shows (what a browser would send back), with changes."""
    form = response.context["form"]
    data = {name: _posted(form[name].value()) for name in form.fields}
    data.update(changes)
    return data


def clash(
    url: str, first: Client, second: Client, mine: dict[str, Any], theirs: dict[str, Any]
) -> Any:
    """Open the form in both clients, save ``mine`` in the first, then ``theirs`` in the second."""
    first_page, second_page = first.get(url), second.get(url)
    assert first_page.status_code == second_page.status_code == 200
    saved = first.post(url, form_data(first_page, **mine))
    assert saved.status_code == 302, saved.context["form"].errors
    response = second.post(url, form_data(second_page, **theirs))
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [str(CONFLICT_MESSAGE)]
    return response
