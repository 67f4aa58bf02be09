"""The lifecycle table itself: its buttons have services, and ``check`` refuses in order."""

from __future__ import annotations

import pytest

from thamvan.consultations import lifecycle
from thamvan.consultations.lifecycle import (
    NO_CHAIR,
    NO_MEMBER,
    NOT_ALLOWED,
    REASON_REQUIRED,
    ConsultationError,
    check,
)
from thamvan.consultations.models import State
from thamvan.consultations.services.transitions import SERVICES
from thamvan.consultations.tests.conftest import World

pytestmark = pytest.mark.django_db


def test_every_button_has_its_service_and_every_service_its_button() -> None:
    assert set(SERVICES) == {action.name for action in lifecycle.BUTTONS}


def test_every_action_starts_from_known_states_and_leads_to_one() -> None:
    for action in lifecycle.ACTIONS.values():
        assert action.from_states <= set(State.values), action.name
        assert action.to_state in {"", *State.values}, action.name


def _message(error: pytest.ExceptionInfo[ConsultationError]) -> str:
    return " ".join(error.value.messages)


def test_check_refuses_the_role_before_the_state(world: World, officer, secretariat) -> None:
    with pytest.raises(ConsultationError) as error:
        check("accept", officer, world.consultation)
    assert (error.value.code, _message(error)) == ("forbidden", str(NOT_ALLOWED))
    with pytest.raises(ConsultationError) as error:
        check("accept", secretariat, world.consultation)
    assert error.value.code == "state"


def test_check_asks_for_a_reason_where_one_is_needed(world: World, officer) -> None:
    with pytest.raises(ConsultationError) as error:
        check("withdraw", officer, world.consultation, reason="  ")
    assert (error.value.code, _message(error)) == ("reason", str(REASON_REQUIRED))
    check("withdraw", officer, world.consultation, reason="Điều chỉnh hồ sơ")


def test_start_review_lists_every_unmet_precondition_in_order(
    world: World, officer, secretariat
) -> None:
    world.advance("accepted", officer=officer, secretariat=secretariat)
    world.consultation.state = State.PANEL_FORMING  # no invitation yet
    [start_review] = lifecycle.available_actions(secretariat, world.consultation)[:1]
    assert start_review.name == "start_review"
    assert not start_review.possible
    assert start_review.unmet == [NO_MEMBER, NO_CHAIR]
    with pytest.raises(ConsultationError) as error:
        check("start_review", secretariat, world.consultation)
    assert error.value.code == "members"
