from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from thamvan.core.backups import BackupError, create_backup


class Command(BaseCommand):
    help = (
        "Back up the database and media files into a new folder under OUTPUT "
        "(default var/backups), with a sha256 manifest, and verify it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", type=Path, default=None)
        parser.add_argument("--database", default="default")

    def handle(self, *args: Any, **options: Any) -> None:
        output = options["output"] or Path(settings.BASE_DIR) / "var" / "backups"
        try:
            folder = create_backup(output, using=options["database"])
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"Backup written and verified: {folder}")
