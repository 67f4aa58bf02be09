from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from thamvan.core.backups import BackupError, restore_backup, verify_backup


class Command(BaseCommand):
    help = (
        "Restore the database and media files from a backup folder, replacing what is "
        "there. Stop the web server and workers first."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("folder", type=Path)
        parser.add_argument("--database", default="default")
        parser.add_argument(
            "--database-name",
            default=None,
            help="PostgreSQL only: restore into this existing database instead.",
        )
        parser.add_argument("--skip-media", action="store_true")
        parser.add_argument("--check-only", action="store_true", help="Only verify the backup.")
        parser.add_argument("--noinput", "--no-input", action="store_false", dest="interactive")

    def handle(self, *args: Any, **options: Any) -> None:
        folder: Path = options["folder"]
        try:
            checked = verify_backup(folder)
            if options["check_only"]:
                self.stdout.write(f"Backup verified: {folder}")
                return
            if options["interactive"]:
                answer = input(
                    f"This replaces the current data with the backup of "
                    f"{checked.manifest['created_at']}. Type 'yes' to continue: "
                )
                if answer != "yes":
                    raise CommandError("Restore cancelled.")
            restore_backup(
                folder,
                using=options["database"],
                database_name=options["database_name"],
                media=not options["skip_media"],
            )
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"Restored the backup of {checked.manifest['created_at']}. "
            "Run `manage.py migrate` if this code is newer, then `manage.py audit_verify`."
        )
