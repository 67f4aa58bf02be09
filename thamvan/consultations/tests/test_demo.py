"""The demo consultations: every state, one closed with report and responses, idempotent."""

from __future__ import annotations

import pytest

from thamvan.accounts.models import User
from thamvan.consultations.models import Consultation, Response, State
from thamvan.consultations.services import panel as panel_services
from thamvan.core.demo import consultations, dossiers, experts
from thamvan.core.demo.organizations import load_organizations, load_users
from thamvan.documents.models import GeneratedDocument
from thamvan.experts.models import Expert
from thamvan.matching.services import recommend_panel

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


def test_a_fresh_demo_forms_a_full_panel_from_the_recommendation_without_editing_profiles():
    organizations = load_organizations()
    load_users(organizations)
    experts.load(organizations)
    dossiers.load(organizations)
    consultations.load(organizations)
    secretariat = User.objects.get(email="vanphong@thamvan.example")
    consultation = Consultation.objects.get(state=State.ACCEPTED)
    assert consultation.panel_size >= 5
    recommendation = recommend_panel(consultation)
    suggested = recommendation.suggested
    assert len(suggested) == consultation.panel_size
    # Most of the registry has no account: the panel is reached by e-mail.
    assert sum(row.expert.user_id is None for row in suggested) >= consultation.panel_size - 2
    assert all(row.expert.email for row in suggested)
    invitations = panel_services.invitations_send(
        actor=secretariat,
        consultation=consultation,
        picks=panel_services.picks_from(
            recommendation, [row.expert for row in suggested], reasons={}
        ),
    )
    assert len(invitations) == consultation.panel_size
    assert not any(i.overridden_rules for i in invitations)


def test_most_registry_experts_have_an_e_mail_address_and_no_account():
    organizations = load_organizations()
    load_users(organizations)
    experts.load(organizations)
    registry = Expert.objects.all()
    without_account = registry.filter(user__isnull=True)
    assert without_account.count() >= registry.count() - 3
    assert without_account.exclude(email="").count() >= 0.9 * without_account.count()
