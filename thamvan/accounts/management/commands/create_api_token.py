from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from thamvan.accounts.models import User
from thamvan.accounts.tokens import api_token_create


class Command(BaseCommand):
    help = "Create a personal API token for the user with this email and print it (once)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email")
        parser.add_argument("--name", default="manage.py create_api_token")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(email=options["email"].strip().lower(), is_active=True).first()
        if user is None:
            raise CommandError(f"No active user has the email address {options['email']!r}.")
        _token, raw = api_token_create(actor=user, name=options["name"])
        self.stdout.write(raw)
