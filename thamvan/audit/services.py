"""Appending to the audit log.

Call `record()` inside the transaction that makes the change: the entry is
committed with it or rolled back with it.
"""

from __future__ import annotations

import re
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, models, transaction
from django.http import HttpRequest
from django.utils import timezone

from thamvan.audit.models import GENESIS_HASH, AuditEntry, ChainHead, canonical_json
from thamvan.core.http import client_address

ACTION_PATTERN = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")
BAD_ACTION_MESSAGE = "Audit actions are dotted lower-case names such as 'login.failed'."


class Action:
    """Security event names; domain transitions use '<entity>.<verb>' likewise."""

    LOGIN_SUCCEEDED = "login.succeeded"
    LOGIN_FAILED = "login.failed"
    LOGIN_THROTTLED = "login.throttled"
    LOGOUT = "login.logout"
    MFA_ENROLLED = "mfa.enrolled"
    MFA_VERIFIED = "mfa.verified"
    MFA_FAILED = "mfa.failed"
    MFA_THROTTLED = "mfa.throttled"
    MFA_RECOVERY_USED = "mfa.recovery_used"
    MFA_RECOVERY_REGENERATED = "mfa.recovery_regenerated"
    MFA_RESET = "mfa.reset"
    ACCESS_DENIED = "access.denied"
    DOWNLOAD = "file.download"
    EXPORT = "data.export"
    TOKEN_FAILED = "token.failed"
    # Personal invitation links (thamvan.consultations.services.links).
    INVITATION_LINK_SENT = "invitation_link.sent"
    INVITATION_LINK_OPENED = "invitation_link.opened"
    INVITATION_LINK_REFUSED = "invitation_link.refused"
    INVITATION_LINK_REVOKED = "invitation_link.revoked"
    INVITATION_LINK_ACTIVATED = "invitation_link.activated"
    INVITATION_UNREACHABLE = "invitation.unreachable"


def client_ip(request: HttpRequest | None) -> str:
    if request is None:
        return ""
    return (client_address(request) or "")[:45]


def _locked_head() -> ChainHead:
    while True:
        head = ChainHead.objects.select_for_update().filter(pk=1).first()
        if head is not None:
            return head
        try:
            with transaction.atomic():
                return ChainHead.objects.create(pk=1, seq=0, hash=GENESIS_HASH)
        except IntegrityError:
            # Another writer created the head first; lock theirs.
            continue


def _actor_label(actor: Any) -> str:
    if actor is None or not getattr(actor, "pk", None):
        return ""
    return str(getattr(actor, "email", "") or actor)[:320]


def _target_parts(target: models.Model | None) -> tuple[str, str, str]:
    if target is None:
        return "", "", ""
    meta = target._meta
    return meta.label_lower, str(target.pk), str(target)[:300]


def record(
    *,
    actor: Any,
    action: str,
    target: models.Model | None = None,
    data: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
    target_type: str = "",
    target_id: str | int = "",
) -> AuditEntry:
    """Append one entry; `target_type`/`target_id` name an object not loaded (e.g. a denied id)."""
    if not ACTION_PATTERN.match(action):
        raise ValueError(BAD_ACTION_MESSAGE)
    kind, pk, label = _target_parts(target)
    # Round-trip through the encoder so dates, decimals and UUIDs become the
    # same text the verifier will later hash.
    payload = canonical_json(
        _plain(data or {}),
    )
    with transaction.atomic():
        head = _locked_head()
        entry = AuditEntry(
            id=head.seq + 1,
            created_at=timezone.now(),
            actor=actor if getattr(actor, "pk", None) else None,
            actor_label=_actor_label(actor),
            action=action,
            target_type=kind or target_type,
            target_id=pk or str(target_id),
            target_label=label,
            ip_address=client_ip(request),
            data=payload,
            prev_hash=head.hash,
        )
        entry.hash = entry.compute_hash()
        entry.save(force_insert=True)
        head.seq = entry.id
        head.hash = entry.hash
        head.save(update_fields=["seq", "hash"])
    return entry


def record_denied(
    *,
    request: HttpRequest,
    target_type: str,
    target_id: str | int,
    data: dict[str, Any] | None = None,
) -> AuditEntry:
    """Log a refused access (the 404 an access helper answered) without loading the object."""
    user = getattr(request, "user", None)
    return record(
        actor=user if user is not None and user.is_authenticated else None,
        action=Action.ACCESS_DENIED,
        target_type=target_type,
        target_id=target_id,
        data={"path": request.path, "method": request.method, **(data or {})},
        request=request,
    )


def _plain(value: dict[str, Any]) -> Any:
    import json

    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))
