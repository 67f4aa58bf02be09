"""Second-factor rules: who must use one, TOTP checks without replay, recovery codes.

Session states, under MFA_SESSION_KEY:
- "verified": the user passed a second factor in this session;
- "password": signed in with a password only, allowed because no second
  factor was required or enrolled at that moment.
A password-verified user who must still pass a second factor is not signed
in at all: their id waits under PENDING_SESSION_KEY until they do.
"""

from __future__ import annotations

import base64
import secrets
import time
from typing import Any

import pyotp
import segno
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import check_password, make_password
from django.contrib.sessions.backends.base import SessionBase
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from thamvan.accounts.models import RecoveryCode, Role, TOTPDevice, User

DEFAULT_REQUIRED_ROLES = frozenset(
    {Role.SECRETARIAT, Role.ADMIN, Role.LEADERSHIP, Role.AGENCY_OFFICER}
)
DEMO_EMAIL_DOMAIN = "@thamvan.example"
ISSUER = "thamvan"
RECOVERY_CODE_COUNT = 10
PENDING_LIFETIME_SECONDS = 600
TOTP_INTERVAL = 30

MFA_SESSION_KEY = "thamvan_mfa"
PENDING_SESSION_KEY = "thamvan_mfa_pending"
ENROL_SECRET_SESSION_KEY = "thamvan_mfa_enrol_secret"
NEW_CODES_SESSION_KEY = "thamvan_mfa_new_codes"
VERIFIED = "verified"
PASSWORD_ONLY = "password"


def required_roles() -> frozenset[str]:
    return frozenset(getattr(settings, "MFA_REQUIRED_ROLES", DEFAULT_REQUIRED_ROLES))


def is_demo_exempt(user: User) -> bool:
    """Demo accounts sign in with a password alone, and only in demo mode."""
    return bool(settings.DEMO_MODE) and user.email.endswith(DEMO_EMAIL_DOMAIN)


def is_required(user: User) -> bool:
    if is_demo_exempt(user):
        return False
    return user.is_superuser or user.has_role(*required_roles())


def confirmed_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed_at__isnull=False).first()


def needs_second_step(user: User) -> bool:
    return is_required(user) or confirmed_device(user) is not None


# TOTP ---------------------------------------------------------------------


def new_secret() -> str:
    return pyotp.random_base32(length=32)


def provisioning_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret, interval=TOTP_INTERVAL).provisioning_uri(
        name=user.email, issuer_name=ISSUER
    )


def qr_data_uri(uri: str) -> str:
    svg = segno.make(uri, error="m").svg_inline(scale=4, border=2)
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def grouped_secret(secret: str) -> str:
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def matching_step(secret: str, code: str, *, at: float | None = None) -> int | None:
    """The time step (one behind to one ahead, for clock drift) whose code matches."""
    code = "".join(code.split())
    if not (code.isdigit() and len(code) == 6):
        return None
    now = time.time() if at is None else at
    totp = pyotp.TOTP(secret, interval=TOTP_INTERVAL)
    current = int(now // TOTP_INTERVAL)
    for step in (current - 1, current, current + 1):
        if secrets.compare_digest(totp.at(step * TOTP_INTERVAL), code):
            return step
    return None


def verify_totp(device: TOTPDevice, code: str, *, at: float | None = None) -> bool:
    step = matching_step(device.secret, code, at=at)
    if step is None:
        return False
    # The conditional update makes a code good for one use even when two
    # requests race with it.
    return bool(
        TOTPDevice.objects.filter(pk=device.pk, last_used_step__lt=step).update(last_used_step=step)
    )


@transaction.atomic
def confirm_device(user: User, secret: str, code: str) -> TOTPDevice | None:
    step = matching_step(secret, code)
    if step is None:
        return None
    device, _ = TOTPDevice.objects.update_or_create(
        user=user,
        defaults={"secret": secret, "confirmed_at": timezone.now(), "last_used_step": step},
    )
    return device


# Recovery codes -----------------------------------------------------------

_CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def _normalise_code(code: str) -> str:
    return "".join(ch for ch in code.lower() if ch.isalnum())


LOOKUP_LENGTH = 4
SECRET_LENGTH = 12


def looks_like_recovery_code(code: str) -> bool:
    return len(_normalise_code(code)) == LOOKUP_LENGTH + SECRET_LENGTH


def _new_recovery_code(taken: set[str]) -> str:
    while True:
        raw = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(LOOKUP_LENGTH + SECRET_LENGTH))
        if raw[:LOOKUP_LENGTH] not in taken:
            taken.add(raw[:LOOKUP_LENGTH])
            return "-".join(raw[i : i + 4] for i in range(0, len(raw), 4))


@transaction.atomic
def generate_recovery_codes(user: User) -> list[str]:
    """Replace the user's recovery codes with ten new ones, returned once in clear."""
    taken: set[str] = set()
    codes = [_new_recovery_code(taken) for _ in range(RECOVERY_CODE_COUNT)]
    RecoveryCode.objects.filter(user=user).delete()
    RecoveryCode.objects.bulk_create(
        RecoveryCode(
            user=user,
            lookup=_normalise_code(code)[:LOOKUP_LENGTH],
            code_hash=make_password(_normalise_code(code)[LOOKUP_LENGTH:]),
        )
        for code in codes
    )
    return codes


def use_recovery_code(user: User, code: str) -> bool:
    raw = _normalise_code(code)
    if len(raw) != LOOKUP_LENGTH + SECRET_LENGTH:
        return False
    candidate = RecoveryCode.objects.filter(
        user=user, lookup=raw[:LOOKUP_LENGTH], used_at__isnull=True
    ).first()
    if candidate is None or not check_password(raw[LOOKUP_LENGTH:], candidate.code_hash):
        return False
    # Conditional on still unused, so two racing requests cannot both spend it.
    return bool(
        RecoveryCode.objects.filter(pk=candidate.pk, used_at__isnull=True).update(
            used_at=timezone.now()
        )
    )


def remaining_recovery_codes(user: User) -> int:
    return RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()


# Session state ------------------------------------------------------------


def start_pending(request: HttpRequest, user: User, *, next_url: str, backend: str) -> None:
    # A new session key, so a fixed session id cannot ride into the login.
    request.session.cycle_key()
    request.session[PENDING_SESSION_KEY] = {
        "user_id": user.pk,
        "backend": backend,
        "auth_hash": user.get_session_auth_hash(),
        "next": next_url,
        "started": time.time(),
    }


def pending_state(request: HttpRequest) -> dict[str, Any] | None:
    state = request.session.get(PENDING_SESSION_KEY)
    if not isinstance(state, dict):
        return None
    if time.time() - float(state.get("started", 0)) > PENDING_LIFETIME_SECONDS:
        request.session.pop(PENDING_SESSION_KEY, None)
        return None
    return state


def pending_user(request: HttpRequest) -> User | None:
    state = pending_state(request)
    if state is None:
        return None
    user = get_user_model().objects.filter(pk=state["user_id"], is_active=True).first()
    # A password changed meanwhile voids the half-finished sign-in.
    if user is None or not secrets.compare_digest(
        user.get_session_auth_hash(), str(state.get("auth_hash", ""))
    ):
        request.session.pop(PENDING_SESSION_KEY, None)
        return None
    return user


def mark_verified(session: SessionBase) -> None:
    session[MFA_SESSION_KEY] = VERIFIED


def is_verified(session: SessionBase) -> bool:
    return session.get(MFA_SESSION_KEY) == VERIFIED
