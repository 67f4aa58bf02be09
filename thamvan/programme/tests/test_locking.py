"""Two people editing the same programme, task or directive: the second is told, and keeps
what they typed."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from thamvan.core.locking import EditConflict
from thamvan.programme.models import Task
from thamvan.programme.services import task_update
from thamvan.programme.tests.factories import DirectiveFactory
from thamvan.programme.tests.forms import clash, form_data

pytestmark = pytest.mark.django_db


def test_a_programme_edited_in_two_places_keeps_the_first_save_and_the_second_input(
    as_user: Any, secretariat: Any, admin_user: Any, programme: Any
) -> None:
    url = reverse("programme:edit", args=[programme.pk])
    second = as_user(admin_user)
    response = clash(
        url,
        as_user(secretariat),
        second,
        mine={"name": "Chương trình hợp tác (bản sửa)"},
        theirs={"description": "Mô tả do người thứ hai nhập"},
    )
    assert "Mô tả do người thứ hai nhập" in response.content.decode()
    programme.refresh_from_db()
    assert programme.name == "Chương trình hợp tác (bản sửa)"
    assert programme.description == ""
    assert programme.lock_version == 1
    retry = second.post(url, form_data(response))
    assert retry.status_code == 302
    programme.refresh_from_db()
    assert programme.description == "Mô tả do người thứ hai nhập"
    assert programme.lock_version == 2


def test_a_task_edited_in_two_places_keeps_the_first_save_and_the_second_input(
    as_user: Any, secretariat: Any, admin_user: Any, department_task: Any
) -> None:
    url = reverse("programme:task_edit", args=[department_task.pk])
    second = as_user(admin_user)
    response = clash(
        url,
        as_user(secretariat),
        second,
        mine={"title": "Rà soát quy hoạch phân khu N9 (sửa)"},
        theirs={"description": "Phối hợp với Viện Quy hoạch"},
    )
    assert "Phối hợp với Viện Quy hoạch" in response.content.decode()
    department_task.refresh_from_db()
    assert department_task.title == "Rà soát quy hoạch phân khu N9 (sửa)"
    assert department_task.description == ""
    assert second.post(url, form_data(response)).status_code == 302
    department_task.refresh_from_db()
    assert department_task.description == "Phối hợp với Viện Quy hoạch"
    assert department_task.lock_version == 2


def test_a_directive_edited_in_two_places_keeps_the_first_save_and_the_second_input(
    as_user: Any, secretariat: Any, admin_user: Any
) -> None:
    directive = DirectiveFactory.create()
    url = reverse("programme:directive_edit", args=[directive.pk])
    second = as_user(admin_user)
    response = clash(
        url,
        as_user(secretariat),
        second,
        mine={"issuer": "Văn phòng Thành ủy"},
        theirs={"summary": "Tóm tắt do người thứ hai nhập"},
    )
    assert "Tóm tắt do người thứ hai nhập" in response.content.decode()
    directive.refresh_from_db()
    assert directive.issuer == "Văn phòng Thành ủy"
    assert directive.summary == ""
    assert second.post(url, form_data(response)).status_code == 302
    directive.refresh_from_db()
    assert directive.summary == "Tóm tắt do người thứ hai nhập"
    assert directive.lock_version == 2


def test_an_edit_without_a_version_still_makes_an_older_form_conflict(
    secretariat: Any, department_task: Any
) -> None:
    stale = Task.objects.get(pk=department_task.pk)
    task_update(actor=secretariat, task=department_task, title="Tên mới")
    with pytest.raises(EditConflict):
        task_update(actor=secretariat, task=stale, title="Tên cũ", expected_version=0)
    department_task.refresh_from_db()
    assert department_task.title == "Tên mới"
