from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from thamvan.accounts.tokens import api_token_create


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def api_client() -> Callable[[Any], Client]:
    """A client that sends a fresh personal token of the user on every request."""

    def make(user: Any) -> Client:
        _token, raw = api_token_create(actor=user, name="tests")
        return Client(headers={"Authorization": f"Bearer {raw}"})

    return make
