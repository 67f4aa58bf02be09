"""The lifecycle table walked whole: every button × state × persona, through the service,
the page and the API. Where the table allows the action, each channel takes it; where it
does not, each channel refuses and nothing changes: no state, no timeline entry, no audit
entry (``access.denied`` aside: refusing to show a consultation is logged on purpose).

Parametrised over ``lifecycle.BUTTONS``: a new button is walked without a new test.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse

from thamvan.accounts.tests.factories import MembershipFactory, UserFactory
from thamvan.audit.models import AuditEntry
from thamvan.consultations import lifecycle
from thamvan.consultations.lifecycle import ConsultationError
from thamvan.consultations.models import Consultation, State, Transition
from thamvan.consultations.services import opinions as opinion_services
from thamvan.consultations.services import outcome as outcome_services
from thamvan.consultations.services import panel as panel_services
from thamvan.consultations.services import requests as request_services
from thamvan.consultations.services.transitions import transition_take
from thamvan.consultations.tests.conftest import World
from thamvan.experts.tests.factories import ExpertFactory

pytestmark = pytest.mark.django_db

PERSONAS = (
    "secretariat",
    "officer",
    "other_officer",
    "chair",
    "member",
    "other_expert",
    "leadership",
    "admin_user",
)


def _submit_opinion(world: World) -> None:
    user, _expert = world.members[1]
    opinion = opinion_services.opinion_start(actor=user, consultation=world.consultation)
    opinion_services.opinion_save_draft(
        actor=user, opinion=opinion, lock_version=0, verdict="agree", summary="Đồng ý."
    )
    opinion_services.opinion_submit(actor=user, opinion=opinion, lock_version=1)


def _build(scenario: str, world: World, officer: Any, secretariat: Any) -> None:
    """Bring the world's consultation to the scenario with the real services."""
    if scenario == "draft":
        return
    if scenario == "returned":
        world.advance("sent", officer=officer, secretariat=secretariat)
        request_services.consultation_return(
            actor=secretariat, consultation=world.consultation, reason="Thiếu bản vẽ."
        )
    elif scenario == "withdrawn":
        world.advance("accepted", officer=officer, secretariat=secretariat)
        request_services.consultation_withdraw(
            actor=officer, consultation=world.consultation, reason="Điều chỉnh hồ sơ."
        )
    elif scenario == "panel_forming_without_chair":
        world.advance("accepted", officer=officer, secretariat=secretariat)
        invitations = panel_services.invitations_send(
            actor=secretariat,
            consultation=world.consultation,
            picks=[panel_services.Pick(expert=expert) for _, expert in world.members],
        )
        for (user, _), invitation in zip(world.members, invitations, strict=True):
            panel_services.invitation_accept(
                actor=user, invitation=invitation, declared=True, statement="Không có."
            )
    elif scenario == "in_review":
        world.advance("in_review", officer=officer, secretariat=secretariat)
        _submit_opinion(world)
    elif scenario in ("responding", "closed"):
        world.advance("reported", officer=officer, secretariat=secretariat)
        for item in outcome_services.items_to_answer(world.consultation):
            outcome_services.response_record(actor=officer, item=item, result="accepted")
        if scenario == "closed":
            outcome_services.consultation_close(actor=officer, consultation=world.consultation)
    else:
        world.advance(scenario, officer=officer, secretariat=secretariat)
    world.consultation.refresh_from_db()


SCENARIOS = (
    "draft",
    "sent",
    "returned",
    "accepted",
    "withdrawn",
    "panel_forming_without_chair",
    "panel_forming",
    "in_review",
    "synthesizing",
    "reported",
    "responding",
    "closed",
)


def _footprint(consultation: Consultation) -> tuple[str, int, int]:
    return (
        Consultation.objects.get(pk=consultation.pk).state,
        Transition.objects.filter(consultation=consultation).count(),
        AuditEntry.objects.exclude(action="access.denied").count(),
    )


def _by_service(user: Any, consultation: Consultation, action: str) -> bool:
    try:
        transition_take(actor=user, consultation=consultation, action=action, reason="Lý do.")
    except ConsultationError:
        return False
    return True


