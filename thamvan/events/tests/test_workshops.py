from __future__ import annotations

from datetime import UTC, timedelta
from typing import Any

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from thamvan.events.models import Invitation, MinutesConclusion, Workshop
from thamvan.events.tests.factories import InvitationFactory, WorkshopFactory
from thamvan.programme.models import Task

pytestmark = pytest.mark.django_db


@pytest.fixture
def workshop(orgs: Any) -> Workshop:
    return WorkshopFactory.create(
        host=orgs.association, topic="Tọa đàm về quy hoạch Thủ đô; tầm nhìn 2065"
    )


def test_an_expert_sees_only_the_workshops_they_are_invited_to(
    as_user: Any, expert_user: Any, other_expert_user: Any, workshop: Workshop
) -> None:
    InvitationFactory.create(workshop=workshop, user=expert_user)
    assert as_user(expert_user).get(workshop.get_absolute_url()).status_code == 200
    assert as_user(other_expert_user).get(workshop.get_absolute_url()).status_code == 404
    listing = as_user(other_expert_user).get(reverse("events:list"))
    assert listing.context["page_obj"].paginator.count == 0


def test_leadership_reads_every_workshop_but_cannot_edit(
    as_user: Any, leadership: Any, secretariat: Any, workshop: Workshop
) -> None:
    assert as_user(leadership).get(workshop.get_absolute_url()).status_code == 200
    edit = reverse("events:edit", args=[workshop.pk])
    assert as_user(leadership).get(edit).status_code == 403
    assert as_user(secretariat).get(edit).status_code == 200
    assert as_user(leadership).get(reverse("events:create")).status_code == 403


def test_an_officer_sees_workshops_their_organisation_hosts(
    as_user: Any, officer: Any, other_officer: Any, orgs: Any
) -> None:
    hosted = WorkshopFactory.create(host=orgs.department)
    assert as_user(officer).get(hosted.get_absolute_url()).status_code == 200
    assert as_user(other_officer).get(hosted.get_absolute_url()).status_code == 404


def test_the_secretariat_creates_a_workshop(as_user: Any, secretariat: Any, orgs: Any) -> None:
    response = as_user(secretariat).post(
        reverse("events:create"),
        {
            "kind": "round_table",
            "topic": "Tọa đàm không gian ngầm",
            "start_date": "05/03/2030",
            "start_time": "08:30",
            "end_time": "11:30",
            "online_url": "https://hop.example.vn/toa-dam",
            "agenda": "Khai mạc\nTham luận",
            "host": orgs.association.pk,
        },
    )
    assert response.status_code == 302
    assert Workshop.objects.get().agenda_items() == ["Khai mạc", "Tham luận"]


def test_a_workshop_without_venue_or_link_is_refused(
    as_user: Any, secretariat: Any, orgs: Any
) -> None:
    response = as_user(secretariat).post(
        reverse("events:create"),
        {
            "kind": "workshop",
            "topic": "Hội thảo thiếu địa điểm",
            "start_date": "05/03/2030",
            "start_time": "08:30",
            "end_time": "11:30",
            "host": orgs.association.pk,
        },
    )
    assert response.status_code == 200
    assert "Hội thảo thiếu địa điểm" in response.content.decode()
    assert not Workshop.objects.exists()


