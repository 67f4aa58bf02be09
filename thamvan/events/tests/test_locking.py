"""Two people editing the same workshop: the second is told, and keeps what they typed."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from thamvan.events.tests.factories import WorkshopFactory
from thamvan.programme.tests.forms import clash, form_data

pytestmark = pytest.mark.django_db


def test_a_workshop_edited_in_two_places_keeps_the_first_save_and_the_second_input(
    as_user: Any, secretariat: Any, admin_user: Any, orgs: Any
) -> None:
    workshop = WorkshopFactory.create(host=orgs.association, topic="Hội thảo quy hoạch Thủ đô")
    url = reverse("events:edit", args=[workshop.pk])
    second = as_user(admin_user)
    response = clash(
        url,
        as_user(secretariat),
        second,
        mine={"topic": "Hội thảo quy hoạch Thủ đô tầm nhìn 2065"},
        theirs={"agenda": "Khai mạc\nTham luận của Viện Quy hoạch"},
    )
    assert "Tham luận của Viện Quy hoạch" in response.content.decode()
    workshop.refresh_from_db()
    assert workshop.topic == "Hội thảo quy hoạch Thủ đô tầm nhìn 2065"
    assert workshop.agenda == ""
    assert workshop.lock_version == 1
    assert second.post(url, form_data(response)).status_code == 302
    workshop.refresh_from_db()
    assert workshop.agenda_items() == ["Khai mạc", "Tham luận của Viện Quy hoạch"]
    assert workshop.lock_version == 2
