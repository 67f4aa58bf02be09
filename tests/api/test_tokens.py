from __future__ import annotations

import re
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from thamvan.accounts.models import ApiToken
from thamvan.accounts.tokens import api_token_create, hash_token

pytestmark = pytest.mark.django_db

LIST = "/accounts/tokens/"


def test_the_token_page_asks_for_a_login(client: Client) -> None:
    assert client.get(LIST).status_code == 302


def test_a_user_creates_a_token_shown_once_and_stored_hashed(as_user: Any, outsider: Any) -> None:
    client = as_user(outsider)
    response = client.post(LIST, {"name": "GIS sync"})
    assert response.status_code == 201
    raw = re.search(r"tv_[0-9a-f]{8}_[\w-]+", response.content.decode())
    assert raw is not None
    token = ApiToken.objects.get(user=outsider)
    assert token.token_hash == hash_token(raw.group())
    assert raw.group() not in client.get(LIST).content.decode()
    api = Client().get("/api/v1/organizations", headers={"Authorization": f"Bearer {raw.group()}"})
    assert api.status_code == 200


def test_a_token_needs_a_name(as_user: Any, outsider: Any) -> None:
    response = as_user(outsider).post(LIST, {"name": ""})
    assert response.status_code == 200
    assert not ApiToken.objects.exists()


def test_a_user_revokes_their_own_token_but_not_someone_elses(
    as_user: Any, outsider: Any, officer: Any
) -> None:
    mine, _raw = api_token_create(actor=outsider, name="mine")
    theirs, _raw = api_token_create(actor=officer, name="theirs")
    client = as_user(outsider)
    assert client.post(f"/accounts/tokens/{theirs.pk}/revoke/").status_code == 404
    assert client.post(f"/accounts/tokens/{mine.pk}/revoke/").status_code == 302
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.revoked_at is not None
    assert theirs.revoked_at is None
    assert client.get(f"/accounts/tokens/{mine.pk}/revoke/").status_code == 405
    assert "theirs" not in client.get(LIST).content.decode()


def test_the_command_prints_a_working_token_for_the_user(outsider: Any) -> None:
    out = StringIO()
    call_command("create_api_token", outsider.email.upper(), stdout=out)
    raw = out.getvalue().strip()
    assert ApiToken.objects.get(user=outsider).token_hash == hash_token(raw)
    headers = {"Authorization": f"Bearer {raw}"}
    assert Client().get("/api/v1/organizations", headers=headers).status_code == 200


def test_the_command_refuses_an_unknown_email(db: None) -> None:
    with pytest.raises(CommandError, match="No active user"):
        call_command("create_api_token", "nobody@example.vn", stdout=StringIO())


def test_the_token_list_takes_the_same_queries_for_many_tokens(
    as_user: Any, outsider: Any, django_assert_max_num_queries: Any
) -> None:
    client = as_user(outsider)
    api_token_create(actor=outsider, name="một")
    with django_assert_max_num_queries(12):
        assert client.get(LIST).status_code == 200
    for n in range(10):
        api_token_create(actor=outsider, name=f"mã {n}")
    with django_assert_max_num_queries(12):
        assert client.get(LIST).status_code == 200
