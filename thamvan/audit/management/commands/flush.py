"""Django's flush, able to empty the audit tables despite their append-only triggers.

Flushing is the operator's explicit "erase every table"; test runs use it
between transactional tests. The triggers are lifted for that one statement
and put back in the same transaction.
"""

from __future__ import annotations

from typing import Any

from django.core.management.commands.flush import Command as FlushCommand
from django.db import DEFAULT_DB_ALIAS, connections, transaction

from thamvan.audit import triggers


class Command(FlushCommand):
    def handle(self, **options: Any) -> None:
        connection = connections[options.get("database") or DEFAULT_DB_ALIAS]
        with transaction.atomic(using=connection.alias):
            triggers.remove(connection)
            super().handle(**options)
            triggers.install(connection)
