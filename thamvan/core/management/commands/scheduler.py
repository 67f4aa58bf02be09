import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections

from thamvan.core.periodic import enqueue_due


class Command(BaseCommand):
    help = "Enqueue periodic jobs (reminders, clean-ups) as they fall due; runs until stopped."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--interval", type=float, default=30.0, help="Seconds between checks")
        parser.add_argument("--once", action="store_true", help="Check once and exit")

    def handle(self, *args: Any, **options: Any) -> None:
        while True:
            close_old_connections()
            for name in enqueue_due():
                self.stdout.write(f"enqueued {name}")
            if options["once"]:
                return
            time.sleep(options["interval"])