def test_the_full_lifecycle_invitations_reply_attendance_minutes_and_task(
    as_user: Any,
    secretariat: Any,
    expert_user: Any,
    officer: Any,
    orgs: Any,
    workshop: Workshop,
    django_capture_on_commit_callbacks: Any,
) -> None:
    manager = as_user(secretariat)
    manager.post(
        reverse("events:invite", args=[workshop.pk]), {"users": [expert_user.pk, officer.pk]}
    )
    assert workshop.invitations.count() == 2
    with django_capture_on_commit_callbacks(execute=True):
        manager.post(reverse("events:send", args=[workshop.pk]))
    workshop.refresh_from_db()
    assert workshop.status == "invitations_sent"
    assert len(mail.outbox) == 2
    assert mail.outbox[0].attachments[0][0] == "hoi-thao.ics"

    as_user(expert_user).post(reverse("events:reply", args=[workshop.pk]), {"accept": "yes"})
    as_user(officer).post(
        reverse("events:reply", args=[workshop.pk]), {"accept": "no", "note": "Bận họp"}
    )
    replies = dict(workshop.invitations.values_list("user_id", "reply"))
    assert replies == {expert_user.pk: "accepted", officer.pk: "declined"}

    # Attendance waits until the workshop has started.
    present = workshop.invitations.get(user=expert_user).pk
    manager.post(reverse("events:attendance", args=[workshop.pk]), {"attended": [present]})
    workshop.refresh_from_db()
    assert workshop.status == "invitations_sent"
    Workshop.objects.filter(pk=workshop.pk).update(
        starts_at=timezone.now() - timedelta(hours=4), ends_at=timezone.now() - timedelta(hours=1)
    )
    manager.post(reverse("events:attendance", args=[workshop.pk]), {"attended": [present]})
    workshop.refresh_from_db()
    assert workshop.status == "held"
    assert Invitation.objects.get(user=expert_user).attended is True
    assert Invitation.objects.get(user=officer).attended is False

    manager.post(
        reverse("events:minutes", args=[workshop.pk]),
        {
            "minutes": "Biên bản tọa đàm.",
            "conclusions": "Giao Sở QHKT rà soát\n\nTổ chức hội thảo tiếp",
        },
    )
    workshop.refresh_from_db()
    assert workshop.status == "minutes_published"
    conclusion = MinutesConclusion.objects.get(workshop=workshop, position=1)
    manager.post(
        reverse("events:conclusion_task", args=[conclusion.pk]),
        {"lead_organization": orgs.department.pk, "deadline": "2030-06-30"},
    )
    task = Task.objects.get(workshop_conclusion=conclusion)
    assert task.title == "Giao Sở QHKT rà soát"
    assert task in workshop.tasks.all()
    assert as_user(officer).get(task.get_absolute_url()).status_code == 200


def test_invitations_cannot_be_sent_with_no_invitee(
    as_user: Any, secretariat: Any, workshop: Workshop
) -> None:
    as_user(secretariat).post(reverse("events:send", args=[workshop.pk]))
    workshop.refresh_from_db()
    assert workshop.status == "planned"


def test_only_the_invitee_replies_to_their_invitation(
    as_user: Any, expert_user: Any, other_expert_user: Any, workshop: Workshop
) -> None:
    InvitationFactory.create(workshop=workshop, user=expert_user)
    response = as_user(other_expert_user).post(
        reverse("events:reply", args=[workshop.pk]), {"accept": "no"}
    )
    assert response.status_code == 404
    assert Invitation.objects.get().reply == "pending"


def test_the_workshop_ics_is_rfc_5545_text(
    as_user: Any, expert_user: Any, workshop: Workshop
) -> None:
    InvitationFactory.create(workshop=workshop, user=expert_user)
    response = as_user(expert_user).get(reverse("events:ics", args=[workshop.pk]))
    assert response["Content-Type"].startswith("text/calendar")
    text = response.content.decode()
    assert text.startswith("BEGIN:VCALENDAR\r\n")
    assert text.endswith("END:VCALENDAR\r\n")
    assert "\n" not in text.replace("\r\n", "")
    assert "SUMMARY:Tọa đàm về quy hoạch Thủ đô\\; tầm nhìn 2065" in text
    start = workshop.starts_at.astimezone(UTC)
    assert f"DTSTART:{start:%Y%m%dT%H%M%SZ}" in text
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))


