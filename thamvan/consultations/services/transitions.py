"""The lifecycle's buttons, taken by name: the consultation page and ``POST …/transitions``."""

from __future__ import annotations

from collections.abc import Callable

from thamvan.accounts.models import User
from thamvan.consultations.lifecycle import ACTIONS
from thamvan.consultations.models import Consultation
from thamvan.consultations.services.outcome import consultation_close
from thamvan.consultations.services.panel import consultation_start_review
from thamvan.consultations.services.requests import (
    consultation_accept,
    consultation_return,
    consultation_send,
    consultation_withdraw,
)
from thamvan.consultations.services.synthesis import consultation_start_synthesis

# One service per button of ``lifecycle.BUTTONS``; each checks the lifecycle itself.
SERVICES: dict[str, Callable[..., Consultation]] = {
    "send": consultation_send,
    "accept": consultation_accept,
    "return": consultation_return,
    "withdraw": consultation_withdraw,
    "start_review": consultation_start_review,
    "start_synthesis": consultation_start_synthesis,
    "close": consultation_close,
}


def transition_take(
    *, actor: User, consultation: Consultation, action: str, reason: str = ""
) -> Consultation:
    service = SERVICES[action]
    if ACTIONS[action].needs_reason:
        return service(actor=actor, consultation=consultation, reason=reason)
    return service(actor=actor, consultation=consultation)
