from __future__ import annotations

import pytest

from thamvan.core.demo import programme as demo
from thamvan.core.demo.organizations import load_organizations, load_users
from thamvan.events.models import Workshop
from thamvan.programme.models import Directive, Programme, Task
from thamvan.programme.views.programmes import programme_progress
from thamvan.research.models import ResearchTopic

pytestmark = pytest.mark.django_db


def test_the_demo_loads_once_and_then_changes_nothing() -> None:
    organizations = load_organizations()
    load_users(organizations)
    created = demo.load(organizations)
    assert created > 20
    counts = (Task.objects.count(), Workshop.objects.count(), ResearchTopic.objects.count())
    assert demo.load(organizations) == 0
    assert counts == (Task.objects.count(), Workshop.objects.count(), ResearchTopic.objects.count())


def test_notice_06_is_a_directive_whose_conclusion_is_assigned_to_the_city() -> None:
    organizations = load_organizations()
    load_users(organizations)
    demo.load(organizations)
    notice = Directive.objects.get(number="06-TB/TU")
    task = Task.objects.get(conclusion__directive=notice)
    assert task.lead_organization == organizations["city"]
    programme = Programme.objects.get(code=demo.PROGRAMME_CODE)
    assert set(programme.parties.all()) == {
        organizations["city"],
        organizations["vupda"],
        organizations["hnupda"],
    }
    # The roll-up ran: a parent's progress comes from its children.
    parent = Task.objects.get(programme=programme, code="1")
    assert parent.progress == 75  # (3×100 + 2×60 + 1×30) / 6
    assert 0 < programme_progress([programme.pk])[programme.pk] < 100
    assert set(ResearchTopic.objects.values_list("status", flat=True)) == set(
        ResearchTopic.Status.values
    )
    assert Workshop.objects.filter(status="minutes_published").exists()
