"""Creating, checking and revoking personal API tokens.

A token reads ``tv_<8 characters>_<secret>``: the first part is stored as the
visible prefix, and only the SHA-256 of the whole token is kept, so a leaked
database reveals no usable token. The token is shown once, when created.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from thamvan import audit
from thamvan.accounts.models import User
from thamvan.accounts.models_tokens import ApiToken
from thamvan.search.normalize import nfc

TOKEN_PREFIX = "tv_"
# Writing the last-used time on every request would make every API call a write.
LAST_USED_PRECISION = timedelta(minutes=1)

NAME_REQUIRED = _("Give the token a name, e.g. the script that will use it.")
NOT_YOURS = _("You may only revoke your own tokens.")
# Named as the actions in thamvan.audit.services.Action.
TOKENS_REVOKED = "token.revoked"


class TokenError(ValueError):
    pass


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def _new_raw_token() -> tuple[str, str]:
    visible = secrets.token_hex(4)
    raw = f"{TOKEN_PREFIX}{visible}_{secrets.token_urlsafe(32)}"
    return raw, f"{TOKEN_PREFIX}{visible}"


@transaction.atomic
def api_token_create(*, actor: User, name: str) -> tuple[ApiToken, str]:
    """A new token for ``actor``; returns it and the raw token, which is never stored."""
    name = nfc(name).strip()
    if not name:
        raise TokenError(NAME_REQUIRED)
    raw, prefix = _new_raw_token()
    token = ApiToken.objects.create(
        user=actor, name=name[:100], prefix=prefix, token_hash=hash_token(raw)
    )
    return token, raw


@transaction.atomic
def api_token_revoke(*, actor: User, token: ApiToken) -> ApiToken:
    if token.user_id != actor.pk:
        raise TokenError(NOT_YOURS)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def api_tokens_revoke_all(*, user: User, reason: str) -> int:
    """Revoke every active token of ``user``; audited when there were any."""
    count = ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    if count:
        audit.record(
            actor=None,
            action=TOKENS_REVOKED,
            target=user,
            data={"reason": reason, "count": count},
        )
    return count


def authenticate_token(raw: str) -> ApiToken | None:
    """The active token matching ``raw``, its last-used time refreshed; None otherwise."""
    if not raw.startswith(TOKEN_PREFIX) or len(raw) > 200:
        return None
    token = (
        ApiToken.objects.active().select_related("user").filter(token_hash=hash_token(raw)).first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_PRECISION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
