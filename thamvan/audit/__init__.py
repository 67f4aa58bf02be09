"""The audit log. Services call `audit.record(actor=, action=, target=, data=)`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from thamvan.audit.models import AuditEntry


def record(**kwargs: Any) -> AuditEntry:
    from thamvan.audit.services import record as _record

    return _record(**kwargs)


def record_denied(**kwargs: Any) -> AuditEntry:
    from thamvan.audit.services import record_denied as _record_denied

    return _record_denied(**kwargs)
