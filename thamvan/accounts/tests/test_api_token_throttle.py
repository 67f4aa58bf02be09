"""A flood of bad API tokens from one address: 429 in the error format, audited, others served."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from thamvan.accounts.tokens import api_token_create
from thamvan.audit.models import AuditEntry
from thamvan.audit.services import Action

pytestmark = pytest.mark.django_db

URL = "/api/v1/organizations"
FLOOD = "198.51.100.7"
OTHER = "198.51.100.8"


def call(token: str, address: str) -> Any:
    return Client().get(URL, headers={"Authorization": f"Bearer {token}"}, REMOTE_ADDR=address)


def test_a_flood_of_bad_tokens_gets_429_with_retry_after_in_the_error_format(
    settings: Any,
) -> None:
    settings.API_TOKEN_MAX_FAILURES = 5
    settings.LOGIN_FAILURE_WINDOW_SECONDS = 900
    answers = [call(f"tv_guess{n}", FLOOD).status_code for n in range(5)]
    assert answers == [401] * 5

    response = call("tv_guess6", FLOOD)

    assert response.status_code == 429
    assert response.json() == {"detail": "Too many requests; retry later.", "code": "rate_limited"}
    # Until the oldest failure leaves the 15-minute window, not a fixed minute.
    assert 840 <= int(response["Retry-After"]) <= 901


def test_each_bad_token_is_audited_until_the_throttle_answers(settings: Any) -> None:
    settings.API_TOKEN_MAX_FAILURES = 3
    for n in range(10):
        call(f"tv_guess{n}", FLOOD)
    failures = AuditEntry.objects.filter(action=Action.TOKEN_FAILED).order_by("id")
    # Three failures counted, then only 429s: the flood cannot flood the log.
    assert failures.count() == 3
    assert {entry.ip_address for entry in failures} == {FLOOD}
    assert [('"throttled":true' in entry.data) for entry in failures] == [False, False, True]
    assert all("tv_guess" not in entry.data for entry in failures)


def test_a_good_token_still_works_from_another_client(settings: Any, outsider: Any) -> None:
    settings.API_TOKEN_MAX_FAILURES = 3
    _token, raw = api_token_create(actor=outsider, name="tests")
    for n in range(4):
        call(f"tv_guess{n}", FLOOD)
    assert call(raw, OTHER).status_code == 200
    # The throttled address is refused before any token is looked up, even a good one.
    assert call(raw, FLOOD).status_code == 429


def test_below_the_limit_a_good_token_works_from_the_same_client(
    settings: Any, outsider: Any
) -> None:
    settings.API_TOKEN_MAX_FAILURES = 3
    _token, raw = api_token_create(actor=outsider, name="tests")
    call("tv_typo", FLOOD)
    assert call(raw, FLOOD).status_code == 200
