from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.urls import reverse

from thamvan.core.tests.samples import as_upload, exe_bytes, pdf_bytes
from thamvan.programme.models import Conclusion, Directive, Task
from thamvan.programme.tests.factories import ConclusionFactory, DirectiveFactory

pytestmark = pytest.mark.django_db

NOTICE = {
    "kind": "conclusion_notice",
    "number": "06-TB/TU",
    "issuer": "Thành ủy Hà Nội",
    "issued_on": "2020-10-28",
    "title": "Kết luận của đồng chí Bí thư Thành ủy tại buổi làm việc với Hội Quy hoạch",
    "summary": "Nghiên cứu cơ chế phối hợp bằng chương trình hợp tác.",
}


def test_the_secretariat_registers_a_directive_with_its_attachment(
    as_user: Any, secretariat: Any, officer: Any, settings: Any, tmp_path: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path
    response = as_user(secretariat).post(
        reverse("programme:directive_create"),
        {**NOTICE, "attachment_file": as_upload(pdf_bytes(), "06-TB-TU.pdf")},
    )
    directive = Directive.objects.get(number="06-TB/TU")
    assert response.status_code == 302
    assert directive.issued_on == date(2020, 10, 28)
    assert directive.attachment_name == "06-TB-TU.pdf"
    download = as_user(officer).get(reverse("programme:directive_attachment", args=[directive.pk]))
    assert download.status_code == 200


def test_a_rejected_attachment_keeps_the_form_and_saves_nothing(
    as_user: Any, secretariat: Any, settings: Any, tmp_path: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path
    response = as_user(secretariat).post(
        reverse("programme:directive_create"),
        {**NOTICE, "attachment_file": as_upload(exe_bytes(), "06.pdf")},
    )
    assert response.status_code == 200
    assert "06-TB/TU" in response.content.decode()
    assert not Directive.objects.exists()


def test_the_same_number_on_the_same_date_is_refused(as_user: Any, secretariat: Any) -> None:
    DirectiveFactory.create(number="06-TB/TU", issued_on=date(2020, 10, 28))
    response = as_user(secretariat).post(reverse("programme:directive_create"), NOTICE)
    assert response.status_code == 200
    assert Directive.objects.count() == 1


def test_a_conclusion_is_added_and_assigned_as_a_task(
    as_user: Any, secretariat: Any, orgs: Any
) -> None:
    directive = DirectiveFactory.create()
    client = as_user(secretariat)
    client.post(
        reverse("programme:conclusion_create", args=[directive.pk]),
        {"text": "Giao UBND Thành phố nghiên cứu cơ chế phối hợp."},
    )
    conclusion = Conclusion.objects.get(directive=directive)
    response = client.post(
        reverse("programme:conclusion_assign", args=[conclusion.pk]),
        {
            "lead_organization": orgs.city.pk,
            "cooperating": [orgs.association.pk],
            "deadline": "2030-12-31",
        },
    )
    task = Task.objects.get(conclusion=conclusion)
    assert response.status_code == 302
    assert task.lead_organization == orgs.city
    assert task.title == conclusion.text
    assert task.deadline == date(2030, 12, 31)


def test_an_empty_conclusion_shows_the_page_again_with_the_error(
    as_user: Any, secretariat: Any
) -> None:
    directive = DirectiveFactory.create()
    response = as_user(secretariat).post(
        reverse("programme:conclusion_create", args=[directive.pk]), {"text": "   "}
    )
    assert response.status_code == 400
    assert response.context["conclusion_form"].errors["text"]
    assert response.context["directive"] == directive
    assert not Conclusion.objects.filter(directive=directive).exists()


def test_only_the_secretariat_adds_and_assigns_conclusions(
    as_user: Any, leadership: Any, officer: Any, orgs: Any
) -> None:
    conclusion = ConclusionFactory.create()
    assert (
        as_user(leadership)
        .post(reverse("programme:conclusion_create", args=[conclusion.directive.pk]), {"text": "X"})
        .status_code
        == 403
    )
    assert (
        as_user(officer)
        .post(
            reverse("programme:conclusion_assign", args=[conclusion.pk]),
            {"lead_organization": orgs.city.pk},
        )
        .status_code
        == 403
    )
    assert not Task.objects.exists()


def test_the_directive_page_shows_how_it_is_carried_out(
    as_user: Any, secretariat: Any, leadership: Any, officer: Any, orgs: Any
) -> None:
    from thamvan.programme.services import conclusion_assign

    conclusion = ConclusionFactory.create()
    city_task = conclusion_assign(
        actor=secretariat,
        conclusion=conclusion,
        lead_organization=orgs.city,
        deadline=date(2030, 1, 1),
        title="Xây dựng chương trình hợp tác",
    )
    conclusion_assign(
        actor=secretariat,
        conclusion=conclusion,
        lead_organization=orgs.ward,
        deadline=date(2030, 1, 1),
        title="Phường rà soát",
    )
    city_task.status = "done"
    city_task.save(update_fields=["status"])
    leader = as_user(leadership).get(conclusion.directive.get_absolute_url())
    assert (leader.context["total"], leader.context["done"], leader.context["open"]) == (2, 1, 1)
    # The department officer sees neither the city's nor the ward's task.
    page = as_user(officer).get(conclusion.directive.get_absolute_url())
    assert page.context["total"] == 0
    assert "Phường rà soát" not in page.content.decode()


def test_the_directive_list_searches_without_accents_with_a_bounded_query_count(
    as_user: Any, officer: Any, django_assert_max_num_queries: Any
) -> None:
    DirectiveFactory.create(title="Chỉ thị về quản lý quy hoạch đô thị", kind="directive")
    DirectiveFactory.create_batch(3)
    client = as_user(officer)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("programme:directive_list"), {"q": "quan ly quy hoach"})
    assert response.context["page_obj"].paginator.count == 1
    DirectiveFactory.create_batch(30)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("programme:directive_list"))
    assert response.context["page_obj"].paginator.count == 34


def test_the_directive_page_query_count_does_not_grow_with_tasks(
    as_user: Any, secretariat: Any, leadership: Any, orgs: Any, django_assert_max_num_queries: Any
) -> None:
    from thamvan.programme.services import conclusion_assign

    conclusion = ConclusionFactory.create()
    client = as_user(leadership)
    for _ in range(3):
        conclusion_assign(
            actor=secretariat, conclusion=conclusion, lead_organization=orgs.city, deadline=None
        )
    with django_assert_max_num_queries(10):
        client.get(conclusion.directive.get_absolute_url())
    for _ in range(20):
        ConclusionFactory.create(directive=conclusion.directive)
        conclusion_assign(
            actor=secretariat, conclusion=conclusion, lead_organization=orgs.ward, deadline=None
        )
    with django_assert_max_num_queries(10):
        response = client.get(conclusion.directive.get_absolute_url())
    assert response.context["total"] == 23
