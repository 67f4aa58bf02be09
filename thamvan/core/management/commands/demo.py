from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from thamvan.core.demo import consultations, dossiers, experts, programme
from thamvan.core.demo.organizations import DEMO_PASSWORD, load_organizations, load_users
from thamvan.search.indexing import reindex


class Command(BaseCommand):
    help = "Load the Hanoi demo data (idempotent) and print the demo accounts."

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEMO_MODE:
            raise CommandError("Demo data is loaded only with DEMO_MODE=true.")
        with transaction.atomic():
            organizations = load_organizations()
            users = load_users(organizations)
            expert_count = experts.load(organizations)
            dossier_count = dossiers.load(organizations)
            consultation_count = consultations.load(organizations)
            programme.load(organizations)
        # The loaders write rows directly; rebuild the knowledge base from them.
        indexed = sum(reindex().values())
        self.stdout.write(
            f"Demo data ready: {len(organizations)} organisations, {expert_count} experts, "
            f"{dossier_count} dossiers, {consultation_count} consultations, "
            f"{indexed} entries in the knowledge base."
        )
        self.stdout.write(f"Demo accounts (password: {DEMO_PASSWORD}):")
        for user in users:
            self.stdout.write(f"  {user.email:<28} {user.role:<15} {user.full_name}")
