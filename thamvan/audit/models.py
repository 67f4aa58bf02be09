"""The append-only audit log: every entry is chained to the previous one by hash."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

GENESIS_HASH = "0" * 64


class AuditEntry(models.Model):
    # The id is the entry's place in the chain, assigned by the writer, so a
    # removed entry shows as a gap rather than disappearing unnoticed.
    id = models.BigIntegerField(_("number"), primary_key=True)
    created_at = models.DateTimeField(_("time"), db_index=True)
    # No database constraint and no cascade: deleting a user must never touch
    # the record of what they did; actor_label keeps who it was.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    actor_label = models.CharField(_("actor"), max_length=320, blank=True)
    action = models.CharField(_("action"), max_length=80, db_index=True)
    target_type = models.CharField(_("object type"), max_length=100, blank=True, db_index=True)
    target_id = models.CharField(_("object id"), max_length=64, blank=True)
    target_label = models.CharField(_("object"), max_length=300, blank=True)
    ip_address = models.CharField(_("IP address"), max_length=45, blank=True)
    # Canonical JSON text, exactly as hashed: a JSON column could be
    # re-serialised differently by the database and break verification.
    data = models.TextField(_("details"), blank=True, default="{}")
    prev_hash = models.CharField(_("previous hash"), max_length=64)
    hash = models.CharField(_("hash"), max_length=64, unique=True)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering = ["-id"]
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self) -> str:
        return f"#{self.id} {self.action}"

    @property
    def details(self) -> dict[str, Any]:
        value = json.loads(self.data or "{}")
        return value if isinstance(value, dict) else {"value": value}

    def canonical_fields(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "created_at": self.created_at.astimezone(_utc()).isoformat(timespec="microseconds"),
            "actor_id": self.actor_id,
            "actor_label": self.actor_label,
            "action": self.action,
            "target_type": self.target_type,
            "target_id": self.target_id,
            "target_label": self.target_label,
            "ip_address": self.ip_address,
            "data": self.data,
        }

    def compute_hash(self) -> str:
        return chain_hash(self.prev_hash, self.canonical_fields())


class ChainHead(models.Model):
    """One row holding the newest entry's number and hash; writers lock it to append."""

    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64, default=GENESIS_HASH)

    class Meta:
        verbose_name = _("audit chain head")
        verbose_name_plural = _("audit chain head")

    def __str__(self) -> str:
        return f"{self.seq} {self.hash}"


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def chain_hash(prev_hash: str, fields: dict[str, Any]) -> str:
    return hashlib.sha256((prev_hash + canonical_json(fields)).encode("utf-8")).hexdigest()


def _utc() -> Any:
    from datetime import UTC

    return UTC
