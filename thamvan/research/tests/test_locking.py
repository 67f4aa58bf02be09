"""Two people editing the same research topic: the second is told, and keeps what they typed."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from thamvan.programme.tests.forms import clash, form_data
from thamvan.research.tests.factories import TopicFactory

pytestmark = pytest.mark.django_db


def test_a_topic_edited_in_two_places_keeps_the_first_save_and_the_second_input(
    as_user: Any, secretariat: Any, admin_user: Any, orgs: Any
) -> None:
    topic = TopicFactory.create(commissioning_organization=orgs.department)
    url = reverse("research:edit", args=[topic.pk])
    second = as_user(admin_user)
    response = clash(
        url,
        as_user(secretariat),
        second,
        mine={"title": "Nghiên cứu không gian xanh (sửa)"},
        theirs={"summary": "Tóm tắt do người thứ hai nhập"},
    )
    assert "Tóm tắt do người thứ hai nhập" in response.content.decode()
    topic.refresh_from_db()
    assert topic.title == "Nghiên cứu không gian xanh (sửa)"
    assert topic.summary == ""
    assert topic.lock_version == 1
    assert second.post(url, form_data(response)).status_code == 302
    topic.refresh_from_db()
    assert topic.summary == "Tóm tắt do người thứ hai nhập"
    assert topic.lock_version == 2
