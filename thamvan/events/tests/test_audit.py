"""Each step of a workshop's life leaves one audit entry, committed with it; calendar
exports are recorded too."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from thamvan.audit.models import AuditEntry
from thamvan.audit.services import Action
from thamvan.events.models import MinutesConclusion, Workshop
from thamvan.events.services import (
    WorkshopError,
    invitation_reply,
    minutes_conclusion_to_task,
    workshop_cancel,
    workshop_invite,
    workshop_publish_minutes,
    workshop_record_attendance,
    workshop_send_invitations,
)
from thamvan.events.tests.factories import InvitationFactory, WorkshopFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def workshop(orgs: Any) -> Workshop:
    return WorkshopFactory.create(host=orgs.department, topic="Hội thảo quy hoạch ven sông Hồng")


def _actions() -> list[str]:
    return list(
        AuditEntry.objects.filter(action__startswith="workshop.")
        .order_by("id")
        .values_list("action", flat=True)
    )


def _about(entry: AuditEntry, obj: Any) -> bool:
    return (entry.target_type, entry.target_id) == (obj._meta.label_lower, str(obj.pk))


def test_the_whole_lifecycle_is_recorded_in_order(
    secretariat: Any, expert_user: Any, orgs: Any, workshop: Workshop
) -> None:
    workshop_invite(actor=secretariat, workshop=workshop, users=[expert_user])
    workshop_send_invitations(actor=secretariat, workshop=workshop)
    invitation_reply(actor=expert_user, invitation=workshop.invitations.get(), accept=True)
    Workshop.objects.filter(pk=workshop.pk).update(
        starts_at=timezone.now() - timedelta(hours=4), ends_at=timezone.now() - timedelta(hours=1)
    )
    workshop_record_attendance(
        actor=secretariat,
        workshop=workshop,
        attended_invitation_ids=[workshop.invitations.get().pk],
    )
    workshop_publish_minutes(
        actor=secretariat, workshop=workshop, minutes="Biên bản", conclusions=["Lập đề cương"]
    )
    task = minutes_conclusion_to_task(
        actor=secretariat,
        conclusion=MinutesConclusion.objects.get(),
        lead_organization=orgs.department,
        deadline=None,
    )
    assert _actions() == [
        "workshop.invitees_added",
        "workshop.invitations_sent",
        "workshop.invitation_replied",
        "workshop.attendance_recorded",
        "workshop.minutes_published",
        "workshop.conclusion_assigned",
    ]
    entries = list(AuditEntry.objects.filter(action__startswith="workshop.").order_by("id"))
    assert all(_about(e, workshop) for e in entries[:5])
    assert entries[2].actor == expert_user
    assert entries[3].details == {"from": "invitations_sent", "attended": 1}
    assert _about(entries[5], task)
    assert AuditEntry.objects.filter(action="task.created", target_id=str(task.pk)).exists()


def test_sending_without_invitees_is_refused_and_leaves_no_entry(
    secretariat: Any, workshop: Workshop
) -> None:
    with pytest.raises(WorkshopError):
        workshop_send_invitations(actor=secretariat, workshop=workshop)
    assert _actions() == []


def test_empty_minutes_are_refused_and_leave_no_entry(secretariat: Any, workshop: Workshop) -> None:
    Workshop.objects.filter(pk=workshop.pk).update(status=Workshop.Status.HELD)
    workshop.refresh_from_db()
    with pytest.raises(WorkshopError):
        workshop_publish_minutes(actor=secretariat, workshop=workshop, minutes="  ", conclusions=[])
    assert _actions() == []


def test_a_cancellation_is_recorded_and_a_second_one_is_not(
    secretariat: Any, workshop: Workshop
) -> None:
    workshop_cancel(actor=secretariat, workshop=workshop)
    with pytest.raises(WorkshopError):
        workshop_cancel(actor=secretariat, workshop=workshop)
    assert _actions() == ["workshop.cancelled"]
    assert AuditEntry.objects.get(action="workshop.cancelled").details == {"from": "planned"}


def test_leadership_cannot_cancel_and_nothing_is_recorded(
    leadership: Any, workshop: Workshop
) -> None:
    with pytest.raises(WorkshopError):
        workshop_cancel(actor=leadership, workshop=workshop)
    assert _actions() == []


def test_creating_and_editing_through_the_pages_is_recorded(
    as_user: Any, secretariat: Any, orgs: Any
) -> None:
    client = as_user(secretariat)
    data = {
        "kind": "workshop",
        "topic": "Hội thảo giao thông công cộng",
        "start_date": "05/03/2030",
        "start_time": "08:30",
        "end_time": "11:30",
        "venue": "37 Lê Đại Hành",
        "host": orgs.association.pk,
    }
    assert client.post(reverse("events:create"), data).status_code == 302
    workshop = Workshop.objects.get()
    edit = reverse("events:edit", args=[workshop.pk])
    assert (
        client.post(edit, {**data, "venue": "Hội trường B", "lock_version": 0}).status_code == 302
    )
    assert _actions() == ["workshop.created", "workshop.updated"]
    refused = client.post(
        edit, {**data, "end_date": "04/03/2030", "end_time": "08:00", "lock_version": 1}
    )
    assert refused.status_code == 200
    assert _actions() == ["workshop.created", "workshop.updated"]


def test_calendar_downloads_are_recorded_as_exports(
    as_user: Any, officer: Any, expert_user: Any, workshop: Workshop
) -> None:
    response = as_user(officer).get(reverse("events:ics", args=[workshop.pk]))
    assert response.status_code == 200
    [entry] = AuditEntry.objects.filter(action=Action.EXPORT)
    assert _about(entry, workshop)
    assert entry.details == {"what": "workshop", "format": "ics"}
    InvitationFactory.create(workshop=workshop, user=expert_user)
    assert as_user(expert_user).get(reverse("events:my_ics")).status_code == 200
    mine = AuditEntry.objects.filter(action=Action.EXPORT).latest("id")
    assert mine.actor == expert_user
    assert mine.details == {"what": "my_workshops", "format": "ics", "count": 1}


def test_a_refused_calendar_download_records_no_export(
    as_user: Any, other_officer: Any, workshop: Workshop
) -> None:
    assert as_user(other_officer).get(reverse("events:ics", args=[workshop.pk])).status_code == 404
    assert not AuditEntry.objects.filter(action=Action.EXPORT).exists()
