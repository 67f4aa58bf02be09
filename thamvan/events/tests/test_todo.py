"""Workshop invitations waiting for a reply on the home page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from thamvan.core.tests.todo_page import Shown, api_items, home_items
from thamvan.events.models import Workshop
from thamvan.events.tests.factories import InvitationFactory, WorkshopFactory

pytestmark = pytest.mark.django_db

SENT = Workshop.Status.INVITATIONS_SENT


def _shown(workshop, urgency="later"):
    return Shown("workshops", workshop.topic, workshop.get_absolute_url(), urgency)


def _workshop(orgs, days, status=SENT):
    return WorkshopFactory.create(
        host=orgs.association, status=status, starts_at=timezone.now() + timedelta(days=days)
    )


def test_invitees_see_the_workshops_they_have_not_answered_soonest_first(
    as_user, orgs, officer, expert_user, other_expert_user, secretariat, outsider
):
    later, soon = _workshop(orgs, 20), _workshop(orgs, 2)
    past = _workshop(orgs, -2)
    not_sent = _workshop(orgs, 5, status=Workshop.Status.PLANNED)
    cancelled = _workshop(orgs, 5, status=Workshop.Status.CANCELLED)
    for workshop in (later, soon, past, not_sent, cancelled):
        InvitationFactory.create(workshop=workshop, user=expert_user)
    InvitationFactory.create(workshop=later, user=officer)
    InvitationFactory.create(workshop=soon, user=other_expert_user, reply="accepted")
    assert {
        "expert_user": home_items(as_user(expert_user)),
        "officer": home_items(as_user(officer)),
        "other_expert_user": home_items(as_user(other_expert_user)),
        "secretariat": home_items(as_user(secretariat)),
        "outsider": home_items(as_user(outsider)),
    } == {
        "expert_user": [_shown(soon, "soon"), _shown(later)],
        "officer": [_shown(later)],
        "other_expert_user": [],
        "secretariat": [],
        "outsider": [],
    }


def test_a_reply_takes_the_workshop_off_the_list(as_user, orgs, expert_user):
    workshop = _workshop(orgs, 10)
    InvitationFactory.create(workshop=workshop, user=expert_user)
    client = as_user(expert_user)
    assert home_items(client) == [_shown(workshop)]
    response = client.post(reverse("events:reply", args=[workshop.pk]), {"accept": "no"})
    assert response.status_code == 302
    assert home_items(client) == []


def test_the_api_lists_what_the_page_shows(as_user, api_client, orgs, expert_user):
    for days in (3, 9):
        InvitationFactory.create(workshop=_workshop(orgs, days), user=expert_user)
    assert api_items(api_client(expert_user)) == home_items(as_user(expert_user))


def test_the_number_of_queries_does_not_grow_with_the_invitations(
    as_user, orgs, expert_user, django_assert_max_num_queries
):
    InvitationFactory.create(workshop=_workshop(orgs, 10), user=expert_user)
    client = as_user(expert_user)
    with django_assert_max_num_queries(20) as one:
        client.get(reverse("core:home"))
    for _ in range(29):
        InvitationFactory.create(workshop=_workshop(orgs, 10), user=expert_user)
    with django_assert_max_num_queries(len(one.captured_queries)):
        client.get(reverse("core:home"))
    assert len(home_items(client)) == 30
