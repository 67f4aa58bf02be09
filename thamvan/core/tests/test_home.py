"""The home page's to-do list: its empty state, its groups, leadership's figures, the API."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from lxml import html

from thamvan.consultations.tests.factories import ConsultationFactory, advance
from thamvan.core.tests.todo_page import api_items, home_items, home_text
from thamvan.dossiers.tests.factories import DossierFactory
from thamvan.events.models import Workshop
from thamvan.events.tests.factories import InvitationFactory, WorkshopFactory
from thamvan.programme.models import TaskStatus
from thamvan.programme.tests.factories import TaskFactory

pytestmark = pytest.mark.django_db

NOTHING = "Nothing is waiting for you."


@pytest.fixture
def waiting(orgs, officer, secretariat, expert_user):
    """A sent request, an overdue task of the department and a workshop for the expert."""
    dossier = DossierFactory.create(lead_agency=orgs.department)
    request = ConsultationFactory.create(dossier=dossier, association=orgs.association)
    advance(request, "sent", officer=officer, secretariat=secretariat)
    today = timezone.localdate()
    task = TaskFactory.create(
        lead_organization=orgs.department,
        start=today - timedelta(days=60),
        deadline=today - timedelta(days=3),
        status=TaskStatus.OVERDUE,
    )
    workshop = WorkshopFactory.create(
        host=orgs.association, status=Workshop.Status.INVITATIONS_SENT
    )
    InvitationFactory.create(workshop=workshop, user=expert_user)
    return {"request": request, "task": task, "workshop": workshop}


@pytest.mark.parametrize(
    ("persona", "kinds"),
    [
        ("secretariat", ["requests"]),
        ("officer", ["tasks"]),
        ("expert_user", ["workshops"]),
        ("leadership", []),
        ("admin_user", []),
        ("outsider", []),
    ],
)
def test_each_persona_sees_only_their_own_work(request, as_user, waiting, persona, kinds):
    client = as_user(request.getfixturevalue(persona))
    assert [item.kind for item in home_items(client)] == kinds
    assert (gettext(NOTHING) in home_text(client)) == (not kinds)


def test_groups_have_headings_and_overdue_work_is_counted_in_words(as_user, officer, waiting):
    body = as_user(officer).get(reverse("core:home")).content.decode()
    tree = html.fromstring(body)
    assert [h.get("id") for h in tree.xpath("//section[contains(@class, 'todo')]//h3")] == [
        "todo-tasks"
    ]
    assert gettext("Overdue") in tree.xpath("//li[@data-urgency='overdue']")[0].text_content()
    assert tree.xpath("//strong[@class='error']")


def test_leadership_gets_figures_of_its_scope_and_the_dashboard_link(
    as_user, leadership, secretariat, officer, waiting
):
    body = as_user(leadership).get(reverse("core:home")).content.decode()
    tree = html.fromstring(body)
    figures = {a.get("data-figure"): a.text_content() for a in tree.xpath("//a[@data-figure]")}
    assert figures == {
        "consultations_open": "1",
        "consultations_overdue": "0",
        "tasks_overdue": "1",
    }
    assert tree.xpath(f"//a[@href='{reverse('dashboard:index')}' and @class='button']")
    for other in (secretariat, officer):
        other_body = as_user(other).get(reverse("core:home")).content.decode()
        assert "data-figure" not in other_body


def test_the_api_answers_the_page_s_list_and_needs_a_signed_in_user(
    as_user, api_client, officer, secretariat, expert_user, waiting
):
    for user in (officer, secretariat, expert_user):
        assert api_items(api_client(user)) == home_items(as_user(user))
    response = Client().get("/api/v1/me/todo")
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"
    item = api_client(officer).get("/api/v1/me/todo").json()[0]
    assert item["deadline"] == waiting["task"].deadline.isoformat()
    assert item["urgency"] == "overdue"


def test_the_home_page_needs_a_signed_in_user():
    response = Client().get(reverse("core:home"))
    assert response.status_code == 302