def _by_page(client: Client, consultation: Consultation, action: str) -> bool:
    url = reverse("consultations:transition", args=[consultation.pk, action])
    response = client.post(url, {"reason": "Lý do."})
    # Refusals: 404 (not visible), 403 (not theirs) or back to the page with the message.
    assert response.status_code in (302, 403, 404)
    return response.status_code == 302 and _moved(consultation)


def _by_api(client: Client, consultation: Consultation, action: str) -> bool:
    response = client.post(
        f"/api/v1/consultations/{consultation.pk}/transitions",
        {"action": action, "reason": "Lý do."},
        content_type="application/json",
    )
    assert response.status_code in (200, 403, 404, 422), response.content
    return response.status_code == 200


def _moved(consultation: Consultation) -> bool:
    return Consultation.objects.get(pk=consultation.pk).state != consultation.state


@pytest.mark.parametrize("scenario", SCENARIOS)
@pytest.mark.parametrize("action", [action.name for action in lifecycle.BUTTONS])
def test_service_page_and_api_agree_with_the_lifecycle_table(
    action: str,
    scenario: str,
    world: World,
    officer: Any,
    other_officer: Any,
    secretariat: Any,
    expert_user: Any,
    other_expert_user: Any,
    leadership: Any,
    admin_user: Any,
    orgs: Any,
    as_user: Callable[[Any], Client],
    api_client: Callable[[Any], Client],
) -> None:
    other_expert = UserFactory(full_name="Đặng Minh Châu", email="expert3@example.vn")
    MembershipFactory(user=other_expert, organization=orgs.association, role="expert")
    ExpertFactory.create(user=other_expert, full_name="Đặng Minh Châu")
    users = {
        "secretariat": secretariat,
        "officer": officer,
        "other_officer": other_officer,
        "chair": expert_user,
        "member": other_expert_user,
        "other_expert": other_expert,
        "leadership": leadership,
        "admin_user": admin_user,
    }
    _build(scenario, world, officer, secretariat)
    to_state = lifecycle.ACTIONS[action].to_state
    pages = {name: as_user(user) for name, user in users.items()}
    apis = {name: api_client(user) for name, user in users.items()}
    allowed_by = []
    for name in PERSONAS:
        user = users[name]
        consultation = Consultation.objects.get(pk=world.consultation.pk)
        expected = action in lifecycle.possible_actions(user, consultation)
        if expected:
            allowed_by.append(name)
        for channel in ("service", "page", "api"):
            # Each attempt runs in a savepoint rolled back after it: the next one starts
            # from the same consultation.
            with transaction.atomic():
                before = _footprint(world.consultation)
                fresh = Consultation.objects.get(pk=world.consultation.pk)
                if channel == "service":
                    done = _by_service(user, fresh, action)
                elif channel == "page":
                    done = _by_page(pages[name], fresh, action)
                else:
                    done = _by_api(apis[name], fresh, action)
                after = _footprint(world.consultation)
                transaction.set_rollback(True)
            where = f"{action} in {scenario} by {name} through the {channel}"
            assert done == expected, where
            if expected:
                assert after[0] == to_state, where
                assert after[1] > before[1] and after[2] > before[2], where
            else:
                assert after == before, where
    # Who the table lets act, stated plainly, so a change of the table shows here.
    assert allowed_by == EXPECTED_ACTORS.get((action, scenario), [])


AGENCY = ["officer", "admin_user"]
SECRETARIAT = ["secretariat", "admin_user"]
EXPECTED_ACTORS: dict[tuple[str, str], list[str]] = {
    ("send", "draft"): AGENCY,
    ("accept", "sent"): SECRETARIAT,
    ("return", "sent"): SECRETARIAT,
    **{
        ("withdraw", s): AGENCY
        for s in ("draft", "sent", "accepted", "panel_forming_without_chair", "panel_forming")
    },
    ("withdraw", "in_review"): AGENCY,
    ("start_review", "panel_forming"): SECRETARIAT,
    ("start_synthesis", "in_review"): ["secretariat", "chair", "admin_user"],
    # Only once every remark is answered ("reported" still has one to answer).
    ("close", "responding"): AGENCY,
}


def test_the_walk_covers_every_state_a_button_starts_from() -> None:
    built = {State.PANEL_FORMING if s.startswith("panel_forming") else s for s in SCENARIOS}
    for action in lifecycle.BUTTONS:
        assert action.from_states <= built, action.name
