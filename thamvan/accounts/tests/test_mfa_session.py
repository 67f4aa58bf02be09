"""Completing the second factor gives the session a new id, however it was completed."""

from __future__ import annotations

from typing import Any

import pyotp
import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from thamvan.accounts import mfa
from thamvan.accounts.models import TOTPDevice
from thamvan.accounts.tests.factories import PASSWORD
from thamvan.accounts.tests.sessions import unverified_client, verified_client

pytestmark = pytest.mark.django_db

VERIFY = reverse("mfa:verify")
ENROL = reverse("mfa:enrol")


def _device(user: Any) -> TOTPDevice:
    return TOTPDevice.objects.create(
        user=user, secret=pyotp.random_base32(), confirmed_at=timezone.now(), last_used_step=0
    )


def _key(client: Client) -> str:
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def _signed_in_and_verified(client: Client, user: Any) -> bool:
    page = client.get(reverse("accounts:profile"))
    return page.status_code == 200 and page.wsgi_request.user == user


def test_a_code_typed_in_a_session_opened_without_it_rotates_the_session(
    secretariat: Any,
) -> None:
    device = _device(secretariat)
    client = unverified_client(secretariat)
    before = _key(client)
    response = client.post(VERIFY, {"code": pyotp.TOTP(device.secret).now()})
    assert response.status_code == 302
    assert _key(client) != before
    assert _signed_in_and_verified(client, secretariat)


def test_a_recovery_code_rotates_the_session(secretariat: Any) -> None:
    _device(secretariat)
    codes = mfa.generate_recovery_codes(secretariat)
    client = unverified_client(secretariat)
    before = _key(client)
    response = client.post(VERIFY, {"code": codes[0]})
    assert response.status_code == 302
    assert _key(client) != before
    assert _signed_in_and_verified(client, secretariat)


def test_completing_enrolment_after_the_password_rotates_the_session(secretariat: Any) -> None:
    client = Client()
    client.post(reverse("accounts:login"), {"username": secretariat.email, "password": PASSWORD})
    client.get(ENROL)
    before = _key(client)
    secret = client.session[mfa.ENROL_SECRET_SESSION_KEY]
    response = client.post(ENROL, {"code": pyotp.TOTP(secret).now()})
    assert response["Location"] == reverse("mfa:recovery_codes")
    assert _key(client) != before
    assert _signed_in_and_verified(client, secretariat)


def test_enrolment_in_a_session_signed_in_without_the_second_factor_rotates_it(
    expert_user: Any,
) -> None:
    client = unverified_client(expert_user)
    client.get(ENROL)
    before = _key(client)
    secret = client.session[mfa.ENROL_SECRET_SESSION_KEY]
    client.post(ENROL, {"code": pyotp.TOTP(secret).now()})
    assert _key(client) != before
    assert _signed_in_and_verified(client, expert_user)


def test_replacing_the_authenticator_in_a_verified_session_rotates_it(secretariat: Any) -> None:
    _device(secretariat)
    client = verified_client(secretariat)
    client.get(ENROL)
    before = _key(client)
    secret = client.session[mfa.ENROL_SECRET_SESSION_KEY]
    response = client.post(ENROL, {"code": pyotp.TOTP(secret).now()})
    assert response["Location"] == reverse("mfa:recovery_codes")
    assert _key(client) != before
    assert TOTPDevice.objects.get(user=secretariat).secret == secret
