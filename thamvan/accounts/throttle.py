"""Login throttling: too many recent failures for an account or an address refuse further tries."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from thamvan.accounts.models import AuthFailure, LoginAttempt


def _window_start() -> datetime:
    return timezone.now() - timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS)


def is_throttled(*, email: str, ip_address: str | None) -> bool:
    recent = LoginAttempt.objects.filter(created_at__gte=_window_start(), succeeded=False)
    limit = settings.LOGIN_MAX_FAILURES
    if recent.filter(email=email.lower()).count() >= limit:
        return True
    # An address gets more room than an account: offices share one NAT address.
    return bool(ip_address) and recent.filter(ip_address=ip_address).count() >= limit * 4


def record_attempt(*, email: str, ip_address: str | None, succeeded: bool) -> None:
    LoginAttempt.objects.create(email=email.lower(), ip_address=ip_address, succeeded=succeeded)
    if succeeded:
        # A successful login clears the account's failures so a typo earlier
        # in the day does not count towards a lockout later.
        LoginAttempt.objects.filter(email=email.lower(), succeeded=False).delete()


def minutes_until_retry() -> int:
    return max(1, settings.LOGIN_FAILURE_WINDOW_SECONDS // 60)


# Second factor and API tokens ----------------------------------------------


def _recent_failures(scope: str, key: str) -> int:
    return AuthFailure.objects.filter(scope=scope, key=key, created_at__gte=_window_start()).count()


def mfa_max_failures() -> int:
    return int(getattr(settings, "MFA_MAX_FAILURES", 5))


def is_mfa_throttled(user_id: int) -> bool:
    return _recent_failures(AuthFailure.Scope.MFA, str(user_id)) >= mfa_max_failures()


def record_mfa_failure(user_id: int, *, ip_address: str | None) -> None:
    AuthFailure.objects.create(
        scope=AuthFailure.Scope.MFA, key=str(user_id), ip_address=ip_address or ""
    )


def clear_mfa_failures(user_id: int) -> None:
    AuthFailure.objects.filter(scope=AuthFailure.Scope.MFA, key=str(user_id)).delete()


def check_token_failures(key: str) -> bool:
    """True when `key` (the client address) has failed too many API tokens recently.

    The API calls this before looking a token up, answers 429 when it is
    true, and calls `record_token_failure(key)` after each unknown or expired token.
    """
    limit = int(getattr(settings, "API_TOKEN_MAX_FAILURES", 20))
    return _recent_failures(AuthFailure.Scope.TOKEN, key) >= limit


def record_token_failure(key: str) -> None:
    AuthFailure.objects.create(scope=AuthFailure.Scope.TOKEN, key=key[:254], ip_address=key[:45])


def token_retry_after(key: str) -> int:
    """Seconds until the oldest counted failure of `key` leaves the window (at least 1)."""
    oldest = (
        AuthFailure.objects.filter(
            scope=AuthFailure.Scope.TOKEN, key=key, created_at__gte=_window_start()
        )
        .order_by("created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    if oldest is None:
        return 1
    release = oldest + timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS)
    return max(1, int((release - timezone.now()).total_seconds()) + 1)


# Password-reset requests -----------------------------------------------------

PASSWORD_RESET_WINDOW = timedelta(hours=1)


def password_reset_limits() -> tuple[int, int]:
    """Requests allowed per account and per address within the hour."""
    return (
        int(getattr(settings, "PASSWORD_RESET_MAX_PER_ACCOUNT", 5)),
        int(getattr(settings, "PASSWORD_RESET_MAX_PER_ADDRESS", 20)),
    )


def is_password_reset_throttled(*, email: str, ip_address: str | None) -> bool:
    recent = AuthFailure.objects.filter(
        scope=AuthFailure.Scope.PASSWORD_RESET,
        created_at__gte=timezone.now() - PASSWORD_RESET_WINDOW,
    )
    per_account, per_address = password_reset_limits()
    if recent.filter(key=email.lower()[:254]).count() >= per_account:
        return True
    return bool(ip_address) and recent.filter(ip_address=ip_address).count() >= per_address


def record_password_reset(*, email: str, ip_address: str | None) -> None:
    # Refused requests are not recorded, so the limit lifts an hour after the last one sent.
    AuthFailure.objects.create(
        scope=AuthFailure.Scope.PASSWORD_RESET,
        key=email.lower()[:254],
        ip_address=(ip_address or "")[:45],
    )