def test_my_calendar_holds_my_invitations_except_declined_ones(
    as_user: Any, expert_user: Any, outsider: Any, orgs: Any
) -> None:
    going = WorkshopFactory.create(topic="Hội thảo A")
    declined = WorkshopFactory.create(topic="Hội thảo B")
    WorkshopFactory.create(topic="Hội thảo C")
    InvitationFactory.create(workshop=going, user=expert_user, reply="accepted")
    InvitationFactory.create(workshop=declined, user=expert_user, reply="declined")
    # Another invitee's refusal does not take the workshop off my calendar.
    InvitationFactory.create(workshop=going, user=outsider, reply="declined")
    text = as_user(expert_user).get(reverse("events:my_ics")).content.decode()
    assert text.count("BEGIN:VEVENT") == 1
    assert "Hội thảo A" in text


def test_the_calendar_shows_the_month_s_visible_workshops(
    as_user: Any, secretariat: Any, expert_user: Any
) -> None:
    workshop = WorkshopFactory.create(topic="Hội thảo tháng ba")
    month = timezone.localtime(workshop.starts_at).strftime("%Y-%m")
    assert (
        "Hội thảo tháng ba"
        in as_user(secretariat).get(reverse("events:calendar"), {"month": month}).content.decode()
    )
    assert (
        "Hội thảo tháng ba"
        not in as_user(expert_user)
        .get(reverse("events:calendar"), {"month": month})
        .content.decode()
    )
    assert (
        as_user(secretariat).get(reverse("events:calendar"), {"month": "2026-13"}).status_code
        == 200
    )


def test_the_list_query_count_does_not_grow_with_rows(
    as_user: Any, secretariat: Any, django_assert_max_num_queries: Any
) -> None:
    client = as_user(secretariat)
    WorkshopFactory.create_batch(3)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("events:list"), {"when": "upcoming"})
    assert response.context["page_obj"].paginator.count == 3
    WorkshopFactory.create_batch(30)
    with django_assert_max_num_queries(8):
        client.get(reverse("events:list"), {"when": "upcoming"})


def test_only_the_secretariat_runs_a_workshop(
    as_user: Any, leadership: Any, officer: Any, expert_user: Any, orgs: Any
) -> None:
    workshop = WorkshopFactory.create(host=orgs.department, status="held")
    InvitationFactory.create(workshop=workshop, user=expert_user)
    conclusion = MinutesConclusion.objects.create(workshop=workshop, text="Giao Sở rà soát")
    for user in (leadership, officer, expert_user):
        client = as_user(user)
        assert client.get(reverse("events:minutes", args=[workshop.pk])).status_code == 403
        assert client.post(reverse("events:send", args=[workshop.pk])).status_code == 403
        assert client.post(reverse("events:attendance", args=[workshop.pk])).status_code == 403
        assert (
            client.post(
                reverse("events:conclusion_task", args=[conclusion.pk]),
                {"lead_organization": orgs.department.pk},
            ).status_code
            == 403
        )
    assert not Task.objects.exists()
    workshop.refresh_from_db()
    assert workshop.status == "held"


def test_a_workshop_the_user_cannot_see_answers_404_to_every_action(
    as_user: Any, other_expert_user: Any, secretariat: Any
) -> None:
    workshop = WorkshopFactory.create()
    client = as_user(other_expert_user)
    assert client.get(reverse("events:ics", args=[workshop.pk])).status_code == 404
    assert (
        client.post(reverse("events:reply", args=[workshop.pk]), {"accept": "yes"}).status_code
        == 404
    )
    assert as_user(secretariat).get(reverse("events:ics", args=[workshop.pk])).status_code == 200


@pytest.mark.parametrize(
    "query",
    [
        {"end": "9999-12-31"},
        {"start": "0001-01-01"},
    ],
)
def test_dates_out_of_range_are_refused_not_a_server_error(
    as_user: Any, secretariat: Any, query: dict[str, str]
) -> None:
    for name in ("events:list", "dashboard:index"):
        response = as_user(secretariat).get(reverse(name), query)
        assert response.status_code == 200, name


@pytest.mark.parametrize("month", ["9999-12", "0001-01"])
def test_a_calendar_month_out_of_range_shows_this_month(
    as_user: Any, secretariat: Any, month: str
) -> None:
    response = as_user(secretariat).get(reverse("events:calendar"), {"month": month})
    assert response.status_code == 200
