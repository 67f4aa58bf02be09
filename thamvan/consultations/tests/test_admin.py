from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_the_administrator_edits_deadline_rules_and_reads_consultations(as_user, admin_user, world):
    client = as_user(admin_user)
    assert client.get(reverse("admin:consultations_deadlinerule_add")).status_code == 200
    assert client.get(reverse("admin:consultations_consultation_changelist")).status_code == 200
    detail = reverse("admin:consultations_consultation_change", args=[world.consultation.pk])
    assert client.get(detail).status_code == 200
    assert client.post(detail, {"title": "Đổi tên"}).status_code == 403


def test_a_deadline_rule_changes_the_deadline_from_its_date(world, officer, secretariat):
    from datetime import date

    from thamvan.consultations.deadlines import add_days
    from thamvan.consultations.models import DeadlineRule

    DeadlineRule.objects.create(valid_from=date(2020, 1, 1), days=10, day_kind="working")
    world.advance("accepted", officer=officer, secretariat=secretariat)
    accepted = world.consultation.accepted_at
    assert accepted is not None
    from django.utils import timezone

    today = timezone.localtime(accepted).date()
    assert world.consultation.deadline == add_days(today, 10, "working")
