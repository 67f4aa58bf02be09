"""The client address behind a reverse proxy: throttles and the audit log see each client apart."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse

from thamvan.accounts.tests.factories import PASSWORD, UserFactory
from thamvan.accounts.tokens import api_token_create
from thamvan.audit.models import AuditEntry
from thamvan.core.http import client_address
from thamvan.core.tests.test_settings import _manage

PROXY = "10.0.0.5"
CLIENT = "203.0.113.7"
OTHER_CLIENT = "203.0.113.8"
API_URL = "/api/v1/organizations"


@pytest.fixture
def behind_proxy(settings: Any) -> None:
    settings.TRUSTED_PROXIES = ["10.0.0.0/24"]


def _address(remote: str, forwarded: str | None = None) -> str | None:
    extra: dict[str, Any] = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return client_address(RequestFactory().get("/", REMOTE_ADDR=remote, **extra))


def _via_proxy(client_address: str) -> dict[str, Any]:
    return {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": client_address}


def _login(client: Client, email: str, password: str, **meta: Any) -> Any:
    return client.post(reverse("accounts:login"), {"username": email, "password": password}, **meta)


# The rule -------------------------------------------------------------------


def test_without_trusted_proxies_the_forwarded_header_is_ignored(settings: Any) -> None:
    settings.TRUSTED_PROXIES = []
    assert _address(CLIENT, forwarded="198.51.100.1") == CLIENT


def test_a_peer_outside_the_trusted_proxies_is_the_client(behind_proxy: None) -> None:
    assert _address(CLIENT, forwarded="198.51.100.1") == CLIENT


def test_behind_trusted_proxies_the_first_address_they_did_not_add_is_the_client(
    behind_proxy: None,
) -> None:
    # The client forged the first entry; the proxies appended the rest.
    assert _address(PROXY, forwarded=f"198.51.100.1, {CLIENT}, 10.0.0.6") == CLIENT
    assert _address(PROXY, forwarded=f" {CLIENT} ") == CLIENT
    assert _address(PROXY, forwarded="2001:db8::1") == "2001:db8::1"


def test_a_malformed_forwarded_header_falls_back_to_the_peer(behind_proxy: None) -> None:
    assert _address(PROXY, forwarded="not-an-address") == PROXY
    assert _address(PROXY, forwarded=f"{CLIENT}:443") == PROXY
    assert _address(PROXY, forwarded=f"{CLIENT}, <script>") == PROXY
    assert _address(PROXY) == PROXY


def test_a_malformed_proxy_list_stops_start_up() -> None:
    result = _manage("check", SECRET_KEY="x" * 50, DEBUG="false", TRUSTED_PROXIES="10.0.0.1/8")
    assert result.returncode != 0
    assert "TRUSTED_PROXIES must list IP addresses or networks" in result.stderr


# Through HTTP -----------------------------------------------------------------


@pytest.mark.django_db
def test_without_trusted_proxies_a_forged_header_does_not_change_the_audited_address(
    client: Client, settings: Any
) -> None:
    settings.TRUSTED_PROXIES = []
    _login(client, "hanh@example.vn", "wrong", REMOTE_ADDR=CLIENT, HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert AuditEntry.objects.get().ip_address == CLIENT


@pytest.mark.django_db
def test_behind_the_proxy_the_audit_entry_records_the_client_address(
    client: Client, behind_proxy: None
) -> None:
    _login(client, "hanh@example.vn", "wrong", **_via_proxy(CLIENT))
    assert AuditEntry.objects.get().ip_address == CLIENT


@pytest.mark.django_db
def test_behind_the_proxy_bad_tokens_from_one_client_do_not_throttle_another(
    settings: Any, behind_proxy: None, outsider: Any
) -> None:
    settings.API_TOKEN_MAX_FAILURES = 20
    _token, raw = api_token_create(actor=outsider, name="tests")

    def call(token: str, address: str) -> int:
        headers = {"Authorization": f"Bearer {token}"}
        return Client().get(API_URL, headers=headers, **_via_proxy(address)).status_code

    assert [call(f"tv_guess{n}", CLIENT) for n in range(20)] == [401] * 20
    assert call(raw, OTHER_CLIENT) == 200
    assert call(raw, CLIENT) == 429


@pytest.mark.django_db
def test_behind_the_proxy_sign_in_throttling_counts_each_client_address(
    settings: Any, behind_proxy: None
) -> None:
    settings.LOGIN_MAX_FAILURES = 2
    user: Any = UserFactory(email="hanh@example.vn")
    # Eight failures on eight accounts: the address limit (four times the account's).
    for n in range(8):
        _login(Client(), f"guess{n}@example.vn", "wrong", **_via_proxy(CLIENT))

    from_the_flood = _login(Client(), user.email, PASSWORD, **_via_proxy(CLIENT))
    from_elsewhere = _login(Client(), user.email, PASSWORD, **_via_proxy(OTHER_CLIENT))

    assert from_the_flood.status_code == 200
    assert not from_the_flood.wsgi_request.user.is_authenticated
    assert from_elsewhere.status_code == 302
    assert from_elsewhere.wsgi_request.user == user
