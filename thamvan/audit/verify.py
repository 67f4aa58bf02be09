"""Walk the audit chain and report entries that were altered or removed."""

from __future__ import annotations

from dataclasses import dataclass, field

from thamvan.audit.models import GENESIS_HASH, AuditEntry, ChainHead

BATCH = 2000


@dataclass
class ChainReport:
    checked: int = 0
    altered: list[int] = field(default_factory=list)
    missing: list[int] = field(default_factory=list)
    head_seq: int = 0
    head_hash: str = GENESIS_HASH

    @property
    def ok(self) -> bool:
        return not self.altered and not self.missing


def verify_chain() -> ChainReport:
    report = ChainReport()
    head = ChainHead.objects.filter(pk=1).first()
    if head is not None:
        report.head_seq, report.head_hash = head.seq, head.hash
    altered: set[int] = set()
    expected_id = 1
    prev_hash = GENESIS_HASH
    last_id = 0
    # Keyset pagination keeps memory flat over millions of entries.
    while True:
        batch = list(AuditEntry.objects.filter(id__gt=last_id).order_by("id")[:BATCH])
        if not batch:
            break
        for entry in batch:
            report.checked += 1
            if entry.id > expected_id:
                report.missing.extend(range(expected_id, entry.id))
            elif entry.prev_hash != prev_hash:
                # The previous entry's stored hash no longer links to this
                # one: that entry was rewritten, hash included.
                altered.add(entry.id - 1)
            if entry.compute_hash() != entry.hash:
                altered.add(entry.id)
            prev_hash = entry.hash
            expected_id = entry.id + 1
            last_id = entry.id
        if len(batch) < BATCH:
            break
    if report.head_seq >= expected_id:
        report.missing.extend(range(expected_id, report.head_seq + 1))
    elif report.head_seq == last_id and last_id and report.head_hash != prev_hash:
        altered.add(last_id)
    elif last_id > report.head_seq:
        # Entries beyond the head were inserted behind the writer's back.
        altered.update(range(report.head_seq + 1, last_id + 1))
    report.altered = sorted(altered)
    return report
