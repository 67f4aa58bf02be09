"""The workshop form: start and end typed as a dd/mm/yyyy day and a 24-hour HH:MM time,
whatever the browser's locale, read as Hanoi time."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils.html import escape

from thamvan.core.forms import DATE_INVALID, TIME_INVALID
from thamvan.events.forms import ENDS_BEFORE_START
from thamvan.events.models import Workshop
from thamvan.events.tests.factories import WorkshopFactory

pytestmark = pytest.mark.django_db

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
CREATE = reverse("events:create")


def _data(orgs: Any, **changes: str) -> dict[str, Any]:
    return {
        "kind": "workshop",
        "topic": "Hội thảo giao thông công cộng",
        "start_date": "05/03/2030",
        "start_time": "08:30",
        "end_time": "11:30",
        "venue": "37 Lê Đại Hành",
        "host": orgs.association.pk,
        **changes,
    }


def test_the_form_has_text_boxes_for_dd_mm_yyyy_and_hh_mm_not_the_browser_s_pickers(
    as_user: Any, secretariat: Any
) -> None:
    page = as_user(secretariat).get(CREATE).text
    assert "datetime-local" not in page
    assert 'type="date"' not in page and 'type="time"' not in page
    for name in ("start_date", "end_date"):
        assert f'name="{name}"' in page
    assert page.count('inputmode="numeric"') == 4
    assert 'placeholder="hh:mm"' in page or 'placeholder="gg:pp"' in page
    assert '<label for="id_start_time">' in page


@pytest.mark.parametrize(
    ("start_time", "end_time", "end_date"),
    [("08:30", "11:30", ""), ("8.30", "11h30", ""), ("08:30", "11:30", "05/03/2030")],
)
def test_a_start_and_an_end_are_saved_as_hanoi_time(
    as_user: Any, secretariat: Any, orgs: Any, start_time: str, end_time: str, end_date: str
) -> None:
    data = _data(orgs, start_time=start_time, end_time=end_time, end_date=end_date)
    response = as_user(secretariat).post(CREATE, data)
    assert response.status_code == 302
    workshop = Workshop.objects.get()
    assert workshop.starts_at == datetime(2030, 3, 5, 8, 30, tzinfo=HANOI)
    assert workshop.ends_at == datetime(2030, 3, 5, 11, 30, tzinfo=HANOI)


def test_a_workshop_over_several_days_has_an_end_date(
    as_user: Any, secretariat: Any, orgs: Any
) -> None:
    data = _data(orgs, end_date="2030-03-06", end_time="17:00")
    assert as_user(secretariat).post(CREATE, data).status_code == 302
    assert Workshop.objects.get().ends_at == datetime(2030, 3, 6, 17, 0, tzinfo=HANOI)


@pytest.mark.parametrize(
    ("field", "typed", "message"),
    [
        ("start_date", "31/02/2030", DATE_INVALID),
        ("start_date", "03/15/2030", DATE_INVALID),
        ("start_time", "8:30 PM", TIME_INVALID),
        ("start_time", "25:00", TIME_INVALID),
        ("end_time", "chiều", TIME_INVALID),
    ],
)
def test_bad_input_gets_the_format_and_keeps_what_was_typed(
    as_user: Any, secretariat: Any, orgs: Any, field: str, typed: str, message: Any
) -> None:
    response = as_user(secretariat).post(CREATE, _data(orgs, **{field: typed}))
    assert response.status_code == 200
    assert response.context["form"].errors[field] == [str(message)]
    assert escape(str(message)) in response.text
    assert f'value="{escape(typed)}"' in response.text
    # The other fields keep what was typed too, and nothing was saved.
    assert 'value="Hội thảo giao thông công cộng"' in response.text
    assert not Workshop.objects.exists()


def test_an_end_before_the_start_is_refused_on_the_end(
    as_user: Any, secretariat: Any, orgs: Any
) -> None:
    response = as_user(secretariat).post(CREATE, _data(orgs, end_time="07:00"))
    assert response.context["form"].errors["end_time"] == [str(ENDS_BEFORE_START)]
    response = as_user(secretariat).post(
        CREATE, _data(orgs, end_date="04/03/2030", end_time="17:00")
    )
    assert response.context["form"].errors["end_date"] == [str(ENDS_BEFORE_START)]
    assert 'value="04/03/2030"' in response.text
    assert not Workshop.objects.exists()


def test_missing_times_are_refused_by_field(as_user: Any, secretariat: Any, orgs: Any) -> None:
    response = as_user(secretariat).post(CREATE, _data(orgs, start_time="", end_time=""))
    errors = response.context["form"].errors
    assert set(errors) == {"start_time", "end_time"}
    assert not Workshop.objects.exists()


def test_editing_shows_the_stored_times_in_hanoi_as_dd_mm_yyyy_and_hh_mm(
    as_user: Any, secretariat: Any, orgs: Any
) -> None:
    workshop = WorkshopFactory.create(
        host=orgs.association,
        starts_at=datetime(2030, 3, 5, 1, 30, tzinfo=ZoneInfo("UTC")),
        ends_at=datetime(2030, 3, 6, 10, 0, tzinfo=HANOI),
    )
    page = as_user(secretariat).get(reverse("events:edit", args=[workshop.pk])).text
    assert 'name="start_date" value="05/03/2030"' in page
    assert 'name="start_time" value="08:30"' in page
    assert 'name="end_date" value="06/03/2030"' in page
    assert 'name="end_time" value="10:00"' in page
