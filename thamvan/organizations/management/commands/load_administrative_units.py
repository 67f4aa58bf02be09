from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from thamvan.organizations.models import AdministrativeUnit
from thamvan.organizations.units import HANOI_CODE, HANOI_COMMUNES_CSV, PROVINCES_CSV, load_units


class Command(BaseCommand):
    help = "Load provinces and one province's communes from CSV files (code,name,division_type)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--provinces", type=Path, default=PROVINCES_CSV)
        parser.add_argument("--communes", type=Path, default=HANOI_COMMUNES_CSV)
        parser.add_argument("--province", default=HANOI_CODE, help="Code of the communes' province")

    def handle(self, *args: Any, **options: Any) -> None:
        with transaction.atomic():
            provinces, communes = load_units(
                AdministrativeUnit,
                provinces=options["provinces"],
                communes=options["communes"],
                province_code=options["province"],
            )
        self.stdout.write(f"{provinces} provinces, {communes} communes loaded.")
