from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from thamvan.search.indexing import reindex
from thamvan.search.registry import indexables


class Command(BaseCommand):
    help = "Rebuild the search index for every registered type, or for the types named."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "types", nargs="*", help="Registered search types, e.g. dossier expert."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        known = {indexable.key for indexable in indexables()}
        unknown = sorted(set(options["types"]) - known)
        if unknown:
            raise CommandError(
                f"Unknown search type {', '.join(unknown)}; known: {', '.join(sorted(known))}"
            )
        counts = reindex(options["types"] or None)
        for key, count in counts.items():
            self.stdout.write(f"{key}: {count}")
