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


def test_a_consultation_with_opinions_cannot_be_deleted_in_the_admin(
    as_user, admin_user, world, officer, secretariat
):
    from thamvan.audit.models import AuditEntry
    from thamvan.consultations.models import Consultation, Opinion

    world.advance("synthesizing", officer=officer, secretariat=secretariat)
    client = as_user(admin_user)
    url = reverse("admin:consultations_consultation_delete", args=[world.consultation.pk])
    changelist = client.get(reverse("admin:consultations_consultation_changelist"))

    assert client.post(url, {"post": "yes"}).status_code == 403

    assert "delete_selected" not in changelist.text
    assert Consultation.objects.filter(pk=world.consultation.pk).exists()
    assert Opinion.objects.filter(consultation=world.consultation).count() == 1
    assert not AuditEntry.objects.filter(action__startswith="admin.").exists()


def test_deadline_rules_are_the_administrators_and_their_changes_are_audited(
    as_user, admin_user, secretariat
):
    from thamvan.audit.models import AuditEntry
    from thamvan.consultations.models import DeadlineRule

    data = {"valid_from": "2030-01-01", "days": "20", "day_kind": "working", "reminder_days": "3"}
    url = reverse("admin:consultations_deadlinerule_add")
    before = DeadlineRule.objects.count()

    assert as_user(secretariat).post(url, data).status_code == 404
    assert DeadlineRule.objects.count() == before
    assert as_user(admin_user).post(url, data).status_code == 302

    entry = AuditEntry.objects.get(action="admin.object.added")
    assert entry.target_type == "consultations.deadlinerule"
    assert entry.actor == admin_user
