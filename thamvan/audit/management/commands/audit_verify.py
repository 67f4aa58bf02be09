from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from thamvan.audit.verify import verify_chain


class Command(BaseCommand):
    help = "Check the audit log's hash chain; exit code 1 names altered or removed entries."

    def handle(self, *args: Any, **options: Any) -> None:
        report = verify_chain()
        if report.ok:
            self.stdout.write(
                f"OK: {report.checked} entries, head {report.head_seq} {report.head_hash}"
            )
            return
        lines = []
        if report.altered:
            lines.append("altered entries: " + ", ".join(map(str, report.altered)))
        if report.missing:
            lines.append("removed entries: " + ", ".join(map(str, report.missing)))
        for line in lines:
            self.stdout.write(line)
        raise CommandError("audit chain broken; " + "; ".join(lines), returncode=1)
