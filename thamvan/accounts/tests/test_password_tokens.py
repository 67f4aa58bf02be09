"""A new password revokes the account's API tokens, whichever way it was set."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.test import Client, TestCase
from django.urls import reverse

from thamvan.accounts.tests.factories import PASSWORD
from thamvan.accounts.tokens import api_token_create
from thamvan.audit.models import AuditEntry

pytestmark = pytest.mark.django_db

API_URL = "/api/v1/organizations"
NEW_PASSWORD = "một mật khẩu mới rất dài"
NOTICE = "Your API tokens will be revoked"


def _api(raw: str) -> int:
    return Client().get(API_URL, headers={"Authorization": f"Bearer {raw}"}).status_code


def test_changing_ones_password_revokes_ones_tokens_only(
    as_user: Any, outsider: Any, officer: Any, settings: Any
) -> None:
    settings.LANGUAGE_CODE = "en"
    _mine, raw = api_token_create(actor=outsider, name="script")
    _theirs, other_raw = api_token_create(actor=officer, name="theirs")
    client = as_user(outsider)
    page = client.get(reverse("accounts:password_change"))
    assert NOTICE in page.content.decode()

    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert response.status_code == 302
    assert _api(raw) == 401
    assert _api(other_raw) == 200
    entry = AuditEntry.objects.get(action="token.revoked")
    assert entry.target_id == str(outsider.pk)
    assert entry.details == {"reason": "password_changed", "count": 1}


def test_a_password_reset_revokes_the_tokens(
    outsider: Any, settings: Any, mailoutbox: list[Any]
) -> None:
    settings.LANGUAGE_CODE = "en"
    _token, raw = api_token_create(actor=outsider, name="script")
    client = Client()
    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post(reverse("accounts:password_reset"), {"email": outsider.email})
    link = re.search(r"/accounts/password/reset/[\w-]+/[\w-]+/", mailoutbox[0].body)
    assert link is not None
    form = client.get(link.group(), follow=True)
    assert NOTICE in form.content.decode()

    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert done["Location"] == reverse("accounts:password_reset_complete")
    assert _api(raw) == 401


def test_an_administrator_setting_the_password_revokes_the_tokens(
    as_user: Any, admin_user: Any, outsider: Any
) -> None:
    _token, raw = api_token_create(actor=outsider, name="script")
    response = as_user(admin_user).post(
        f"/admin/accounts/user/{outsider.pk}/password/",
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert _api(raw) == 401


def test_a_sign_in_that_rehashes_the_same_password_keeps_the_tokens(
    outsider: Any, settings: Any
) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    # An older, cheaper hash of the same password: signing in upgrades it.
    outsider.password = PBKDF2PasswordHasher().encode(PASSWORD, "oldsalt0123456789", 1000)
    outsider.save(update_fields=["password"])
    _token, raw = api_token_create(actor=outsider, name="script")

    signed_in = Client().post(
        reverse("accounts:login"), {"username": outsider.email, "password": PASSWORD}
    )

    assert signed_in.status_code == 302
    outsider.refresh_from_db()
    assert "$1000$" not in outsider.password
    assert _api(raw) == 200
    assert not AuditEntry.objects.filter(action="token.revoked").exists()
