"""The demo consultations: every state, one closed with report and responses, idempotent."""

from __future__ import annotations

import pytest

from thamvan.consultations.models import Consultation, Response, State
from thamvan.core.demo import consultations, dossiers, experts
from thamvan.core.demo.organizations import load_organizations, load_users
from thamvan.documents.models import GeneratedDocument

pytestmark = pytest.mark.django_db


def test_the_demo_has_every_state_and_loads_twice_without_duplicates():
    organizations = load_organizations()
    load_users(organizations)
    experts.load(organizations)
    dossiers.load(organizations)
    count = consultations.load(organizations)
    assert consultations.load(organizations) == count == len(consultations.CONSULTATIONS)
    assert set(Consultation.objects.values_list("state", flat=True)) == set(State.values)
    closed = Consultation.objects.get(state=State.CLOSED)
    assert Response.objects.filter(item__opinion__consultation=closed).exists()
    assert GeneratedDocument.objects.filter(
        consultation=closed, status="ready", kind="report"
    ).exists()
    assert not GeneratedDocument.objects.filter(status="pending").exists()
